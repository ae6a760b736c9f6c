"""Reversals, adjustments and redemptions: each refusal has a clear message and writes nothing."""

import datetime

import pytest
from django.utils import timezone

from core.errors import DomainError
from points.models import Category, Kind, PersonTotal, PointsEntry, PointsPolicy, ServiceRecord
from points.services import (
    points_adjust,
    points_award_for_attendance,
    points_redeem,
    points_reverse,
)
from volunteers.models import AuditEvent
from volunteers.services.attendance import attendance_add_manual, attendance_remove

from ..clock import next_new_year


def total(person, period="all"):
    row = PersonTotal.objects.filter(person=person, period=period).first()
    return (row.points, row.balance, row.minutes) if row else (0, 0, 0)


@pytest.fixture
def awarded(past_activity, attend, volunteer):
    return points_award_for_attendance(attendance=attend(past_activity(), volunteer)).entry


# --- Reversal -------------------------------------------------------------------------


def test_a_reversal_names_what_it_reverses_and_restores_the_totals(awarded, secretary, volunteer):
    reversal = points_reverse(entry=awarded, reason="重复登记", by=secretary)

    assert reversal.kind == Kind.REVERSAL
    assert reversal.reverses == awarded
    assert reversal.amount == -2
    assert reversal.occurred_at == awarded.occurred_at  # the same month is corrected
    assert total(volunteer) == (0, 0, 120)  # the hours stay: only the points were wrong
    assert AuditEvent.objects.filter(action="points.reverse", extra__entry_id=awarded.pk).exists()


def test_reversing_twice_is_refused(awarded, secretary):
    points_reverse(entry=awarded, reason="重复登记", by=secretary)
    with pytest.raises(DomainError) as refusal:
        points_reverse(entry=awarded, reason="再来一次", by=secretary)
    assert refusal.value.code == "already_reversed"
    assert "已经冲正过" in refusal.value.message
    assert PointsEntry.objects.filter(kind=Kind.REVERSAL).count() == 1


def test_a_reversal_below_zero_needs_the_reversers_confirmation(awarded, secretary, volunteer):
    points_redeem(person=volunteer, amount=2, idempotency_key="redemption:soap", reason="香皂")

    with pytest.raises(DomainError) as refused:
        points_reverse(entry=awarded, reason="签到有误", by=secretary)
    assert refused.value.code == "would_go_negative"
    assert "可用积分将为 -2 分" in refused.value.message
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()

    reversal = points_reverse(entry=awarded, reason="签到有误", by=secretary, confirm_negative=True)

    assert reversal.amount == -2
    assert total(volunteer)[1] == -2
    event = AuditEvent.objects.get(action="points.reverse")
    assert event.extra["negative_confirmed"] is True and event.extra["balance_after"] == -2


def test_where_the_policy_allows_a_negative_balance_no_confirmation_is_asked(
    awarded, secretary, volunteer
):
    PointsPolicy.objects.update(allow_negative_balance=True)
    points_redeem(person=volunteer, amount=2, idempotency_key="redemption:soap", reason="香皂")

    points_reverse(entry=awarded, reason="签到有误", by=secretary)

    assert total(volunteer)[1] == -2


def test_removing_an_attendance_after_the_points_were_spent_shows_the_debt_plainly(
    client, past_activity, attend, volunteer, secretary
):
    attendance = attend(past_activity(), volunteer)
    points_award_for_attendance(attendance=attendance)
    points_redeem(person=volunteer, amount=2, idempotency_key="redemption:towel", reason="毛巾")

    attendance_remove(attendance=attendance, reason="签到有误", by=secretary)  # no question asked

    client.force_login(volunteer.user)
    body = client.get("/me/points/").content.decode()
    assert "points-balance--negative" in body and "-2分" in body
    assert "余额为负" in body and "现欠 2 分" in body


def test_a_reversal_cannot_itself_be_reversed(awarded, secretary):
    reversal = points_reverse(entry=awarded, reason="重复登记", by=secretary)
    with pytest.raises(DomainError) as refusal:
        points_reverse(entry=reversal, reason="撤回冲正", by=secretary)
    assert refusal.value.code == "reversal_of_reversal"


def test_a_reversal_needs_a_reason_and_the_right(awarded, secretary, make_person):
    with pytest.raises(DomainError) as refusal:
        points_reverse(entry=awarded, reason="  ", by=secretary)
    assert refusal.value.code == "missing_reason"
    stranger = make_person(real_name="路人").user
    with pytest.raises(DomainError) as refusal:
        points_reverse(entry=awarded, reason="试试", by=stranger)
    assert refusal.value.code == "forbidden"
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()


