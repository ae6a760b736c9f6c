"""四大提升行动的季度报表 (.xlsx): one row per campaign, then a sheet of its activities.

The figures are ``selectors.campaigns``'s, the same the public campaign pages show, so
the report and the pages never disagree. Typed text goes through ``core.spreadsheets``.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.quarters import Quarter
from core.spreadsheets import DATETIME_FORMAT, append_row, sheet_cell, workbook_bytes
from volunteers.selectors.campaigns import campaign_figures, report_activities

SUMMARY_COLUMNS = (
    (gettext_lazy("提升行动"), 20),
    (gettext_lazy("活动数"), 9),
    (gettext_lazy("服务时长（小时）"), 16),
    (gettext_lazy("参与人数"), 10),
    (gettext_lazy("满足需求数"), 11),
    (gettext_lazy("项目数"), 9),
)
ACTIVITY_COLUMNS = (
    (gettext_lazy("提升行动"), 20),
    (gettext_lazy("活动"), 30),
    (gettext_lazy("发布组织"), 18),
    (gettext_lazy("开始时间"), 17),
    (gettext_lazy("共建项目"), 24),
    (gettext_lazy("服务时长（小时）"), 16),
    (gettext_lazy("参与人数"), 10),
)
BOLD = Font(bold=True)


def _head(sheet, columns) -> None:
    for index, (_label, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    append_row(sheet, (str(label) for label, _width in columns), font=BOLD)


def build_campaign_report(quarter: Quarter) -> bytes:
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("提升行动汇总"))
    _head(summary, SUMMARY_COLUMNS)
    figures = campaign_figures(quarter)
    for row in figures:
        append_row(
            summary,
            [
                row.campaign.name,
                row.activities,
                row.hours,
                row.participants,
                row.needs_met,
                row.projects,
            ],
        )
    append_row(
        summary,
        [
            _("合计"),
            sum(r.activities for r in figures),
            round(sum(r.minutes for r in figures) / 60, 1),
            # One person in two campaigns is one person in each: the total is not a sum.
            "",
            sum(r.needs_met for r in figures),
            sum(r.projects for r in figures),
        ],
        font=BOLD,
    )

    activities = workbook.create_sheet(_("活动明细"))
    _head(activities, ACTIVITY_COLUMNS)
    for activity in report_activities(quarter).iterator(chunk_size=500):
        starts = timezone.localtime(activity.starts_at).replace(tzinfo=None)
        activities.append(
            [
                sheet_cell(activities, activity.campaign.name),
                sheet_cell(activities, activity.title),
                sheet_cell(activities, activity.organisation.name),
                sheet_cell(activities, starts, number_format=DATETIME_FORMAT),
                sheet_cell(activities, activity.project.title if activity.project else ""),
                sheet_cell(activities, round((activity.served_minutes or 0) / 60, 1)),
                sheet_cell(activities, activity.participants or 0),
            ]
        )
    return workbook_bytes(workbook)


def campaign_report_filename(quarter: Quarter) -> str:
    return f"提升行动-{quarter.key}.xlsx"
