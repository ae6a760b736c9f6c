"""Check-out tells the truth (issue 17): whether the service counts and why not, the hours
and points it brings, and when they appear — and the points it promises are the points
the finishing job then writes.

The page is volunteers'; the points come from points' answer, registered when points
starts (``volunteers.services.credit.register_points_preview``).
"""

import datetime

import pytest
import time_machine

from core.tokens import Purpose, make_token
from points.models import PointsEntry, PointsRule
from points.selectors.explain import entry_explanation
from volunteers.models import Attendance
from volunteers.services import credit
from volunteers.tasks.activities import finish_activity

from ..clock import next_noon

NOON = next_noon()
pytestmark = pytest.mark.time_machine(NOON, tick=False)


def scan_url(activity, purpose=Purpose.CHECK_IN) -> str:
    return f"/c/{make_token(purpose=purpose, subject_id=activity.pk)}"


@pytest.fixture
def two_hours(make_activity):
    """阳关中路文明交通劝导, 12:00–14:00, 60 % of it (72 minutes) needed to count."""
    return make_activity(
        title="阳关中路文明交通劝导",
        starts_at=NOON,
        ends_at=NOON + datetime.timedelta(hours=2),
        min_share_percent=60,
    )


def check_out_after(client, activity, minutes: int) -> str:
    """Check in at noon, check out ``minutes`` later: the check-out page's text."""
    client.get(scan_url(activity))
    with time_machine.travel(NOON + datetime.timedelta(minutes=minutes), tick=False):
        response = client.get(scan_url(activity, Purpose.CHECK_OUT))
    assert response.status_code == 200
    return response.content.decode()


def test_a_service_that_counts_says_its_hours_points_and_when(volunteer_client, two_hours):
    body = check_out_after(volunteer_client, two_hours, 118)

    assert "签退成功" in body and "本次服务 118 分钟" in body
    assert "预计计入 2 小时、2 分。" in body
    assert "文明交通劝导 1小时58分钟 × 1分/小时 = 约1.97分，四舍五入计 2分" in body
    assert "活动结束 30 分钟后入账（约 14:30 起）" in body
    assert "未达到" not in body


def test_a_service_below_the_minimum_share_says_it_does_not_count_and_why(
    volunteer_client, two_hours
):
    body = check_out_after(volunteer_client, two_hours, 2)

    assert "本次服务 2 分钟" in body
    assert "未达到活动时长（120 分钟）的 60%（72 分钟），本次服务不计入服务时长和积分。" in body
    assert "预计计入" not in body and "入账" not in body
    assert Attendance.objects.get().minutes_served == 2


@pytest.mark.parametrize(
    ("minutes", "counts", "told"),
    [(71, False, "未达到活动时长"), (72, True, "预计计入 1.2 小时、1 分。")],
)
def test_the_page_and_the_award_draw_the_line_at_the_same_minute(
    volunteer_client, two_hours, minutes, counts, told
):
    body = check_out_after(volunteer_client, two_hours, minutes)
    assert told in body

    with time_machine.travel(two_hours.ends_at + datetime.timedelta(minutes=31), tick=False):
        finish_activity(two_hours.pk)

    assert PointsEntry.objects.filter(activity=two_hours).exists() is counts


@pytest.mark.parametrize(
    ("rule", "promised"),
    [
        ({}, "预计计入 2 小时、2 分。"),
        ({"points_per_hour": 2, "daily_cap": 3}, "预计计入 2 小时、3 分。"),
        ({"rounding_unit": 60, "rounding_mode": "down"}, "预计计入 2 小时、1 分。"),
        (
            {"rounding_unit": 30, "rounding_mode": "nearest", "points_per_attendance": 1},
            "预计计入 2 小时、3 分。",
        ),
    ],
)
def test_the_points_promised_are_the_points_written_after_the_activity(
    volunteer_client, two_hours, rule, promised
):
    if rule:
        PointsRule.objects.create(name="交通劝导", category=two_hours.category, **rule)
    body = check_out_after(volunteer_client, two_hours, 118)
    assert promised in body

    # The finishing job runs once the activity is over and the 30-minute grace has passed.
    after = two_hours.ends_at + datetime.timedelta(minutes=31)
    with time_machine.travel(after, tick=False):
        assert finish_activity(two_hours.pk) == 1
        again = volunteer_client.get(scan_url(two_hours, Purpose.CHECK_OUT)).content.decode()

    entry = PointsEntry.objects.get(activity=two_hours)
    assert f"预计计入 2 小时、{entry.amount} 分。" == promised
    assert entry_explanation(entry) in body  # the sentence promised is the line's own
    assert "已签退" in again and f"已计入 2 小时、{entry.amount} 分。" in again
    assert "预计" not in again and "入账" not in again


def test_without_a_points_answer_the_page_tells_the_hours_only(
    volunteer_client, two_hours, monkeypatch
):
    monkeypatch.setattr(credit, "_points_preview", None)

    body = check_out_after(volunteer_client, two_hours, 110)

    assert "预计计入 1.8 小时服务时长。" in body
    assert "分/小时" not in body
    assert "活动结束 30 分钟后入账" in body


def test_checking_in_says_nothing_of_points(volunteer_client, two_hours):
    body = volunteer_client.get(scan_url(two_hours)).content.decode()
    assert "签到成功" in body and "预计计入" not in body and "未达到" not in body
