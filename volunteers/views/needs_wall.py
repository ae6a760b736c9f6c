"""The public 微心愿墙 (需求清单): the wall, one need's page, and 我来认领.

Thin on purpose: reads come from ``selectors.needs``, the claim from ``services.needs``;
who sees the resident's name, phone and address is ``selectors.needs.need_visibility``'s
answer alone. Any query string is accepted: a filter that cannot be read is ignored and
said so, never a 500.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict, DomainError, Invalid
from core.pagination import page_of
from volunteers import permissions, selectors
from volunteers.models import Need, Organisation, Person
from volunteers.selectors import needs as need_selectors
from volunteers.selectors.claims import units_holding_need
from volunteers.selectors.needs import NeedVisibility
from volunteers.services.needs import claim_refusal, need_claim

PER_PAGE = 20

Status = Need.Status


class NeedWallFilterForm(forms.Form):
    """The wall's filters: a community, and a state among the public ones."""

    STATES = (
        ("", gettext_lazy("全部状态")),
        (Status.PUBLISHED, gettext_lazy("待认领")),
        (Status.CLAIMED, gettext_lazy("已认领")),
        (Status.DONE, gettext_lazy("已完成")),
    )

    community = forms.TypedChoiceField(
        label=gettext_lazy("社区"), required=False, coerce=int, empty_value=None
    )
    state = forms.ChoiceField(label=gettext_lazy("状态"), required=False, choices=STATES)

    def __init__(self, data, *, communities: list[Organisation]) -> None:
        super().__init__(data)
        # The communities are read once by the view: no query to draw or check the choice.
        self.fields["community"].choices = [("", _("全部社区"))] + [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in communities
        ]


@require_GET
def need_wall(request):
    """Public needs, newest first, with the figures of what is shown; bad filters ignored."""
    communities = list(selectors.communities())
    form = NeedWallFilterForm(request.GET or None, communities=communities)
    community: Organisation | None = None
    status: str | None = None
    if form.is_bound:
        form.is_valid()  # a field that fails is simply left out of cleaned_data
        chosen = form.cleaned_data.get("community")
        community = next((c for c in communities if c.pk == chosen), None)
        status = form.cleaned_data.get("state") or None
    counts = need_selectors.need_counts(community)
    # The figures' query already counted the list: the paginator need not count again.
    shown = {
        None: counts.needs,
        Status.PUBLISHED: counts.open,
        Status.CLAIMED: counts.claimed,
        Status.DONE: counts.done,
    }[status]
    needs = need_selectors.needs_on_wall(community=community, status=status)
    page = page_of(request, needs, PER_PAGE, count=shown)
    person = selectors.person_for_user(request.user)
    return render(
        request,
        "volunteers/needs/wall.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "community": community,
            "filtering": community is not None or status is not None,
            "ignored": form.is_bound and bool(form.errors),
            "person": person,
            "today": timezone.localdate(),
        },
    )


def _visibility(request, pk: int, person: Person | None) -> NeedVisibility:
    """The need as this viewer may see it; 404 unless it is public or theirs to manage."""
    need = need_selectors.need_any(pk)
    if need is not None:
        visibility = need_selectors.need_visibility(request.user, need, person=person)
        if visibility.may_open:
            return visibility
    # Pending, closed, or nothing at all: the public cannot tell which.
    raise Http404(_("没有找到这项需求。"))


def _claim_offer(request, visibility: NeedVisibility, person: Person | None) -> tuple[str, str]:
    """What the claim box offers this viewer: (code, a note to show), one of

    ``mine`` (认领了：see 我的认领), ``none`` (the status badge says why: full, done, past
    its deadline, not public), ``login`` (登录后认领), ``no_person``, ``open`` (我来认领),
    ``refused`` (a party rule says no: 认领面向党员, one's own need).
    """
    need = visibility.need
    today = timezone.localdate()
    if visibility.my_claim is not None:
        return "mine", ""
    if not need_selectors.need_open_for_claims(need, today=today):
        return "none", ""
    if not request.user.is_authenticated:
        return "login", ""
    if person is None:
        return "no_person", _("您的账号还没有登记人员信息，请先完善个人资料。")
    refusal = claim_refusal(need, person, today=today)
    if refusal is None:
        return "open", ""
    return "refused", str(refusal.message)