def test_removing_an_attendance_reverses_its_points_and_hours(
    past_activity, attend, volunteer, person_with_role, town, Role
):
    organiser = person_with_role(Role.LEADER, town.liyuan, real_name="钱队长").user
    attendance = attend(past_activity(), volunteer)
    award = points_award_for_attendance(attendance=attendance)

    attendance_remove(attendance=attendance, reason="代签，本人未到场", by=organiser)

    reversal = PointsEntry.objects.get(reverses=award.entry)
    assert reversal.reason == "代签，本人未到场"
    assert reversal.actor == organiser
    award.record.refresh_from_db()
    assert award.record.status == ServiceRecord.Status.REVOKED
    assert total(volunteer) == (0, 0, 0)


def test_an_attendance_added_back_is_awarded_again_once(
    past_activity, attend, volunteer, person_with_role, town, Role
):
    organiser = person_with_role(Role.LEADER, town.liyuan, real_name="钱队长").user
    activity = past_activity()
    attendance = attend(activity, volunteer)
    points_award_for_attendance(attendance=attendance)
    attendance_remove(attendance=attendance, reason="误撤前先撤", by=organiser)
    attendance_add_manual(
        activity=activity,
        person=volunteer,
        reason="核实到场",
        by=organiser,
        checked_in_at=activity.starts_at,
        checked_out_at=activity.ends_at,
    )

    again = points_award_for_attendance(attendance=attendance)
    repeat = points_award_for_attendance(attendance=attendance)

    assert again.created and not repeat.created
    assert again.entry.idempotency_key == f"attendance:{attendance.pk}:service:2"
    assert total(volunteer) == (2, 2, 120)


def test_removing_an_attendance_that_earned_nothing_writes_nothing(
    past_activity, attend, volunteer, person_with_role, town, Role
):
    organiser = person_with_role(Role.LEADER, town.liyuan, real_name="钱队长").user
    attendance = attend(past_activity(), volunteer)
    attendance_remove(attendance=attendance, reason="代签", by=organiser)
    assert not PointsEntry.objects.exists()
    assert not PersonTotal.objects.exists()


# --- Adjustment -------------------------------------------------------------------------


def test_an_adjustment_without_a_reason_is_refused(volunteer, secretary):
    with pytest.raises(DomainError) as refusal:
        points_adjust(person=volunteer, amount=5, category=Category.REWARD, reason="", by=secretary)
    assert refusal.value.code == "missing_reason"
    assert refusal.value.message == "请填写原因。"
    assert not PointsEntry.objects.exists()


def test_an_adjustment_is_written_totalled_and_audited(volunteer, secretary):
    entry = points_adjust(
        person=volunteer, amount=5, category=Category.REWARD, reason="见义勇为", by=secretary
    )
    assert (entry.kind, entry.amount, entry.category) == (Kind.ADJUSTMENT, 5, Category.REWARD)
    assert entry.actor == secretary
    assert total(volunteer) == (5, 5, 0)
    event = AuditEvent.objects.get(action="points.adjust")
    assert event.actor == secretary
    assert event.extra["reason"] == "见义勇为"
    assert event.extra["amount"] == 5


def test_only_a_secretary_over_the_person_may_adjust(volunteer, person_with_role, town, Role):
    other_secretary = person_with_role(Role.SECRETARY, town.qiaobei, real_name="孙书记").user
    with pytest.raises(DomainError) as refusal:
        points_adjust(
            person=volunteer, amount=5, category=Category.REWARD, reason="表扬", by=other_secretary
        )
    assert refusal.value.code == "forbidden"


def test_a_deduction_below_zero_is_refused_where_the_policy_forbids(volunteer, secretary):
    points_adjust(person=volunteer, amount=3, category=Category.REWARD, reason="表扬", by=secretary)
    with pytest.raises(DomainError) as refusal:
        points_adjust(
            person=volunteer, amount=-5, category=Category.DEDUCTION, reason="缺席", by=secretary
        )
    assert refusal.value.code == "negative_balance"
    assert refusal.value.message == "可用积分不足：当前 3 分，扣减 5 分后将为负数。"
    assert total(volunteer) == (3, 3, 0)


def test_a_deduction_below_zero_is_allowed_where_the_policy_allows(volunteer, secretary):
    PointsPolicy.objects.filter(audience="volunteers").update(allow_negative_balance=True)
    entry = points_adjust(
        person=volunteer, amount=-5, category=Category.DEDUCTION, reason="缺席", by=secretary
    )
    assert entry.kind == Kind.DEDUCTION
    assert total(volunteer) == (-5, -5, 0)


def test_an_adjustment_over_a_rubric_cap_is_refused_with_the_room_left(party_member, secretary):
    PointsPolicy.objects.filter(audience="party_members").update(reward_cap=20)
    points_adjust(
        person=party_member, amount=15, category=Category.REWARD, reason="先进个人", by=secretary
    )
    with pytest.raises(DomainError) as refusal:
        points_adjust(
            person=party_member, amount=8, category=Category.REWARD, reason="再奖", by=secretary
        )
    assert refusal.value.code == "over_cap"
    assert refusal.value.message == (
        "超过本年度奖励积分上限（20 分）：今年已得 15 分，最多还能加 5 分。"
    )


