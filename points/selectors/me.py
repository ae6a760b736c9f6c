"""我的 (/me/): the figures of the card at the top of the person's own page.

Two indexed reads, never the ledger:

1. the person's ``PersonTotal`` rows for this month and all time (points, balance,
   minutes; the star level follows from the all-time minutes, ``points.stars``);
2. their community (the community at or above their home grid, else the one they
   reported to, as "我的积分" counts places) with their place in its ranking summed in
   the same statement from ``RankingValueCount``, as ``rankings.ranking_places`` sums it.

The ranking is this month's, by points, in the person's population (party members
among party members, as "我的积分" ranks them), so the card links to exactly that
ranking. Someone with no points this month, or without a community, is not ranked.
"""

import datetime
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum

from points.models import Measure, PersonTotal, Population, RankingValueCount
from points.periods import ALL_TIME, PeriodKind, period_key
from points.scopes import ancestor_paths
from points.stars import StarProgress, star_level_hours, star_progress
from volunteers.models import Organisation, Person


@dataclass(frozen=True)
class MyFigures:
    month: str  # this month's period key, "2026-05"
    month_points: int  # points earned this month (what the monthly ranking orders by)
    points: int  # points earned all time (累计积分), before anything is spent
    balance: int  # points one may still spend (可用积分)
    minutes: int  # credited service, all time
    star: StarProgress
    star_floor_minutes: int  # where the current star level starts, for a progress bar
    population: str
    community: Organisation | None
    place: int | None  # None: not ranked this month (尚未上榜)
    ranked: int  # how many people the community's ranking has this month

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def star_hours_to_next(self) -> float | None:
        """Hours still to serve for the next level, rounded up to a tenth (never “0”)."""
        if self.star.minutes_to_next is None:
            return None
        return math.ceil(self.star.minutes_to_next / 6) / 10

    @property
    def star_progress_done(self) -> int:
        """Minutes served since the current level, toward the next (0 at the top level)."""
        return self.minutes - self.star_floor_minutes if self.star.next_level else 0

    @property
    def star_progress_span(self) -> int:
        """Minutes between the current level and the next (0 at the top level)."""
        if self.star.next_level_hours is None:
            return 0
        return self.star.next_level_hours * 60 - self.star_floor_minutes


def _community_of(person: Person) -> str | None:
    """The path whose ancestors hold the person's community: home grid, else 报到."""
    base = person.home_grid or person.reported_community
    return base.path if base is not None else None


def my_figures(person: Person, *, today: datetime.date | None = None) -> MyFigures:
    """The card's figures for ``person`` (their home grid and reported community read
    with them, as ``person_for_user(user, "home_grid", "reported_community")`` does)."""
    month = period_key(PeriodKind.MONTH, today)
    rows = {
        row.period: row
        for row in PersonTotal.objects.filter(person_id=person.pk, period__in=[ALL_TIME, month])
    }
    all_time, this_month = rows.get(ALL_TIME), rows.get(month)
    month_points = this_month.points if this_month else 0
    minutes = all_time.minutes if all_time else 0
    population = Population.PARTY_MEMBERS if person.is_party_member else Population.VOLUNTEERS

    community, place, ranked = None, None, 0
    base_path = _community_of(person)
    if base_path is not None:
        counts = (
            RankingValueCount.objects.filter(
                organisation=OuterRef("pk"),
                period=month,
                population=population,
                measure=Measure.POINTS,
                value__gt=0,
            )
            .order_by()
            .values("organisation")
        )

        def total(queryset: QuerySet[Any, Any]) -> Subquery:
            return Subquery(queryset.annotate(n=Sum("people")).values("n"), IntegerField())

        community = (
            Organisation.objects.filter(
                path__in=sorted(ancestor_paths([base_path])), kind=Organisation.Kind.COMMUNITY
            )
            .annotate(
                ranked_people=total(counts),
                higher_people=total(counts.filter(value__gt=month_points)),
            )
            .only("pk", "name", "path", "depth", "kind")
            .order_by("-depth")
            .first()
        )
        if community is not None:
            ranked = community.ranked_people or 0
            if month_points > 0:
                place = 1 + (community.higher_people or 0)

    star = star_progress(minutes)
    thresholds = star_level_hours()
    floor = thresholds[star.level - 1] * 60 if star.level else 0
    return MyFigures(
        month=month,
        month_points=month_points,
        points=all_time.points if all_time else 0,
        balance=all_time.balance if all_time else 0,
        minutes=minutes,
        star=star,
        star_floor_minutes=floor,
        population=population,
        community=community,
        place=place,
        ranked=ranked,
    )
