"""Finishing an activity closes what is open, awards every attendance once, and says so."""

import datetime

import pytest
from django.utils import timezone

from core.errors import DomainError
from points.models import PersonTotal, PointsEntry, ServiceRecord
from volunteers.models import Activity, Attendance, Method
from volunteers.services.finalise import activity_finish, attendances_close_due_and_finalise


@pytest.fixture
def over(past_activity):
    """A two-hour activity that ended an hour ago (past the 30-minute check-out grace)."""
    return past_activity(starts_at=timezone.now() - datetime.timedelta(hours=3))


def open_attendance(activity, person, late_minutes=0):
    return Attendance.objects.create(
        activity=activity,
        person=person,
        checked_in_at=activity.starts_at + datetime.timedelta(minutes=late_minutes),
        check_in_method=Method.ACTIVITY_QR,
    )


def test_finishing_closes_open_attendances_and_awards_everyone(
    over, attend, volunteer, party_member
):
    closed = attend(over, volunteer, minutes=100)
    left_open = open_attendance(over, party_member, late_minutes=10)

    awards = activity_finish(activity=over)

    assert [a.created for a in awards] == [True, True]
    left_open.refresh_from_db()
    assert left_open.auto_closed and left_open.minutes_served == 110
    assert PersonTotal.objects.get(person=volunteer, period="all").minutes == 100
    assert PersonTotal.objects.get(person=party_member, period="all").minutes == 110
    over.refresh_from_db()
    assert over.finished_at is not None
    assert over.status == Activity.Status.FINISHED
    assert not Attendance.objects.filter(activity=over, finalised_at__isnull=True).exists()
    closed.refresh_from_db()
    assert closed.finalised_at is not None


def test_finishing_twice_awards_nothing_more(over, attend, volunteer):
    attend(over, volunteer)
    activity_finish(activity=over)
    finished_at = Activity.objects.get(pk=over.pk).finished_at

    again = activity_finish(activity=over)

    assert [a.created for a in again] == [False]
    assert PointsEntry.objects.count() == 1
    assert ServiceRecord.objects.count() == 1
    assert Activity.objects.get(pk=over.pk).finished_at == finished_at


def test_an_activity_cannot_be_finished_before_check_out_closes(past_activity, attend, volunteer):
    just_ended = past_activity(starts_at=timezone.now() - datetime.timedelta(hours=2, minutes=10))
    attend(just_ended, volunteer)
    with pytest.raises(DomainError) as refusal:
        activity_finish(activity=just_ended)
    assert refusal.value.code == "not_over"
    assert "30 分钟后" in refusal.value.message
    assert not PointsEntry.objects.exists()


def test_a_cancelled_activity_cannot_be_finished(over):
    over.cancelled_at = timezone.now()
    over.save()
    with pytest.raises(DomainError) as refusal:
        activity_finish(activity=over)
    assert refusal.value.code == "cancelled"


def test_finishing_needs_the_check_in_right_when_someone_asks(over, make_person):
    stranger = make_person(real_name="路人").user
    with pytest.raises(DomainError) as refusal:
        activity_finish(activity=over, by=stranger)
    assert refusal.value.code == "forbidden"


def test_finishing_skips_removed_and_below_share_attendances(over, attend, volunteer, party_member):
    removed = attend(over, volunteer)
    removed.removed_at = timezone.now()
    removed.save()
    attend(over, party_member, minutes=20)

    awards = activity_finish(activity=over)

    assert [a.skipped for a in awards] == ["below_share"]
    assert not PointsEntry.objects.exists()


def test_finalising_one_attendance_is_idempotent(over, attend, volunteer):
    attendance = attend(over, volunteer)
    first = attendances_close_due_and_finalise(attendance=attendance)
    second = attendances_close_due_and_finalise(attendance=attendance)
    assert first.created and not second.created
    assert PointsEntry.objects.count() == 1


def test_an_attendance_added_by_hand_after_the_finish_is_awarded_at_once(
    over, attend, volunteer, party_member, secretary
):
    """A paper sign-in sheet found the next day: the late entry earns what the others did."""
    from volunteers.services.attendance import attendance_add_manual

    attend(over, volunteer)
    activity_finish(activity=over)

    added = attendance_add_manual(
        activity=over,
        person=party_member,
        reason="纸质签到表补录",
        by=secretary,
        checked_in_at=over.starts_at,
        checked_out_at=over.ends_at,
    )

    added.refresh_from_db()
    assert added.finalised_at is not None
    assert PersonTotal.objects.get(person=party_member, period="all").minutes == 120
    assert PointsEntry.objects.filter(person=party_member).count() == 1
