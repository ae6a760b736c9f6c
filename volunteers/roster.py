"""Roster spreadsheets: one column list for the template, the parser and the export.

Reading is split in two. ``read_roster`` turns an uploaded file into raw rows, or refuses
the whole file (wrong type, corrupt, missing headers, too many rows). It reads in bounded
time, inside the web request: the zip's inflated sizes and the sheets' declared and actual
extent are measured before openpyxl opens anything, then the sheet is read in read-only
mode, only its first rows and columns, against a clock. ``check_rows`` then
judges each row on its own and against the file and the database, returning the good rows,
ready to import, and the bad rows, each with its Excel row number and the reasons in Chinese.
Nothing here writes to the database.
"""

import datetime
import io
import re
import time
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.errors import DomainError
from core.identity import (
    normalise_id_number,
    normalise_phone,
    protect_id_number,
    validate_id_number,
    validate_mainland_mobile,
)
from core.spreadsheets import append_row, sheet_cell, typed_text, workbook_bytes
from volunteers import permissions
from volunteers.models import Organisation, Person, RosterImport

Kind = RosterImport.Kind
PoliticalStatus = Person.PoliticalStatus

MAX_FILE_BYTES = 5 * 1024 * 1024
# People in one file. A community holds at most a few thousand people (the town's ~10,400
# in its four forces live in 8 communities); 5,000 takes the largest in one go.
MAX_ROWS = 5000
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
SHEET_TITLE = "名册"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    width: int
    hint: str
    text: bool = False  # formatted as text in Excel, so long digit strings stay intact


VOLUNTEER_COLUMNS: tuple[Column, ...] = (
    Column("real_name", "姓名", True, 10, gettext_lazy("必填，最多50字。")),
    Column("phone", "手机号", True, 15, gettext_lazy("必填，11位大陆手机号，不可重复。"), True),
    Column(
        "id_number",
        "身份证号(选填)",
        False,
        22,
        gettext_lazy("选填，18位居民身份证号，请以文本格式填写。"),
        True,
    ),
    Column(
        "political_status",
        "政治面貌",
        False,
        14,
        gettext_lazy("群众、共青团员、中共预备党员或中共党员；空白按群众（党员名册按中共党员）。"),
    ),
    Column(
        "home_grid",
        "所属网格",
        True,
        18,
        gettext_lazy("必填，您管辖范围内的网格名称或编码，见“可填组织”表。"),
    ),
    Column("skills", "技能特长", False, 20, gettext_lazy("选填，最多200字。")),
    Column(
        "date_joined",
        "加入日期",
        False,
        12,
        gettext_lazy("选填，例如 2024-03-01；空白为导入当天。"),
    ),
)
PARTY_MEMBER_COLUMNS: tuple[Column, ...] = (
    *VOLUNTEER_COLUMNS,
    Column(
        "party_branch",
        "所在党支部",
        False,
        20,
        gettext_lazy("选填，您管辖范围内的党支部名称或编码。"),
    ),
    Column(
        "employer_unit",
        "在职单位",
        False,
        20,
        gettext_lazy("在职党员必填，您管辖范围内的在职单位名称或编码。"),
    ),
    Column("in_service", "是否在职党员", False, 12, gettext_lazy("是或否；空白为否。")),
)

POLITICAL_STATUS_NAMES: dict[str, str] = {
    "群众": PoliticalStatus.MASSES,
    "共青团员": PoliticalStatus.LEAGUE_MEMBER,
    "团员": PoliticalStatus.LEAGUE_MEMBER,
    "中共预备党员": PoliticalStatus.PROBATIONARY_MEMBER,
    "预备党员": PoliticalStatus.PROBATIONARY_MEMBER,
    "中共党员": PoliticalStatus.PARTY_MEMBER,
    "党员": PoliticalStatus.PARTY_MEMBER,
}
YES = {"是", "y", "yes", "true", "1", "在职"}
NO = {"否", "n", "no", "false", "0", "不在职", ""}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
MASKED_ID_RE = re.compile(r"^\d{4}\*+[\dX]{4}$")

# Which organisation kind each lookup column names.
LOOKUP_KINDS: dict[str, str] = {
    "home_grid": Organisation.Kind.GRID,
    "party_branch": Organisation.Kind.PARTY_BRANCH,
    "employer_unit": Organisation.Kind.UNIT,
}


