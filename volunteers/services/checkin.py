"""Check-in and check-out: by the activity's QR or by a personal code.

The unique constraint on (person, activity) decides whether a check-in is new;
a repeated or concurrent scan finds the first row and answers with its time.
Every scan, accepted or refused, is logged as a ScanAttempt, outside the
refused transaction so the log survives the rollback. Why a scan is refused, and
what that answers, is ``checkin_refusals``; attendance by hand is ``attendance``.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import ratelimit, tokens
from core.errors import Forbidden, Invalid
from core.geo import distance_m
from volunteers import permissions, personal_codes
from volunteers.models import Activity, Attendance, Method, Person, ScanAttempt, SignUp, User
from volunteers.services.checkin_refusals import CheckInRefused
from volunteers.services.closing import checkout_grace, served_minutes

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


# --- The rules of a valid check-in ----------------------------------------------


def _check_activity_open(activity: Activity) -> None:
    if activity.cancelled_at:
        raise CheckInRefused(Reason.CANCELLED, activity=activity)
    if not activity.live:
        raise CheckInRefused(Reason.NOT_PUBLISHED, activity=activity)


def _check_window(activity: Activity, at: datetime.datetime) -> None:
    if not activity.checkin_opens_at <= at <= activity.ends_at:
        raise CheckInRefused(
            Reason.OUTSIDE_WINDOW,
            _("现在不在签到时间内。签到时间：%(start)s 至 %(end)s。")
            % {
                "start": date_format(
                    timezone.localtime(activity.checkin_opens_at), _("n月j日 H:i")
                ),
                "end": date_format(timezone.localtime(activity.ends_at), _("n月j日 H:i")),
            },
            activity=activity,
        )


def _check_audience_and_signup(activity: Activity, person: Person) -> None:
    if not permissions.in_audience(activity, person):
        raise CheckInRefused(
            Reason.NOT_IN_AUDIENCE,
            permissions.audience_refusal_message(activity),
            activity=activity,
        )
    if (
        activity.signup_required
        and not SignUp.objects.filter(
            activity=activity, person=person, status=SignUp.Status.CONFIRMED
        ).exists()
    ):
        raise CheckInRefused(Reason.NOT_SIGNED_UP, activity=activity)


def _check_geofence(activity: Activity, person: Person, source: ScanSource) -> None:
    # (Activity.clean() sets both coordinates or neither.)
    if not (
        activity.geofence_radius_m
        and activity.latitude is not None
        and activity.longitude is not None
    ):
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
    by: User | None = None,
    checked_in_pk: int | None = None,
) -> CheckInResult:
    """Record that ``person`` arrived; a second call answers with the first check-in.

    The unique (activity, person) constraint decides whether this one is the first: the
    insert is tried at once, with no look beforehand (a busy event's scans are nearly
    all first ones). Only the insert needs a transaction — a savepoint when the caller
    holds one — so that a losing insert leaves the caller's work intact. ``checked_in_pk``:
    the attendance, when the caller read it with the activity; no insert bound to fail.
    """
    _check_activity_open(activity)
    if checked_in_pk is not None:
        existing = Attendance.objects.filter(pk=checked_in_pk).first()
        if existing is not None:
            return _already_in(existing, activity)
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
            return _already_in(existing, activity)
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
        return _already_in(Attendance.objects.get(activity=activity, person=person), activity)
    return CheckInResult(attendance=attendance, purpose=Purpose.CHECK_IN, created=True)


def _already_in(attendance: Attendance, activity: Activity) -> CheckInResult:
    # The caller's activity, not a second read of it for the answer's page.
    attendance.activity = activity
    if attendance.removed_at:
        raise CheckInRefused(Reason.REMOVED, activity=activity)
    return CheckInResult(attendance=attendance, purpose=Purpose.CHECK_IN, created=False)


@transaction.atomic
def attendance_check_out(
    *,
    activity: Activity,
    person: Person,
    method: str,
    at: datetime.datetime,
    by: User | None = None,
) -> CheckInResult:
    """Close the person's attendance and compute the minutes served."""
    _check_activity_open(activity)
    attendance = (
        Attendance.objects.select_for_update()
        .filter(activity=activity, person=person, removed_at__isnull=True)
        .first()
    )
    if attendance is None:
        raise CheckInRefused(Reason.NOT_CHECKED_IN, activity=activity)
    # The caller's activity and person, for the answer's page (what the service brings).
    attendance.activity, attendance.person = activity, person
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
    by: User | None = None,
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
        raise CheckInRefused(Reason.RATE_LIMITED)


def _check_organiser_rate(by: User, code: str) -> None:
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
        raise CheckInRefused(Reason.RATE_LIMITED)
    if not hour_ok:
        raise CheckInRefused(
            Reason.RATE_LIMITED,
            _("操作太频繁：手动输入签到码的次数太多，请改用摄像头扫码，或稍后（最长一小时）再试。"),
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
            raise CheckInRefused(exc.code) from None
        purpose = read.purpose
        # A primary-key lookup and no joins: the organisation and the audience team are
        # read only by the rare audience check, and this is the busiest request of the
        # platform (README, Performance). The person's attendance comes along by its
        # unique index, so that a repeat scan tries no insert bound to fail.
        mine = Attendance.objects.filter(activity=OuterRef("pk"), person=person)
        activities = Activity.objects.annotate(checked_in_pk=Subquery(mine.values("pk")[:1]))
        try:
            activity = activities.get(pk=read.subject_id)
        except Activity.DoesNotExist:
            raise CheckInRefused(Reason.FORGED) from None
        if person is None:
            raise CheckInRefused(Reason.NO_PERSON, activity=activity)
        if purpose == Purpose.CHECK_OUT:
            result = attendance_check_out(
                activity=activity, person=person, method=Method.ACTIVITY_QR, at=at
            )
        else:
            result = attendance_check_in(
                activity=activity,
                person=person,
                method=Method.ACTIVITY_QR,
                at=at,
                source=source,
                checked_in_pk=activity.checked_in_pk,
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
    by: User,
    scanned_at: datetime.datetime | None = None,
    source: ScanSource = ScanSource(),
) -> CheckInResult:
    """An organiser scanned (or typed) a volunteer's personal code."""
    if not permissions.can(by, permissions.Action.CHECK_IN, activity):
        raise Forbidden("forbidden", _("您无权为该活动签到。"))
    if purpose not in (Purpose.CHECK_IN, Purpose.CHECK_OUT):
        raise Invalid("bad_purpose", _("未知的操作。"))
    at = scanned_at or timezone.now()
    person = None
    try:
        _check_organiser_rate(by, code)
        try:
            person_id = personal_codes.resolve(code, at=at)
        except tokens.TokenError as exc:
            raise CheckInRefused(exc.code, activity=activity) from None
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise CheckInRefused(Reason.UNKNOWN_CODE, activity=activity)
        if purpose == Purpose.CHECK_OUT:
            result = attendance_check_out(
                activity=activity, person=person, method=Method.PERSONAL_CODE, at=at, by=by
            )
        else:
            result = attendance_check_in(
                activity=activity,
                person=person,
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
