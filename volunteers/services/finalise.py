"""Finalising attendance: when an activity is over, its hours and points are awarded.

``activity_finish`` closes attendances still open (at the activity's end,
flagged automatic), finalises each attendance — one transaction per attendance,
so one person's lock never waits on a whole activity — and then marks the
activity finished. The awarding itself is points' (a layer above): it receives
``attendance_finalising`` (volunteers.signals). Every step is idempotent: running
it again, or after a crash half-way, awards only what was not awarded yet.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden
from volunteers import permissions
from volunteers.models import Activity, Attendance, User
from volunteers.services.closing import attendances_close_open, checkout_grace
from volunteers.signals import answer, attendance_finalising


def _close_if_due(activity: Activity, now: datetime.datetime) -> None:
    if now <= activity.ends_at + checkout_grace():
        raise Conflict(
            "not_over",
            _("活动结束 %(minutes)d 分钟后（签退截止）才能核定时长和积分。")
            % {"minutes": int(checkout_grace().total_seconds() // 60)},
        )
    attendances_close_open(now=now)


def attendances_close_due_and_finalise(
    *, attendance: Attendance, now: datetime.datetime | None = None
) -> object | None:
    """Award one attendance's hours and points (once), mark it finalised; points' answer.

    If that attendance is still open, its activity must be over, and then every open
    attendance in the town past its grace is closed first (``attendances_close_open``),
    this one with them: hence the name.
    """
    now = now or timezone.now()
    attendance = Attendance.objects.select_related("activity").get(pk=attendance.pk)
    if attendance.removed_at is None and attendance.checked_out_at is None:
        _close_if_due(attendance.activity, now)
    with transaction.atomic():
        award = answer(attendance_finalising.send(sender=Attendance, attendance=attendance))
        Attendance.objects.filter(pk=attendance.pk, finalised_at__isnull=True).update(
            finalised_at=now
        )
    return award


def activity_finish(
    *, activity: Activity, by: User | None = None, now: datetime.datetime | None = None
) -> list[object | None]:
    """Close, award and finalise every attendance of an activity that is over; mark it finished."""
    if by is not None and not permissions.can(by, permissions.Action.CHECK_IN, activity):
        raise Forbidden("forbidden", _("您无权结束该活动。"))
    now = now or timezone.now()
    activity = Activity.objects.get(pk=activity.pk)
    if activity.cancelled_at is not None:
        raise Conflict("cancelled", _("活动已取消，没有可核定的出勤。"))
    if not activity.live and activity.first_published_at is None:
        raise Conflict("not_published", _("活动尚未发布。"))
    _close_if_due(activity, now)
    awards = [
        attendances_close_due_and_finalise(attendance=attendance, now=now)
        for attendance in Attendance.objects.filter(
            activity=activity, removed_at__isnull=True
        ).order_by("pk")
    ]
    Activity.objects.filter(pk=activity.pk, finished_at__isnull=True).update(finished_at=now)
    return awards