# Grids and branches place a person in someone's subtree, so they must lie in the
# uploader's own. Employer units are a town-wide reference list anyone may name.
SCOPED_KINDS = (Organisation.Kind.GRID, Organisation.Kind.PARTY_BRANCH)


def lookup_organisations(user) -> QuerySet[Organisation]:
    """The organisations a roster row may name, for this uploader."""
    scope = permissions.scope_q(user, permissions.Action.MANAGE_PEOPLE)
    scoped = Q(kind__in=SCOPED_KINDS) if scope is None else Q(kind__in=SCOPED_KINDS) & scope
    return Organisation.objects.filter(scoped | Q(kind=Organisation.Kind.UNIT))


def columns_for(kind: str) -> tuple[Column, ...]:
    return PARTY_MEMBER_COLUMNS if kind == Kind.PARTY_MEMBERS else VOLUNTEER_COLUMNS


class RosterFileError(DomainError):
    """The whole file is refused; no row is looked at."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message, field="file")


@dataclass
class RosterRow:
    row: int  # the row number Excel shows
    values: dict[str, Any]


@dataclass
class RosterCheck:
    good: list[dict[str, Any]] = field(default_factory=list)
    bad: list[dict[str, Any]] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.good) + len(self.bad)


# --- Reading ------------------------------------------------------------------------------


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


# --- Checking rows -----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return typed_text(str(value)).strip()  # a value our export quoted comes back as typed


def _parse_date(value: Any) -> datetime.date | None:
    """A date cell or text such as 2024-03-01, 2024/3/1, 2024年3月1日; blank gives None."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    if isinstance(value, float):
        raise ValueError(text)
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 a date only
        except ValueError:
            continue
    raise ValueError(text)


class _Lookup:
    """Organisation names and codes the uploader may name (see lookup_organisations)."""

    def __init__(self, user, rows: list[RosterRow]):
        self.found: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        scope = lookup_organisations(user)
        for key, kind in LOOKUP_KINDS.items():
            names = sorted({_text(r.values.get(key)) for r in rows} - {""})
            for start in range(0, len(names), 500):
                chunk = names[start : start + 500]
                matches = scope.filter(kind=kind).filter(Q(name__in=chunk) | Q(code__in=chunk))
                for pk, name, code in matches.values_list("pk", "name", "code"):
                    for label in {name, code} & set(chunk):
                        self.found[(kind, label)].append((pk, name))

    def get(self, kind: str, label: str) -> tuple[tuple[int, str] | None, str | None]:
        """(pk, name) of the one match, or None and the reason in Chinese."""
        matches = self.found.get((kind, label), [])
        kind_label = Organisation.Kind(kind).label
        if len(matches) == 1:
            return matches[0], None
        if not matches:
            return None, _("未找到%(kind)s“%(name)s”（只能填写您管辖范围内的%(kind)s）") % {
                "kind": kind_label,
                "name": label,
            }
        return None, _("有多个名为“%(name)s”的%(kind)s，请改填%(kind)s编码") % {
            "kind": kind_label,
            "name": label,
        }


