"""Rankings (排行榜): the top of a ranking, a person's place in it, and team rankings.

Selectors over the pre-aggregated tables (``points.models.totals``), never the
ledger. A ranking is one organisation subtree × one period × one population ×
one measure (points or service minutes):

* ``ranking_top`` reads the first ``limit`` rows of one index range
  (``scope_rank_points_idx`` / ``scope_rank_minutes_idx``), whatever the size of
  the subtree.
* ``ranking_place`` reads the person's own row and sums the per-value counts
  (``RankingValueCount``) above their value: the work grows with the number of
  distinct values in the ranking, not with the number of people in it.
* ``team_ranking`` sums the ``ScopeTotal`` rows of each team node under a node
  (the primary key leads with the organisation), total and per head.

Places are competition ranking (1, 2, 2, 4). Only people with a value above 0
are ranked: a month in which someone earned nothing is not a place among the
others. Ties are shown in a stable order (person id; for teams, tree order).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Model, Q, Sum

from points.models import Measure, Population, RankingValueCount, ScopeTotal
from points.scopes import PERSON_LINK_FIELDS, ancestor_paths
from volunteers import permissions
from volunteers.models import Membership, Organisation, Person, User

TOP = 20
AnyUser = User | AnonymousUser | None  # whoever is asking, logged in or not
# (tree order, team, total, members, per head): a team's row before it is placed
_TeamRow = tuple[int, Organisation, int, int, float | None]


@dataclass(frozen=True)
class RankedPerson:
    place: int
    person_id: int
    name: str
    value: int


@dataclass(frozen=True)
class Place:
    """A person's place: ``place`` is None when they are not ranked (nothing above 0)."""

    place: int | None
    value: int
    ranked: int  # how many people the ranking has


@dataclass(frozen=True)
class RankedTeam:
    place: int
    organisation: Organisation
    total: int
    heads: int  # current members in the population
    per_head: float | None  # None for a team without members


def _id(obj: int | Model) -> int:
    return obj if isinstance(obj, int) else obj.pk


def _check(population: str, measure: str) -> str:
    if population not in Population.values:
        raise ValueError(f"Unknown population {population!r}")
    if measure not in Measure.values:
        raise ValueError(f"Unknown measure {measure!r}")
    return str(measure)


def competition_places(values: Sequence[object]) -> list[int]:
    """1, 2, 2, 4 for values already in ranking order."""
    places: list[int] = []
    for index, value in enumerate(values, start=1):
        places.append(places[-1] if places and value == values[index - 2] else index)
    return places


def ranking_top(
    *,
    organisation: Organisation | int,
    period: str,
    population: str,
    measure: str,
    limit: int = TOP,
) -> list[RankedPerson]:
    """The first ``limit`` people of one ranking, in place order (one query)."""
    field = _check(population, measure)
    rows = list(
        ScopeTotal.objects.filter(
            organisation_id=_id(organisation),
            period=period,
            population=population,
            **{f"{field}__gt": 0},
        )
        .order_by(f"-{field}", "person_id")  # the ranking index, read in order
        .values_list("person_id", "person__real_name", field)[:limit]
    )
    places = competition_places([value for _pid, _name, value in rows])
    return [
        RankedPerson(place, pid, name, value)
        for place, (pid, name, value) in zip(places, rows, strict=True)
    ]


def ranking_size(
    *, organisation: Organisation | int, period: str, population: str, measure: str
) -> int:
    """How many people one ranking has (those above 0): its per-value counts summed."""
    field = _check(population, measure)
    total = RankingValueCount.objects.filter(
        organisation_id=_id(organisation),
        period=period,
        population=population,
        measure=field,
        value__gt=0,
    ).aggregate(n=Sum("people"))["n"]
    return int(total or 0)


def ranking_slice(
    *,
    organisation: Organisation | int,
    period: str,
    population: str,
    measure: str,
    offset: int,
    limit: int,
) -> list[RankedPerson]:
    """``limit`` people of one ranking from ``offset``, placed (at most two queries).

    ``ranking_top`` for any page of a ranking: one index range read from the offset, and
    for a page past the first, the per-value counts above its first row (as
    ``ranking_place`` sums them), since a tie may run across the page boundary. Every
    later row that differs from the one before is placed by its position: everyone
    before it is higher.
    """
    field = _check(population, measure)
    org_id = _id(organisation)
    rows = list(
        ScopeTotal.objects.filter(
            organisation_id=org_id,
            period=period,
            population=population,
            **{f"{field}__gt": 0},
        )
        .order_by(f"-{field}", "person_id")
        .values_list("person_id", "person__real_name", field)[offset : offset + limit]
    )
    if not rows:
        return []
    first = 1
    if offset:
        higher = RankingValueCount.objects.filter(
            organisation_id=org_id,
            period=period,
            population=population,
            measure=field,
            value__gt=rows[0][2],
        ).aggregate(n=Sum("people"))["n"]
        first = 1 + int(higher or 0)
    ranked: list[RankedPerson] = []
    for index, (pid, name, value) in enumerate(rows):
        if index == 0:
            place = first
        elif value == rows[index - 1][2]:
            place = ranked[-1].place
        else:
            place = offset + index + 1
        ranked.append(RankedPerson(place, pid, name, value))
    return ranked


