"""Awarding hours and points for service: a finalised attendance or an approved back-fill.

Finalising an attendance credits its minutes (a ``ServiceRecord``) and its
points (a ``PointsEntry`` keyed ``attendance:<id>:service``) exactly once. The
person's ledger lock is taken before looking for an earlier award, and the
unique key in a savepoint is the last word, so twenty concurrent calls make one
record and one line. If the award was reversed (the attendance was removed) and
the attendance is later added back, the next award takes the next key
(``attendance:<id>:service:2``) — still once.

Points follow the rule for the activity's category and the person's audience:
``points_per_attendance`` plus the service time's points, rounded by the rule
(``preview_points``: the minutes to the rule's unit, then the points to a whole
point, both by the rule's mode; the default prorates by the minute and rounds to
the nearest point), then the caps — the rule's daily and yearly caps for the
category and the audience policy's rubric caps. An award over a cap is cut to
what is left (possibly 0), and the line records the amount before the cap, the cap
and what was used, so "我的积分" can say why. The line also records the rounding
(unit, mode and the minutes counted), so its explanation names it.

Whether service counts at all (the activity's minimum share) is volunteers' one rule,
``volunteers.services.credit.meets_share``; points answers volunteers' "what would this
bring?" with ``attendance_points_preview``, registered in ``points/apps.py``.
"""

import datetime
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from core.errors import Conflict
from points.models import Category, Kind, PointsEntry, PointsPolicy, PointsRule, ServiceRecord
from points.models.rules import Rounding
from points.models.service import LIVE_STATUSES
from points.periods import day_bounds, period_bounds, year_key
from points.selectors.explain import entry_explanation, service_explanation
from points.services.ledger import PersonLock, entry_append, person_lock
from points.services.rules import audience_of, policy_for, rule_for
from volunteers.models import Activity, Attendance, Person, User
from volunteers.services.credit import (
    PointsPreview,
    below_share_message,
    meets_share,
    required_minutes,
)

__all__ = [  # the share rule is volunteers'; named here too for the back-fill service
    "Award",
    "PointsCalculation",
    "activity_lines",
    "attendance_points_preview",
    "award_for_attendance",
    "award_for_record",
    "below_share_message",
    "capped_points",
    "meets_share",
    "preview_points",
    "required_minutes",
    "rounded",
]

RUBRIC_EARNING = (Category.BASIC, Category.SERVICE, Category.REWARD)


@dataclass(frozen=True)
class Award:
    """What finalising one attendance (or approving one back-fill, or confirming one
    claim) produced."""

    entry: PointsEntry | None = None
    record: ServiceRecord | None = None
    created: bool = False
    # Why nothing new was credited: removed, cancelled, below_share, already_credited
    # (a back-fill holds the hours), points_reversed (a secretary reversed this award),
    # not_confirmed (a claim not confirmed, or withdrawn), unit_claim (a unit's claim:
    # no personal hours or points).
    skipped: str = ""
    message: str = ""


def rounded(value: Fraction, mode: str) -> int:
    """``value`` to a whole number: nearest (a half rounds up), down or up."""
    if mode == Rounding.DOWN:
        return math.floor(value)
    if mode == Rounding.UP:
        return math.ceil(value)
    return math.floor(value + Fraction(1, 2))


@dataclass(frozen=True)
class PointsCalculation:
    """How a rule turns minutes of service into points, before the caps."""

    minutes: int
    counted_minutes: int  # the minutes rounded to the rule's unit
    rounding_unit: int
    rounding_mode: str
    points_per_hour: int
    points_per_attendance: int
    exact: Fraction  # per attendance + counted minutes × per hour / 60, unrounded
    base: int  # ``exact`` rounded to a whole point by the rule's mode


def preview_points(rule: PointsRule, minutes: int) -> PointsCalculation:
    """The points ``minutes`` of service earn under ``rule``, before the caps (pure).

    The minutes are rounded to the rule's unit, then the points to a whole point, both
    by the rule's mode: at 1分/小时, 118 minutes make 2 points by the minute and to the
    nearest (≈1.97), by the half hour and to the nearest (2 h), but 1 point down by the
    hour (the old floor).
    """
    unit = max(1, int(rule.rounding_unit or 1))
    mode = rule.rounding_mode or Rounding.NEAREST
    counted = rounded(Fraction(minutes, unit), mode) * unit
    exact = rule.points_per_attendance + Fraction(counted * rule.points_per_hour, 60)
    return PointsCalculation(
        minutes=minutes,
        counted_minutes=counted,
        rounding_unit=unit,
        rounding_mode=mode,
        points_per_hour=rule.points_per_hour,
        points_per_attendance=rule.points_per_attendance,
        exact=exact,
        base=rule.points_per_attendance + rounded(exact - rule.points_per_attendance, mode),
    )


def activity_lines(category_id: int | None) -> Q:
    """The ledger lines an activity rule's daily and yearly caps count: its category's."""
    return Q(activity__category_id=category_id)


def _usage(
    lock: PersonLock, *, occurred_at: datetime.datetime, in_category: Q | None, rubric: str
) -> dict[str, int]:
    """What the person already has this day and year, in the sums the caps look at."""
    return _usage_of(
        lock.person_id, occurred_at=occurred_at, in_category=in_category, rubric=rubric
    )


