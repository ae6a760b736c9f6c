"""The town's live figures on the home page: people, hours, activities and the 微心愿墙's
needs, cached briefly."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Aggregate, Count, Max, Q, QuerySet, Subquery, Sum, Value
from django.utils import timezone

from volunteers.models import (
    Activity,
    Attendance,
    Need,
    Person,
)
from volunteers.selectors.needs import NeedCounts, need_count_filters

STATS_SECONDS = 300  # live figures may lag a check-in by at most five minutes


@dataclass(frozen=True)
class TownStatistics:
    volunteers: int
    party_members: int
    hours_this_year: int
    activities_this_month: int
    year: int
    month: int
    # The 微心愿墙's figures (需求, 已认领, 已完成), as ``volunteers.selectors.needs.need_counts``.
    needs: NeedCounts


def _start_of_year(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _start_of_month(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(start: datetime.datetime) -> datetime.datetime:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month)


def served_minutes(queryset: QuerySet[Attendance]) -> QuerySet[Attendance]:
    """Attendances that count as service: not withdrawn, with minutes recorded.

    POINTS HOOK: once ``points`` credits service (``ServiceRecord``, approved minutes),
    the public figures should read those instead of raw attendance minutes.
    """
    return queryset.filter(removed_at__isnull=True, minutes_served__isnull=False)


def _scalar(queryset: QuerySet[Any], aggregate: Aggregate) -> Subquery:
    """``aggregate`` over the whole queryset, as a subquery returning one value."""
    grouped = queryset.order_by().annotate(_one=Value(1)).values("_one")
    return Subquery(grouped.annotate(value=aggregate).values("value"))


def town_statistics(*, now: datetime.datetime | None = None) -> TownStatistics:
    """Volunteers, party members, hours served this year, activities this month, and the
    微心愿墙's figures (1 query)."""
    now = now or timezone.now()
    year_start = _start_of_year(now)
    month_start = _start_of_month(now)
    key = f"cms:stats:town:v2:{month_start:%Y-%m}"  # v2: with the needs' figures
    cached = cache.get(key)
    if cached is not None:
        return cached
    # One query: the sums and counts come in as scalar subqueries beside the people counts
    # (Max of the one value; a town without people yet shows zeros).
    minutes = _scalar(
        served_minutes(Attendance.objects.filter(checked_in_at__gte=year_start)),
        Sum("minutes_served"),
    )
    activities = _scalar(
        Activity.objects.published().filter(
            starts_at__gte=month_start, starts_at__lt=_next_month(month_start)
        ),
        Count("id"),
    )
    # The needs' figures ride along: the home page shows them under its banner, and a
    # query of their own took the uncached home page past its 15 (tests/cms/test_cache.py).
    needs = {
        f"needs_{name}": Max(_scalar(Need.objects.filter(q), Count("id")))
        for name, q in need_count_filters().items()
    }
    row = Person.objects.aggregate(
        total=Count("id"),
        party=Count("id", filter=Q(political_status__in=Person.PARTY_STATUSES)),
        minutes=Max(minutes),
        activities=Max(activities),
        **needs,
    )
    stats = TownStatistics(
        volunteers=row["total"] or 0,
        party_members=row["party"] or 0,
        hours_this_year=round((row["minutes"] or 0) / 60),
        activities_this_month=row["activities"] or 0,
        year=year_start.year,
        month=month_start.month,
        needs=NeedCounts(
            *(row[f"needs_{name}"] or 0 for name in NeedCounts._fields),
        ),
    )
    cache.set(key, stats, STATS_SECONDS)
    return stats


def need_statistics() -> NeedCounts:
    """The 微心愿墙's figures for the home page: counted in ``town_statistics``' one query
    and cached with it, so they may lag a claim by five minutes at most."""
    return town_statistics().needs