def ranking_scope_options(user: AnyUser, person: Person | None) -> list[Organisation]:
    """The scopes a viewer may switch the ranking to: the town, the nodes they rank under
    (as ``points.scopes``) with their ancestors, and the subtrees they may view."""
    q = Q(depth=1, kind=Organisation.Kind.TOWN)
    if person is not None:
        linked = [getattr(person, f"{f}_id") for f in PERSON_LINK_FIELDS]
        paths = Organisation.objects.filter(
            Q(pk__in=[pk for pk in linked if pk is not None])
            | Q(
                pk__in=Membership.objects.current()
                .filter(person_id=person.pk)
                .values("organisation")
            )
        ).values_list("path", flat=True)
        q |= Q(path__in=sorted(ancestor_paths(paths)))
    granted = permissions.scope_q(user, permissions.Action.VIEW)
    q = Q() if granted is None else q | granted
    return list(Organisation.objects.filter(q).only("pk", "name", "path", "depth", "kind"))


def ranking_places(
    *,
    organisations: Iterable[Organisation | int],
    values: dict[str, int],
    population: str,
    measure: str,
) -> dict[tuple[int, str], Place]:
    """Places in several rankings at once, for someone ranked under each organisation.

    ``values`` maps each period to the person's value in it (their ``PersonTotal``,
    which every one of their ranking rows for the period carries). One query.
    """
    field = _check(population, measure)
    org_ids = [_id(org) for org in organisations]
    if not org_ids or not values:
        return {}
    above = [Q(period=period, value__gt=value) for period, value in values.items() if value > 0]
    sums = {
        "ranked": Sum("people"),
        "higher": Sum("people", filter=reduce(or_, above)) if above else Sum(0),
    }
    rows = (
        RankingValueCount.objects.filter(
            organisation_id__in=org_ids,
            period__in=list(values),
            population=population,
            measure=field,
            value__gt=0,
        )
        .values("organisation_id", "period")
        .annotate(**sums)
        .order_by()
    )
    found: dict[tuple[int, str], Mapping[str, Any]] = {
        (row["organisation_id"], row["period"]): row for row in rows
    }
    places: dict[tuple[int, str], Place] = {}
    for org_id in org_ids:
        for period, value in values.items():
            row = found.get((org_id, period), {})
            ranked = row.get("ranked") or 0
            place = 1 + (row.get("higher") or 0) if value > 0 else None
            places[(org_id, period)] = Place(place, value, ranked)
    return places


def ranking_place(
    *,
    person: Person | int,
    organisation: Organisation | int,
    period: str,
    population: str,
    measure: str,
) -> Place:
    """The person's place in one ranking (two queries: their row, then the counts above it)."""
    field = _check(population, measure)
    value = (
        ScopeTotal.objects.filter(
            organisation_id=_id(organisation),
            period=period,
            population=population,
            person_id=_id(person),
        )
        .values_list(field, flat=True)
        .first()
    )
    places = ranking_places(
        organisations=[organisation],
        values={period: value or 0},
        population=population,
        measure=field,
    )
    return places[(_id(organisation), period)]


def team_ranking(
    *,
    organisation: Organisation | int,
    period: str,
    population: str,
    measure: str,
    per_head: bool = False,
) -> list[RankedTeam]:
    """The teams (志愿服务队) at or under ``organisation``, by total or per head (three queries).

    Per head divides by the team's current members in the population (open
    memberships), not only those who earned something, so a team is not helped
    by members who never turn up.
    """
    field = _check(population, measure)
    root = organisation
    if isinstance(root, int):
        root = Organisation.objects.only("path").get(pk=root)
    teams = list(
        Organisation.objects.filter(path__startswith=root.path, kind=Organisation.Kind.TEAM)
        .only("pk", "name", "path", "kind", "depth")
        .order_by("path")
    )
    if not teams:
        return []
    ids = [team.pk for team in teams]
    totals = dict(
        ScopeTotal.objects.filter(organisation_id__in=ids, period=period, population=population)
        .values("organisation_id")
        .annotate(total=Sum(field))
        .order_by()
        .values_list("organisation_id", "total")
    )
    members = Membership.objects.current().filter(organisation_id__in=ids)
    if population == Population.PARTY_MEMBERS:
        members = members.filter(person__political_status__in=Person.PARTY_STATUSES)
    heads = dict(
        members.values("organisation_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
        .values_list("organisation_id", "n")
    )
    rows: list[_TeamRow] = []
    for index, team in enumerate(teams):
        total, n = totals.get(team.pk) or 0, heads.get(team.pk, 0)
        rows.append((index, team, total, n, round(total / n, 1) if n else None))

    def key(row: _TeamRow) -> tuple[float, ...]:
        _index, _team, total, _n, mean = row
        return (-(mean or 0), -total) if per_head else (-total,)

    rows.sort(key=lambda row: (*key(row), row[0]))  # ties stay in tree order
    places = competition_places([key(row) for row in rows])
    return [
        RankedTeam(place, team, total, n, mean)
        for place, (_i, team, total, n, mean) in zip(places, rows, strict=True)
    ]
