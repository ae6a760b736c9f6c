"""Appending many ledger lines at once, for the demo seed, imports and benchmarks.

The same guarantees as one line at a time — the lines and their totals are
written in one transaction, under the people's ledger locks — but with a few
statements per batch instead of a few per line. No rule, cap or balance check is
applied: the caller gives final amounts (the demo seed and the benchmarks make
believable ones; anything a person does goes through the other services).
"""

from collections import defaultdict
from collections.abc import Sequence

from points.models import PersonTotal, PointsEntry, ScopeTotal, ServiceRecord
from points.periods import ALL_TIME, period_keys
from points.scopes import scopes_for_people
from points.services.ledger import (
    PERSON_KEY,
    PERSON_VALUES,
    SCOPE_KEY,
    SCOPE_VALUES,
    ledger_atomic,
    ranking_rows_touch,
    upsert,
)

BATCH = 2000


@ledger_atomic()
def ledger_bulk_append(
    *, entries: Sequence[PointsEntry] = (), records: Sequence[ServiceRecord] = ()
) -> tuple[int, int]:
    """Insert unsaved entries and service records with their totals; returns the counts."""
    person_ids = sorted({e.person_id for e in entries} | {r.person_id for r in records})
    if not person_ids:
        return 0, 0
    scopes = scopes_for_people(person_ids)
    # The ranking rows these lines will change, noted before they do (for the counts).
    ranking_rows_touch(
        person_ids,
        {ALL_TIME}
        | {key for entry in entries for key in period_keys(entry.occurred_at)}
        | {key for record in records for key in period_keys(record.occurred_at)},
    )
    # Lock every person's ledger, in person order so two bulk writers cannot deadlock.
    created = upsert(
        PersonTotal,
        PERSON_KEY,
        PERSON_VALUES,
        [(pid, ALL_TIME, 0, 0, 0) for pid in person_ids],
        add=False,
    )
    if created:
        upsert(
            ScopeTotal,
            SCOPE_KEY,
            SCOPE_VALUES,
            [
                (org, ALL_TIME, population, pid, 0, 0)
                for pid in person_ids
                for org, population in scopes.get(pid, ())
            ],
            add=False,
        )
    for start in range(0, len(person_ids), 10_000):
        list(
            PersonTotal.objects.select_for_update()
            .filter(person_id__in=person_ids[start : start + 10_000], period=ALL_TIME)
            .order_by("person_id")
            .values_list("person_id", flat=True)
        )

    PointsEntry.objects.bulk_create(entries, batch_size=BATCH)
    ServiceRecord.objects.bulk_create(records, batch_size=BATCH)

    deltas: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for entry in entries:
        for key in period_keys(entry.occurred_at):
            delta = deltas[(entry.person_id, key)]
            delta[0] += entry.amount if entry.category else 0
            delta[1] += entry.amount
    for record in records:
        if record.status == ServiceRecord.Status.APPROVED:
            for key in period_keys(record.occurred_at):
                deltas[(record.person_id, key)][2] += record.minutes
    upsert(
        PersonTotal,
        PERSON_KEY,
        PERSON_VALUES,
        [(pid, key, *values) for (pid, key), values in sorted(deltas.items())],
    )
    upsert(
        ScopeTotal,
        SCOPE_KEY,
        SCOPE_VALUES,
        [
            (org, key, population, pid, points, minutes)
            for (pid, key), (points, _balance, minutes) in sorted(deltas.items())
            for org, population in scopes.get(pid, ())
        ],
    )
    return len(entries), len(records)
