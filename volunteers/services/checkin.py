"""Check-in and check-out: by the activity's QR, by a personal code, or by hand.

The unique constraint on (person, activity) decides whether a check-in is new;
a repeated or concurrent scan finds the first row and answers with its time.
Every scan, accepted or refused, is logged as a ScanAttempt, outside the
refused transaction so the log survives the rollback.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import ratelimit, tokens
from core.errors import DomainError
from core.geo import distance_m
from core.identity import MOBILE_RE, normalise_phone
from volunteers import permissions, personal_codes
from volunteers.models import (
    Activity,
    Attendance,
    Method,
    Person,
    ScanAttempt,
    SignUp,
)
from volunteers.services.audit import audit_record
from volunteers.services.closing import checkout_grace, served_minutes
from volunteers.services.finalise import attendance_finalise
from volunteers.signals import attendance_withdrawn

Reason = ScanAttempt.Reason
Purpose = tokens.Purpose

# Per person: a few retries are normal on a poor signal; fifty a minute is not.
PERSON_SCAN_LIMIT = (20, 60)
# Per IP: a whole event can sit behind one carrier NAT, so this is generous.
IP_SCAN_LIMIT = (300, 60)
# Positions sent for one activity by one person. A phone indoors may be a few hundred
# metres off; its owner steps outside and tries again two or three times. Finding the
# fence's edge by trying positions takes dozens of answers: at five per ten minutes that
# is hours of an activity that lasts two.
GEOFENCE_TRY_LIMIT = (5, 600)
# Every personal code one organiser scans. A camera at a gate takes one person every two
# seconds or so; sixty a minute is twice that.
ORGANISER_SCAN_LIMIT = (60, 60)
# Six-character codes typed by one organiser. Reading six characters off a phone and
# typing them takes five seconds at least: twelve a minute is a person's top speed, and
# the hour's cap holds a steady guesser to 120 of the 31**6 (~8.9e8) codes.
TYPED_CODE_LIMITS = ((12, 60), (120, 3600))
# Numbers one organiser looks up to add someone by hand: typing a phone number and a
# reason takes ten seconds or more, so sixty in ten minutes is a paper sheet at full
# speed. Lookups that find nobody who may be added are what enumeration is made of; a
# careful organiser makes a few typos an hour, not twenty.
MANUAL_LOOKUP_LIMIT = (60, 600)
MANUAL_MISS_LIMIT = (20, 3600)


class CheckInRefused(DomainError):
    """A refused scan; ``code`` is a ScanAttempt reason, ``purpose`` what was tried."""

    def __init__(self, reason: str, message: str, *, activity: Activity | None = None):
        super().__init__(reason, message)
        self.activity = activity
        self.purpose = Purpose.CHECK_IN
        # Whose code it was, when the service found out before refusing; never looked
        # up again for the answer, so a refused guess cannot ask whose a code is.
        self.person: Person | None = None


class LocationNeeded(Exception):
    """The activity's geofence needs the phone's position before this check-in.

    Raised only when the scan says it can still ask (``ScanSource.can_ask_location``),
    after every other rule has passed; nothing is written or logged. The page asks
    the phone and sends the scan again with the position.
    """

    def __init__(self, activity: Activity):
        super().__init__(activity.pk)
        self.activity = activity


@dataclass(frozen=True)
class ScanSource:
    """Where a scan came from, for the log and the geofence.

    ``can_ask_location``: the phone has not been asked for its position yet and can be
    (the first GET of a scan); a geofenced check-in then raises ``LocationNeeded``
    instead of a refusal.
    """

    ip: str | None = None
    user_agent: str = ""
    latitude: float | None = None
    longitude: float | None = None
    can_ask_location: bool = False


@dataclass(frozen=True)
class CheckInResult:
    attendance: Attendance
    purpose: str  # tokens.Purpose.CHECK_IN or CHECK_OUT
    created: bool  # False: the person was already checked in (or out)


def _time(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "H:i")


TOKEN_MESSAGES = {
    Reason.EXPIRED: gettext_lazy("二维码已过期，请扫描现场屏幕上最新的二维码。"),
    Reason.FORGED: gettext_lazy("二维码无效，可能已被修改。请扫描现场屏幕上的二维码。"),
    Reason.WRONG_PURPOSE: gettext_lazy("这个二维码不是本操作所用的二维码。"),
    Reason.UNKNOWN_CODE: gettext_lazy("签到码无效或已过期，请让对方刷新“我的签到码”。"),
}


def token_refusal(code: str, activity: Activity | None = None) -> CheckInRefused:
    return CheckInRefused(code, str(TOKEN_MESSAGES[code]), activity=activity)


# --- The rules of a valid check-in ----------------------------------------------


def _check_activity_open(activity: Activity) -> None:
    if activity.cancelled_at:
        raise CheckInRefused(Reason.CANCELLED, _("活动已取消。"), activity=activity)
    if not activity.live:
        raise CheckInRefused(Reason.NOT_PUBLISHED, _("活动尚未发布。"), activity=activity)


def _check_window(activity: Activity, at: datetime.datetime) -> None:
    if not activity.checkin_opens_at <= at <= activity.ends_at:
        raise CheckInRefused(
            Reason.OUTSIDE_WINDOW,
            _("现在不在签到时间内。签到时间：%(start)s 至 %(end)s。")
            % {
                "start": date_format(timezone.localtime(activity.checkin_opens_at), "n月j日 H:i"),
                "end": date_format(timezone.localtime(activity.ends_at), "n月j日 H:i"),
            },
            activity=activity,
        )


def in_audience(activity: Activity, person: Person) -> bool:
    Audience = Activity.Audience
    if activity.audience == Audience.EVERYONE:
        return True
    if activity.audience == Audience.PARTY_MEMBERS:
        return person.is_party_member
    if activity.audience == Audience.TEAM:
        return (
            person.memberships.current().filter(organisation_id=activity.audience_team_id).exists()
        )
    # SUBTREE: the person belongs somewhere under the publishing organisation.
    root = activity.organisation.path
    return any(node.path.startswith(root) for node in permissions.organisations_of(person))


def audience_refusal(activity: Activity) -> CheckInRefused:
    Audience = Activity.Audience
    who = {
        Audience.SUBTREE: _("%(org)s的成员") % {"org": activity.organisation.name},
        Audience.PARTY_MEMBERS: _("党员"),
        Audience.TEAM: activity.audience_team.name if activity.audience_team else "",
    }.get(activity.audience, "")
    return CheckInRefused(
        Reason.NOT_IN_AUDIENCE,
        _("本活动仅限%(who)s参加。") % {"who": who},
        activity=activity,
    )


def _check_audience_and_signup(activity: Activity, person: Person) -> None:
    if not in_audience(activity, person):
        raise audience_refusal(activity)
    if (
        activity.signup_required
        and not SignUp.objects.filter(
            activity=activity, person=person, status=SignUp.Status.CONFIRMED
        ).exists()
    ):
        raise CheckInRefused(
            Reason.NOT_SIGNED_UP,
            _("本活动须先报名，您还没有报名成功。"),
            activity=activity,
        )


def _check_geofence(activity: Activity, person: Person, source: ScanSource) -> None:
    if not (activity.geofence_radius_m and activity.latitude is not None):
        return
    if source.latitude is None or source.longitude is None:
        if source.can_ask_location:
            raise LocationNeeded(activity)
        raise CheckInRefused(
            Reason.OUTSIDE_GEOFENCE,
            _("本活动要求在现场签到，请允许获取位置后重试。"),
            activity=activity,
        )
    # Counted before the position is judged: a try over the limit learns nothing of it.
    tries, window = GEOFENCE_TRY_LIMIT
    if not ratelimit.hit(f"geofence:{activity.pk}:{person.pk}", limit=tries, window_seconds=window):
        raise CheckInRefused(
            Reason.RATE_LIMITED,
            _("操作太频繁：提交位置的次数太多，请过几分钟（最长 %(minutes)d 分钟）再试。")
            % {"minutes": window // 60},
            activity=activity,
        )
    distance = distance_m(
        float(activity.latitude), float(activity.longitude), source.latitude, source.longitude
    )
    if distance > activity.geofence_radius_m:
        # Inside or not, never how far: a distance guides a faked position to the fence.
        raise CheckInRefused(
            Reason.OUTSIDE_GEOFENCE,
            _("您当前的位置不在活动地点范围内。"),
            activity=activity,
        )


# --- Writes -------------------------------------------------------------------------


def attendance_check_in(
    *,
    activity: Activity,
    person: Person,
    method: str,
    at: datetime.datetime,
    source: ScanSource = ScanSource(),
    by=None,
) -> CheckInResult:
    """Record that ``person`` arrived; a second call answers with the first check-in.

    The unique (activity, person) constraint decides whether this one is the first: the
    insert is tried at once, with no look beforehand (a busy event's scans are nearly
    all first ones). Only the insert needs a transaction — a savepoint when the caller
    holds one — so that a losing insert leaves the caller's work intact.
    """
    _check_activity_open(activity)
    try:
        _check_window(activity, at)
        _check_audience_and_signup(activity, person)
        if method == Method.ACTIVITY_QR:
            # A personal code is scanned by the organiser on site, who vouches for presence.
            _check_geofence(activity, person, source)
    except (CheckInRefused, LocationNeeded):
        # A repeat scan is answered with the first check-in whatever the rules say now:
        # after the window has closed, or without asking the phone where it is again.
        existing = Attendance.objects.filter(activity=activity, person=person).first()
        if existing is not None:
            return _already_in(existing)
        raise
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                activity=activity,
                person=person,
                checked_in_at=at,
                check_in_method=method,
                recorded_by=by,
            )
    except IntegrityError:
        # Checked in before, or by a concurrent scan that won the race: the first stands.
        return _already_in(Attendance.objects.get(activity=activity, person=person))
    return CheckInResult(attendance=attendance, purpose=Purpose.CHECK_IN, created=True)


def _already_in(attendance: Attendance) -> CheckInResult:
    if attendance.removed_at:
        raise CheckInRefused(
            Reason.REMOVED,
            _("您在本活动的签到已被组织者撤销，如有疑问请联系组织者。"),
            activity=attendance.activity,
        )
    return CheckInResult(attendance=attendance, purpose=Purpose.CHECK_IN, created=False)


@transaction.atomic
def attendance_check_out(
    *,
    activity: Activity,
    person: Person,
    method: str,
    at: datetime.datetime,
    by=None,
) -> CheckInResult:
    """Close the person's attendance and compute the minutes served."""
    _check_activity_open(activity)
    attendance = (
        Attendance.objects.select_for_update()
        .filter(activity=activity, person=person, removed_at__isnull=True)
        .first()
    )
    if attendance is None:
        raise CheckInRefused(
            Reason.NOT_CHECKED_IN, _("您还没有签到，不能签退。"), activity=activity
        )
    if attendance.checked_out_at is not None:
        return CheckInResult(attendance=attendance, purpose=Purpose.CHECK_OUT, created=False)
    if at > activity.ends_at + checkout_grace():
        raise CheckInRefused(
            Reason.OUTSIDE_WINDOW,
            _("签退时间已过，系统已按活动结束时间自动签退。"),
            activity=activity,
        )
    attendance.checked_out_at = max(at, attendance.checked_in_at)
    attendance.check_out_method = method
    attendance.minutes_served = served_minutes(
        activity, attendance.checked_in_at, attendance.checked_out_at
    )
    attendance.save(update_fields=["checked_out_at", "check_out_method", "minutes_served"])
    return CheckInResult(attendance=attendance, purpose=Purpose.CHECK_OUT, created=True)


