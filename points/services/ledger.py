"""The one place that writes ledger lines and totals.

Every points service goes through here, inside its own ``transaction.atomic``:

1. ``person_lock`` takes the person's all-time ``PersonTotal`` row with
   ``SELECT … FOR UPDATE`` (creating it first if needed), so everything after it
   — idempotency checks, caps, balance checks — sees a settled ledger for that
   person, and two writers for one person queue instead of racing.
2. ``entry_append`` inserts the line (its unique idempotency key in a savepoint,
   as the last word on duplicates) and ``totals_apply`` adds the same amount to
   the person's four period rows and to their ranking rows, in the same
   transaction — never anywhere else.

The upserts are ``INSERT … ON CONFLICT … DO UPDATE SET x = x + excluded.x``,
which SQLite and PostgreSQL both speak, so one statement changes all the rows of
a table whether or not they existed.

3. The per-value ranking counts (``RankingValueCount``) are shared between
   people, so they are not written line by line: every service that takes a
   person lock runs in ``ledger_atomic``, which notes the ranking rows of each
   (person, period) before the transaction first touches them and, at its end,
   reads them again and writes the difference to the counts — one statement, in
   key order, so two transactions take the shared rows in the same order and
   cannot deadlock. Comparing before and after, rather than adding up deltas as
   they go, also stays right when a savepoint inside the transaction rolls back.
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Model, QuerySet

from points.models import Measure, PersonTotal, PointsEntry, RankingValueCount, ScopeTotal
from points.periods import ALL_TIME, period_keys
from points.scopes import person_scopes

UPSERT_BATCH = 500


@dataclass
class PersonLock:
    """Proof that the caller holds the person's ledger lock, with what it read."""

    person_id: int
    scopes: list[tuple[int, str]]
    balance: int  # all-time spendable balance
    points: int  # all-time rubric score
    minutes: int  # all-time credited minutes


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def upsert(
    model: type[Model],
    key_columns: Sequence[str],
    value_columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    add: bool = True,
) -> int:
    """Insert rows; on a key conflict add the values (``add``) or leave the row alone."""
    rows = list(rows)
    if not rows:
        return 0
    table = _qn(model._meta.db_table)
    columns = [*key_columns, *value_columns]
    conflict = ", ".join(_qn(c) for c in key_columns)
    if add:
        sets = ", ".join(f"{_qn(c)} = {table}.{_qn(c)} + excluded.{_qn(c)}" for c in value_columns)
        action = f"DO UPDATE SET {sets}"
    else:
        action = "DO NOTHING"
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    changed = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_BATCH):
            batch = rows[start : start + UPSERT_BATCH]
            sql = (
                f"INSERT INTO {table} ({', '.join(_qn(c) for c in columns)}) "  # noqa: S608
                f"VALUES {', '.join([row_sql] * len(batch))} "
                f"ON CONFLICT ({conflict}) {action}"
            )
            cursor.execute(sql, [value for row in batch for value in row])
            changed += max(cursor.rowcount, 0)
    return changed


PERSON_KEY = ("person_id", "period")
PERSON_VALUES = ("points", "balance", "minutes")
SCOPE_KEY = ("organisation_id", "period", "population", "person_id")
SCOPE_VALUES = ("points", "minutes")


COUNT_KEY = ("organisation_id", "period", "population", "measure", "value")
COUNT_VALUES = ("people",)
MEASURES = (Measure.POINTS, Measure.MINUTES)  # the order of the values in a ScopeTotal row
# (organisation_id, period, population, measure, value): one RankingValueCount row
_CountKey = tuple[int, str, str, str, int]


# --- Per-value ranking counts ------------------------------------------------------------


@dataclass
class _Seen:
    """One person's ranking rows as they were before this transaction touched them."""

    periods: set[str] = field(default_factory=set)
    every_period: bool = False
    counts: Counter[_CountKey] = field(default_factory=Counter)  # count key → rows


@dataclass
class _CountState:
    depth: int = 0
    seen: dict[int, _Seen] = field(default_factory=dict)


def _count_state() -> _CountState:
    # On the connection, so each thread (each connection) keeps its own.
    state = getattr(connection, "_points_ranking_counts", None)
    if state is None:
        state = connection._points_ranking_counts = _CountState()  # type: ignore[attr-defined]  # our own, per connection
    return state


@contextmanager
def ledger_atomic() -> Iterator[None]:
    """``transaction.atomic`` for a ledger service; writes the ranking counts at its end.

    Nested blocks join the outermost one, which does the writing.
    """
    state = _count_state()
    with transaction.atomic():
        state.depth += 1
        try:
            yield
        except BaseException:
            state.depth -= 1
            if state.depth == 0:
                state.seen.clear()
            raise
        state.depth -= 1
        if state.depth == 0:
            try:
                ranking_counts_flush()
            finally:
                state.seen.clear()


