"""Reading an uploaded roster into raw rows, in bounded time.

``read_roster`` turns an uploaded file into raw rows, or refuses the whole file (wrong
type, corrupt, missing headers, too many rows). It reads inside the web request: the zip's
inflated sizes and the sheets' declared and actual extent are measured before openpyxl
opens anything, then the sheet is read in read-only mode, only its first rows and columns,
against a clock. Nothing here writes to the database.
"""

import io
import re
import time
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from volunteers.roster.columns import (
    MAX_ROWS,
    SHEET_TITLE,
    Kind,
    RosterFileError,
    RosterRow,
    columns_for,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
# What a file of MAX_ROWS people can be, with room to spare. Anything past these is refused
# before openpyxl opens it, so a small upload that inflates cannot tie up a web worker.
# An xlsx is a zip: measured, 5,000 rows written by openpyxl are 3.5 MB of sheet XML (inline
# strings, a 30-character skills column) and read in 0.6 s.
MAX_PART_BYTES = 10 * 1024 * 1024  # any one part, inflated
MAX_UNPACKED_BYTES = 30 * 1024 * 1024  # all parts together, inflated
MAX_PARTS = 1000
MAX_CELLS = 200_000  # cells (and shared strings) in all sheets: a full roster has 50,000
# Rows read at most, blank ones and the title included: room for blank lines between people.
MAX_SHEET_ROWS = 2 * MAX_ROWS
# Columns read; the party roster has 10, the rest is room for a 序号 column and notes. A
# sheet with cells beyond column IV (256, the old Excel limit) is no roster and is refused.
READ_COLUMNS = 32
MAX_SHEET_COLUMNS = 256
# Seconds a request may spend reading the file (settings.ROSTER_READ_SECONDS overrides).
# Measured: a full 5,000-person roster previews in 1.6 s (SQLite) to 2.2 s (PostgreSQL),
# so it stays in the request; the worst file inside the limits above (192,000 cells) is
# read for 4 s before it is refused. The clock is the backstop for what they do not foresee.
READ_SECONDS = 10
# A title line above the headers is common in hand-made rosters; look a few rows down.
HEADER_SEARCH_ROWS = 5


def _header_key(value: Any) -> str:
    """'身份证号（选填）' and '身份证号' both name the ID column."""
    text = re.sub(r"\s", "", str(value or "")).replace("（", "(").replace("）", ")")
    return text.split("(", 1)[0]


def _file_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is not None:
        return size
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


def _check_container(file: IO[bytes]) -> None:
    """Refuse what is not an xlsx before openpyxl sees it."""
    name = getattr(file, "name", "") or ""
    if name and not name.lower().endswith(".xlsx"):
        raise RosterFileError(
            "not_xlsx", _("只能上传 .xlsx 格式的 Excel 文件，请在 Excel 中“另存为 .xlsx”后再上传。")
        )
    size = _file_size(file)
    if size == 0:
        raise RosterFileError("empty_file", _("上传的文件是空的。"))
    if size > MAX_FILE_BYTES:
        raise RosterFileError(
            "too_big",
            _("文件太大（上限 %(mb)d MB），请分成几个文件上传。") % {"mb": MAX_FILE_BYTES // 2**20},
        )
    file.seek(0)
    if file.read(4) != b"PK\x03\x04":
        raise RosterFileError(
            "not_xlsx", _("文件已损坏或不是有效的 .xlsx 文件（加密的文件也无法读取）。")
        )
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            _measure_parts(archive)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError):
        # RuntimeError: an encrypted part; NotImplementedError (a RuntimeError): an odd codec.
        raise RosterFileError("corrupt", _("文件已损坏，无法读取，请重新保存后上传。")) from None
    file.seek(0)


def _too_big() -> RosterFileError:
    return RosterFileError("too_big", _("文件内容过大，请分成几个文件上传。"))


def _too_wide() -> RosterFileError:
    return RosterFileError(
        "too_wide",
        _(
            "表格的列数远超名册（超过 %(max)d 列）。请删除右侧多余的列，"
            "或把名册复制到新的表格后再上传。"
        )
        % {"max": MAX_SHEET_COLUMNS},
    )


def _too_long() -> RosterFileError:
    return RosterFileError(
        "too_long",
        _("表格超过 %(max)d 行（空白行也算在内）。请删除名册下方多余的空白行，或分成几个文件上传。")
        % {"max": MAX_SHEET_ROWS},
    )


# A sheet's XML may put its elements in a namespace prefix (<x:c>); found once per part.
_PREFIX_RE = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?(?:worksheet|sst)[\s>]")
_DIMENSION_RE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="([^"]*)"')
_RANGE_END_RE = re.compile(r"([A-Z]{1,3})(\d+)$")
# A cell reference beyond column IV (MAX_SHEET_COLUMNS): three letters, or JA-ZZ, or IW-IZ.
_WIDE_CELL_RE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br="(?:[A-Z]{3}|[J-Z][A-Z]|I[W-Z])\d'
)


def _count_tags(data: bytes, tag: bytes) -> int:
    # bytes.count runs at memory speed: a 10 MB part is counted in milliseconds.
    return sum(data.count(b"<" + tag + end) for end in (b" ", b">", b"/"))


def _declared_end(data: bytes) -> tuple[int, int] | None:
    """(last column, last row) of the sheet's declared dimension, if it has one."""
    declared = _DIMENSION_RE.search(data)
    if declared is None:
        return None
    end = _RANGE_END_RE.search(declared.group(1).decode("ascii", "replace").upper())
    if end is None:
        return None
    return column_index_from_string(end.group(1)), int(end.group(2))


