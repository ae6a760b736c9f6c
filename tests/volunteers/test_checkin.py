"""Check-in and check-out: every refusal, idempotence, minutes served, the scan log."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.errors import DomainError
from core.tokens import Purpose, make_token
from volunteers import personal_codes
from volunteers.models import Activity, Attendance, AuditEvent, ScanAttempt, SignUp
from volunteers.services.activities import activity_cancel
from volunteers.services.attendance import attendance_add_manual, attendance_remove
from volunteers.services.checkin import (
    CheckInRefused,
    ScanSource,
    attendance_check_in,
    scan_activity_code,
    scan_personal_code,
)
from volunteers.services.closing import attendances_close_open

from ..clock import next_noon

Reason = ScanAttempt.Reason

# Every test here, fixtures included, runs at a standing noon: the per-minute scan limit
# cannot straddle a minute, nor an activity a midnight.
pytestmark = pytest.mark.time_machine(next_noon(), tick=False)


def token_for(activity, purpose=Purpose.CHECK_IN):
    return make_token(purpose=purpose, subject_id=activity.pk)


def refused(reason, **kwargs):
    with pytest.raises(CheckInRefused) as exc:
        scan_activity_code(**kwargs)
    assert exc.value.code == reason, exc.value.message
    return exc.value


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)


def test_scanning_the_activity_code_checks_the_person_in(make_activity, volunteer):
    activity = make_activity()
    result = scan_activity_code(token=token_for(activity), person=volunteer)
    assert result.created and result.purpose == Purpose.CHECK_IN
    attendance = Attendance.objects.get(activity=activity, person=volunteer)
    assert attendance.check_in_method == "activity_qr"
    scan = ScanAttempt.objects.get()
    assert scan.accepted and scan.reason == Reason.OK and scan.person == volunteer


def test_a_second_scan_answers_with_the_first_time_and_writes_nothing(make_activity, volunteer):
    activity = make_activity()
    first = scan_activity_code(token=token_for(activity), person=volunteer)
    later = timezone.now() + datetime.timedelta(minutes=1)
    second = scan_activity_code(token=token_for(activity), person=volunteer, scanned_at=later)
    assert not second.created
    assert second.attendance.checked_in_at == first.attendance.checked_in_at
    assert Attendance.objects.count() == 1
    assert list(ScanAttempt.objects.order_by("id").values_list("reason", flat=True)) == [
        Reason.OK,
        Reason.ALREADY,
    ]


def test_an_expired_code_is_refused_and_logged(make_activity, volunteer):
    activity = make_activity()
    token = token_for(activity)
    later = timezone.now() + datetime.timedelta(minutes=5)
    refusal = refused(Reason.EXPIRED, token=token, person=volunteer, scanned_at=later)
    assert "过期" in refusal.message
    assert not Attendance.objects.exists()
    assert ScanAttempt.objects.get().reason == Reason.EXPIRED


def test_an_altered_code_is_refused_as_forged(make_activity, volunteer):
    activity = make_activity()
    token = token_for(activity)
    tampered = token.replace(f"in.{activity.pk}", f"in.{activity.pk + 1}")
    refused(Reason.FORGED, token=tampered, person=volunteer)
    refused(Reason.FORGED, token="not-a-token", person=volunteer)
    assert not Attendance.objects.exists()
    assert ScanAttempt.objects.filter(reason=Reason.FORGED).count() == 2


def test_a_code_for_another_purpose_is_refused(make_activity, volunteer):
    activity = make_activity()
    personal = make_token(purpose=Purpose.PERSONAL, subject_id=activity.pk)
    refused(Reason.WRONG_PURPOSE, token=personal, person=volunteer)


def test_a_code_of_another_activity_is_refused_at_the_organiser_scanner(
    make_activity, volunteer, person_with_role, town
):
    activity = make_activity()
    leader = person_with_role("leader", town.liyuan).user
    other_activity_code = token_for(make_activity(title="另一场"))
    with pytest.raises(CheckInRefused) as exc:
        scan_personal_code(
            activity=activity, code=other_activity_code, purpose=Purpose.CHECK_IN, by=leader
        )
    assert exc.value.code == Reason.WRONG_PURPOSE


def test_outside_the_window_is_refused_with_the_window_shown(make_activity, volunteer):
    start = timezone.now() + datetime.timedelta(hours=3)
    activity = make_activity(starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    refusal = refused(Reason.OUTSIDE_WINDOW, token=token_for(activity), person=volunteer)
    assert "签到时间" in refusal.message


def test_check_in_opens_thirty_minutes_before_the_start(make_activity, volunteer):
    start = timezone.now() + datetime.timedelta(minutes=25)
    activity = make_activity(starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    assert scan_activity_code(token=token_for(activity), person=volunteer).created


def test_someone_outside_the_audience_is_refused(make_activity, make_person, town):
    activity = make_activity(audience=Activity.Audience.SUBTREE)
    outsider = make_person(real_name="桥北居民", home_grid=town.qiaobei_grid1)
    refusal = refused(Reason.NOT_IN_AUDIENCE, token=token_for(activity), person=outsider)
    assert "梨园社区" in refusal.message


def test_a_party_members_only_activity_refuses_the_masses(make_activity, volunteer, make_person):
    activity = make_activity(audience=Activity.Audience.PARTY_MEMBERS)
    refused(Reason.NOT_IN_AUDIENCE, token=token_for(activity), person=volunteer)
    member = make_person(real_name="党员", political_status="party_member")
    assert scan_activity_code(token=token_for(activity), person=member).created


def test_a_team_only_activity_admits_its_members(make_activity, volunteer, make_person, town):
    from volunteers.services.memberships import membership_grant

    activity = make_activity(audience=Activity.Audience.TEAM, audience_team=town.team)
    refused(Reason.NOT_IN_AUDIENCE, token=token_for(activity), person=volunteer)
    membership_grant(person=volunteer, organisation=town.team, role="member")
    assert scan_activity_code(token=token_for(activity), person=volunteer).created


def test_not_signed_up_is_refused_where_sign_up_is_required(make_activity, volunteer):
    activity = make_activity(signup_required=True)
    refusal = refused(Reason.NOT_SIGNED_UP, token=token_for(activity), person=volunteer)
    assert "报名" in refusal.message
    SignUp.objects.create(activity=activity, person=volunteer, status=SignUp.Status.WAITLISTED)
    refused(Reason.NOT_SIGNED_UP, token=token_for(activity), person=volunteer)
    SignUp.objects.filter(person=volunteer).update(status=SignUp.Status.CONFIRMED)
    assert scan_activity_code(token=token_for(activity), person=volunteer).created


def test_the_geofence_refuses_a_phone_far_away(make_activity, volunteer):
    activity = make_activity(
        latitude=Decimal("40.142"), longitude=Decimal("94.662"), geofence_radius_m=200
    )
    token = token_for(activity)
    refused(Reason.OUTSIDE_GEOFENCE, token=token, person=volunteer)  # no location given
    far = ScanSource(latitude=40.152, longitude=94.662)  # ~1.1 km north
    refusal = refused(Reason.OUTSIDE_GEOFENCE, token=token, person=volunteer, source=far)
    assert "不在活动地点范围内" in refusal.message and "米" not in refusal.message
    assert not Attendance.objects.exists()
    near = ScanSource(latitude=40.1425, longitude=94.6622)
    assert scan_activity_code(token=token, person=volunteer, source=near).created


def test_the_geofence_does_not_block_the_organisers_scanner(
    make_activity, volunteer, person_with_role, town
):
    activity = make_activity(
        latitude=Decimal("40.142"), longitude=Decimal("94.662"), geofence_radius_m=200
    )
    leader = person_with_role("leader", town.liyuan).user
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    result = scan_personal_code(activity=activity, code=short, purpose=Purpose.CHECK_IN, by=leader)
    assert result.created


def test_a_cancelled_activity_refuses_check_in(make_activity, volunteer):
    activity = make_activity()
    activity_cancel(activity=activity, reason="大风天气")
    refused(Reason.CANCELLED, token=token_for(activity), person=volunteer)


def test_an_unpublished_activity_refuses_check_in(make_activity, volunteer):
    activity = make_activity(publish=False)
    refused(Reason.NOT_PUBLISHED, token=token_for(activity), person=volunteer)


def test_an_account_without_a_person_is_refused(make_activity):
    activity = make_activity()
    refused(Reason.NO_PERSON, token=token_for(activity), person=None)


def test_scans_are_rate_limited_per_person(make_activity, volunteer):
    activity = make_activity()
    for _ in range(20):
        scan_activity_code(token=token_for(activity), person=volunteer)
    refused(Reason.RATE_LIMITED, token=token_for(activity), person=volunteer)
    assert Attendance.objects.count() == 1


def test_a_scan_before_login_is_honoured_at_its_own_time(make_activity, volunteer):
    activity = make_activity()
    token = token_for(activity)
    scanned = timezone.now()
    # Logging in took two minutes, longer than the code lives; the scan time counts.
    with time_machine.travel(scanned + datetime.timedelta(minutes=2)):
        result = scan_activity_code(token=token, person=volunteer, scanned_at=scanned)
    assert result.created and result.attendance.checked_in_at == scanned


def test_check_out_computes_the_minutes_served_within_the_activity(make_activity, volunteer):
    activity = make_activity()
    scan_activity_code(token=token_for(activity), person=volunteer)  # 10 min after the start
    out_at = activity.starts_at + datetime.timedelta(minutes=70)
    with time_machine.travel(out_at, tick=False):
        result = scan_activity_code(token=token_for(activity, Purpose.CHECK_OUT), person=volunteer)
    assert result.purpose == Purpose.CHECK_OUT and result.created
    assert result.attendance.minutes_served == 60


def test_check_out_without_check_in_is_refused(make_activity, volunteer):
    activity = make_activity()
    refused(Reason.NOT_CHECKED_IN, token=token_for(activity, Purpose.CHECK_OUT), person=volunteer)


def test_open_attendances_are_closed_at_the_end_and_flagged(make_activity, volunteer):
    activity = make_activity()
    scan_activity_code(token=token_for(activity), person=volunteer)
    assert attendances_close_open() == 0  # still running
    after = activity.ends_at + datetime.timedelta(minutes=31)
    assert attendances_close_open(now=after) == 1
    attendance = Attendance.objects.get()
    assert attendance.auto_closed and attendance.checked_out_at == activity.ends_at
    assert attendance.minutes_served == 110
    assert attendances_close_open(now=after) == 0  # a second run changes nothing


def test_the_organiser_checks_someone_in_by_their_personal_code(
    make_activity, volunteer, person_with_role, town
):
    activity = make_activity()
    leader = person_with_role("leader", town.liyuan).user
    token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    result = scan_personal_code(activity=activity, code=short, purpose=Purpose.CHECK_IN, by=leader)
    assert result.created and result.attendance.recorded_by == leader
    again = scan_personal_code(activity=activity, code=token, purpose=Purpose.CHECK_IN, by=leader)
    assert not again.created
    assert result.attendance.check_in_method == "personal_code"


def test_an_unknown_typed_code_is_refused(make_activity, person_with_role, town):
    activity = make_activity()
    leader = person_with_role("leader", town.liyuan).user
    with pytest.raises(CheckInRefused) as exc:
        scan_personal_code(activity=activity, code="ZZZZZZ", purpose=Purpose.CHECK_IN, by=leader)
    assert exc.value.code == Reason.UNKNOWN_CODE
    assert ScanAttempt.objects.get().reason == Reason.UNKNOWN_CODE


def test_only_organisers_of_the_subtree_may_scan_personal_codes(
    make_activity, volunteer, person_with_role, town
):
    activity = make_activity()
    other_leader = person_with_role("leader", town.qiaobei).user
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    with pytest.raises(DomainError) as exc:
        scan_personal_code(activity=activity, code=short, purpose="in", by=other_leader)
    assert exc.value.code == "forbidden"
    assert not Attendance.objects.exists()


def test_manual_check_in_and_removal_need_a_reason_and_are_audited(
    make_activity, volunteer, person_with_role, town
):
    activity = make_activity()
    leader = person_with_role("leader", town.liyuan).user
    with pytest.raises(DomainError) as exc:
        attendance_add_manual(activity=activity, person=volunteer, reason=" ", by=leader)
    assert exc.value.code == "missing_reason"
    attendance = attendance_add_manual(
        activity=activity, person=volunteer, reason="手机没电", by=leader
    )
    assert attendance.check_in_method == "manual"
    attendance_remove(attendance=attendance, reason="误操作", by=leader)
    refused(Reason.REMOVED, token=token_for(activity), person=volunteer)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "extra__reason"))
    assert actions[-2:] == [("attendance.add", "手机没电"), ("attendance.remove", "误操作")]


def test_the_same_person_is_checked_in_once_even_when_called_directly(make_activity, volunteer):
    activity = make_activity()
    now = timezone.now()
    for _ in range(3):
        attendance_check_in(activity=activity, person=volunteer, method="activity_qr", at=now)
    assert Attendance.objects.filter(person=volunteer).count() == 1