def _log_scan(
    *,
    activity: Activity | None,
    person: Person | None,
    purpose: str,
    method: str,
    reason: str,
    at: datetime.datetime,
    source: ScanSource,
    by=None,
) -> None:
    ScanAttempt.objects.create(
        activity=activity,
        person=person,
        purpose=purpose,
        method=method,
        accepted=reason in (Reason.OK, Reason.ALREADY),
        reason=reason,
        scanned_at=at,
        ip_address=source.ip,
        user_agent=source.user_agent[:200],
        recorded_by=by if by is not None and by.is_authenticated else None,
    )


def _check_rate(person: Person | None, source: ScanSource) -> None:
    limits = []
    if person is not None:
        limits.append((f"scan:person:{person.pk}", *PERSON_SCAN_LIMIT))
    if source.ip:
        limits.append((f"scan:ip:{source.ip}", *IP_SCAN_LIMIT))
    if limits and not ratelimit.hit_all(limits):
        raise CheckInRefused(Reason.RATE_LIMITED, _("操作太频繁，请稍等一分钟再试。"))


def _check_organiser_rate(by, code: str) -> None:
    per_minute = [(f"scan:organiser:{by.pk}", *ORGANISER_SCAN_LIMIT)]
    per_hour = []
    if len((code or "").strip()) == personal_codes.SHORT_CODE_LENGTH:
        # A typed code can be guessed; a scanned QR token is signed and cannot.
        (minute, minute_window), (hour, hour_window) = TYPED_CODE_LIMITS
        per_minute.append((f"scan:typed:{by.pk}", minute, minute_window))
        per_hour.append((f"scan:typed-hour:{by.pk}", hour, hour_window))
    # Both are counted whatever the other says (hit_all never stops early).
    minute_ok = ratelimit.hit_all(per_minute)
    hour_ok = ratelimit.hit_all(per_hour) if per_hour else True
    if not minute_ok:
        raise CheckInRefused(Reason.RATE_LIMITED, _("操作太频繁，请稍等一分钟再试。"))
    if not hour_ok:
        raise CheckInRefused(
            Reason.RATE_LIMITED,
            _("操作太频繁：手动输入签到码的次数太多，请改用摄像头扫码，或稍后（最长一小时）再试。"),
        )


