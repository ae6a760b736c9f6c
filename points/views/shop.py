"""爱心超市 pages: the shelves, redeeming, 我的兑换 with its QR, the counter, the monthly report.

Thin on purpose: every write is a call into ``services.rewards``, every "may they?"
is ``volunteers.permissions``; these views turn answers and refusals into pages.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import qr
from core.downloads import xlsx_response
from core.errors import DomainError, Forbidden, Invalid
from core.pagination import page_of, search_text
from core.refusals import refusal_response
from points.models import Redemption, Reward
from points.periods import month_key
from points.policies import SHOP_ACTION, may_run_shop
from points.selectors import shop as selectors
from points.services.rewards import (
    normalise_code,
    redeem_ticket_issue,
    redeem_ticket_read,
    redemption_cancel,
    redemption_find,
    redemption_hand_over,
    reward_redeem,
    reward_redeem_refusal,
)
from volunteers.decorators import allowed_somewhere
from volunteers.models import Organisation
from volunteers.selectors import person_for_user

Status = Redemption.Status
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Where the person lives, read with them: their own community's shop comes first.
PERSON_HOME = ("home_grid", "reported_community")

shop_staff_required = allowed_somewhere(
    SHOP_ACTION,
    message=gettext_lazy("爱心超市的发放和报表需要社区书记（管理员）的权限。"),
)


def _no_person(request):
    no_person = Forbidden(
        "no_person",
        _("您的账号还没有关联志愿者信息，不能兑换。请联系所在社区的工作人员为账号关联信息。"),
    )
    return refusal_response(request, no_person, title=_("账号未关联人员信息"))


def hand_over_url(request, code: str) -> str:
    """What a redemption's QR opens: the counter page with the code filled in."""
    return request.build_absolute_uri(f"{reverse('points:shop_hand_over')}?code={code}")


# --- The shelves ---------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def shop_index(request):
    """Every community's 爱心超市, the person's own first."""
    person = person_for_user(request.user, *PERSON_HOME)
    communities = list(selectors.shop_communities())
    own = selectors.person_community(person)
    if own is not None:
        communities.sort(key=lambda c: c.pk != own.pk)
    return render(
        request,
        "points/shop_index.html",
        {
            "person": person,
            "balance": selectors.person_balance(person),
            "communities": communities,
            "own": own,
        },
    )


def _shelf_page(request, community: Organisation):
    person = person_for_user(request.user, *PERSON_HOME)
    rewards = list(selectors.shelf(community))
    held = selectors.person_redeemed_counts(person, [r.pk for r in rewards])
    now = timezone.now()
    for reward in rewards:
        reward.held = held.get(reward.pk, 0)
        reward.open_now = reward.is_open(now)
        reward.limit_reached = bool(reward.per_person_limit) and reward.held >= (
            reward.per_person_limit
        )
    return render(
        request,
        "points/shop_community.html",
        {
            "community": community,
            "person": person,
            "balance": selectors.person_balance(person),
            "rewards": rewards,
            "own": selectors.person_community(person),
            "thumbnail": selectors.THUMBNAIL,
            "runs_shop": may_run_shop(request.user, community),
        },
    )


def _community(code: str) -> Organisation:
    return get_object_or_404(Organisation, code=code, kind=Organisation.Kind.COMMUNITY)


@never_cache
@login_required
@require_GET
def shop_community(request, community: str):
    return _shelf_page(request, _community(community))


# --- Redeeming: 兑换 → the confirmation page → 确认兑换 --------------------------------------


