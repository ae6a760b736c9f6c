"""Recompute every total from the ledger and the service records, and say where they differ.

Used by ``manage.py verify_ledger`` and by the tests. The sums are done by the
database — one GROUP BY per source, by person and Shanghai month — and streamed
in person order; Python only rolls months up into quarters, years and all time
and compares them with the stored rows, one person at a time. Nothing is held
for more than one person, so it runs the same way at 2,000,000 lines as at 20.

Four checks:

1. ``PersonTotal``: points (rubric lines), balance (all lines) and minutes
   (approved service records) per period, against the ledger.
2. ``ScopeTotal`` values: each ranking row carries its person's total for the
   period (one SQL join).
3. ``ScopeTotal`` rows: each person with totals has a row for every period under
   exactly the organisations and populations they rank under now.
4. ``RankingValueCount``: each ranking's count of people per value, recounted
   from the ``ScopeTotal`` rows that "my place" stands for (one SQL GROUP BY).
"""

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, Sum, When
from django.db.models.functions import ExtractMonth, ExtractYear

from points.models import (
    Measure,
    PersonTotal,
    PointsEntry,
    RankingValueCount,
    ScopeTotal,
    ServiceRecord,
)
from points.periods import ALL_TIME, SHANGHAI
from points.scopes import PERSON_LINK_FIELDS, scope_pairs
from volunteers.models import Membership, Organisation, Person

CHUNK = 5000


@dataclass(frozen=True)
class Difference:
    """One stored number that the ledger does not bear out."""

    table: str
    person_id: int
    period: str
    field: str
    expected: int | None
    actual: int | None
    organisation_id: int | None = None
    population: str = ""
    measure: str = ""
    value: int | None = None

    def __str__(self) -> str:
        if self.table == "RankingValueCount":
            return (
                f"RankingValueCount: organisation {self.organisation_id} period {self.period} "
                f"population {self.population} {self.measure} = {self.value} people: "
                f"expected {self.expected or 0}, stored {self.actual or 0}"
            )
        where = f"person {self.person_id} period {self.period}"
        if self.organisation_id is not None:
            where += f" organisation {self.organisation_id} population {self.population}"
        return (
            f"{self.table}: {where} {self.field}: "
            f"expected {_show(self.expected)}, stored {_show(self.actual)}"
        )


def _show(value) -> str:
    return "(no row)" if value is None else str(value)


def _month_keys(year: int, month: int) -> tuple[str, str, str, str]:
    return (
        ALL_TIME,
        f"{year:04d}",
        f"{year:04d}Q{(month - 1) // 3 + 1}",
        f"{year:04d}-{month:02d}",
    )


def _by_person(rows) -> Iterator[tuple[int, list]]:
    for person_id, group in itertools.groupby(rows, key=lambda row: row[0]):
        yield person_id, list(group)


def _entry_months():
    return (
        PointsEntry.objects.annotate(
            y=ExtractYear("occurred_at", tzinfo=SHANGHAI),
            m=ExtractMonth("occurred_at", tzinfo=SHANGHAI),
        )
        .values("person_id", "y", "m")
        .annotate(
            points=Sum(
                Case(When(~Q(category=""), then="amount"), default=0),
                output_field=IntegerField(),
            ),
            balance=Sum("amount"),
        )
        .order_by("person_id", "y", "m")
        .values_list("person_id", "y", "m", "points", "balance")
        .iterator(chunk_size=CHUNK)
    )


def _record_months():
    return (
        ServiceRecord.objects.filter(status=ServiceRecord.Status.APPROVED)
        .annotate(
            y=ExtractYear("occurred_at", tzinfo=SHANGHAI),
            m=ExtractMonth("occurred_at", tzinfo=SHANGHAI),
        )
        .values("person_id", "y", "m")
        .annotate(minutes=Sum("minutes"))
        .order_by("person_id", "y", "m")
        .values_list("person_id", "y", "m", "minutes")
        .iterator(chunk_size=CHUNK)
    )


