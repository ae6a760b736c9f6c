"""Copying many people's totals to the scopes they rank under now, at once.

``ledger.scope_totals_rebuild`` does it for one person whose ties changed. When a
node of the tree moves (``volunteers.signals.organisation_moved``), everyone linked to
its subtree ranks under other nodes above it: a few statements for all of them here
instead of a few for each. Only the rows of the scopes that changed are written — for
a grid moved to another community, the old community's rows go and the new one's come;
the rows under the grid itself and the town stay as they are.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count

from points.models import PersonTotal, ScopeTotal
from points.periods import ALL_TIME
from points.scopes import scopes_for_people
from points.services.ledger import (
    SCOPE_KEY,
    SCOPE_VALUES,
    ledger_atomic,
    ranking_rows_touch,
    upsert,
)

CHUNK = 10_000

_Pair = tuple[int, str]  # (organisation id, population)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _delete_rows(pair: _Pair, person_ids: list[int]) -> None:
    table = connection.ops.quote_name(ScopeTotal._meta.db_table)
    for chunk in _chunks(sorted(person_ids)):
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE organisation_id = %s AND population = %s "  # noqa: S608
                f"AND person_id IN ({marks})",
                [pair[0], pair[1], *chunk],
            )


def scope_totals_rebuild_many(person_ids: Iterable[int]) -> int:
    """``scope_totals_rebuild`` for many people; returns how many people's rows moved."""
    wanted_ids = sorted(set(person_ids))
    if not wanted_ids:
        return 0
    with ledger_atomic():
        # Their ledger locks, in person order so two writers cannot deadlock. People
        # without totals have no ranking rows to move.
        people: list[int] = []
        for chunk in _chunks(wanted_ids):
            people += (
                PersonTotal.objects.select_for_update()
                .filter(person_id__in=chunk, period=ALL_TIME)
                .order_by("person_id")
                .values_list("person_id", flat=True)
            )
        if not people:
            return 0
        scopes = scopes_for_people(people)
        periods: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        present: dict[int, Counter[_Pair]] = defaultdict(Counter)
        for chunk in _chunks(people):
            for pid, period, points, minutes in PersonTotal.objects.filter(
                person_id__in=chunk
            ).values_list("person_id", "period", "points", "minutes"):
                periods[pid].append((period, points, minutes))
            rows = (
                ScopeTotal.objects.filter(person_id__in=chunk)
                .values("person_id", "organisation_id", "population")
                .annotate(rows=Count("period"))
                .values_list("person_id", "organisation_id", "population", "rows")
            )
            for pid, org, population, n in rows:
                present[pid][(org, population)] = n

        removed: dict[_Pair, list[int]] = defaultdict(list)
        added: list[tuple[int, _Pair]] = []
        changed: list[int] = []
        for pid in people:
            wanted = set(scopes.get(pid, ()))
            have = present[pid]
            # A pair missing some period's row is written afresh.
            stale = {pair for pair, n in have.items() if n != len(periods[pid])}
            gone = (set(have) - wanted) | stale
            new = (wanted - set(have)) | stale
            if not gone and not new:
                continue
            changed.append(pid)
            for pair in gone:
                removed[pair].append(pid)
            added += [(pid, pair) for pair in sorted(new)]
        if not changed:
            return 0
        ranking_rows_touch(changed, None)
        for pair, pids in sorted(removed.items()):
            _delete_rows(pair, pids)
        upsert(
            ScopeTotal,
            SCOPE_KEY,
            SCOPE_VALUES,
            [
                (org, period, population, pid, points, minutes)
                for pid, (org, population) in added
                for period, points, minutes in periods[pid]
            ],
        )
        return len(changed)