def _count_keys(rows: Iterable[Sequence[Any]]) -> Counter[_CountKey]:
    """Count keys of ScopeTotal rows: (organisation, period, population, points, minutes)."""
    counts: Counter[_CountKey] = Counter()
    for org, period, population, *values in rows:
        for measure, value in zip(MEASURES, values, strict=True):
            counts[(org, period, population, str(measure), value)] += 1
    return counts


def _scope_rows(
    person_ids: Sequence[int], periods: Iterable[str] | None
) -> QuerySet[ScopeTotal, tuple[Any, ...]]:
    rows = ScopeTotal.objects.filter(person_id__in=person_ids)
    if periods is not None:
        rows = rows.filter(period__in=sorted(periods))
    return rows.values_list(
        "person_id", "organisation_id", "period", "population", "points", "minutes"
    )


def ranking_rows_touch(person_ids: Iterable[int], periods: Iterable[str] | None) -> None:
    """Note the people's ranking rows for ``periods`` (None: all) before they change."""
    state = _count_state()
    if state.depth == 0:
        raise RuntimeError("ranking rows must change inside points.services.ledger.ledger_atomic")
    wanted = None if periods is None else set(periods)
    todo: dict[int, set[str] | None] = {}
    missing: set[str] | None
    for pid in person_ids:
        seen = state.seen.setdefault(pid, _Seen())
        if seen.every_period:
            continue
        if wanted is None:
            todo[pid] = None
        elif missing := wanted - seen.periods:
            todo[pid] = missing
    if not todo:
        return
    all_periods = {p for missing in todo.values() if missing is not None for p in missing}
    read_all = any(missing is None for missing in todo.values())
    ids = sorted(todo)
    for start in range(0, len(ids), 10_000):
        chunk = ids[start : start + 10_000]
        for pid, *row in _scope_rows(chunk, None if read_all else all_periods).iterator(
            chunk_size=5000
        ):
            missing = todo[pid]
            seen = state.seen[pid]
            period = row[1]
            if missing is None:
                if period in seen.periods:
                    continue  # noted before this transaction changed it
            elif period not in missing:
                continue
            seen.counts.update(_count_keys([row]))
    for pid, missing in todo.items():
        seen = state.seen[pid]
        if missing is None:
            seen.every_period = True
        else:
            seen.periods |= missing


def _ranking_rows_new(person_id: int, period: str) -> None:
    """The person had no rows for ``period`` before: note that without reading."""
    seen = _count_state().seen.setdefault(person_id, _Seen())
    if not seen.every_period:
        seen.periods.add(period)


def ranking_counts_flush() -> int:
    """Write what this transaction changed in the per-value counts: one statement, key order."""
    state = _count_state()
    if not state.seen:
        return 0
    delta: Counter[_CountKey] = Counter()
    people = sorted(state.seen)
    everything = [pid for pid in people if state.seen[pid].every_period]
    some = [pid for pid in people if not state.seen[pid].every_period]
    for group, periods in (
        (everything, None),
        (some, {p for pid in some for p in state.seen[pid].periods}),
    ):
        for start in range(0, len(group), 10_000):
            chunk = group[start : start + 10_000]
            for pid, *row in _scope_rows(chunk, periods).iterator(chunk_size=5000):
                seen = state.seen[pid]
                if seen.every_period or row[1] in seen.periods:
                    delta.update(_count_keys([row]))
    for seen in state.seen.values():
        delta.subtract(seen.counts)
    state.seen.clear()
    rows = [(*key, n) for key, n in sorted(delta.items()) if n]
    return upsert(RankingValueCount, COUNT_KEY, COUNT_VALUES, rows)


def ranking_counts_rebuild(*, using: str = "default") -> int:
    """Recount every ranking from ``ScopeTotal`` (set-based); for repairs and bulk loads."""
    table = _qn(RankingValueCount._meta.db_table)
    scope = _qn(ScopeTotal._meta.db_table)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (organisation_id, period, population, measure, value, people) "  # noqa: S608
            f"SELECT organisation_id, period, population, %s, points, COUNT(*) FROM {scope} "
            f"GROUP BY organisation_id, period, population, points "
            f"UNION ALL "
            f"SELECT organisation_id, period, population, %s, minutes, COUNT(*) FROM {scope} "
            f"GROUP BY organisation_id, period, population, minutes",
            [str(Measure.POINTS), str(Measure.MINUTES)],
        )
        return max(cursor.rowcount, 0)


