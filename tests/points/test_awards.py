"""Finalising an attendance credits its hours and points once, by the rule, within the caps."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import DomainError
from points.models import (
    Audience,
    Category,
    Kind,
    PersonTotal,
    PointsEntry,
    PointsPolicy,
    PointsRule,
    ServiceRecord,
)
from points.selectors.explain import entry_explanation
from points.services import points_award_for_attendance
from volunteers.models import ActivityCategory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 12 May of last year: over, and with a month after it in the same year, whatever today is.
MAY_12 = datetime.datetime(datetime.datetime.now(SHANGHAI).year - 1, 5, 12, 9, 0, tzinfo=SHANGHAI)


def award(attendance):
    return points_award_for_attendance(attendance=attendance)


def test_two_hours_of_traffic_duty_earn_two_points_explained(past_activity, attend, volunteer):
    result = award(attend(past_activity(starts_at=MAY_12), volunteer))

    assert result.created
    assert result.entry.amount == 2
    assert result.entry.kind == Kind.SERVICE
    assert result.entry.category == Category.SERVICE
    assert result.entry.idempotency_key == f"attendance:{result.entry.attendance_id}:service"
    assert result.entry.rule.name == "默认规则"
    assert entry_explanation(result.entry) == "文明交通劝导 2小时 × 1分/小时 = 2分"
    record = ServiceRecord.objects.get(person=volunteer)
    assert (record.minutes, record.status, record.source) == (120, "approved", "attendance")


def test_awarding_twice_gives_one_entry_and_one_record(past_activity, attend, volunteer):
    attendance = attend(past_activity(), volunteer)
    first = award(attendance)
    second = award(attendance)

    assert first.created and not second.created
    assert second.entry == first.entry
    assert PointsEntry.objects.count() == 1
    assert ServiceRecord.objects.count() == 1
    assert PersonTotal.objects.get(person=volunteer, period="all").minutes == 120


def test_below_the_minimum_share_earns_nothing(past_activity, attend, volunteer):
    activity = past_activity(hours=2, min_share_percent=60)  # 72 minutes needed
    result = award(attend(activity, volunteer, minutes=71))

    assert not result.created
    assert result.skipped == "below_share"
    assert "未达到活动时长（120 分钟）的 60%" in result.message
    assert not PointsEntry.objects.exists()
    assert not ServiceRecord.objects.exists()


def test_exactly_the_minimum_share_earns_its_hours(past_activity, attend, volunteer):
    activity = past_activity(hours=2, min_share_percent=60)
    result = award(attend(activity, volunteer, minutes=72))

    assert result.created
    assert result.record.minutes == 72
    assert result.entry.amount == 1  # 1.2 h × 1/h, rounded to the nearest point
    assert entry_explanation(result.entry) == (
        "文明交通劝导 1小时12分钟 × 1分/小时 = 1.2分，四舍五入计 1分"
    )


def test_an_open_attendance_cannot_be_awarded(past_activity, attend, volunteer):
    attendance = attend(past_activity(), volunteer)
    attendance.checked_out_at = None
    attendance.minutes_served = None
    attendance.save()
    with pytest.raises(DomainError) as refusal:
        award(attendance)
    assert refusal.value.code == "attendance_open"
    assert "尚未签退" in refusal.value.message


def test_a_removed_attendance_earns_nothing(past_activity, attend, volunteer):
    attendance = attend(past_activity(), volunteer)
    attendance.removed_at = attendance.checked_out_at
    attendance.save()
    assert award(attendance).skipped == "removed"
    assert not PointsEntry.objects.exists()


def test_the_rule_for_category_and_audience_beats_the_default(
    past_activity, attend, volunteer, party_member, category
):
    PointsRule.objects.create(
        name="党员交通劝导",
        category=category,
        audience=Audience.PARTY_MEMBERS,
        points_per_hour=3,
        points_per_attendance=2,
    )
    PointsRule.objects.create(name="交通劝导", category=category, points_per_hour=2)
    activity = past_activity()

    party = award(attend(activity, party_member)).entry
    plain = award(attend(activity, volunteer)).entry

    assert (party.amount, party.rule.name) == (8, "党员交通劝导")  # 2 + 2 h × 3
    assert entry_explanation(party) == "文明交通劝导 2小时 × 3分/小时 + 出勤 2分 = 8分"
    assert (plain.amount, plain.rule.name) == (4, "交通劝导")


def test_a_default_rule_is_made_when_none_exists(past_activity, attend, volunteer):
    PointsRule.objects.all().delete()
    entry = award(attend(past_activity(), volunteer)).entry
    assert entry.rule.category is None and entry.rule.audience == Audience.ANYONE
    assert entry.amount == 2


def test_the_daily_cap_cuts_the_award_and_says_why(past_activity, attend, volunteer, category):
    PointsRule.objects.create(name="交通劝导", category=category, points_per_hour=2, daily_cap=5)
    morning = past_activity(starts_at=MAY_12)
    afternoon = past_activity(starts_at=MAY_12 + datetime.timedelta(hours=5))
    next_day = past_activity(starts_at=MAY_12 + datetime.timedelta(days=1))

    first = award(attend(morning, volunteer)).entry
    second = award(attend(afternoon, volunteer)).entry
    third = award(attend(next_day, volunteer)).entry

    assert (first.amount, second.amount, third.amount) == (4, 1, 4)
    assert second.explanation["base"] == 4
    assert second.explanation["cap"] == {"kind": "daily", "limit": 5, "used": 4}
    assert entry_explanation(second) == (
        "文明交通劝导 2小时 × 2分/小时 = 4分；已达本类别每日上限 5分（此前已得 4分），实得 1分"
    )
    # The hours are never capped.
    assert PersonTotal.objects.get(person=volunteer, period=f"{MAY_12:%Y-%m}").minutes == 360


def test_a_fully_capped_award_is_recorded_as_zero(past_activity, attend, volunteer, category):
    PointsRule.objects.create(name="交通劝导", category=category, yearly_cap=2)
    award(attend(past_activity(starts_at=MAY_12), volunteer))
    later = award(attend(past_activity(starts_at=MAY_12 + datetime.timedelta(days=30)), volunteer))

    assert later.created
    assert later.entry.amount == 0
    assert later.entry.explanation["cap"]["kind"] == "yearly"
    assert "本类别年度上限 2分" in entry_explanation(later.entry)
    assert PersonTotal.objects.get(person=volunteer, period=f"{MAY_12:%Y}").points == 2


def test_caps_count_only_the_same_category(past_activity, attend, volunteer, category):
    PointsRule.objects.create(name="交通劝导", category=category, daily_cap=2)
    other = ActivityCategory.objects.get(name="环境整治")
    award(attend(past_activity(starts_at=MAY_12), volunteer))
    cleaning = past_activity(starts_at=MAY_12 + datetime.timedelta(hours=4), category=other)
    assert award(attend(cleaning, volunteer)).entry.amount == 2


def test_the_party_rubric_item_cap_applies_to_party_members(
    past_activity, attend, party_member, volunteer
):
    PointsPolicy.objects.filter(audience=Audience.PARTY_MEMBERS).update(
        service_cap=3, yearly_total_cap=100
    )
    activity_a = past_activity(starts_at=MAY_12)
    activity_b = past_activity(starts_at=MAY_12 + datetime.timedelta(days=7))
    award(attend(activity_a, party_member))
    capped = award(attend(activity_b, party_member)).entry
    award(attend(activity_a, volunteer))
    uncapped = award(attend(activity_b, volunteer)).entry

    assert capped.amount == 1
    assert capped.explanation["cap"] == {"kind": "rubric_item", "limit": 3, "used": 2}
    assert "本年度积分细则单项上限 3分" in entry_explanation(capped)
    assert uncapped.amount == 2


def test_the_party_yearly_total_cap_counts_every_rubric_item(
    past_activity, attend, party_member, secretary
):
    from points.services import points_adjust

    PointsPolicy.objects.filter(audience=Audience.PARTY_MEMBERS).update(
        yearly_total_cap=5, basic_cap=None, service_cap=None, reward_cap=None
    )
    points_adjust(
        person=party_member,
        amount=4,
        category=Category.BASIC,
        reason="按时参加组织生活",
        by=secretary,
        occurred_at=MAY_12,
    )
    entry = award(attend(past_activity(starts_at=MAY_12), party_member)).entry
    assert entry.amount == 1
    assert entry.explanation["cap"] == {"kind": "rubric_total", "limit": 5, "used": 4}


def test_a_cancelled_activity_earns_nothing(past_activity, attend, volunteer):
    activity = past_activity()
    attendance = attend(activity, volunteer)
    activity.cancelled_at = activity.ends_at
    activity.save()
    assert award(attendance).skipped == "cancelled"
