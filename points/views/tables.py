"""The secretary's branch points table and a person's adjustments.

Thin on purpose: reads come from ``points.selectors.tables``, every write is
``points_adjust`` or ``points_reverse`` (which check the right again and audit),
and every "may they?" is ``volunteers.permissions``.
"""

import re
import uuid
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.downloads import xlsx_response
from core.errors import DomainError, Forbidden, Invalid
from core.pagination import page_of, search_text
from core.refusals import refusal_response
from points.models import Category, PointsEntry
from points.periods import PeriodKind, period_label
from points.selectors import tables
from points.selectors.explain import entry_explanation
from points.services import points_adjust, points_reverse
from volunteers import permissions
from volunteers.decorators import allowed_somewhere
from volunteers.models import Organisation, Person

Action = permissions.Action
PAGE_SIZE = 50
SWITCH_LIMIT = 300  # organisations offered in the switch; any other in scope works by URL
TABLE_PERIODS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")

adjust_points_required = allowed_somewhere(
    Action.ADJUST_POINTS,
    message=gettext_lazy(
        "积分管理表只对党组织、社区书记（管理员）开放。如需开通，请联系所在社区。"
    ),
)


def period_from_request(request, *, default: str, kinds=TABLE_PERIODS):
    """(key, None) or (None, a 400 page) for the ``period`` parameter."""
    key = request.GET.get("period") or default
    try:
        return tables.check_period(key, kinds=kinds), None
    except tables.BadPeriod:
        message = (
            _("没有“%(key)s”这个季度。请从页面上的列表选择季度。")
            if tuple(kinds) == (PeriodKind.QUARTER,)
            else _("没有“%(key)s”这个期间。请从页面上的列表选择月份、季度或年度。")
        ) % {"key": key[:20]}
        return None, refusal_response(request, Invalid("bad_period", message), title=_("期间有误"))


def _indented(options: list[Organisation]) -> list[tuple[Organisation, str]]:
    top = min((o.depth for o in options), default=1)
    return [(o, "　" * (o.depth - top) + f"{o.name}（{o.get_kind_display()}）") for o in options]


def _organisation(request, options: list[Organisation], action: str, *, param: str = "org"):
    """The chosen organisation (default: the first, outermost, in scope), or a refusal page."""
    raw = request.GET.get(param, "")
    if not raw:
        if options:
            return options[0], None
        nothing = Forbidden("no_organisation", _("您管理的范围内没有可以查看的组织。"))
        return None, refusal_response(request, nothing, title=_("没有可查看的组织"))
    if not raw.isdigit():
        bad = Invalid("bad_organisation", _("请从页面上的列表选择组织。"))
        return None, refusal_response(request, bad, title=_("组织有误"))
    chosen = next((o for o in options if o.pk == int(raw)), None)
    if chosen is None:
        chosen = get_object_or_404(Organisation, pk=int(raw))
        if not permissions.can(request.user, action, chosen):
            refused = Forbidden(
                "forbidden", _("您不能查看%(name)s的积分。") % {"name": chosen.name}
            )
            return None, refusal_response(request, refused, title=_("没有权限"))
    return chosen, None


def _switch_options(user) -> list[Organisation]:
    return list(
        permissions.organisations_in_scope(user, Action.ADJUST_POINTS)
        .only("pk", "name", "kind", "path", "depth")
        .order_by("path")[:SWITCH_LIMIT]
    )


def _sort(request) -> str:
    sort = request.GET.get("sort", tables.Sort.POINTS)
    return sort if sort in dict(tables.Sort.CHOICES) else tables.Sort.POINTS


# --- The branch table -------------------------------------------------------------------


@adjust_points_required
@require_GET
def branch_table(request):
    """Everyone under one organisation with their period's points by rubric category."""
    options = _switch_options(request.user)
    organisation, refused = _organisation(request, options, Action.ADJUST_POINTS)
    if refused:
        return refused
    period, refused = period_from_request(request, default=tables.this_year())
    if refused:
        return refused
    sort = _sort(request)
    if organisation not in options:  # chosen by URL, beyond the switch's first nodes
        options = [organisation, *options]
    search = search_text(request)
    people = tables.branch_people(organisation, period, sort=sort, search=search)
    page = page_of(request, people, PAGE_SIZE)
    rows = tables.branch_rows(list(page.object_list), period)
    query = {"org": organisation.pk, "period": period, "sort": sort}
    if search:
        query["q"] = search
    return render(
        request,
        "points/branch_table.html",
        {
            "organisation": organisation,
            "options": _indented(options),
            "period": period,
            "period_label": period_label(period),
            "period_choices": tables.period_choices(current=period),
            "sort": sort,
            "sort_choices": tables.Sort.CHOICES,
            "categories": [c.label for c in tables.CATEGORIES],
            "rows": rows,
            "page": page,
            "search": search,
            "query": query,
            "query_string": urlencode(query),
        },
    )


@adjust_points_required
@require_GET
def branch_table_xlsx(request):
    organisation, refused = _organisation(
        request, _switch_options(request.user), Action.ADJUST_POINTS
    )
    if refused:
        return refused
    period, refused = period_from_request(request, default=tables.this_year())
    if refused:
        return refused
    content = tables.build_branch_xlsx(
        organisation, period, sort=_sort(request), search=search_text(request)
    )
    return xlsx_response(content, f"积分表-{organisation.name}-{period}.xlsx")


# --- One person: adjust, reverse ----------------------------------------------------------