def _stored_totals():
    return (
        PersonTotal.objects.order_by("person_id", "period")
        .values_list("person_id", "period", "points", "balance", "minutes")
        .iterator(chunk_size=CHUNK)
    )


def _merge(*streams) -> Iterator[tuple[int, list[list]]]:
    """Walk several person-ordered streams together: (person id, [rows from each])."""
    iterators = [_by_person(stream) for stream in streams]
    heads = [next(it, None) for it in iterators]
    while any(head is not None for head in heads):
        person_id = min(head[0] for head in heads if head is not None)
        rows = []
        for index, head in enumerate(heads):
            if head is not None and head[0] == person_id:
                rows.append(head[1])
                heads[index] = next(iterators[index], None)
            else:
                rows.append([])
        yield person_id, rows


def person_total_differences(wrong: dict | None = None) -> Iterator[Difference]:
    """``wrong`` collects {(person, period): (points, minutes) by the ledger} where they differ."""
    fields = ("points", "balance", "minutes")
    for person_id, (entries, records, stored) in _merge(
        _entry_months(), _record_months(), _stored_totals()
    ):
        expected: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for _pid, year, month, points, balance in entries:
            for key in _month_keys(year, month):
                expected[key][0] += points or 0
                expected[key][1] += balance or 0
        for _pid, year, month, minutes in records:
            for key in _month_keys(year, month):
                expected[key][2] += minutes or 0
        actual = {period: values for _pid, period, *values in stored}
        for period in sorted(set(expected) | set(actual)):
            want = expected.get(period, [0, 0, 0])
            have = actual.get(period)
            for index, name in enumerate(fields):
                stored_value = have[index] if have is not None else 0
                if want[index] != stored_value:
                    if wrong is not None:
                        wrong[(person_id, period)] = (want[0], want[2])
                    yield Difference(
                        "PersonTotal",
                        person_id,
                        period,
                        name,
                        want[index],
                        have[index] if have is not None else None,
                    )


