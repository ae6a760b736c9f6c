"""What a dashboard (全镇概况) covers and how its figures are held.

The window of months (the last 12, or a calendar year, from ``?year=``), the town or
community and the nodes its figures break down into, and a chart as a table — its
columns and rows, and which columns the picture draws — that the page, the table
beneath the picture and the .xlsx sheet all read. The figures themselves are
``points.selectors.dashboard``.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from points.periods import SHANGHAI, year_key
from volunteers.models import Organisation

FIRST_YEAR = 2000  # the platform holds nothing older; an earlier ?year= is a typo
YEARS_OFFERED = 5


class BadWindow(ValueError):
    """A ``?year=`` the dashboard does not offer."""


# --- The period -------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The months a dashboard covers: the last 12 (this one included) or a calendar year."""

    year: str  # "" for the last 12 months
    label: str
    months: tuple[str, ...]
    start: datetime.datetime
    end: datetime.datetime

    @property
    def periods(self) -> tuple[str, ...]:
        """The fewest period keys (years, quarters, months) that tile the window's months.

        Totals are kept per month, quarter and year (``points.periods``): May 2025 to
        April 2026 is 2025-05, 2025-06, 2025Q3, 2025Q4, 2026Q1, 2026-04 — six keys to
        read for each person or team instead of twelve.
        """
        keys: list[str] = []
        index = 0
        while index < len(self.months):
            month = self.months[index]
            number = int(month[5:])
            if number == 1 and index + 12 <= len(self.months):
                keys.append(month[:4])
                index += 12
            elif number % 3 == 1 and index + 3 <= len(self.months):
                keys.append(f"{month[:4]}Q{number // 3 + 1}")
                index += 3
            else:
                keys.append(month)
                index += 1
        return tuple(keys)


def _month_after(key: str) -> str:
    year, month = int(key[:4]), int(key[5:])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def _months_from(first: str, count: int) -> tuple[str, ...]:
    keys = [first]
    while len(keys) < count:
        keys.append(_month_after(keys[-1]))
    return tuple(keys)


def _first_moment(month: str) -> datetime.datetime:
    """Midnight in Shazhou at the start of the month ``YYYY-MM``."""
    return datetime.datetime(int(month[:4]), int(month[5:]), 1, tzinfo=SHANGHAI)


def _window(year: str, label: str, months: tuple[str, ...]) -> Window:
    start, end = _first_moment(months[0]), _first_moment(_month_after(months[-1]))
    return Window(year, label, months, start, end)


def dashboard_window(year: str | None = None, *, today: datetime.date | None = None) -> Window:
    """The window for ``?year=`` (empty: the last 12 months); ``BadWindow`` for junk."""
    today = today or timezone.localdate(timezone=SHANGHAI)
    if not year:
        index = today.year * 12 + today.month - 1 - 11
        first = f"{index // 12:04d}-{index % 12 + 1:02d}"
        return _window("", _("最近12个月"), _months_from(first, 12))
    if not (len(year) == 4 and year.isascii() and year.isdigit()):
        raise BadWindow(year)
    if not FIRST_YEAR <= int(year) <= today.year:
        raise BadWindow(year)
    return _window(year, _("%(year)s年") % {"year": year}, _months_from(f"{year}-01", 12))


def year_choices(*, today: datetime.date | None = None) -> list[str]:
    today = today or timezone.localdate(timezone=SHANGHAI)
    return [year_key(datetime.date(today.year - n, 1, 1)) for n in range(YEARS_OFFERED)]


def month_label(key: str) -> str:
    return _("%(year)s年%(month)d月") % {"year": key[:4], "month": int(key[5:])}


# --- Whose figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The node a dashboard is about and the nodes its figures break down into."""

    root: Organisation
    parts: tuple[Organisation, ...]  # communities of a town, grids of a community
    part_label: str  # 社区 / 网格
    paths: tuple[str, ...]  # the root's subtree, and the squads based in it (a community's)

    @property
    def is_town(self) -> bool:
        return self.root.kind == Organisation.Kind.TOWN


def under(paths: Sequence[str], field_name: str = "path") -> Q:
    q = Q()
    for path in paths:
        q |= Q(**{f"{field_name}__startswith": path})
    return q


def dashboard_scope(root: Organisation) -> Scope:
    """The breakdown of a town (its communities) or a community (its grids); two queries."""
    kind = Organisation.Kind
    part_kind, label = (
        (kind.COMMUNITY, _("社区")) if root.kind == kind.TOWN else (kind.GRID, _("网格"))
    )
    parts = tuple(
        Organisation.objects.filter(path__startswith=root.path, kind=part_kind)
        .exclude(pk=root.pk)
        .only("pk", "name", "path", "depth", "kind")
        .order_by("path")
    )
    # A squad hangs under the detachment but is based in a community (Organisation.based_in):
    # its teams and activities are the community's.
    based = Organisation.objects.filter(based_in=root).values_list("path", flat=True)
    return Scope(root, parts, label, (root.path, *sorted(based)))


# --- A chart: a table with a picture ----------------------------------------------------


@dataclass
class Series:
    column: int  # the column of ``Chart.rows`` drawn
    type: str = "bar"  # bar or line
    stack: bool = False
    axis: int = 0  # 1: the right-hand axis (a second unit)


@dataclass
class Chart:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    series: list[Series] = field(default_factory=list)
    kind: str = "cartesian"  # cartesian, horizontal (bars across) or pie
    label_column: int = 0
    note: str = ""
    percent_columns: tuple[int, ...] = ()  # shown with a % sign

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "columns": self.columns,
            "rows": self.rows,
            "label": self.label_column,
            "series": [vars(s) for s in self.series],
            "percent": list(self.percent_columns),
        }

    @property
    def display_rows(self) -> list[list[str]]:
        """The rows as the table shows them."""
        shown = []
        for row in self.rows:
            cells = []
            for index, value in enumerate(row):
                if value is None:
                    cells.append("—")
                elif index in self.percent_columns:
                    cells.append(f"{value}%")
                else:
                    cells.append(str(value))
            shown.append(cells)
        return shown


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
