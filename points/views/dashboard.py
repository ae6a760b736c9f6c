"""全镇概况: the town's (or a community's) figures and charts, and their .xlsx.

Thin: who may see which dashboard is ``volunteers.permissions`` (the one rule); the figures are
``points.selectors.dashboard``; the charts are drawn in the browser by
``js/dashboard.js`` from the same tables the page prints beneath them.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.downloads import xlsx_response
from core.errors import Forbidden, Invalid
from core.refusals import refusal_response
from points.selectors import dashboard as figures
from points.selectors import dashboard_scope as scope
from volunteers import permissions
from volunteers.models import Organisation


def _refused(request: HttpRequest, error: Forbidden | Invalid, title: str) -> HttpResponse:
    return refusal_response(request, error, title=title, show_status=True, links="home")


def _dashboard_request(request: HttpRequest):
    """(organisation, window, options, None) or (…, a refusal page) for the query string."""
    options = list(
        permissions.dashboard_organisations(request.user).only(
            "pk", "name", "kind", "path", "depth"
        )
    )
    if not options:
        refused = Forbidden(
            "forbidden",
            _("全镇概况只对镇、社区的书记和管理员开放。如需查看，请联系镇里开通。"),
        )
        return None, None, options, _refused(request, refused, _("没有权限查看这个页面"))
    raw = request.GET.get("org", "")
    if not raw:
        organisation = options[0]
    elif not raw.isdigit() or len(raw) > 12:
        bad = Invalid("bad_organisation", _("请从页面上的列表选择镇或社区。"))
        return None, None, options, _refused(request, bad, _("组织有误"))
    else:
        organisation = next((o for o in options if o.pk == int(raw)), None) or get_object_or_404(
            Organisation, pk=int(raw)
        )
        if not permissions.may_see_dashboard(request.user, organisation):
            refused = Forbidden(
                "forbidden",
                _("您不能查看%(name)s的概况：只能查看您管理的镇或社区。")
                % {"name": organisation.name},
            )
            return None, None, options, _refused(request, refused, _("没有权限查看这个页面"))
    year = request.GET.get("year", "")
    try:
        window = scope.dashboard_window(year)
    except scope.BadWindow:
        bad = Invalid(
            "bad_year",
            _("没有“%(year)s”这一年的数据。请从页面上的列表选择“最近12个月”或某一年。")
            % {"year": year[:12]},
        )
        return organisation, None, options, _refused(request, bad, _("期间有误"))
    return organisation, window, options, None


@login_required
@never_cache
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The figures of the town or community the user manages, as charts and tables."""
    organisation, window, options, refused = _dashboard_request(request)
    if refused:
        return refused
    board = figures.dashboard_build(organisation, window)
    query = f"org={organisation.pk}" + (f"&year={window.year}" if window.year else "")
    return render(
        request,
        "points/dashboard.html",
        {
            "board": board,
            "organisation": organisation,
            "window": window,
            "options": options,
            "years": scope.year_choices(),
            "charts_json": board.charts_json(),
            "query_string": query,
        },
    )


@login_required
@never_cache
@require_GET
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    organisation, window, _options, refused = _dashboard_request(request)
    if refused:
        return refused
    board = figures.dashboard_build(organisation, window)
    period = window.year or _("最近12个月")
    return xlsx_response(
        figures.dashboard_xlsx(board), f"{_('概况')}-{organisation.name}-{period}.xlsx"
    )