def _apply(*, activity, person, purpose, method, at, source, by=None) -> CheckInResult:
    if purpose == Purpose.CHECK_OUT:
        return attendance_check_out(activity=activity, person=person, method=method, at=at, by=by)
    return attendance_check_in(
        activity=activity, person=person, method=method, at=at, source=source, by=by
    )


def scan_activity_code(
    *,
    token: str,
    person: Person | None,
    scanned_at: datetime.datetime | None = None,
    source: ScanSource = ScanSource(),
) -> CheckInResult:
    """A volunteer scanned the organiser's rotating QR (check-in or check-out)."""
    at = scanned_at or timezone.now()
    activity = None
    purpose = Purpose.CHECK_IN
    try:
        _check_rate(person, source)
        try:
            read = tokens.read_token(
                token, purposes=(Purpose.CHECK_IN, Purpose.CHECK_OUT), scanned_at=at
            )
        except tokens.TokenError as exc:
            raise token_refusal(exc.code) from None
        purpose = read.purpose
        # A plain primary-key lookup, no joins: the organisation and the audience team
        # are read only by the rare audience check and its refusal, and this is the
        # busiest request of the platform (README, Performance).
        try:
            activity = Activity.objects.get(pk=read.subject_id)
        except Activity.DoesNotExist:
            raise token_refusal(Reason.FORGED) from None
        if person is None:
            raise CheckInRefused(
                Reason.NO_PERSON,
                _("您的账号还没有登记人员信息，请先完善个人资料。"),
                activity=activity,
            )
        result = _apply(
            activity=activity,
            person=person,
            purpose=purpose,
            method=Method.ACTIVITY_QR,
            at=at,
            source=source,
        )
    except CheckInRefused as refusal:
        refusal.purpose = purpose
        _log_scan(
            activity=refusal.activity or activity,
            person=person,
            purpose=purpose,
            method=Method.ACTIVITY_QR,
            reason=refusal.code,
            at=at,
            source=source,
        )
        raise
    _log_scan(
        activity=activity,
        person=person,
        purpose=purpose,
        method=Method.ACTIVITY_QR,
        reason=Reason.OK if result.created else Reason.ALREADY,
        at=at,
        source=source,
    )
    return result


