"""Closing attendances: the grace after an activity's end, and the minutes served.

Shared by check-in (a check-out is counted within the activity's hours) and by
finalising (attendances still open after the grace are closed at the end, flagged
automatic), so that neither imports the other for it.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from volunteers.models import Activity, Attendance, Method


def checkout_grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "CHECKOUT_GRACE_MINUTES", 30))


def served_minutes(
    activity: Activity, checked_in_at: datetime.datetime, checked_out_at: datetime.datetime
) -> int:
    """Minutes present while the activity ran; before the start or after the end is not service."""
    start = max(checked_in_at, activity.starts_at)
    end = min(checked_out_at, activity.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def attendances_close_open(*, now: datetime.datetime | None = None) -> int:
    """Close attendances still open after their activity's end plus the grace period.

    They are closed at the activity's end and flagged as automatic. Safe to run
    any number of times: closed rows are never touched again.
    """
    now = now or timezone.now()
    closed = 0
    open_rows = (
        Attendance.objects.filter(
            checked_out_at__isnull=True,
            removed_at__isnull=True,
            activity__ends_at__lt=now - checkout_grace(),
        )
        .select_related("activity")
        .order_by("pk")
    )
    for attendance in open_rows.iterator(chunk_size=500):
        with transaction.atomic():
            row = (
                Attendance.objects.select_for_update()
                .filter(pk=attendance.pk, checked_out_at__isnull=True)
                .first()
            )
            if row is None:
                continue
            activity = attendance.activity
            row.checked_out_at = max(activity.ends_at, row.checked_in_at)
            row.check_out_method = Method.AUTOMATIC
            row.auto_closed = True
            row.minutes_served = served_minutes(activity, row.checked_in_at, row.checked_out_at)
            row.save(
                update_fields=[
                    "checked_out_at",
                    "check_out_method",
                    "auto_closed",
                    "minutes_served",
                ]
            )
            closed += 1
    return closed
