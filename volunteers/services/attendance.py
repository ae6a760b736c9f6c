"""Attendance by hand: an organiser adds someone who could not scan, or withdraws a check-in.

A manual add answers the attendance page's form: whatever it refuses is ``Invalid``
(400) and the field at fault is named, but a lookup asked too often is ``TooMany``
(429). Everything is audited; an attendance added after the activity finished is
awarded at once, as finishing would have.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import ratelimit
from core.errors import Conflict, Forbidden, Invalid, TooMany
from core.identity import MOBILE_RE, normalise_phone
from volunteers import permissions
from volunteers.models import Activity, Attendance, Method, Person, ScanAttempt, User
from volunteers.services.audit import audit_record
from volunteers.services.closing import served_minutes
from volunteers.services.finalise import attendances_close_due_and_finalise
from volunteers.signals import attendance_withdrawn

Reason = ScanAttempt.Reason

# Numbers one organiser looks up to add someone by hand: typing a phone number and a
# reason takes ten seconds or more, so sixty in ten minutes is a paper sheet at full
# speed. Lookups that find nobody who may be added are what enumeration is made of; a
# careful organiser makes a few typos an hour, not twenty.
MANUAL_LOOKUP_LIMIT = (60, 600)
MANUAL_MISS_LIMIT = (20, 3600)


def _time(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "H:i")


def _require_organiser(by: User, activity: Activity) -> None:
    if not permissions.can(by, permissions.Action.CHECK_IN, activity):
        raise Forbidden("forbidden", _("您无权管理该活动的签到。"))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("missing_reason", _("请填写原因。"), field="reason")
    return reason[:200]


def _check_manual_add(
    *,
    activity: Activity,
    reason: str,
    by: User,
    checked_in_at: datetime.datetime | None,
    checked_out_at: datetime.datetime | None,
) -> tuple[str, datetime.datetime]:
    """What a manual add is refused for whoever it names; the reason and check-in time."""
    _require_organiser(by, activity)
    reason = _require_reason(reason)
    if activity.cancelled_at:
        raise Invalid(Reason.CANCELLED, _("活动已取消。"))
    checked_in_at = checked_in_at or min(timezone.now(), activity.ends_at)
    if checked_out_at is not None and checked_out_at < checked_in_at:
        raise Invalid("bad_times", _("签退时间不能早于签到时间。"), field="checked_out_at")
    return reason, checked_in_at


def _person_by_number(who: str) -> Person | None:
    who = (who or "").strip()
    phone = normalise_phone(who)
    person = None
    if MOBILE_RE.match(phone):
        person = Person.objects.filter(phone=phone).first()
    if person is None:
        person = Person.objects.filter(volunteer_number=who.upper()).first()
    return person


def person_for_manual_add(*, activity: Activity, who: str, by: User) -> Person:
    """Who ``who`` (a phone or volunteer number) is, if ``by`` may add them to ``activity``.

    Nobody by that number and somebody outside the activity's audience get one answer:
    otherwise an organiser could learn who lives where, number by number. Only those who
    hold people rights over the person (and could see their full phone anyway) are told
    whom the number belongs to. Lookups are limited per organiser, those that find
    nobody addable more tightly.
    """
    _require_organiser(by, activity)
    misses_key = f"manual:miss:{by.pk}"
    misses, misses_window = MANUAL_MISS_LIMIT
    lookups, lookups_window = MANUAL_LOOKUP_LIMIT
    if ratelimit.count(misses_key, window_seconds=misses_window) >= misses:
        raise TooMany(
            Reason.RATE_LIMITED,
            _("操作太频繁：没有找到人员的查询次数太多，请稍后（最长一小时）再试。"),
            field="who",
        )
    if not ratelimit.hit(f"manual:lookup:{by.pk}", limit=lookups, window_seconds=lookups_window):
        raise TooMany(
            Reason.RATE_LIMITED,
            _("操作太频繁：补录查询次数太多，请稍后（最长 %(minutes)d 分钟）再试。")
            % {"minutes": lookups_window // 60},
            field="who",
        )
    person = _person_by_number(who)
    if person is not None and permissions.in_audience(activity, person):
        return person
    # Counted only after the answer is known; a few parallel misses may slip past the
    # check above, never a steady stream.
    ratelimit.hit(misses_key, limit=misses, window_seconds=misses_window)
    if person is not None and permissions.can(by, permissions.Action.MANAGE_PEOPLE, person):
        raise Invalid(
            Reason.NOT_IN_AUDIENCE,
            _("%(name)s 不在本活动的参加对象范围内。") % {"name": person.real_name},
            field="who",
        )
    raise Invalid(
        "person_not_found",
        _("没有找到可以补录的人员。请核对手机号或志愿者编号；只能补录本活动参加对象范围内的人员。"),
        field="who",
    )


def attendance_add_manual_by_number(
    *,
    activity: Activity,
    who: str,
    reason: str,
    by: User,
    checked_in_at: datetime.datetime | None = None,
    checked_out_at: datetime.datetime | None = None,
) -> Attendance:
    """Manual add of the person a phone or volunteer number names, as the attendance page does.

    Everything that does not depend on the person is checked before the number is looked
    up, so that a refusal never tells "found" from "not found" unless it writes.
    """
    _check_manual_add(
        activity=activity,
        reason=reason,
        by=by,
        checked_in_at=checked_in_at,
        checked_out_at=checked_out_at,
    )
    person = person_for_manual_add(activity=activity, who=who, by=by)
    return attendance_add_manual(
        activity=activity,
        person=person,
        reason=reason,
        by=by,
        checked_in_at=checked_in_at,
        checked_out_at=checked_out_at,
    )


@transaction.atomic
def attendance_add_manual(
    *,
    activity: Activity,
    person: Person,
    reason: str,
    by: User,
    checked_in_at: datetime.datetime | None = None,
    checked_out_at: datetime.datetime | None = None,
) -> Attendance:
    """An organiser records a check-in by hand (a phone died, a code would not scan)."""
    reason, checked_in_at = _check_manual_add(
        activity=activity,
        reason=reason,
        by=by,
        checked_in_at=checked_in_at,
        checked_out_at=checked_out_at,
    )
    attendance = (
        Attendance.objects.select_for_update().filter(activity=activity, person=person).first()
    )
    if attendance is not None and attendance.removed_at is None:
        raise Invalid(
            Reason.ALREADY,
            _("%(name)s 已于 %(time)s 签到。")
            % {"name": person.real_name, "time": _time(attendance.checked_in_at)},
        )
    if attendance is None:
        attendance = Attendance(activity=activity, person=person)
    attendance.checked_in_at = checked_in_at
    attendance.check_in_method = Method.MANUAL
    attendance.checked_out_at = checked_out_at
    attendance.check_out_method = Method.MANUAL if checked_out_at else ""
    attendance.minutes_served = (
        served_minutes(activity, checked_in_at, checked_out_at) if checked_out_at else None
    )
    attendance.recorded_by = by
    attendance.removed_at = None
    attendance.removed_reason = ""
    attendance.auto_closed = False
    attendance.save()
    audit_record(
        actor=by,
        action="attendance.add",
        target=attendance,
        organisation=activity.organisation,
        activity_id=activity.pk,
        person_id=person.pk,
        reason=reason,
    )
    if Activity.objects.filter(pk=activity.pk, finished_at__isnull=False).exists():
        # The activity's hours and points were awarded when it finished (read afresh: the
        # caller's copy may predate that); an attendance added afterwards, say from a paper
        # sign-in sheet found later, is awarded now, the same way.
        attendances_close_due_and_finalise(attendance=attendance)
    return attendance


@transaction.atomic
def attendance_remove(*, attendance: Attendance, reason: str, by: User) -> Attendance:
    """An organiser withdraws a check-in; it is kept, flagged, and audited."""
    _require_organiser(by, attendance.activity)
    reason = _require_reason(reason)
    attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if attendance.removed_at is not None:
        raise Conflict("already_removed", _("该签到已撤销。"))
    attendance.removed_at = timezone.now()
    attendance.removed_reason = reason
    attendance.save(update_fields=["removed_at", "removed_reason"])
    attendance_withdrawn.send(sender=Attendance, attendance=attendance, reason=reason, by=by)
    audit_record(
        actor=by,
        action="attendance.remove",
        target=attendance,
        organisation=attendance.activity.organisation,
        activity_id=attendance.activity_id,
        person_id=attendance.person_id,
        reason=reason,
    )
    return attendance
