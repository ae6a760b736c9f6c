"""The roster's columns, one list for the template, the parser and the export, and the
shapes a roster is read into.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from core.errors import Invalid
from volunteers import permissions
from volunteers.models import Organisation, Person, RosterImport

Kind = RosterImport.Kind
PoliticalStatus = Person.PoliticalStatus

# People in one file. A community holds at most a few thousand people (the town's ~10,400
# in its four forces live in 8 communities); 5,000 takes the largest in one go.
MAX_ROWS = 5000
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


class RosterFileError(Invalid):
    """The whole file is refused; no row is looked at (a 400, like any bad upload)."""

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