class AdjustForm(forms.Form):
    amount = forms.IntegerField(
        label=gettext_lazy("积分（加分填正数，扣分填负数）"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
        error_messages={
            "required": gettext_lazy("请填写要调整的积分。"),
            "invalid": gettext_lazy("积分必须是整数，例如 5 或 -3。"),
        },
    )
    category = forms.ChoiceField(
        label=gettext_lazy("积分类别"),
        choices=[("", gettext_lazy("请选择")), *Category.choices],
        error_messages={
            "required": gettext_lazy("请选择积分类别。"),
            "invalid_choice": gettext_lazy("请选择积分类别。"),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("原因（必填，本人可见）"),
        max_length=200,
        widget=forms.TextInput(attrs={"maxlength": 200}),
        error_messages={
            "required": gettext_lazy("请填写原因。"),
            "max_length": gettext_lazy("原因最多 200 个字。"),
        },
    )
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请填写原因。"))
        return reason


def _adjustable_person(request, pk: int):
    """(person, None) or (None, a refusal) — the one rule decides, not the page they came from."""
    person = get_object_or_404(Person, pk=pk)
    if not permissions.can(request.user, Action.ADJUST_POINTS, person):
        refused = Forbidden("forbidden", _("您无权查看或调整该人员的积分。"))
        return None, refusal_response(request, refused, title=_("没有权限"))
    return person, None


def _back_to_table(request) -> str:
    """The table the secretary came from, if it is one of ours; else the default table."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url.startswith(reverse("points:branch_table")) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}
    ):
        return url
    return reverse("points:branch_table")


def _person_page(
    request,
    person: Person,
    period: str,
    *,
    form: AdjustForm | None = None,
    reverse_error: tuple[int, str] | None = None,
    status: int = 200,
):
    entries = tables.person_entries(person, period)
    lines = [
        {
            "entry": entry,
            "explanation": entry_explanation(entry),
            "reversible": tables.is_reversible_adjustment(entry),
            "reversed": hasattr(entry, "reversed_by"),
        }
        for entry in entries
    ]
    return render(
        request,
        "points/branch_person.html",
        {
            "person": person,
            "row": tables.person_row(person, period),
            "categories": [c.label for c in tables.CATEGORIES],
            "period": period,
            "period_label": period_label(period),
            "period_choices": tables.period_choices(current=period),
            "form": form or AdjustForm(initial={"key": uuid.uuid4().hex}),
            "lines": lines,
            "reverse_error": reverse_error,
            "next": _back_to_table(request),
        },
        status=status,
    )


@adjust_points_required
@require_GET
def branch_person(request, pk: int):
    """One person's period: their categories, an adjustment form, their lines to reverse."""
    person, refused = _adjustable_person(request, pk)
    if refused:
        return refused
    period, refused = period_from_request(request, default=tables.this_year())
    if refused:
        return refused
    return _person_page(request, person, period)


def _person_url(person: Person, period: str, next_url: str) -> str:
    base = reverse("points:branch_person", args=[person.pk])
    return f"{base}?{urlencode({'period': period, 'next': next_url})}"


def _posted_period(request) -> str:
    try:
        return tables.check_period(request.POST.get("period", ""), kinds=TABLE_PERIODS)
    except tables.BadPeriod:
        return tables.this_year()


@adjust_points_required
@require_POST
def branch_adjust(request, pk: int):
    person, refused = _adjustable_person(request, pk)
    if refused:
        return refused
    period = _posted_period(request)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        return _person_page(request, person, period, form=form, status=400)
    key = form.cleaned_data["key"]
    try:
        entry = points_adjust(
            person=person,
            amount=form.cleaned_data["amount"],
            category=form.cleaned_data["category"],
            reason=form.cleaned_data["reason"],
            by=request.user,
            # The form's one-time key: a double tap on a slow network adjusts once.
            idempotency_key=f"adjustment:{key}" if KEY_PATTERN.match(key) else None,
        )
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            return refusal_response(request, exc, title=_("没有权限"))
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _person_page(request, person, period, form=form, status=exc.status)
    messages.success(
        request,
        _("已为%(name)s%(change)s %(amount)d 分（%(category)s），已记入操作日志。")
        % {
            "name": person.real_name,
            "change": _("加") if entry.amount > 0 else _("减"),
            "amount": abs(entry.amount),
            "category": Category(entry.category).label,
        },
    )
    return redirect(f"{_back_to_table(request)}#person-{person.pk}")


@adjust_points_required
@require_POST
def branch_reverse(request, pk: int):
    entry = get_object_or_404(PointsEntry.objects.select_related("person"), pk=pk)
    person, refused = _adjustable_person(request, entry.person_id)
    if refused:
        return refused
    period = _posted_period(request)
    if entry.source_ref != "adjustment":
        return _person_page(
            request,
            person,
            period,
            reverse_error=(entry.pk, _("这里只能冲正手工调整的积分；活动积分请撤销对应的签到。")),
            status=400,
        )
    try:
        points_reverse(
            entry=entry,
            reason=request.POST.get("reason", ""),
            by=request.user,
            confirm_negative=request.POST.get("confirm_negative") == "1",
        )
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            return refusal_response(request, exc, title=_("没有权限"))
        return _person_page(
            request,
            person,
            period,
            reverse_error=(entry.pk, exc.message, exc.code == "would_go_negative"),
            status=exc.status,
        )
    messages.success(
        request,
        _("已冲正%(name)s的一笔调整（%(amount)+d 分），已记入操作日志。")
        % {"name": person.real_name, "amount": entry.amount},
    )
    return redirect(_person_url(person, period, _back_to_table(request)))