def _usage_of(
    person_id: int, *, occurred_at: datetime.datetime, in_category: Q | None, rubric: str
) -> dict[str, int]:
    """``in_category``: the lines the rule's own caps count (an activity category's, or
    claims'); None when only the rubric sums are wanted (an adjustment)."""
    year_start, year_end = period_bounds(year_key(occurred_at))
    day_start, day_end = day_bounds(occurred_at)
    in_day = Q(occurred_at__gte=day_start, occurred_at__lt=day_end)
    sums: dict[str, Any] = {
        "year_item": Sum("amount", filter=Q(category=rubric)),
        "year_rubric": Sum("amount", filter=Q(category__in=RUBRIC_EARNING)),
    }
    if in_category is not None:
        sums["day_category"] = Sum("amount", filter=in_category & in_day)
        sums["year_category"] = Sum("amount", filter=in_category)
    used = PointsEntry.objects.filter(
        person_id=person_id, occurred_at__gte=year_start, occurred_at__lt=year_end
    ).aggregate(**sums)
    return {"day_category": 0, "year_category": 0} | {k: v or 0 for k, v in used.items()}


def capped_points(
    lock: PersonLock,
    *,
    base: int,
    rule: PointsRule,
    policy: PointsPolicy,
    occurred_at: datetime.datetime,
    in_category: Q,
) -> tuple[int, dict[str, Any] | None]:
    """The award after the caps, and the cap that cut it (None if none did)."""
    return _capped(
        lock.person_id,
        base=base,
        rule=rule,
        policy=policy,
        occurred_at=occurred_at,
        in_category=in_category,
    )


def _capped(
    person_id: int,
    *,
    base: int,
    rule: PointsRule,
    policy: PointsPolicy,
    occurred_at: datetime.datetime,
    in_category: Q,
) -> tuple[int, dict[str, Any] | None]:
    caps = [
        ("daily", rule.daily_cap, "day_category"),
        ("yearly", rule.yearly_cap, "year_category"),
        ("rubric_item", policy.item_cap(rule.rubric_category), "year_item"),
        ("rubric_total", policy.yearly_total_cap, "year_rubric"),
    ]
    if base <= 0 or all(limit is None for _name, limit, _key in caps):
        return base, None
    used = _usage_of(
        person_id, occurred_at=occurred_at, in_category=in_category, rubric=rule.rubric_category
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
    calculation = preview_points(rule, minutes)
    amount, cap = capped_points(
        lock,
        base=calculation.base,
        rule=rule,
        policy=policy,
        occurred_at=occurred_at,
        in_category=activity_lines(activity.category_id),
    )
    explanation = _explanation(
        activity,
        rule,
        calculation,
        awarded=amount,
        cap=cap,
        source="backfill" if record is not None and attendance is None else "attendance",
    )
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


def _explanation(
    activity: Activity,
    rule: PointsRule,
    calculation: PointsCalculation,
    *,
    awarded: int,
    cap: dict[str, Any] | None,
    source: str,
) -> dict[str, Any]:
    """The figures a ledger line keeps, so its sentence stays true after the rule changes."""
    return {
        "activity": activity.title,
        "category": activity.category.name,
        **calculation_figures(rule, calculation, awarded=awarded, cap=cap),
        "source": source,
    }


def calculation_figures(
    rule: PointsRule, calculation: PointsCalculation, *, awarded: int, cap: dict[str, Any] | None
) -> dict[str, Any]:
    """How the rule turned the minutes into points, for any service line (activity or claim)."""
    return {
        "minutes": calculation.minutes,
        "points_per_hour": calculation.points_per_hour,
        "points_per_attendance": calculation.points_per_attendance,
        "rounding_unit": calculation.rounding_unit,
        "rounding_mode": calculation.rounding_mode,
        "counted_minutes": calculation.counted_minutes,
        "base": calculation.base,
        "awarded": awarded,
        "rule": rule.name,
        "cap": cap,
    }


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
    # Only a back-fill comes here (``servicerecord_approve``), and a back-fill always names
    # its activity: the model's record_source_matches_origin check constraint.
    assert record.activity is not None  # noqa: S101 -- the check constraint guarantees it
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


def attendance_points_preview(attendance: Attendance) -> PointsPreview | None:
    """What finalising this closed attendance writes on the ledger, as things stand now.

    volunteers' check-out page asks (``volunteers.services.credit``); the same rule, the
    same rounding and the caps as used so far, so the line written after the activity
    matches unless something else is awarded first. Once written, the line itself.
    """
    minutes = attendance.minutes_served
    if attendance.removed_at is not None or minutes is None:
        return None
    written = (
        PointsEntry.objects.filter(
            attendance_id=attendance.pk, kind=Kind.SERVICE, reversed_by__isnull=True
        )
        .order_by("-pk")
        .first()
    )
    if written is not None:
        return PointsPreview(
            points=written.amount, explanation=entry_explanation(written), awarded=True
        )
    activity = attendance.activity
    person = attendance.person
    rule = rule_for(category_id=activity.category_id, audience=audience_of(person))
    calculation = preview_points(rule, minutes)
    amount, cap = _capped(
        person.pk,
        base=calculation.base,
        rule=rule,
        policy=policy_for(audience_of(person)),
        occurred_at=service_time(attendance),
        in_category=activity_lines(activity.category_id),
    )
    data = _explanation(activity, rule, calculation, awarded=amount, cap=cap, source="attendance")
    return PointsPreview(points=amount, explanation=service_explanation(data))