def _confirm_page(request, reward: Reward, person, *, error: str = "", status: int = 200):
    """The page between 兑换 and spending: what, for how much, what is left, where to collect."""
    balance = selectors.person_balance(person)
    refusal = reward_redeem_refusal(reward=reward, person=person, balance=balance)
    return render(
        request,
        "points/shop_confirm.html",
        {
            "reward": reward,
            "community": reward.community,
            "person": person,
            "balance": balance,
            "after": balance - reward.price,
            "short": max(reward.price - balance, 0),
            "refusal": refusal.message if refusal is not None else "",
            "error": error,
            "ticket": redeem_ticket_issue(reward=reward, person=person) if refusal is None else "",
            "held": selectors.person_redeemed_counts(person, [reward.pk]).get(reward.pk, 0),
        },
        status=status,
    )


def _redeem_reward(pk: int) -> Reward:
    return get_object_or_404(Reward.objects.select_related("community", "image"), pk=pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reward_redeem_view(request, pk: int):
    """GET: the confirmation page (spends nothing). POST from it: spend, once."""
    reward = _redeem_reward(pk)
    person = person_for_user(request.user, *PERSON_HOME)
    if person is None:
        return _no_person(request)
    if request.method == "GET":
        return _confirm_page(request, reward, person)
    try:
        ticket = redeem_ticket_read(
            value=request.POST.get("ticket", ""), reward=reward, person=person
        )
    except DomainError as exc:
        return _confirm_page(request, reward, person, error=exc.message, status=exc.status)
    try:
        redemption = reward_redeem(
            reward=reward, person=person, by=request.user, request=ticket["n"], price=ticket["c"]
        )
    except DomainError as exc:
        reward.refresh_from_db()
        return _confirm_page(request, reward, person, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("兑换成功：%(name)s，消耗 %(price)d 积分。兑换码 %(code)s，领取地点：%(place)s。")
        % {
            "name": redemption.reward.name,
            "price": redemption.price,
            "code": redemption.display_code,
            "place": redemption.reward.pickup_text,
        },
    )
    return redirect(f"{reverse('points:my_redemptions')}#redemption-{redemption.pk}")


# --- 我的兑换 ------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def my_redemptions(request):
    person = person_for_user(request.user, *PERSON_HOME)
    if person is None:
        return _no_person(request)
    redemptions = list(selectors.person_redemptions(person))
    for redemption in redemptions:
        if redemption.status == Status.RESERVED:
            # Only black modules as path data: the code shows once, as typed text below it.
            redemption.qr_svg = mark_safe(qr.qr_svg(hand_over_url(request, redemption.code)))
    return render(
        request,
        "points/my_redemptions.html",
        {
            "person": person,
            "balance": selectors.person_balance(person),
            "reserved": [r for r in redemptions if r.status == Status.RESERVED],
            "past": [r for r in redemptions if r.status != Status.RESERVED],
        },
    )


@never_cache
@login_required
@require_POST
def my_redemption_cancel(request, pk: int):
    redemption = get_object_or_404(
        Redemption.objects.select_related("reward"), pk=pk, person__user=request.user
    )
    try:
        redemption_cancel(redemption=redemption, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已取消兑换“%(name)s”，%(price)d 积分已退回。")
            % {"name": redemption.reward.name, "price": redemption.price},
        )
    return redirect("points:my_redemptions")


# --- The counter ---------------------------------------------------------------------


@shop_staff_required
@require_http_methods(["GET", "POST"])
def shop_hand_over(request):
    """Type the code or scan the volunteer's QR (it opens this page with the code in it)."""
    source = request.POST if request.method == "POST" else request.GET
    raw = source.get("code", "")
    code = normalise_code(raw)
    context = {"code": code, "redemption": None, "error": "", "done": None}
    status = 200
    if request.method == "POST":
        try:
            context["done"] = redemption_hand_over(code=raw, by=request.user)
        except DomainError as exc:
            context["error"] = exc.message
            status = exc.status
            if exc.code in ("already_used", "cancelled", "forbidden"):
                context["redemption"] = redemption_find(raw)
        else:
            messages.success(
                request,
                _("已发放：%(name)s 兑换的“%(reward)s”。")
                % {
                    "name": context["done"].person.real_name,
                    "reward": context["done"].reward.name,
                },
            )
            context["code"] = ""
    elif code:
        try:
            context["redemption"] = redemption_find(raw)
        except DomainError as exc:
            context["error"] = exc.message
            status = exc.status
    return _hand_over_page(request, context, status)


def _hand_over_page(request, context, status):
    redemption = context["redemption"]
    if redemption is not None and not may_run_shop(request.user, redemption.reward.community):
        context["error"] = context["error"] or _(
            "这张兑换码属于%(community)s爱心超市，只能由该社区的书记（管理员）发放。"
        ) % {"community": redemption.reward.community.name}
        context["redemption"] = None  # not theirs: do not show whose it is
        status = 403
    context.setdefault("reason", "")
    context.setdefault("reason_error", "")
    return render(request, "points/hand_over.html", context, status=status)


@shop_staff_required
@require_POST
def shop_cancel(request):
    """At the counter: staff cancel a reserved redemption, with a reason; points come back."""
    raw = request.POST.get("code", "")
    reason = request.POST.get("reason", "")
    context = {"code": normalise_code(raw), "redemption": None, "error": "", "done": None}
    try:
        redemption = redemption_find(raw)
        context["redemption"] = redemption
        cancelled = redemption_cancel(redemption=redemption, by=request.user, reason=reason)
    except DomainError as exc:
        if exc.field == "reason":
            # The form stays open with what was typed, and says what is missing.
            context.update(reason=reason, reason_error=exc.message)
        else:
            context["error"] = exc.message
        if context["redemption"] is not None:
            context["redemption"].refresh_from_db()
        return _hand_over_page(request, context, exc.status)
    messages.success(
        request,
        _("已取消：%(name)s 兑换的“%(reward)s”，%(price)d 积分已退回，商品已放回库存。")
        % {
            "name": cancelled.person.real_name,
            "reward": cancelled.reward.name,
            "price": cancelled.price,
        },
    )
    return redirect(f"{reverse('points:shop_hand_over')}?code={cancelled.code}")


# --- The monthly report --------------------------------------------------------------


def _report_args(request):
    """(community, month) from the query string, or (None, refusal message)."""
    communities = list(selectors.report_communities(request.user))
    if not communities:
        return None, None, communities, _("您管理的范围内没有社区的爱心超市。")
    chosen = request.GET.get("community", "")
    community = communities[0]
    if chosen:
        community = next((c for c in communities if str(c.pk) == chosen), None)
        if community is None:
            return None, None, communities, _("请选择您管理的社区。")
    month = request.GET.get("month", "") or month_key(timezone.localdate())
    if not MONTH_RE.match(month):
        return None, None, communities, _("月份格式应为 2026-05 这样的年-月。")
    return community, month, communities, ""


@shop_staff_required
@require_GET
def shop_report(request):
    community, month, communities, error = _report_args(request)
    context = {"communities": communities, "error": error, "report": None, "month": month}
    if error:
        context["month"] = request.GET.get("month", "")
        return render(request, "points/shop_report.html", context, status=400)
    report = selectors.month_report(community, month)
    search = search_text(request)
    # The month's redemptions 50 a page; a search (a name, a phone's last four, a code)
    # asks the database, the whole month is already read for the totals.
    found = selectors.month_redemptions(community, month, search=search) if search else None
    page = page_of(request, report.redemptions if found is None else found)
    context.update(report=report, page=page, search=search)
    return render(request, "points/shop_report.html", context)


@shop_staff_required
@require_GET
def shop_report_xlsx(request):
    community, month, _communities, error = _report_args(request)
    if error:
        return refusal_response(request, Invalid("bad_report", error), title=_("无法导出"))
    content = selectors.month_report_xlsx(selectors.month_report(community, month))
    filename = _("%(community)s爱心超市兑换-%(month)s.xlsx") % {
        "community": community.name,
        "month": month,
    }
    return xlsx_response(content, filename)
