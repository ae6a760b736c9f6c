"""双报到反馈: a unit's in-service party members and their service in the community they
reported to, per quarter, for whoever manages the unit; and its .xlsx.
"""

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.downloads import xlsx_response
from core.errors import Forbidden, Invalid
from core.pagination import page_of, search_text
from core.refusals import refusal_response
from points.periods import PeriodKind, period_label
from points.selectors import dual_report as report
from points.selectors import tables
from points.views.tables import PAGE_SIZE, SWITCH_LIMIT, period_from_request
from volunteers import permissions
from volunteers.decorators import allowed_somewhere
from volunteers.models import Organisation

Action = permissions.Action

manage_people_required = allowed_somewhere(
    Action.MANAGE_PEOPLE,
    message=gettext_lazy("双报到反馈只对在职单位党组织书记（管理员）开放。"),
)


def _units(user) -> list[Organisation]:
    return list(
        permissions.organisations_in_scope(user, Action.MANAGE_PEOPLE)
        .filter(kind=Organisation.Kind.UNIT)
        .only("pk", "name", "kind", "path", "depth")
        .order_by("path")[:SWITCH_LIMIT]  # the tree's order, as the town lists its units
    )


def _unit(request, units: list[Organisation]):
    raw = request.GET.get("unit", "")
    if not raw:
        if units:
            return units[0], None
        nothing = Forbidden(
            "no_unit",
            _("双报到反馈由在职党员所在单位的党组织书记查看。您管理的范围内没有在职单位。"),
        )
        return None, refusal_response(request, nothing, title=_("没有可查看的在职单位"))
    if not raw.isdigit():
        bad = Invalid("bad_unit", _("请从页面上的列表选择单位。"))
        return None, refusal_response(request, bad, title=_("单位有误"))
    chosen = next((u for u in units if u.pk == int(raw)), None)
    if chosen is None:
        chosen = get_object_or_404(Organisation, pk=int(raw), kind=Organisation.Kind.UNIT)
        if not permissions.can(request.user, Action.MANAGE_PEOPLE, chosen):
            refused = Forbidden(
                "forbidden",
                _("只有%(name)s的党组织书记（管理员）可以查看本单位的双报到反馈。")
                % {"name": chosen.name},
            )
            return None, refusal_response(request, refused, title=_("没有权限"))
    return chosen, None


@manage_people_required
@require_GET
def dual_report(request):
    """Per quarter: each in-service member's service in the community they reported to."""
    units = _units(request.user)
    unit, refused = _unit(request, units)
    if refused:
        return refused
    quarter, refused = period_from_request(
        request, default=tables.this_quarter(), kinds=(PeriodKind.QUARTER,)
    )
    if refused:
        return refused
    search = search_text(request)
    page = page_of(request, report.in_service_members(unit, search=search), PAGE_SIZE)
    rows = report.dual_rows(list(page.object_list), quarter)
    return render(
        request,
        "points/dual_report.html",
        {
            "unit": unit,
            "units": units,
            "quarter": quarter,
            "quarter_label": period_label(quarter),
            "quarter_choices": tables.period_choices(
                years=0, quarters=8, months=0, current=quarter
            )[0][1],
            "rows": rows,
            # The unit's own claims (单位认领): a quarter's are few, shown whole on each page.
            "unit_claims": report.unit_claims(unit, quarter),
            "page": page,
            "search": search,
            "query_string": urlencode({"unit": unit.pk, "period": quarter}),
        },
    )


@manage_people_required
@require_GET
def dual_report_xlsx(request):
    unit, refused = _unit(request, _units(request.user))
    if refused:
        return refused
    quarter, refused = period_from_request(
        request, default=tables.this_quarter(), kinds=(PeriodKind.QUARTER,)
    )
    if refused:
        return refused
    content = report.build_dual_xlsx(unit, quarter)
    return xlsx_response(content, f"双报到反馈-{unit.name}-{quarter}.xlsx")
