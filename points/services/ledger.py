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
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from ..models import PersonTotal, PointsEntry, ScopeTotal
from ..periods import ALL_TIME, period_keys
from ..scopes import person_scopes

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
    model,
    key_columns: Sequence[str],
    value_columns: Sequence[str],
    rows: Iterable[Sequence],
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


def person_lock(person_id: int) -> PersonLock:
    """Lock the person's ledger for the rest of the transaction; call it first."""
    if not connection.in_atomic_block:
        raise RuntimeError("person_lock must run inside transaction.atomic")
    scopes = person_scopes(person_id)
    created = upsert(
        PersonTotal, PERSON_KEY, PERSON_VALUES, [(person_id, ALL_TIME, 0, 0, 0)], add=False
    )
    if created:
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


def entry_append(lock: PersonLock, *, minutes: int = 0, **fields) -> PointsEntry:
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
    with transaction.atomic():
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
