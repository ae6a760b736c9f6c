"""Fair rounding (issue 17): 1 h 58 min at 1 分/小时 earns 2 points, not 1.

A rule rounds the service time to its unit and the points to a whole point, both by its
mode. The default (new rules and the town's default rule): by the minute, to the nearest
point. Every new ledger line says how it was rounded; lines written before keep theirs.
"""

import datetime

import pytest
from django.utils import timezone

from points.models import PointsEntry, PointsRule, ServiceRecord
from points.selectors.explain import entry_explanation
from points.services import points_award_for_attendance
from points.services.awards import preview_points
from points.services.rules import rule_update


def award(attendance):
    return points_award_for_attendance(attendance=attendance)


def default_rule():
    return PointsRule.objects.get(category=None, audience="anyone", for_claims=False)


def set_default_rounding(unit, mode):
    PointsRule.objects.filter(pk=default_rule().pk).update(rounding_unit=unit, rounding_mode=mode)


def test_the_town_default_rule_prorates_by_the_minute_to_the_nearest_point(db):
    rule = default_rule()  # made by migration 0003, given its rounding by the rounding one
    assert (rule.rounding_unit, rule.rounding_mode) == (1, "nearest")
    fresh = PointsRule(name="新规则")
    assert (fresh.rounding_unit, fresh.rounding_mode) == (1, "nearest")


def test_one_hour_fifty_eight_minutes_earn_two_points_and_say_why(past_activity, attend, volunteer):
    entry = award(attend(past_activity(), volunteer, minutes=118)).entry

    assert entry.amount == 2
    assert (
        entry_explanation(entry) == "文明交通劝导 1小时58分钟 × 1分/小时 = 约1.97分，四舍五入计 2分"
    )
    assert ServiceRecord.objects.get(person=volunteer).minutes == 118  # hours are never rounded
    assert entry.explanation["rounding_unit"] == 1
    assert entry.explanation["rounding_mode"] == "nearest"


def test_one_hour_fourteen_minutes_earn_one_point(past_activity, attend, volunteer):
    entry = award(attend(past_activity(), volunteer, minutes=74)).entry

    assert entry.amount == 1
    assert (
        entry_explanation(entry) == "文明交通劝导 1小时14分钟 × 1分/小时 = 约1.23分，四舍五入计 1分"
    )


def test_by_the_nearest_half_hour(past_activity, attend, volunteer, party_member):
    set_default_rounding(30, "nearest")
    activity = past_activity()

    long_stay = award(attend(activity, volunteer, minutes=118)).entry
    short_stay = award(attend(activity, party_member, minutes=74)).entry

    assert long_stay.amount == 2
    assert entry_explanation(long_stay) == (
        "文明交通劝导 1小时58分钟，按30分钟就近取整计 2小时 × 1分/小时 = 2分"
    )
    assert short_stay.amount == 1  # 1 h 14 min is 1.0 h to the nearest half hour
    assert entry_explanation(short_stay) == (
        "文明交通劝导 1小时14分钟，按30分钟就近取整计 1小时 × 1分/小时 = 1分"
    )


def test_down_by_the_hour_is_the_old_floor(past_activity, attend, volunteer):
    set_default_rounding(60, "down")

    entry = award(attend(past_activity(), volunteer, minutes=118)).entry

    assert entry.amount == 1
    assert entry_explanation(entry) == (
        "文明交通劝导 1小时58分钟，按1小时向下取整计 1小时 × 1分/小时 = 1分"
    )


@pytest.mark.parametrize("rate", [1, 2, 3, 5])
@pytest.mark.parametrize("per_attendance", [0, 2])
def test_down_by_the_minute_reproduces_the_old_arithmetic_for_every_rate(rate, per_attendance):
    rule = PointsRule(
        points_per_hour=rate,
        points_per_attendance=per_attendance,
        rounding_unit=1,
        rounding_mode="down",
    )
    by_the_hour = PointsRule(points_per_hour=1, rounding_unit=60, rounding_mode="down")
    for minutes in range(0, 600):
        old = per_attendance + minutes * rate // 60
        assert preview_points(rule, minutes).base == old
        assert preview_points(by_the_hour, minutes).base == minutes // 60


@pytest.mark.parametrize(
    ("unit", "mode", "minutes", "points"),
    [
        (1, "nearest", 118, 2),
        (1, "nearest", 89, 1),  # 1.48
        (1, "nearest", 90, 2),  # 1.5: a half rounds up
        (1, "nearest", 29, 0),
        (1, "up", 61, 2),
        (15, "nearest", 52, 1),  # 45 min → 0.75 → 1
        (30, "nearest", 74, 1),
        (30, "nearest", 75, 2),  # 1.5 h → 1.5 → 2
        (30, "down", 118, 1),  # 90 min → 1.5 → down 1
        (30, "up", 61, 2),  # 90 min → 1.5 → up 2
        (60, "nearest", 89, 1),
        (60, "nearest", 90, 2),
    ],
)
def test_each_unit_and_mode(unit, mode, minutes, points):
    rule = PointsRule(points_per_hour=1, rounding_unit=unit, rounding_mode=mode)
    assert preview_points(rule, minutes).base == points


def test_rounding_keeps_the_per_attendance_points_and_the_caps(
    past_activity, attend, volunteer, category
):
    PointsRule.objects.create(
        name="交通劝导", category=category, points_per_hour=3, points_per_attendance=2, daily_cap=9
    )
    morning = past_activity(starts_at=timezone.now() - datetime.timedelta(days=1, hours=5))
    afternoon = past_activity(starts_at=morning.starts_at + datetime.timedelta(hours=3))

    first = award(attend(morning, volunteer, minutes=118)).entry  # 2 + 5.9 → 8
    second = award(attend(afternoon, volunteer, minutes=118)).entry  # 8, but 1 left today

    assert first.amount == 8
    assert entry_explanation(first) == (
        "文明交通劝导 1小时58分钟 × 3分/小时 + 出勤 2分 = 7.9分，四舍五入计 8分"
    )
    assert (second.explanation["base"], second.amount) == (8, 1)
    assert entry_explanation(second).endswith(
        "= 7.9分，四舍五入计 8分；已达本类别每日上限 9分（此前已得 8分），实得 1分"
    )


def test_a_rule_change_leaves_lines_already_written_as_they_were(
    past_activity, attend, volunteer, party_member, actor
):
    before = award(attend(past_activity(), volunteer, minutes=118)).entry
    sentence = entry_explanation(before)

    rule_update(
        rule=default_rule(), by=actor("town_admin").user, rounding_unit=60, rounding_mode="down"
    )
    after = award(attend(past_activity(), party_member, minutes=118)).entry

    before = PointsEntry.objects.get(pk=before.pk)
    assert (before.amount, entry_explanation(before)) == (2, sentence)
    assert after.amount == 1


def test_a_line_written_before_rules_had_rounding_keeps_its_sentence():
    """Lines in the ledger from before (no rounding in their figures) read as they did."""
    old = PointsEntry(
        amount=1,
        kind="service",
        category="service",
        explanation={
            "activity": "阳关中路文明交通劝导",
            "category": "文明交通劝导",
            "minutes": 118,
            "points_per_hour": 1,
            "points_per_attendance": 0,
            "base": 1,
            "awarded": 1,
            "rule": "默认规则",
            "cap": None,
            "source": "attendance",
        },
    )
    assert (
        entry_explanation(old) == "文明交通劝导 1小时58分钟 × 1分/小时 = 1分（不足1分的部分不计）"
    )