def _unit_offers(request, need: Need, person: Person | None) -> list[dict]:
    """单位认领 for a unit contact: per unit they represent, ``claimed`` (the unit holds a
    live claim) or ``open`` (以…名义认领); a unit that may not claim it now is left out
    (the status badge says why). No query for whoever represents no unit."""
    if person is None:
        return []
    units = permissions.units_represented_by(request.user)
    held = units_holding_need(need, units)
    today = timezone.localdate()
    offers = []
    for unit in units:
        if unit.pk in held:
            offers.append({"unit": unit, "offer": "claimed"})
        elif claim_refusal(need, person, today=today, unit=unit) is None:
            offers.append({"unit": unit, "offer": "open"})
    return offers


def _detail_context(request, visibility: NeedVisibility, person: Person | None) -> dict:
    offer, note = _claim_offer(request, visibility, person)
    return {
        "need": visibility.need,
        "shown": visibility,
        "offer": offer,
        "offer_note": note,
        "unit_offers": _unit_offers(request, visibility.need, person),
        "claim_url": reverse("volunteers:need_claim", args=[visibility.need.pk]),
        "person": person,
        "today": timezone.localdate(),
    }


@require_GET
def need_detail(request, pk: int):
    person = selectors.person_for_user(request.user)
    visibility = _visibility(request, pk, person)
    return render(
        request, "volunteers/needs/detail.html", _detail_context(request, visibility, person)
    )


def _login_first(view):
    """Anonymous visitors log in and come back to the need (not to a POST-only URL)."""

    @wraps(view)
    def wrapped(request, pk: int):
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("volunteers:need_detail", args=[pk]))
        return view(request, pk)

    return wrapped


def _refused(request, visibility: NeedVisibility, person: Person | None, error: DomainError):
    """The need's page again with the reason, and the status of the refusal's kind."""
    context = _detail_context(request, visibility, person)
    context["error"] = error.message
    return render(request, "volunteers/needs/detail.html", context, status=error.status)


@require_POST
@_login_first
def need_claim_view(request, pk: int):
    """我来认领, or 以单位名义认领 with ``unit``: the service decides (party member or the
    unit's contact, places, deadline) under the row lock."""
    person = selectors.person_for_user(request.user)
    visibility = _visibility(request, pk, person)
    if person is None:
        error = Conflict("no_person", _("您的账号还没有登记人员信息，请先完善个人资料。"))
        return _refused(request, visibility, person, error)
    try:
        unit = unit_asked(request)
        need_claim(need=visibility.need, person=person, unit=unit)
    except DomainError as error:
        # The page is read again: a place taken meanwhile shows as taken.
        visibility = _visibility(request, pk, person)
        return _refused(request, visibility, person, error)
    if unit is not None:
        messages.success(
            request,
            _("已以%(unit)s名义认领！请尽快与需求人联系，完成后在“我的认领”中提交完成情况。")
            % {"unit": unit.name},
        )
    else:
        messages.success(
            request,
            _("认领成功！请尽快与需求人联系，完成后在“我的认领”中提交完成情况。"),
        )
    return redirect("volunteers:my_claims")


def unit_asked(request) -> Organisation | None:
    """The unit a 以单位名义认领 button posts (``unit``), or None for a personal claim.
    Whether the user may claim for it is the service's question (a 403 if not)."""
    raw = request.POST.get("unit", "")
    if not raw:
        return None
    unit = (
        Organisation.objects.filter(pk=int(raw), kind=Organisation.Kind.UNIT).first()
        if raw.isdigit() and len(raw) <= 9  # a number that fits the column, or junk
        else None
    )
    if unit is None:
        raise Invalid("bad_unit", _("请从页面上的按钮选择认领单位。"), field="unit")
    return unit
