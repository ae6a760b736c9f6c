"""Attendance, for the organiser: the list, adding someone by hand, withdrawing, the export.

Who came, who did not, who was turned away. A refusal of the form comes back on the
page, under the field at fault, with the status of its kind (``services.attendance``).
"""

import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.downloads import xlsx_response
from core.errors import DomainError, NotFound
from core.pagination import page_of, search_text
from volunteers import selectors
from volunteers.attendance_sheet import attendance_export_filename, build_attendance_export
from volunteers.checkin_codes import activity_notice
from volunteers.checkin_requests import clean_text
from volunteers.models import Activity, Attendance
from volunteers.services.attendance import attendance_add_manual_by_number, attendance_remove
from volunteers.views.organiser import organiser_refusal, organiser_view

REFUSED_SCANS_SHOWN = 20


class ManualCheckInForm(forms.Form):
    """Who to add, and why. The reason is the service's to require, so it reports it."""

    who = forms.CharField(
        label=gettext_lazy("手机号或志愿者编号"),
        max_length=32,
        error_messages={"required": gettext_lazy("请填写手机号或志愿者编号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("补录原因"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"required": True, "placeholder": gettext_lazy("例如：手机没电，现场核实到场")}
        ),
    )
    checked_in_at = forms.DateTimeField(
        label=gettext_lazy("签到时间（选填，默认现在）"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": gettext_lazy("请按“年-月-日 时:分”填写时间。")},
    )
    checked_out_at = forms.DateTimeField(
        label=gettext_lazy("签退时间（选填）"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": gettext_lazy("请按“年-月-日 时:分”填写时间。")},
    )

    def clean_who(self) -> str:
        # Looked up by the service, after the rest of the form: see attendance().
        return clean_text(self.cleaned_data["who"], 32).strip()

    def _not_future(self, field: str):
        value = self.cleaned_data.get(field)
        if value is not None and value > timezone.now() + datetime.timedelta(minutes=1):
            raise forms.ValidationError(_("时间不能晚于现在。"))
        return value

    def clean_checked_in_at(self):
        return self._not_future("checked_in_at")

    def clean_checked_out_at(self):
        return self._not_future("checked_out_at")


def _attendance_page(
    request, activity: Activity, *, form=None, remove_errors=None, status: int = 200
):
    counts = selectors.activity_checkin_counts(activity)
    search = search_text(request)
    # 50 a page, in check-in order; a search (name, number, a phone's last four) finds one.
    page = page_of(
        request,
        selectors.activity_attendances(activity).filter(
            selectors.people_matching(search, via="person__")
        ),
        count=None if search else counts["recorded"],
    )
    return render(
        request,
        "checkin/attendance.html",
        {
            "activity": activity,
            "attendances": list(page.object_list),
            "page": page,
            "search": search,
            "count_in": counts["in"],
            "count_out": counts["out"],
            "no_shows": list(selectors.activity_no_shows(activity)),
            "refused_scans": list(
                selectors.activity_refused_scans(activity, limit=REFUSED_SCANS_SHOWN)
            ),
            "form": form or ManualCheckInForm(initial={"who": request.GET.get("who", "")}),
            "remove_errors": remove_errors or {},
            "notice": activity_notice(activity, timezone.now()),
        },
        status=status,
    )


@organiser_view()
@require_http_methods(["GET", "POST"])
def attendance(request, activity: Activity):
    """Who came, who did not, who was turned away; add someone by hand."""
    if request.method != "POST":
        return _attendance_page(request, activity)
    form = ManualCheckInForm(request.POST)
    status = 400
    if form.is_valid():
        # The service checks the reason and the times before it looks the number up, so
        # an answer tells "found" from "not found" only by writing an audited attendance.
        try:
            added = attendance_add_manual_by_number(
                activity=activity,
                who=form.cleaned_data["who"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                checked_in_at=form.cleaned_data["checked_in_at"],
                checked_out_at=form.cleaned_data["checked_out_at"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = exc.status
        else:
            messages.success(
                request, _("已为 %(name)s 补录签到。") % {"name": added.person.real_name}
            )
            return redirect("volunteers:checkin_attendance", pk=activity.pk)
    return _attendance_page(request, activity, form=form, status=status)


@organiser_view()
@require_POST
def attendance_withdraw(request, activity: Activity, attendance_pk: int):
    record = (
        Attendance.objects.select_related("activity__organisation", "person")
        .filter(activity=activity, pk=attendance_pk)
        .first()
    )
    if record is None:
        missing = NotFound("attendance_not_found", _("这条签到记录不存在或不属于本活动。"))
        return organiser_refusal(request, missing, title=_("没有找到签到记录"), activity=activity)
    try:
        attendance_remove(attendance=record, reason=request.POST.get("reason", ""), by=request.user)
    except DomainError as exc:
        return _attendance_page(
            request, activity, remove_errors={record.pk: exc.message}, status=exc.status
        )
    messages.success(request, _("已撤销 %(name)s 的签到。") % {"name": record.person.real_name})
    return redirect("volunteers:checkin_attendance", pk=activity.pk)


@organiser_view()
@require_http_methods(["GET"])
def attendance_export(request, activity: Activity):
    return xlsx_response(build_attendance_export(activity), attendance_export_filename(activity))
