"""The secretary's branch points table, and the .xlsx helpers the 双报到 report shares.

Reads only. The branch table lists everyone under one organisation node with
their period totals from ``PersonTotal`` and their rubric categories summed from
the ledger for just the people on the page, so a page costs the same few queries
whatever the number of rows. The 双报到反馈 report sums, for each in-service
party member of an employer unit, only the ledger lines and service records of
activities held in the community the member reported to.

Both build their .xlsx with openpyxl's write-only workbook, as the roster and
attendance exports do, with phones masked and typed text kept as text
(``volunteers.spreadsheets``).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.db.models import (
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.spreadsheets import append_row, workbook_bytes
from points.models import Category, PersonTotal, PointsEntry
from points.periods import (
    SHANGHAI,
    PeriodKind,
    month_key,
    period_bounds,
    period_kind,
    period_label,
    quarter_key,
    year_key,
)
from volunteers.models import Membership, Organisation, Person
from volunteers.selectors import people_matching

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

_M = TypeVar("_M", bound=Model)


class _PeriodTotals(TypedDict):
    """What ``branch_people`` annotates each person with."""

    period_points: int
    period_minutes: int


CATEGORIES = (Category.BASIC, Category.SERVICE, Category.REWARD, Category.DEDUCTION)
EXPORT_CHUNK = 500


# --- Periods ---------------------------------------------------------------------------


class BadPeriod(ValueError):
    """A period key the table does not offer (junk, or all time)."""


def check_period(key: str, *, kinds: Sequence[str]) -> str:
    try:
        kind = period_kind(key)
        period_bounds(key)  # the pattern lets "2026-13" through; the calendar does not
    except ValueError:
        raise BadPeriod(key) from None
    if kind not in kinds:
        raise BadPeriod(key)
    return key


def _today() -> datetime.date:
    return timezone.localdate(timezone=SHANGHAI)


def _months_back(day: datetime.date, n: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_choices(
    *, years: int = 3, quarters: int = 8, months: int = 12, current: str = ""
) -> list[tuple[str | Promise, list[tuple[str, str]]]]:
    """Grouped (label, [(key, label)]) choices, the newest first, for a select.

    ``current`` (a period typed into the URL, older than the list) is added to its group.
    """
    today = _today()
    groups: list[tuple[str | Promise, list[tuple[str, str]]]] = []
    key_of: Callable[[int], str]
    for kind, count, key_of in (
        (PeriodKind.YEAR, years, lambda n: year_key(datetime.date(today.year - n, 1, 1))),
        (PeriodKind.QUARTER, quarters, lambda n: quarter_key(_months_back(today, 3 * n))),
        (PeriodKind.MONTH, months, lambda n: month_key(_months_back(today, n))),
    ):
        if not count:
            continue
        keys = [key_of(n) for n in range(count)]
        if current and current not in keys and period_kind(current) == kind:
            keys.append(current)
        groups.append((kind.label, [(k, period_label(k)) for k in keys]))
    return groups


def this_year() -> str:
    return year_key(_today())


def this_quarter() -> str:
    return quarter_key(_today())


def in_period(key: str, field_name: str = "occurred_at") -> Q:
    start, end = period_bounds(key)
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def hours(minutes: int) -> float:
    return round((minutes or 0) / 60, 1)


# --- The branch table ------------------------------------------------------------------


class Sort:
    POINTS = "points"
    NAME = "name"
    CHOICES = (
        (POINTS, gettext_lazy("按合计积分")),
        (NAME, gettext_lazy("按姓名")),
    )


@dataclass
class Row:
    """One person's line in the branch table."""

    person: Person
    points: int = 0
    minutes: int = 0
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def masked_phone(self) -> str:
        return self.person.masked_phone

    @property
    def hours(self) -> float:
        return hours(self.minutes)

    @property
    def categories(self) -> list[int]:
        """The rubric categories in column order."""
        return [self.by_category.get(c, 0) for c in CATEGORIES]

    @property
    def labelled_categories(self) -> list[tuple[str | Promise, int]]:
        return [(c.label, self.by_category.get(c, 0)) for c in CATEGORIES]


def people_under(organisation: Organisation) -> QuerySet[Person]:
    """Everyone tied to ``organisation`` or a node below it, as the rankings count them.

    The same ties as ``points.scopes``: home grid, party branch, employer unit,
    reported community, and current memberships. Subqueries, not joins, so nobody is
    listed twice and no DISTINCT is needed.
    """
    subtree = Organisation.objects.filter(path__startswith=organisation.path).values("pk")
    members = (
        Membership.objects.current()
        .filter(organisation__path__startswith=organisation.path)
        .values("person_id")
    )
    return Person.objects.filter(
        Q(home_grid__in=subtree)
        | Q(party_branch__in=subtree)
        | Q(employer_unit__in=subtree)
        | Q(reported_community__in=subtree)
        | Q(pk__in=members)
    )


def branch_people(
    organisation: Organisation, period: str, *, sort: str = Sort.POINTS, search: str = ""
) -> "QuerySet[WithAnnotations[Person, _PeriodTotals]]":
    """People under ``organisation`` with their ``PersonTotal`` for ``period``, one query.

    ``search``: only those a staff search finds (``volunteers.selectors.people_matching``).
    """
    totals = PersonTotal.objects.filter(person=OuterRef("pk"), period=period)
    zero = Value(0, output_field=IntegerField())
    people = (
        people_under(organisation)
        .filter(people_matching(search))
        .only("pk", "real_name", "phone", "volunteer_number")
        .annotate(
            period_points=Coalesce(Subquery(totals.values("points")[:1]), zero),
            period_minutes=Coalesce(Subquery(totals.values("minutes")[:1]), zero),
        )
    )
    if sort == Sort.NAME:
        return people.order_by("real_name", "pk")
    return people.order_by("-period_points", "-period_minutes", "real_name", "pk")


