"""Writing roster workbooks: the template to fill in (with the organisations one may name)
and the export of people in the same columns, so an export can be imported again.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.spreadsheets import append_row, sheet_cell, workbook_bytes
from volunteers.models import Organisation, Person
from volunteers.roster.columns import (
    LOOKUP_KINDS,
    MAX_ROWS,
    SHEET_TITLE,
    PoliticalStatus,
    columns_for,
)

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B5472E")
REQUIRED_FILL = PatternFill("solid", fgColor="8C2F1C")
CHOICE_LISTS = {
    "political_status": '"群众,共青团员,中共预备党员,中共党员"',
    "in_service": '"是,否"',
}


def _header_cells(sheet, kind: str) -> list:
    return [
        sheet_cell(
            sheet,
            column.header,
            font=HEADER_FONT,
            fill=REQUIRED_FILL if column.required else HEADER_FILL,
            alignment=Alignment(horizontal="center"),
        )
        for column in columns_for(kind)
    ]


def _roster_sheet(workbook, kind: str):
    """The roster sheet with the columns' widths and text formats set, header frozen."""
    sheet = workbook.create_sheet(SHEET_TITLE, 0)
    for index, column in enumerate(columns_for(kind), start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        if column.text:  # what Excel users type stays text: no 1.38E+10, no lost digits
            dimension.number_format = "@"
        dimension.width = column.width
    sheet.freeze_panes = "A2"
    return sheet


def _bold_first_row(sheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def build_template(*, kind: str, organisations: Iterable[Organisation] = ()) -> bytes:
    """An empty roster with headers and drop-downs, a help sheet, and the names one may use."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet = _roster_sheet(workbook, kind)
    columns = columns_for(kind)
    sheet.append(_header_cells(sheet, kind))
    for index, column in enumerate(columns, start=1):
        if column.key in CHOICE_LISTS:
            letter = get_column_letter(index)
            validation = DataValidation(
                type="list", formula1=CHOICE_LISTS[column.key], allow_blank=True
            )
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(validation)

    help_sheet = workbook.create_sheet("填写说明")
    append_row(help_sheet, [_("列"), _("是否必填"), _("说明")])
    for column in columns:
        append_row(
            help_sheet,
            [column.header, _("必填") if column.required else _("选填"), str(column.hint)],
        )
    help_sheet.append([])
    append_row(help_sheet, [_("从第2行起每行一人，不要改动表头；深色表头为必填列。")])
    append_row(help_sheet, [_("每次最多 %(max)d 行。") % {"max": MAX_ROWS}])
    _bold_first_row(help_sheet, (16, 10, 70))

    names_sheet = workbook.create_sheet("可填组织")
    append_row(names_sheet, [_("类型"), _("名称"), _("编码")])
    wanted = {LOOKUP_KINDS[c.key] for c in columns if c.key in LOOKUP_KINDS}
    for organisation in organisations:
        if organisation.kind in wanted:
            append_row(
                names_sheet,
                [organisation.get_kind_display(), organisation.name, organisation.code],
            )
    _bold_first_row(names_sheet, (12, 30, 24))
    return workbook_bytes(workbook)


def person_roster_values(person: Person, kind: str) -> list[Any]:
    """One export row, in column order; the ID number only ever masked."""
    values: dict[str, Any] = {
        "real_name": person.real_name,
        "phone": person.phone,
        "id_number": person.id_number_masked,
        "political_status": str(PoliticalStatus(person.political_status).label),
        "home_grid": person.home_grid.name if person.home_grid else "",
        "skills": person.skills,
        "date_joined": person.date_joined,
        "party_branch": person.party_branch.name if person.party_branch else "",
        "employer_unit": person.employer_unit.name if person.employer_unit else "",
        "in_service": "是" if person.in_service else "否",
    }
    return [values[c.key] for c in columns_for(kind)]


def build_export(people: Iterable[Person], *, kind: str) -> bytes:
    """The people as a roster with the template's columns, written row by row."""
    workbook = Workbook(write_only=True)
    sheet = _roster_sheet(workbook, kind)
    sheet.append(_header_cells(sheet, kind))
    for person in people:
        append_row(sheet, person_roster_values(person, kind))
    return workbook_bytes(workbook)
