"""Spreadsheets built from attendance: used by the direct download and the background export."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.spreadsheets import append_row, workbook_bytes
from volunteers import selectors
from volunteers.models import Activity, Attendance

ATTENDANCE_COLUMNS = (
    (gettext_lazy("姓名"), 12),
    (gettext_lazy("手机号"), 14),
    (gettext_lazy("志愿者编号"), 13),
    (gettext_lazy("签到时间"), 17),
    (gettext_lazy("签到方式"), 11),
    (gettext_lazy("签退时间"), 17),
    (gettext_lazy("签退方式"), 11),
    (gettext_lazy("服务时长（分钟）"), 10),
    (gettext_lazy("自动签退"), 9),
    (gettext_lazy("已撤销"), 8),
    (gettext_lazy("撤销原因"), 24),
)


def attendance_row(attendance: Attendance) -> list:
    """One attendee as the list shows them, in ATTENDANCE_COLUMNS order."""

    def local(value):
        return timezone.localtime(value).replace(tzinfo=None) if value else None

    return [
        attendance.person.real_name,
        attendance.person.masked_phone,
        attendance.person.volunteer_number,
        local(attendance.checked_in_at),
        attendance.get_check_in_method_display(),
        local(attendance.checked_out_at),
        attendance.get_check_out_method_display() if attendance.check_out_method else "",
        attendance.minutes_served,
        _("是") if attendance.auto_closed else "",
        _("是") if attendance.removed_at else "",
        attendance.removed_reason,
    ]


def build_attendance_export(activity: Activity) -> bytes:
    """The activity's attendance list as .xlsx (phones masked), streamed row by row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("签到名单"))
    for index, (_label, width) in enumerate(ATTENDANCE_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    append_row(sheet, (str(label) for label, _width in ATTENDANCE_COLUMNS), font=Font(bold=True))
    for record in selectors.activity_attendances(activity).iterator(chunk_size=500):
        append_row(sheet, attendance_row(record))
    return workbook_bytes(workbook)


def attendance_export_filename(activity: Activity) -> str:
    stamp = timezone.localtime(activity.starts_at).strftime("%Y%m%d")
    return f"签到名单-{activity.pk}-{stamp}.xlsx"