def _existing(field_name: str, values: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(
            Person.objects.filter(**{f"{field_name}__in": chunk}).values_list(field_name, flat=True)
        )
    return found


def _check_one(row: RosterRow, kind: str, lookup: _Lookup, today: datetime.date):
    """Return (normalised values, reasons) for one row, judged on its own."""
    values = row.values
    reasons: list[str] = []
    data: dict[str, Any] = {"row": row.row}

    real_name = _text(values.get("real_name"))
    data["real_name"] = real_name[:50]
    if not real_name:
        reasons.append(_("姓名未填写"))
    elif len(real_name) > 50:
        reasons.append(_("姓名超过50字"))

    phone = normalise_phone(_text(values.get("phone")))
    data["phone"] = phone
    if not phone:
        reasons.append(_("手机号未填写"))
    else:
        try:
            validate_mainland_mobile(phone)
        except ValidationError:
            reasons.append(_("手机号“%(phone)s”格式不正确，应为11位手机号") % {"phone": phone})

    raw_id = values.get("id_number")
    id_number = normalise_id_number(_text(raw_id))
    data["id_number_digest"] = ""
    if isinstance(raw_id, float):
        reasons.append(_("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为文本格式后重填"))
    elif MASKED_ID_RE.match(id_number):
        reasons.append(_("身份证号是隐去部分数字的形式，请填写完整号码或留空"))
    elif id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            reasons.append(exc.messages[0].rstrip("。"))
        else:
            digest, ciphertext, masked = protect_id_number(id_number)
            data.update(
                id_number_digest=digest, id_number_encrypted=ciphertext, id_number_masked=masked
            )

    status_text = _text(values.get("political_status"))
    if not status_text:
        status = (
            PoliticalStatus.PARTY_MEMBER if kind == Kind.PARTY_MEMBERS else PoliticalStatus.MASSES
        )
    else:
        status = POLITICAL_STATUS_NAMES.get(status_text.replace(" ", ""))
        if status is None:
            reasons.append(
                _("政治面貌“%(value)s”无法识别，应为群众、共青团员、中共预备党员或中共党员")
                % {"value": status_text}
            )
    data["political_status"] = status or PoliticalStatus.MASSES
    is_party = data["political_status"] in Person.PARTY_STATUSES
    if status and kind == Kind.PARTY_MEMBERS and not is_party:
        reasons.append(_("党员名册中的政治面貌应为中共党员或中共预备党员"))

    skills = _text(values.get("skills"))
    data["skills"] = skills[:200]
    if len(skills) > 200:
        reasons.append(_("技能特长超过200字"))

    data["date_joined"] = None
    try:
        joined = _parse_date(values.get("date_joined"))
    except ValueError:
        reasons.append(
            _("加入日期“%(value)s”无法识别，请写成 2024-03-01 的形式")
            % {"value": _text(values.get("date_joined"))}
        )
    else:
        if joined is not None and joined > today:
            reasons.append(_("加入日期不能晚于今天"))
        elif joined is not None:
            data["date_joined"] = joined.isoformat()

    for key, org_kind in LOOKUP_KINDS.items():
        data[f"{key}_id"] = None
        data[f"{key}_name"] = ""
        label = _text(values.get(key))
        if not label:
            if key == "home_grid":
                reasons.append(_("所属网格未填写"))
            continue
        match, reason = lookup.get(org_kind, label)
        if reason:
            reasons.append(reason)
        else:
            data[f"{key}_id"], data[f"{key}_name"] = match

    in_service_text = _text(values.get("in_service")).lower()
    data["in_service"] = in_service_text in YES
    if in_service_text not in YES | NO:
        reasons.append(_("是否在职党员应填“是”或“否”"))
    if data["in_service"] and not is_party:
        reasons.append(_("只有中共党员或预备党员可以登记为在职党员"))
    if (
        data["in_service"]
        and not data["employer_unit_id"]
        and not _text(values.get("employer_unit"))
    ):
        reasons.append(_("在职党员须填写在职单位"))
    if data["party_branch_id"] and not is_party:
        reasons.append(_("只有党员可以登记所在党支部"))
    return data, reasons


def check_rows(rows: list[RosterRow], *, kind: str, user) -> RosterCheck:
    """Judge every row; a row is good only if it could be imported as it stands."""
    today = timezone.localdate()
    lookup = _Lookup(user, rows)
    checked = [(row, *_check_one(row, kind, lookup, today)) for row in rows]

    phones_in_db = _existing("phone", {d["phone"] for _r, d, _e in checked if d["phone"]})
    digests_in_db = _existing(
        "id_number_digest", {d["id_number_digest"] for _r, d, _e in checked} - {""}
    )
    first_phone: dict[str, int] = {}
    first_id: dict[str, int] = {}
    result = RosterCheck()
    for row, data, reasons in checked:
        phone, digest = data["phone"], data["id_number_digest"]
        if phone in first_phone:
            reasons.append(_("手机号与第 %(row)d 行重复") % {"row": first_phone[phone]})
        elif phone:
            first_phone[phone] = row.row
            if phone in phones_in_db:
                reasons.append(_("手机号已登记，此人已在系统中"))
        if digest and digest in first_id:
            reasons.append(_("身份证号与第 %(row)d 行重复") % {"row": first_id[digest]})
        elif digest:
            first_id[digest] = row.row
            if digest in digests_in_db:
                reasons.append(_("身份证号已登记，此人已在系统中"))
        if reasons:
            result.bad.append({"row": row.row, "real_name": data["real_name"], "reasons": reasons})
        else:
            result.good.append(data)
    return result


# --- Writing ------------------------------------------------------------------------------

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