def scan_personal_code(
    *,
    activity: Activity,
    code: str,
    purpose: str,
    by,
    scanned_at: datetime.datetime | None = None,
    source: ScanSource = ScanSource(),
) -> CheckInResult:
    """An organiser scanned (or typed) a volunteer's personal code."""
    if not permissions.can(by, permissions.Action.CHECK_IN, activity):
        raise DomainError("forbidden", _("您无权为该活动签到。"))
    if purpose not in (Purpose.CHECK_IN, Purpose.CHECK_OUT):
        raise DomainError("bad_purpose", _("未知的操作。"))
    at = scanned_at or timezone.now()
    person = None
    try:
        _check_organiser_rate(by, code)
        try:
            person_id = personal_codes.resolve(code, at=at)
        except tokens.TokenError as exc:
            raise token_refusal(exc.code, activity) from None
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise token_refusal(Reason.UNKNOWN_CODE, activity)
        result = _apply(
            activity=activity,
            person=person,
            purpose=purpose,
            method=Method.PERSONAL_CODE,
            at=at,
            source=source,
            by=by,
        )
    except CheckInRefused as refusal:
        refusal.person = person
        _log_scan(
            activity=activity,
            person=person,
            purpose=purpose,
            method=Method.PERSONAL_CODE,
            reason=refusal.code,
            at=at,
            source=source,
            by=by,
        )
        raise
    _log_scan(
        activity=activity,
        person=person,
        purpose=purpose,
        method=Method.PERSONAL_CODE,
        reason=Reason.OK if result.created else Reason.ALREADY,
        at=at,
        source=source,
        by=by,
    )
    return result