def scope_value_differences(wrong: dict | None = None) -> Iterator[Difference]:
    """Ranking rows that do not carry their person's total for the period.

    Compared with ``PersonTotal`` in one SQL join; where that row is itself wrong
    (``wrong``, from ``person_total_differences``) with the ledger's figures instead.
    """
    wrong = wrong or {}
    scope = connection.ops.quote_name(ScopeTotal._meta.db_table)
    person = connection.ops.quote_name(PersonTotal._meta.db_table)
    sql = (
        f"SELECT s.organisation_id, s.period, s.population, s.person_id, "  # noqa: S608
        f"s.points, s.minutes, p.points, p.minutes "
        f"FROM {scope} s LEFT JOIN {person} p "
        f"ON p.person_id = s.person_id AND p.period = s.period "
        f"WHERE p.person_id IS NULL OR p.points <> s.points OR p.minutes <> s.minutes "
        f"ORDER BY s.person_id, s.period, s.organisation_id, s.population"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            for org, period, population, person_id, points, minutes, p_points, p_minutes in rows:
                if (person_id, period) in wrong:
                    continue
                for name, have, want in (
                    ("points", points, p_points),
                    ("minutes", minutes, p_minutes),
                ):
                    if want is None or have != want:
                        yield Difference(
                            "ScopeTotal", person_id, period, name, want, have, org, population
                        )
    for (person_id, period), (want_points, want_minutes) in sorted(wrong.items()):
        rows = ScopeTotal.objects.filter(person_id=person_id, period=period).values_list(
            "organisation_id", "population", "points", "minutes"
        )
        for org, population, points, minutes in rows.order_by("organisation_id", "population"):
            for name, have, want in (
                ("points", points, want_points),
                ("minutes", minutes, want_minutes),
            ):
                if have != want:
                    yield Difference(
                        "ScopeTotal", person_id, period, name, want, have, org, population
                    )


def scope_row_differences() -> Iterator[Difference]:
    ids_by_path = dict(Organisation.objects.values_list("path", "pk"))
    path_by_id = {pk: path for path, pk in ids_by_path.items()}
    with_totals = PersonTotal.objects.values("person_id")
    people = (
        Person.objects.filter(pk__in=with_totals)
        .order_by("pk")
        .values_list("pk", "political_status", *(f"{f}_id" for f in PERSON_LINK_FIELDS))
        .iterator(chunk_size=CHUNK)
    )
    memberships = (
        Membership.objects.current()
        .filter(person_id__in=with_totals)
        .order_by("person_id")
        .values_list("person_id", "organisation_id")
        .iterator(chunk_size=CHUNK)
    )
    period_counts = (
        PersonTotal.objects.values("person_id")
        .annotate(n=Count("*"))
        .order_by("person_id")
        .values_list("person_id", "n")
        .iterator(chunk_size=CHUNK)
    )
    stored = (
        ScopeTotal.objects.values("person_id", "organisation_id", "population")
        .annotate(n=Count("*"))
        .order_by("person_id", "organisation_id", "population")
        .values_list("person_id", "organisation_id", "population", "n")
        .iterator(chunk_size=CHUNK)
    )
    for person_id, (person_rows, member_rows, count_rows, stored_rows) in _merge(
        people, memberships, period_counts, stored
    ):
        periods = count_rows[0][1] if count_rows else 0
        if person_rows:
            _pk, status, *links = person_rows[0]
            linked = [org for org in links if org is not None]
            linked += [org for _pid, org in member_rows]
            paths = [path_by_id[org] for org in linked if org in path_by_id]
            wanted = set(scope_pairs(paths, status, ids_by_path))
        else:
            wanted = set()
        have = {(org, population): n for _pid, org, population, n in stored_rows}
        for org, population in sorted(wanted | set(have)):
            expected = periods if (org, population) in wanted else 0
            actual = have.get((org, population), 0)
            if expected != actual:
                yield Difference(
                    "ScopeTotal",
                    person_id,
                    "*",
                    "rows",
                    expected,
                    actual,
                    org,
                    population,
                )


def ranking_count_differences() -> Iterator[Difference]:
    """Per-value counts that do not match the ranking rows they count."""
    scope = connection.ops.quote_name(ScopeTotal._meta.db_table)
    count = connection.ops.quote_name(RankingValueCount._meta.db_table)
    keys = ("organisation_id", "period", "population", "measure", "value")
    on = " AND ".join(f"e.{k} = c.{k}" for k in keys)
    sql = (
        f"WITH e AS ("  # noqa: S608
        f"SELECT organisation_id, period, population, %s AS measure, points AS value, "
        f"COUNT(*) AS people FROM {scope} GROUP BY organisation_id, period, population, points "
        f"UNION ALL "
        f"SELECT organisation_id, period, population, %s, minutes, COUNT(*) FROM {scope} "
        f"GROUP BY organisation_id, period, population, minutes) "
        f"SELECT e.organisation_id, e.period, e.population, e.measure, e.value, e.people, "
        f"c.people FROM e LEFT JOIN {count} c ON {on} "
        f"WHERE c.people IS NULL OR c.people <> e.people "
        f"UNION ALL "
        f"SELECT c.organisation_id, c.period, c.population, c.measure, c.value, NULL, c.people "
        f"FROM {count} c LEFT JOIN e ON {on} WHERE e.people IS NULL AND c.people <> 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(Measure.POINTS), str(Measure.MINUTES)])
        found = cursor.fetchall()  # only the differences: empty when all is well
    for org, period, population, measure, value, expected, actual in sorted(
        found, key=lambda row: (row[0], row[1], row[2], row[3], row[4])
    ):
        yield Difference(
            "RankingValueCount",
            0,
            period,
            "people",
            expected,
            actual,
            org,
            population,
            measure,
            value,
        )


def ledger_differences(limit: int | None = None) -> list[Difference]:
    """Every difference between the stored totals and the ledger (at most ``limit``)."""
    wrong: dict = {}
    found = list(itertools.islice(person_total_differences(wrong), limit))
    if limit is not None and len(found) >= limit:
        return found
    rest = itertools.chain(
        scope_value_differences(wrong), scope_row_differences(), ranking_count_differences()
    )
    found += itertools.islice(rest, None if limit is None else limit - len(found))
    return found
