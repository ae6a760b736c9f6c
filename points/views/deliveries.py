"""双报到反馈, delivered: which units were sent what, per quarter; and the sent file.

The list is for secretaries who manage people (a community's sees the units whose
in-service members reported to it) and for unit contacts; the file is for the unit's
contacts and those who manage the unit (``points.policies``).
"""

import contextlib
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.errors import Forbidden, Gone, NotFound
from core.pagination import page_of
from core.refusals import refusal_response
from points import policies
from points.models import DualReportDelivery
from points.periods import PeriodKind, period_label
from points.selectors import tables
from points.selectors.dual_report_deliveries import delivery_rows
from points.services.dual_report import quarter_just_ended
from points.views.tables import PAGE_SIZE, period_from_request


@never_cache
@login_required
@require_GET
def dual_report_deliveries(request):
    """Per quarter: each unit in the viewer's sight, whether it was sent, to whom, what."""
    user = request.user
    if not policies.may_see_dual_report_deliveries(user):
        refused = Forbidden(
            "forbidden",
            _("双报到反馈发送记录只对社区、在职单位的书记（管理员）和单位联络人开放。"),
        )
        return refusal_response(request, refused, title=_("没有权限"), links="home")
    default = quarter_just_ended()
    quarter, refused = period_from_request(request, default=default, kinds=(PeriodKind.QUARTER,))
    if refused:
        return refused
    units = policies.dual_report_units_visible_to(user).only("pk", "name", "path", "depth")
    page = page_of(request, units.order_by("name", "pk"), PAGE_SIZE)
    units_here = list(page.object_list)
    downloadable = {u.pk for u in units_here if policies.may_download_dual_report(user, u)}
    rows = delivery_rows(units_here, quarter, downloadable=downloadable)
    return render(
        request,
        "points/dual_report_deliveries.html",
        {
            "quarter": quarter,
            "quarter_label": period_label(quarter),
            "quarter_over": quarter <= default,
            "quarter_choices": tables.period_choices(
                years=0, quarters=8, months=0, current=quarter
            )[0][1],
            "rows": rows,
            "page": page,
            "query_string": urlencode({"period": quarter}),
        },
    )


@never_cache
@login_required
@require_GET
def dual_report_delivery_download(request, pk: int):
    """The .xlsx a unit was sent: for its contacts and whoever manages the unit."""
    delivery = DualReportDelivery.objects.select_related("unit").filter(pk=pk).first()
    if delivery is None:
        missing = NotFound("not_found", _("没有找到这份双报到反馈。"))
        return refusal_response(request, missing, title=_("没有找到"), links="back")
    unit = delivery.unit
    if not policies.may_download_dual_report(request.user, unit):
        refused = Forbidden(
            "forbidden",
            _("这份双报到反馈只发给%(unit)s的联络人和党组织书记（管理员）。") % {"unit": unit.name},
        )
        return refusal_response(request, refused, title=_("没有权限"), links="back")
    handle = None
    if delivery.file:
        with contextlib.suppress(FileNotFoundError):
            handle = delivery.file.open("rb")
    if handle is None:
        gone = Gone("file_gone", _("这份双报到反馈的文件已不在服务器上，请联系管理员。"))
        return refusal_response(request, gone, title=_("文件不存在"), links="back")
    name = f"双报到反馈-{unit.name}-{delivery.quarter}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name)
