"""Whether a closed attendance counts, and what it will bring: one rule, and one way to ask.

``meets_share`` is the one rule that decides whether service counts: at least the
activity's minimum share (``Activity.min_share_percent``) of its duration, rounded up
to the minute. points awards by it (``points.services.awards``) and the check-out page
tells by it (``attendance_outcome``), so the two can never disagree.

What the hours will bring in points is points' to say, a layer above. points registers
its answer when it starts (``register_points_preview`` in ``points/apps.py``), the way it
fills the audit log's registries; volunteers asks through ``points_preview`` and never
imports points. With no answer registered the check-out page tells the hours only.

When it appears: the finishing job awards an activity's attendances once the activity
is over and the check-out grace has passed (``closing.checkout_grace``, 30 minutes by
default; the sweep runs every 5 minutes).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from volunteers.models import Activity, Attendance
from volunteers.services.closing import checkout_grace


@dataclass(frozen=True)
class PointsPreview:
    """points' answer: what finalising the attendance writes (or wrote) on the ledger."""

    points: int
    explanation: str  # the ledger line's own sentence, e.g. "… = 约1.97分，四舍五入计 2分"
    awarded: bool = False  # already on the ledger: the activity has been finalised


PointsPreviewProvider = Callable[[Attendance], PointsPreview | None]

_points_preview: PointsPreviewProvider | None = None


def register_points_preview(provider: PointsPreviewProvider | None) -> None:
    """``provider(attendance) -> PointsPreview | None``, registered by points at start-up."""
    global _points_preview
    _points_preview = provider


def points_preview(attendance: Attendance) -> PointsPreview | None:
    """What the closed attendance brings in points, if anyone above answers."""
    return _points_preview(attendance) if _points_preview is not None else None


def required_minutes(activity: Activity) -> int:
    """The fewest minutes that meet the activity's minimum share (rounded up)."""
    return activity.required_minutes


def meets_share(activity: Activity, minutes: int) -> bool:
    """Whether ``minutes`` of service at ``activity`` count for hours and points."""
    return minutes > 0 and minutes >= required_minutes(activity)


def below_share_message(activity: Activity, minutes: int) -> str:
    return _(
        "服务 %(minutes)d 分钟，未达到活动时长（%(duration)d 分钟）的 %(share)d%%"
        "（%(needed)d 分钟），不计时长和积分。"
    ) % {
        "minutes": minutes,
        "duration": activity.duration_minutes,
        "share": activity.min_share_percent,
        "needed": required_minutes(activity),
    }


@dataclass(frozen=True)
class ServiceOutcome:
    """What a check-out tells: counts or not (and why), the hours and points, and when."""

    minutes: int
    counts: bool
    required_minutes: int  # the minimum share in minutes: below it, it does not count
    share_percent: int
    duration_minutes: int
    credited_after: datetime.datetime  # the activity's end plus the check-out grace
    grace_minutes: int
    finalised: bool  # the finishing job has run: hours and points are in
    points: PointsPreview | None  # None: no points answer, or it does not count

    @property
    def hours(self) -> float:
        """As every page shows hours: to one decimal."""
        return round(self.minutes / 60, 1) if self.counts else 0.0


def attendance_outcome(attendance: Attendance) -> ServiceOutcome:
    """What a closed attendance will bring, as finalising it would decide now."""
    activity = attendance.activity
    minutes = attendance.minutes_served or 0
    counts = meets_share(activity, minutes)
    grace = checkout_grace()
    return ServiceOutcome(
        minutes=minutes,
        counts=counts,
        required_minutes=required_minutes(activity),
        share_percent=activity.min_share_percent,
        duration_minutes=activity.duration_minutes,
        credited_after=activity.ends_at + grace,
        grace_minutes=int(grace.total_seconds() // 60),
        finalised=attendance.finalised_at is not None,
        points=points_preview(attendance) if counts else None,
    )
