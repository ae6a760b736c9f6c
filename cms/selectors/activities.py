"""Activity lists of the publicity site: what is coming up, what has just happened."""

import datetime
from collections.abc import Iterable

from django.db.models import Count, Q, Sum
from django.utils import timezone

from volunteers import selectors as volunteer_selectors
from volunteers.models import Activity, ActivityCategory, Organisation


def decorate_activities(activities: Iterable[Activity]) -> list[Activity]:
    """Add the time span and places left each card shows (no queries: counts are annotated)."""
    activities = list(activities)
    for activity in activities:
        activity.time_span = volunteer_selectors.activity_time_span(activity)
        activity.places_left = volunteer_selectors.places_left(activity)
    return activities


def upcoming_activities(
    *,
    limit: int = 4,
    community_code: str = "",
    category_name: str = "",
    now: datetime.datetime | None = None,
) -> list[Activity]:
    """The next published activities, soonest first, optionally for one community or category."""
    community = category = None
    if community_code:
        community = Organisation.objects.filter(code=community_code).first()
        if community is None:
            return []
    if category_name:
        category = ActivityCategory.objects.filter(name=category_name).first()
        if category is None:
            return []
    queryset = volunteer_selectors.activities_published(
        when=volunteer_selectors.UPCOMING, community=community, category=category, now=now
    )
    return decorate_activities(queryset[: max(1, min(limit, 24))])


def recent_activities(
    organisation: Organisation, *, limit: int = 5, now: datetime.datetime | None = None
) -> list[Activity]:
    """Finished activities of a subtree, latest first, with headcount and hours served."""
    now = now or timezone.now()
    served = Q(attendances__removed_at__isnull=True, attendances__minutes_served__isnull=False)
    queryset = (
        Activity.objects.published()
        .filter(organisation__path__startswith=organisation.path, ends_at__lt=now)
        .select_related("organisation", "category")
        .annotate(
            headcount=Count("attendances", filter=served),
            minutes=Sum("attendances__minutes_served", filter=served),
        )
        .order_by("-starts_at", "-id")[:limit]
    )
    activities = list(queryset)
    for activity in activities:
        activity.time_span = volunteer_selectors.activity_time_span(activity)
        activity.hours = round((activity.minutes or 0) / 60, 1)
    return activities
