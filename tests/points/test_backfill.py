"""Back-filled hours (补录): a secretary enters them, a higher role decides."""

import datetime

import pytest
from django.utils import timezone

from core.errors import DomainError
from points.models import Kind, PersonTotal, PointsEntry, ServiceRecord
from points.services import (
    points_award_for_attendance,
    servicerecord_approve,
    servicerecord_backfill,
    servicerecord_reject,
    servicerecord_revoke,
)
from volunteers.models import AuditEvent

Status = ServiceRecord.Status


@pytest.fixture
def activity(past_activity):
    return past_activity(hours=2)


@pytest.fixture
def town_secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.town, real_name="镇书记").user


@pytest.fixture
def pending(volunteer, activity, secretary):
    return servicerecord_backfill(
        person=volunteer, activity=activity, minutes=90, reason="手机没电，未能扫码", by=secretary
    )


def refused(code, **kwargs):
    with pytest.raises(DomainError) as refusal:
        servicerecord_backfill(**kwargs)
    assert refusal.value.code == code
    assert not ServiceRecord.objects.exists()
    return refusal.value.message


def test_a_backfill_waits_for_approval_and_counts_nothing_yet(pending, volunteer):
    assert pending.status == Status.PENDING
    assert pending.source == ServiceRecord.Source.BACKFILL
    assert not PersonTotal.objects.filter(person=volunteer, minutes__gt=0).exists()
    assert AuditEvent.objects.filter(action="servicerecord.backfill").exists()


def test_a_backfill_longer_than_the_activity_is_refused(volunteer, activity, secretary):
    message = refused(
        "too_long", person=volunteer, activity=activity, minutes=121, reason="补录", by=secretary
    )
    assert message == "补录时长 121 分钟超过了活动时长（120 分钟）。"


def test_a_backfill_below_the_minimum_share_is_refused(volunteer, activity, secretary):
    message = refused(
        "below_share", person=volunteer, activity=activity, minutes=30, reason="补录", by=secretary
    )
    assert "至少 72 分钟" in message


def test_a_backfill_without_a_reason_is_refused(volunteer, activity, secretary):
    refused(
        "missing_reason", person=volunteer, activity=activity, minutes=90, reason="", by=secretary
    )


def test_a_backfill_before_the_activity_is_over_is_refused(volunteer, make_activity, secretary):
    running = make_activity()
    refused("not_over", person=volunteer, activity=running, minutes=90, reason="补录", by=secretary)


def test_a_backfill_over_an_attendance_is_refused(volunteer, activity, secretary, attend):
    attend(activity, volunteer)
    refused(
        "has_attendance",
        person=volunteer,
        activity=activity,
        minutes=90,
        reason="补录",
        by=secretary,
    )


def test_a_second_backfill_for_the_same_activity_is_refused(
    pending, volunteer, activity, secretary
):
    with pytest.raises(DomainError) as refusal:
        servicerecord_backfill(
            person=volunteer, activity=activity, minutes=100, reason="再补", by=secretary
        )
    assert refusal.value.code == "already_recorded"


def test_a_backfill_by_someone_without_the_right_is_refused(volunteer, activity, make_person):
    stranger = make_person(real_name="路人").user
    refused(
        "forbidden", person=volunteer, activity=activity, minutes=90, reason="补录", by=stranger
    )


def test_the_town_secretary_approves_and_the_hours_and_points_count(
    pending, town_secretary, volunteer
):
    record = servicerecord_approve(record=pending, by=town_secretary)

    assert record.status == Status.APPROVED
    assert record.decided_by == town_secretary
    all_time = PersonTotal.objects.get(person=volunteer, period="all")
    # 1.5 h at 1分/小时, to the nearest point (issue 17; the floor gave 1)
    assert (all_time.minutes, all_time.points) == (90, 2)
    entry = PointsEntry.objects.get(service_record=record)
    assert entry.idempotency_key == f"servicerecord:{record.pk}:service"
    assert entry.explanation["source"] == "backfill"
    assert AuditEvent.objects.filter(action="servicerecord.approve").exists()


def test_a_town_admin_may_approve(pending, person_with_role, town, Role, volunteer):
    admin = person_with_role(Role.ADMIN, town.town, real_name="镇管理员").user
    servicerecord_approve(record=pending, by=admin)
    assert PersonTotal.objects.get(person=volunteer, period="all").minutes == 90


@pytest.mark.parametrize("where", ["liyuan", "liyuan_grid1"])
def test_a_peer_or_lower_secretary_may_not_approve(pending, person_with_role, town, Role, where):
    peer = person_with_role(Role.SECRETARY, getattr(town, where), real_name="同级书记").user
    with pytest.raises(DomainError) as refusal:
        servicerecord_approve(record=pending, by=peer)
    assert refusal.value.code == "forbidden"
    assert "上级组织" in refusal.value.message
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_the_enterer_may_not_approve_their_own_backfill(pending, secretary):
    with pytest.raises(DomainError) as refusal:
        servicerecord_approve(record=pending, by=secretary)
    assert refusal.value.code == "own_record"


def test_a_rejected_backfill_counts_nothing_and_cannot_be_approved(
    pending, town_secretary, volunteer
):
    servicerecord_reject(record=pending, by=town_secretary, note="无活动现场照片")
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note) == (Status.REJECTED, "无活动现场照片")
    with pytest.raises(DomainError) as refusal:
        servicerecord_approve(record=pending, by=town_secretary)
    assert refusal.value.code == "not_pending"
    assert not PersonTotal.objects.filter(person=volunteer, minutes__gt=0).exists()


def test_revoking_an_approved_backfill_takes_back_hours_and_points(
    pending, town_secretary, secretary, volunteer
):
    record = servicerecord_approve(record=pending, by=town_secretary)
    servicerecord_revoke(record=record, reason="核实未参加", by=secretary)

    record.refresh_from_db()
    assert record.status == Status.REVOKED
    assert PointsEntry.objects.filter(kind=Kind.REVERSAL, service_record=record).count() == 1
    all_time = PersonTotal.objects.get(person=volunteer, period="all")
    assert (all_time.minutes, all_time.points) == (0, 0)


def test_hours_from_attendance_are_revoked_through_the_attendance(
    past_activity, attend, volunteer, secretary
):
    record = points_award_for_attendance(attendance=attend(past_activity(), volunteer)).record
    with pytest.raises(DomainError) as refusal:
        servicerecord_revoke(record=record, reason="不对", by=secretary)
    assert refusal.value.code == "from_attendance"


def test_a_backfill_may_follow_a_removed_attendance(
    volunteer, activity, secretary, attend, town_secretary
):
    attendance = attend(activity, volunteer)
    attendance.removed_at = timezone.now() - datetime.timedelta(hours=1)
    attendance.save()
    record = servicerecord_backfill(
        person=volunteer, activity=activity, minutes=100, reason="签到被误撤", by=secretary
    )
    servicerecord_approve(record=record, by=town_secretary)
    assert PersonTotal.objects.get(person=volunteer, period="all").minutes == 100


def test_an_attendance_added_after_an_approved_backfill_is_not_credited_twice(
    pending, town_secretary, volunteer, activity, attend
):
    servicerecord_approve(record=pending, by=town_secretary)
    result = points_award_for_attendance(attendance=attend(activity, volunteer))
    assert result.skipped == "already_credited"
    assert "已有补录记录" in result.message
    assert PersonTotal.objects.get(person=volunteer, period="all").minutes == 90
