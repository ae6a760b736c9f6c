"""Awarding hours and points for service: a finalised attendance or an approved back-fill.

Finalising an attendance credits its minutes (a ``ServiceRecord``) and its
points (a ``PointsEntry`` keyed ``attendance:<id>:service``) exactly once. The
person's ledger lock is taken before looking for an earlier award, and the
unique key in a savepoint is the last word, so twenty concurrent calls make one
record and one line. If the award was reversed (the attendance was removed) and
the attendance is later added back, the next award takes the next key
(``attendance:<id>:service:2``) — still once.

Points follow the rule for the activity's category and the person's audience:
``points_per_attendance + floor(minutes × points_per_hour / 60)``, then the
caps — the rule's daily and yearly caps for the category and the audience
policy's rubric caps. An award over a cap is cut to what is left (possibly 0),
and the line records the amount before the cap, the cap and what was used, so
"我的积分" can say why.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from core.errors import Conflict
from points.models import Category, Kind, PointsEntry, PointsPolicy, PointsRule, ServiceRecord
from points.models.service import LIVE_STATUSES
from points.periods import day_bounds, period_bounds, year_key
from points.services.ledger import PersonLock, entry_append, person_lock
from points.services.rules import audience_of, policy_for, rule_for
from volunteers.models import Activity, Attendance, Person, User

RUBRIC_EARNING = (Category.BASIC, Category.SERVICE, Category.REWARD)


@dataclass(frozen=True)
class Award:
    """What finalising one attendance (or approving one back-fill) produced."""

    entry: PointsEntry | None = None
    record: ServiceRecord | None = None
    created: bool = False
    # Why nothing new was credited: removed, cancelled, below_share, already_credited
    # (a back-fill holds the hours), points_reversed (a secretary reversed this award).
    skipped: str = ""
    message: str = ""


def required_minutes(activity: Activity) -> int:
    """The fewest minutes that meet the activity's minimum share (rounded up)."""
    return -(-activity.duration_minutes * activity.min_share_percent // 100)


def meets_share(activity: Activity, minutes: int) -> bool:
    return minutes > 0 and minutes >= required_minutes(activity)


def below_share_message(activity: Activity, minutes: int) -> str:
    return _(
        "服务 %(minutes)d 分钟，未达到活动时长（%(duration)d 分钟）的 %(share)d%%，不计时长和积分。"
    ) % {
        "minutes": minutes,
        "duration": activity.duration_minutes,
        "share": activity.min_share_percent,
    }


def _usage(
    lock: PersonLock, *, occurred_at: datetime.datetime, activity_category_id: int, rubric: str
) -> dict[str, int]:
    """What the person already has this day and year, in the sums the caps look at."""
    year_start, year_end = period_bounds(year_key(occurred_at))
    day_start, day_end = day_bounds(occurred_at)
    in_category = Q(activity__category_id=activity_category_id)
    in_day = Q(occurred_at__gte=day_start, occurred_at__lt=day_end)
    sums = PointsEntry.objects.filter(
        person_id=lock.person_id, occurred_at__gte=year_start, occurred_at__lt=year_end
    ).aggregate(
        day_category=Sum("amount", filter=in_category & in_day),
        year_category=Sum("amount", filter=in_category),
        year_item=Sum("amount", filter=Q(category=rubric)),
        year_rubric=Sum("amount", filter=Q(category__in=RUBRIC_EARNING)),
    )
    return {name: value or 0 for name, value in sums.items()}


def capped_points(
    lock: PersonLock,
    *,
    base: int,
    rule: PointsRule,
    policy: PointsPolicy,
    occurred_at: datetime.datetime,
    activity_category_id: int,
) -> tuple[int, dict[str, Any] | None]:
    """The award after the caps, and the cap that cut it (None if none did)."""
    caps = [
        ("daily", rule.daily_cap, "day_category"),
        ("yearly", rule.yearly_cap, "year_category"),
        ("rubric_item", policy.item_cap(rule.rubric_category), "year_item"),
        ("rubric_total", policy.yearly_total_cap, "year_rubric"),
    ]
    if base <= 0 or all(limit is None for _name, limit, _key in caps):
        return base, None
    used = _usage(
        lock,
        occurred_at=occurred_at,
        activity_category_id=activity_category_id,
        rubric=rule.rubric_category,
    )
    amount, applied = base, None
    for name, limit, key in caps:
        if limit is None:
            continue
        room = max(0, limit - used[key])
        if room < amount:
            amount, applied = room, {"kind": name, "limit": limit, "used": used[key]}
    return amount, applied


def _service_entry(
    lock: PersonLock,
    *,
    person: Person,
    activity: Activity,
    minutes: int,
    occurred_at: datetime.datetime,
    key: str,
    attendance: Attendance | None = None,
    record: ServiceRecord | None = None,
    by: User | None = None,
    credit_minutes: bool = False,
) -> PointsEntry:
    rule = rule_for(category_id=activity.category_id, audience=audience_of(person))
    policy = policy_for(audience_of(person))
    base = rule.points_per_attendance + minutes * rule.points_per_hour // 60
    amount, cap = capped_points(
        lock,
        base=base,
        rule=rule,
        policy=policy,
        occurred_at=occurred_at,
        activity_category_id=activity.category_id,
    )
    explanation = {
        "activity": activity.title,
        "category": activity.category.name,
        "minutes": minutes,
        "points_per_hour": rule.points_per_hour,
        "points_per_attendance": rule.points_per_attendance,
        "base": base,
        "awarded": amount,
        "rule": rule.name,
        "cap": cap,
        "source": "backfill" if record is not None and attendance is None else "attendance",
    }
    return entry_append(
        lock,
        person=person,
        amount=amount,
        kind=Kind.SERVICE,
        category=rule.rubric_category,
        attendance=attendance,
        activity=activity,
        service_record=record,
        idempotency_key=key,
        rule=rule,
        explanation=explanation,
        occurred_at=occurred_at,
        actor=by,
        minutes=minutes if credit_minutes else 0,
    )


def service_time(attendance: Attendance) -> datetime.datetime:
    """When the service happened, for its period: arrival, but not before the start."""
    return max(attendance.checked_in_at, attendance.activity.starts_at)


def attendance_award_key(attendance_id: int, generation: int) -> str:
    base = f"attendance:{attendance_id}:service"
    return base if generation == 1 else f"{base}:{generation}"


def award_for_attendance(attendance: Attendance) -> Award:
    """The body of ``points_award_for_attendance``; the caller holds a transaction."""
    attendance = Attendance.objects.select_related(
        "activity__category", "activity__organisation", "person"
    ).get(pk=attendance.pk)
    activity = attendance.activity
    if attendance.removed_at is not None:
        return Award(skipped="removed", message=_("签到已撤销，不计时长和积分。"))
    if activity.cancelled_at is not None:
        return Award(skipped="cancelled", message=_("活动已取消，不计时长和积分。"))
    if attendance.checked_out_at is None or attendance.minutes_served is None:
        raise Conflict("attendance_open", _("尚未签退，不能核定时长和积分。"))
    minutes = attendance.minutes_served
    if not meets_share(activity, minutes):
        return Award(skipped="below_share", message=below_share_message(activity, minutes))

    awards = (
        PointsEntry.objects.filter(attendance=attendance, kind=Kind.SERVICE)
        .select_related("reversed_by", "service_record")
        .order_by("-pk")
    )
    latest = awards.first()
    if latest is not None and not hasattr(latest, "reversed_by"):
        return Award(entry=latest, record=latest.service_record, created=False)
    # Not awarded yet (or awarded and reversed): take the lock, then look again.
    lock = person_lock(attendance.person_id)
    earlier = list(awards.all())
    latest = earlier[0] if earlier else None
    if latest is not None and not hasattr(latest, "reversed_by"):
        return Award(entry=latest, record=latest.service_record, created=False)

    live = ServiceRecord.objects.filter(
        person_id=attendance.person_id, activity=activity, status__in=LIVE_STATUSES
    ).first()
    if live is not None and live.attendance_id == attendance.pk:
        # The hours stand but a secretary reversed the points: finalising again must not undo that.
        return Award(
            record=live,
            skipped="points_reversed",
            message=_("本次出勤的积分已被冲正，不再重复计分。"),
        )
    if live is not None:
        return Award(
            skipped="already_credited",
            message=_("本活动的服务时长已有补录记录（已认定或待审核），不重复计入。"),
        )
    occurred_at = service_time(attendance)
    key = attendance_award_key(attendance.pk, len(earlier) + 1)
    entry: PointsEntry | None
    try:
        # The lock makes a duplicate all but impossible; the unique key decides if not.
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                person=attendance.person,
                activity=activity,
                attendance=attendance,
                source=ServiceRecord.Source.ATTENDANCE,
                status=ServiceRecord.Status.APPROVED,
                minutes=minutes,
                occurred_at=occurred_at,
            )
            entry = _service_entry(
                lock,
                person=attendance.person,
                activity=activity,
                minutes=minutes,
                occurred_at=occurred_at,
                key=key,
                attendance=attendance,
                record=record,
                credit_minutes=True,
            )
    except IntegrityError:
        entry = PointsEntry.objects.filter(idempotency_key=key).first()
        if entry is None:
            raise
        return Award(entry=entry, record=entry.service_record, created=False)
    return Award(entry=entry, record=record, created=True)


def award_for_record(
    lock: PersonLock, record: ServiceRecord, *, by: User | None = None
) -> PointsEntry:
    """An approved back-fill's minutes and points, in one line."""
    return _service_entry(
        lock,
        person=record.person,
        activity=record.activity,
        minutes=record.minutes,
        occurred_at=record.occurred_at,
        key=f"servicerecord:{record.pk}:service",
        record=record,
        by=by,
        credit_minutes=True,
    )