NEW_YEAR = next_new_year(minute=30)


@pytest.mark.time_machine(NEW_YEAR, tick=False)
def test_the_yearly_cap_counts_from_midnight_in_shazhou_not_in_utc(party_member, secretary):
    # At 00:30 on 1 January in Shazhou it is still the old year in UTC.
    PointsPolicy.objects.filter(audience="party_members").update(reward_cap=20)
    old_year = NEW_YEAR - datetime.timedelta(hours=1)
    points_adjust(
        person=party_member,
        amount=15,
        category=Category.REWARD,
        reason="去年的奖励",
        by=secretary,
        occurred_at=old_year,
    )
    points_adjust(  # last year's 15 points leave this year's cap untouched
        person=party_member, amount=15, category=Category.REWARD, reason="先进个人", by=secretary
    )
    with pytest.raises(DomainError) as refusal:
        points_adjust(
            person=party_member, amount=8, category=Category.REWARD, reason="再奖", by=secretary
        )
    assert "今年已得 15 分，最多还能加 5 分" in refusal.value.message


@pytest.mark.parametrize(
    ("amount", "category", "code"),
    [
        (0, Category.REWARD, "bad_amount"),
        ("5", Category.REWARD, "bad_amount"),
        (True, Category.REWARD, "bad_amount"),
        (10_001, Category.REWARD, "bad_amount"),
        (5, "bogus", "bad_category"),
        (5, Category.DEDUCTION, "bad_amount"),
    ],
)
def test_bad_adjustments_are_refused(volunteer, secretary, amount, category, code):
    with pytest.raises(DomainError) as refusal:
        points_adjust(person=volunteer, amount=amount, category=category, reason="x", by=secretary)
    assert refusal.value.code == code
    assert not PointsEntry.objects.exists()


def test_an_adjustment_in_the_future_is_refused(volunteer, secretary):
    with pytest.raises(DomainError) as refusal:
        points_adjust(
            person=volunteer,
            amount=5,
            category=Category.REWARD,
            reason="预支",
            by=secretary,
            occurred_at=timezone.now() + datetime.timedelta(days=3),
        )
    assert refusal.value.code == "future"


def test_a_double_submitted_adjustment_is_written_once(volunteer, secretary):
    kwargs = {
        "person": volunteer,
        "amount": 5,
        "category": Category.REWARD,
        "reason": "表扬",
        "by": secretary,
        "idempotency_key": "adjustment:form-7f3a",
    }
    assert points_adjust(**kwargs) == points_adjust(**kwargs)
    assert PointsEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="points.adjust").count() == 1


# --- Redemption --------------------------------------------------------------------------


def test_a_redemption_spends_the_balance_but_not_the_score(awarded, volunteer):
    entry = points_redeem(person=volunteer, amount=2, idempotency_key="redemption:1")
    assert (entry.kind, entry.amount, entry.category) == (Kind.REDEMPTION, -2, "")
    assert total(volunteer) == (2, 0, 120)  # ranked on 2 points, none left to spend


def test_a_redemption_beyond_the_balance_is_refused(awarded, volunteer):
    with pytest.raises(DomainError) as refusal:
        points_redeem(person=volunteer, amount=3, idempotency_key="redemption:1")
    assert refusal.value.code == "insufficient_balance"
    assert refusal.value.message == "可用积分不足：当前 2 分，需要 3 分。"
    assert not PointsEntry.objects.filter(kind=Kind.REDEMPTION).exists()


def test_a_redemption_is_idempotent_by_key(awarded, volunteer):
    first = points_redeem(person=volunteer, amount=1, idempotency_key="redemption:1")
    again = points_redeem(person=volunteer, amount=1, idempotency_key="redemption:1")
    assert first == again
    assert total(volunteer)[1] == 1
    with pytest.raises(DomainError) as refusal:
        points_redeem(person=volunteer, amount=2, idempotency_key="redemption:1")
    assert refusal.value.code == "key_reused"


def test_reversing_a_redemption_refunds_it(awarded, volunteer, secretary):
    redemption = points_redeem(person=volunteer, amount=2, idempotency_key="redemption:1")
    points_reverse(entry=redemption, reason="商品缺货，退回积分", by=secretary)
    assert total(volunteer) == (2, 2, 120)


def test_finalising_again_does_not_undo_a_secretarys_reversal(
    past_activity, attend, volunteer, secretary
):
    attendance = attend(past_activity(), volunteer)
    award = points_award_for_attendance(attendance=attendance)
    points_reverse(entry=award.entry, reason="活动中途离岗", by=secretary)

    again = points_award_for_attendance(attendance=attendance)

    assert again.skipped == "points_reversed"
    assert PointsEntry.objects.filter(kind=Kind.SERVICE).count() == 1
    assert total(volunteer) == (0, 0, 120)  # the hours stand, the points do not