# --- Locks and totals ----------------------------------------------------------------------


def person_lock(person_id: int) -> PersonLock:
    """Lock the person's ledger for the rest of the transaction; call it first."""
    if _count_state().depth == 0 or not connection.in_atomic_block:
        raise RuntimeError("person_lock must run inside points.services.ledger.ledger_atomic")
    scopes = person_scopes(person_id)
    created = upsert(
        PersonTotal, PERSON_KEY, PERSON_VALUES, [(person_id, ALL_TIME, 0, 0, 0)], add=False
    )
    if created:
        _ranking_rows_new(person_id, ALL_TIME)
        # A new all-time row gets its ranking rows at once, like every other row.
        upsert(
            ScopeTotal,
            SCOPE_KEY,
            SCOPE_VALUES,
            [(org, ALL_TIME, population, person_id, 0, 0) for org, population in scopes],
            add=False,
        )
    total = PersonTotal.objects.select_for_update().get(person_id=person_id, period=ALL_TIME)
    return PersonLock(
        person_id=person_id,
        scopes=scopes,
        balance=total.balance,
        points=total.points,
        minutes=total.minutes,
    )


def totals_apply(
    lock: PersonLock,
    *,
    occurred_at: datetime.datetime,
    points: int = 0,
    balance: int = 0,
    minutes: int = 0,
) -> None:
    """Add to the person's totals for every period of ``occurred_at``, and to their ranking rows."""
    keys = period_keys(occurred_at)
    ranking_rows_touch([lock.person_id], keys)
    upsert(
        PersonTotal,
        PERSON_KEY,
        PERSON_VALUES,
        [(lock.person_id, key, points, balance, minutes) for key in keys],
    )
    upsert(
        ScopeTotal,
        SCOPE_KEY,
        SCOPE_VALUES,
        [
            (org, key, population, lock.person_id, points, minutes)
            for org, population in lock.scopes
            for key in keys
        ],
    )
    lock.balance += balance
    lock.points += points
    lock.minutes += minutes


def entry_append(lock: PersonLock, *, minutes: int = 0, **fields: Any) -> PointsEntry:
    """Write one ledger line and its totals; IntegrityError if its key (or reversal) exists.

    ``minutes`` credited together with the line (an award) join the same upserts.
    """
    if fields.get("person") is not None:
        assert fields["person"].pk == lock.person_id  # noqa: S101 -- a programming error
    fields.setdefault("person_id", lock.person_id)
    actor = fields.get("actor")
    if actor is not None and not actor.is_authenticated:
        fields["actor"] = None
    with transaction.atomic():
        entry = PointsEntry.objects.create(**fields)
    totals_apply(
        lock,
        occurred_at=entry.occurred_at,
        points=entry.amount if entry.category else 0,
        balance=entry.amount,
        minutes=minutes,
    )
    return entry


def scope_totals_rebuild(person_id: int) -> bool:
    """Copy the person's totals to the scopes they rank under now; True if anything moved.

    Runs when a person's organisations or political status change. It needs only
    ``PersonTotal``, never the ledger.
    """
    if not PersonTotal.objects.filter(person_id=person_id).exists():
        return False
    with ledger_atomic():
        lock = person_lock(person_id)
        wanted = set(lock.scopes)
        present = set(
            ScopeTotal.objects.filter(person_id=person_id)
            .values_list("organisation_id", "population")
            .distinct()
        )
        periods = list(
            PersonTotal.objects.filter(person_id=person_id).values_list(
                "period", "points", "minutes"
            )
        )
        expected_rows = len(wanted) * len(periods)
        if wanted == present and ScopeTotal.objects.filter(person_id=person_id).count() == (
            expected_rows
        ):
            return False
        ranking_rows_touch([person_id], None)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_qn(ScopeTotal._meta.db_table)} WHERE {_qn('person_id')} = %s",  # noqa: S608
                [person_id],
            )
        upsert(
            ScopeTotal,
            SCOPE_KEY,
            SCOPE_VALUES,
            [
                (org, period, population, person_id, points, minutes)
                for org, population in sorted(wanted)
                for period, points, minutes in periods
            ],
        )
        return True


def scope_totals_remove(person_id: int) -> None:
    """Take a person who is being deleted out of the rankings, counts included."""
    if not ScopeTotal.objects.filter(person_id=person_id).exists():
        return
    with ledger_atomic():
        ranking_rows_touch([person_id], None)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_qn(ScopeTotal._meta.db_table)} WHERE {_qn('person_id')} = %s",  # noqa: S608
                [person_id],
            )
