"""镇级系统的汇总数字: an organisation's (and its children's) figures for one period.

What the town's other systems (智慧敦煌, party-building platforms) read with their API key:
service hours, participants, points and activities of a node in a month, a quarter or a
year — counts and sums only, never a person. They are the dashboard's figures (全镇概况,
``points.selectors.dashboard``), read the same way:

* hours and participants from the minutes ranking's per-value counts of the node and the
  period (``minutes_by_node``): participants are the distinct people with credited service
  in the whole period (a quarter's are counted once, not once a month);
* points from the points ranking's per-value counts (``sum(value × people)``), the same
  pre-aggregated rows, so a town-wide year costs one index range, not a scan of the ledger;
* activities as the dashboard's categories chart counts them: published, not cancelled,
  begun in the period (up to now), under the node or a squad based in it.

A person (or a squad) tied to two nodes counts in both, as in each node's ranking; the
children's figures may therefore add up to more than their parent's.
"""

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Sum
from django.utils import timezone

from points.models import Measure, Population, RankingValueCount
from points.periods import period_bounds
from points.selectors.dashboard import minutes_by_node
from points.selectors.dashboard_scope import under
from points.selectors.tables import hours
from volunteers.models import Activity, Organisation

# The period keys a client may send: 2026-05, 2026-Q2 (or the ledger's own 2026Q2), 2026.
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-?Q([1-4]))?$")
FIRST_YEAR = 2000  # the platform holds nothing older
LAST_YEAR = 2999  # past this, date arithmetic overflows: junk, not a period


class BadPeriod(ValueError):
    """A period that is not a month, a quarter or a year the platform can hold."""


def figures_period(text: str) -> str:
    """``2026-05``, ``2026-Q2`` (or ``2026Q2``), ``2026`` → the ledger's key; else BadPeriod."""
    match = _PERIOD.match(text.strip().upper()) if text.isascii() else None
    if match is None:
        raise BadPeriod(text)
    year, month, quarter = match.groups()
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise BadPeriod(text)
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise BadPeriod(text)
        return f"{year}-{month}"
    if quarter is not None:
        return f"{year}Q{quarter}"
    return year


@dataclass(frozen=True)
class Figures:
    """One node's figures in one period: no person, only counts and sums."""

    organisation: Organisation
    minutes: int
    participants: int
    points: int
    activities: int

    @property
    def hours(self) -> float:
        return hours(self.minutes)


@dataclass(frozen=True)
class PeriodFigures:
    period: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    total: Figures
    children: list[Figures]


def points_by_node(node_ids: Sequence[int], period: str) -> dict[int, int]:
    """{node: points of everyone ranked under it in ``period``}; one query."""
    rows = (
        RankingValueCount.objects.filter(
            organisation_id__in=list(node_ids),
            period=period,
            population=Population.VOLUNTEERS,
            measure=Measure.POINTS,
        )
        .values("organisation_id")
        .annotate(points=Sum(F("value") * F("people")))
        .order_by()
    )
    return {row["organisation_id"]: row["points"] or 0 for row in rows}


def activities_by_node(
    nodes: Sequence[Organisation], start: datetime.datetime, end: datetime.datetime
) -> dict[int, int]:
    """{node: published activities begun in [start, end) under it or a squad based in it}.

    Two queries, whatever the number of nodes: the squads based in them, then the
    activities counted per publishing organisation, summed into each node by path.
    """
    paths: dict[int, list[str]] = {node.pk: [node.path] for node in nodes}
    based = Organisation.objects.filter(based_in__in=[node.pk for node in nodes])
    for based_in_id, path in based.values_list("based_in_id", "path"):
        paths[based_in_id].append(path)
    end = min(end, timezone.now())
    if start >= end:
        return dict.fromkeys(paths, 0)
    counted = (
        Activity.objects.published()
        .filter(
            under(
                [path for node_paths in paths.values() for path in node_paths], "organisation__path"
            ),
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values("organisation__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_path = [(row["organisation__path"], row["n"]) for row in counted]
    return {
        pk: sum(n for path, n in by_path if path.startswith(tuple(node_paths)))
        for pk, node_paths in paths.items()
    }


def organisation_figures(
    root: Organisation, period: str, *, with_children: bool = False
) -> PeriodFigures:
    """``root``'s figures in ``period`` (a key of ``figures_period``), and with
    ``with_children`` one row for each of its direct children, in tree order."""
    start, end = period_bounds(period)
    if start is None or end is None:
        raise BadPeriod(period)
    children: list[Organisation] = []
    if with_children:
        children = list(
            Organisation.objects.filter(path__startswith=root.path, depth=root.depth + 1).order_by(
                "path"
            )
        )
    nodes = [root, *children]
    ids = [node.pk for node in nodes]
    served = minutes_by_node(ids, [period])
    points = points_by_node(ids, period)
    activities = activities_by_node(nodes, start, end)

    def figures(node: Organisation) -> Figures:
        minutes, people = served.get((node.pk, period), (0, 0))
        return Figures(node, minutes, people, points.get(node.pk, 0), activities[node.pk])

    return PeriodFigures(period, start, end, figures(root), [figures(child) for child in children])