def category_sums(person_ids: Iterable[int], period: str) -> dict[int, dict[str, int]]:
    """{person: {category: net points}} from the ledger, reversals included; one query."""
    person_ids = list(person_ids)
    sums: dict[int, dict[str, int]] = defaultdict(dict)
    if not person_ids:
        return sums
    rows = (
        PointsEntry.objects.filter(in_period(period), person_id__in=person_ids)
        .exclude(category="")
        .order_by()
        .values("person_id", "category")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        sums[row["person_id"]][row["category"]] = row["total"] or 0
    return sums


def branch_rows(
    people: "Sequence[WithAnnotations[Person, _PeriodTotals]]", period: str
) -> list[Row]:
    """Rows for people from ``branch_people`` (already fetched): one more query."""
    sums = category_sums((p.pk for p in people), period)
    return [
        Row(
            person=p,
            points=p.period_points,
            minutes=p.period_minutes,
            by_category=sums.get(p.pk, {}),
        )
        for p in people
    ]


def person_row(person: Person, period: str) -> Row:
    """One person's row, for their adjustment page."""
    total = PersonTotal.objects.filter(person=person, period=period).first()
    return Row(
        person=person,
        points=total.points if total else 0,
        minutes=total.minutes if total else 0,
        by_category=category_sums([person.pk], period).get(person.pk, {}),
    )


def person_entries(person: Person, period: str, *, limit: int = 200) -> list[PointsEntry]:
    """The person's ledger lines in ``period``, newest first, with what reversed each."""
    return list(
        PointsEntry.objects.filter(in_period(period), person=person)
        .select_related("reversed_by", "activity", "actor__person")
        .order_by("-occurred_at", "-id")[:limit]
    )


def is_reversible_adjustment(entry: PointsEntry) -> bool:
    """A manual adjustment that nothing has reversed yet: the table may reverse it."""
    if entry.source_ref != "adjustment" or entry.kind not in ("adjustment", "deduction"):
        return False
    return not hasattr(entry, "reversed_by")  # the reverse one-to-one, select_related


def chunked(queryset: QuerySet[_M], size: int = EXPORT_CHUNK) -> Iterator[list[_M]]:
    chunk: list[_M] = []
    for item in queryset.iterator(chunk_size=size):
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def branch_rows_all(
    organisation: Organisation, period: str, *, sort: str, search: str = ""
) -> Iterator[Row]:
    """Every row (that the search finds), for the export: a category query per 500 people."""
    for chunk in chunked(branch_people(organisation, period, sort=sort, search=search)):
        yield from branch_rows(chunk, period)


BRANCH_COLUMNS = (
    (gettext_lazy("姓名"), 12),
    (gettext_lazy("手机号"), 14),
    *((c.label, 10) for c in CATEGORIES),
    (gettext_lazy("合计"), 9),
    (gettext_lazy("服务时长（小时）"), 12),
)


def _row_values(row: Row) -> list[Any]:
    return [row.person.real_name, row.masked_phone, *row.categories, row.points, row.hours]


# --- .xlsx ------------------------------------------------------------------------------


Columns = Sequence[tuple[str | Promise, int]]


def table_workbook(
    title: str,
    columns: Columns,
    rows: Iterable[list[Any]],
    about: Sequence[tuple[str | Promise, object]],
    more: Sequence[tuple[str, Columns, Iterable[list[Any]]]] = (),
) -> bytes:
    """One sheet of rows (streamed), then the ``more`` sheets in turn, then 说明.

    A later sheet's rows are read only once the sheets before it are written, so they
    may be gathered while the first sheet's rows stream by.
    """
    workbook = Workbook(write_only=True)
    for sheet_title, sheet_columns, sheet_rows in ((title, columns, rows), *more):
        sheet = workbook.create_sheet(sheet_title)
        for index, (_label, width) in enumerate(sheet_columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        append_row(sheet, (str(label) for label, _width in sheet_columns), font=Font(bold=True))
        for values in sheet_rows:
            append_row(sheet, values)
    notes = workbook.create_sheet(_("说明"))
    for label, value in about:
        append_row(notes, [str(label), str(value)])
    return workbook_bytes(workbook)


def exported_at() -> str:
    return timezone.localtime(timezone=SHANGHAI).strftime("%Y-%m-%d %H:%M")


def build_branch_xlsx(
    organisation: Organisation, period: str, *, sort: str, search: str = ""
) -> bytes:
    rows = branch_rows_all(organisation, period, sort=sort, search=search)
    return table_workbook(
        _("积分表"),
        BRANCH_COLUMNS,
        (_row_values(row) for row in rows),
        (
            (_("组织"), organisation.name),
            (_("期间"), period_label(period)),
            *([(_("搜索"), search)] if search else []),
            (_("导出时间"), exported_at()),
            (_("说明"), _("积分按发生时间计入期间；冲正计入原记录所在期间。手机号已脱敏。")),
        ),
    )