def _require_organiser(by, activity: Activity) -> None:
    if not permissions.can(by, permissions.Action.CHECK_IN, activity):
        raise DomainError("forbidden", _("您无权管理该活动的签到。"))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("missing_reason", _("请填写原因。"), field="reason")
    return reason[:200]


def _check_manual_add(
    *,
    activity: Activity,
    reason: str,
    by,
    checked_in_at: datetime.datetime | None,
    checked_out_at: datetime.datetime | None,
) -> tuple[str, datetime.datetime]:
    """What a manual add is refused for whoever it names; the reason and check-in time."""
    _require_organiser(by, activity)
    reason = _require_reason(reason)
    if activity.cancelled_at:
        raise DomainError(Reason.CANCELLED, _("活动已取消。"))
    checked_in_at = checked_in_at or min(timezone.now(), activity.ends_at)
    if checked_out_at is not None and checked_out_at < checked_in_at:
        raise DomainError("bad_times", _("签退时间不能早于签到时间。"), field="checked_out_at")
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


def person_for_manual_add(*, activity: Activity, who: str, by) -> Person:
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
        raise DomainError(
            Reason.RATE_LIMITED,
            _("操作太频繁：没有找到人员的查询次数太多，请稍后（最长一小时）再试。"),
            field="who",
        )
    if not ratelimit.hit(f"manual:lookup:{by.pk}", limit=lookups, window_seconds=lookups_window):
        raise DomainError(
            Reason.RATE_LIMITED,
            _("操作太频繁：补录查询次数太多，请稍后（最长 %(minutes)d 分钟）再试。")
            % {"minutes": lookups_window // 60},
            field="who",
        )
    person = _person_by_number(who)
    if person is not None and in_audience(activity, person):
        return person
    # Counted only after the answer is known; a few parallel misses may slip past the
    # check above, never a steady stream.
    ratelimit.hit(misses_key, limit=misses, window_seconds=misses_window)
    if person is not None and permissions.can(by, permissions.Action.MANAGE_PEOPLE, person):
        raise DomainError(
            Reason.NOT_IN_AUDIENCE,
            _("%(name)s 不在本活动的参加对象范围内。") % {"name": person.real_name},
            field="who",
        )
    raise DomainError(
        "person_not_found",
        _("没有找到可以补录的人员。请核对手机号或志愿者编号；只能补录本活动参加对象范围内的人员。"),
        field="who",
    )


def attendance_add_manual_by_number(
    *,
    activity: Activity,
    who: str,
    reason: str,
    by,
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
    by,
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
        raise DomainError(
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
        attendance_finalise(attendance=attendance)
    return attendance


@transaction.atomic
def attendance_remove(*, attendance: Attendance, reason: str, by) -> Attendance:
    """An organiser withdraws a check-in; it is kept, flagged, and audited."""
    _require_organiser(by, attendance.activity)
    reason = _require_reason(reason)
    attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if attendance.removed_at is not None:
        raise DomainError("already_removed", _("该签到已撤销。"))
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
