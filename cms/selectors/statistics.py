"""The town's live figures on the home page: people, hours and activities, cached briefly."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Aggregate, Count, Max, Q, QuerySet, Subquery, Sum, Value
from django.utils import timezone

from volunteers.models import (
    Activity,
    Attendance,
    Person,
)

STATS_SECONDS = 300  # live figures may lag a check-in by at most five minutes


@dataclass(frozen=True)
class TownStatistics:
    volunteers: int
    party_members: int
    hours_this_year: int
    activities_this_month: int
    year: int
    month: int


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
    """Volunteers, party members, hours served this year, activities this month (1 query)."""
    now = now or timezone.now()
    year_start = _start_of_year(now)
    month_start = _start_of_month(now)
    key = f"cms:stats:town:{month_start:%Y-%m}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    # One query: the two sums come in as scalar subqueries beside the people counts.
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
    row = Person.objects.aggregate(
        total=Count("id"),
        party=Count("id", filter=Q(political_status__in=Person.PARTY_STATUSES)),
        minutes=Max(minutes),
        activities=Max(activities),
    )
    stats = TownStatistics(
        volunteers=row["total"] or 0,
        party_members=row["party"] or 0,
        hours_this_year=round((row["minutes"] or 0) / 60),
        activities_this_month=row["activities"] or 0,
        year=year_start.year,
        month=month_start.month,
    )
    cache.set(key, stats, STATS_SECONDS)
    return stats