def _measure_parts(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook far bigger than a roster, from its sizes and its sheets' XML."""
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise _too_big()
    # The sizes the zip declares bound every read: zipfile stops there (and checks the CRC).
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise _too_big()
    if any(info.file_size > MAX_PART_BYTES for info in infos):
        raise _too_big()
    cells = 0
    for info in infos:
        if not info.filename.lower().endswith(".xml"):
            continue
        data = archive.read(info)
        root = _PREFIX_RE.search(data)
        if root is None:
            continue  # neither a sheet nor the shared strings
        prefix = (root.group(1) + b":") if root.group(1) else b""
        end = _declared_end(data)
        if end is not None and end[0] > MAX_SHEET_COLUMNS:
            raise _too_wide()
        if end is not None and end[1] > MAX_SHEET_ROWS:
            raise _too_long()
        if _count_tags(data, prefix + b"row") > MAX_SHEET_ROWS:
            raise _too_long()
        cells += _count_tags(data, prefix + b"c") + _count_tags(data, prefix + b"si")
        if cells > MAX_CELLS:
            raise RosterFileError(
                "too_many_cells",
                _(
                    "表格中的单元格远多于一份名册（超过 %(max)d 个）。"
                    "请删除多余的行、列和格式，或分成几个文件上传。"
                )
                % {"max": MAX_CELLS},
            )
        if _WIDE_CELL_RE.search(data):
            raise _too_wide()


def _bounded_rows(sheet, deadline: float):
    """(row number, values) of the first MAX_SHEET_ROWS rows and READ_COLUMNS columns."""
    rows = sheet.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=READ_COLUMNS, values_only=True)
    for number, values in enumerate(rows, start=1):
        if number > MAX_SHEET_ROWS:
            raise _too_long()
        if time.monotonic() > deadline:
            raise RosterFileError(
                "too_slow",
                _(
                    "文件读取超时：内容远多于一份名册。"
                    "请删除多余的行、列和格式，或分成几个文件上传。"
                ),
            )
        yield number, values


def _find_header(rows: Iterable[tuple[int, Sequence[Any]]], kind: str):
    """Return (header row number, {column key: index}) or refuse the file."""
    columns = columns_for(kind)
    by_header = {_header_key(c.header): c for c in columns}
    other_kind = Kind.VOLUNTEERS if kind == Kind.PARTY_MEMBERS else Kind.PARTY_MEMBERS
    foreign = {_header_key(c.header) for c in columns_for(other_kind)} - set(by_header)
    for number, values in rows:
        keys = [_header_key(v) for v in values]
        if "姓名" not in keys and "手机号" not in keys:
            if number >= HEADER_SEARCH_ROWS:
                break
            continue
        positions: dict[str, int] = {}
        for index, key in enumerate(keys):
            column = by_header.get(key)
            if column is not None and column.key not in positions:
                positions[column.key] = index
        if kind == Kind.VOLUNTEERS and foreign & set(keys):
            raise RosterFileError(
                "wrong_kind", _("这份文件像是党员名册，请在“名册类型”中选择“党员名册”。")
            )
        missing = [c.header for c in columns if c.key not in positions]
        if missing:
            raise RosterFileError(
                "missing_headers",
                _("名册缺少这些列：%(columns)s。请使用下载的模板填写。")
                % {"columns": "、".join(missing)},
            )
        return number, positions
    raise RosterFileError(
        "no_headers",
        _("没有找到表头（第一行应为：%(columns)s）。请使用下载的模板填写。")
        % {"columns": "、".join(c.header for c in columns)},
    )


def read_roster(file: IO[bytes], *, kind: str) -> list[RosterRow]:
    """Read the first sheet of an uploaded roster into raw rows, or refuse the whole file."""
    if kind not in Kind.values:
        raise RosterFileError("bad_kind", _("请选择名册类型。"))
    deadline = time.monotonic() + getattr(settings, "ROSTER_READ_SECONDS", READ_SECONDS)
    _check_container(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises a dozen kinds of error for a damaged file
        raise RosterFileError("corrupt", _("文件已损坏，无法读取，请重新保存后上传。")) from None
    try:
        if not workbook.worksheets:
            raise RosterFileError("no_sheet", _("文件中没有工作表。"))
        sheet = workbook[SHEET_TITLE] if SHEET_TITLE in workbook.sheetnames else None
        if sheet is None or not hasattr(sheet, "iter_rows"):
            sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write wrong dimensions; read what is there
        rows = _bounded_rows(sheet, deadline)
        header_row, positions = _find_header(rows, kind)
        result: list[RosterRow] = []
        for number, values in rows:
            if not any(_is_filled(v) for v in values):
                continue
            if len(result) >= MAX_ROWS:
                raise RosterFileError(
                    "too_many_rows",
                    _("一次最多导入 %(max)d 行，请分成几个文件上传。") % {"max": MAX_ROWS},
                )
            result.append(
                RosterRow(
                    row=number,
                    values={
                        key: values[index] if index < len(values) else None
                        for key, index in positions.items()
                    },
                )
            )
    except RosterFileError:
        raise
    except Exception:  # a damaged sheet can fail half-way through
        raise RosterFileError("corrupt", _("文件已损坏，无法读取，请重新保存后上传。")) from None
    finally:
        workbook.close()
    if not result:
        raise RosterFileError("no_rows", _("表头第 %(row)d 行下面没有数据。") % {"row": header_row})
    return result


def _is_filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""
