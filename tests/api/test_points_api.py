"""The API's 积分与时长: my points, my ledger lines explained, my hours and star level — the
same figures as 我的积分 (/me/points/) and the 我的 card show the same person."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from points.models import Category, PointsEntry
from points.periods import PeriodKind, period_key
from points.selectors.me import my_figures
from points.services import (
    points_adjust,
    points_award_for_attendance,
    points_redeem,
    points_reverse,
)
from volunteers.models import Attendance, Method

from ..clock import mid_month

# Mid-month, so that yesterday's activity is in this month and this year whatever the day
# the run is on; every fixture is made inside this travel.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(mid_month(), tick=True)]

POINTS = "/api/v1/points"
LINES = "/api/v1/points/lines"
SERVICE = "/api/v1/points/service"


@pytest.fixture
def town_secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.town, real_name="镇书记").user


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="李志愿", home_grid=town.liyuan_grid1)


@pytest.fixture
def served(make_activity):
    """``served(person, hours)``: a closed attendance yesterday, awarded (hours and points)."""

    def serve(person, hours=2):
        starts_at = timezone.now() - datetime.timedelta(days=1)
        activity = make_activity(
            starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours)
        )
        attendance = Attendance.objects.create(
            activity=activity,
            person=person,
            checked_in_at=starts_at,
            check_in_method=Method.MANUAL,
            checked_out_at=activity.ends_at,
            check_out_method=Method.MANUAL,
            minutes_served=hours * 60,
        )
        return points_award_for_attendance(attendance=attendance)

    return serve


@pytest.fixture
def ledger(volunteer, served, town_secretary):
    """李志愿: 2 points for two hours' service, 3 basic points, 1 spent on a towel."""
    served(volunteer, hours=2)
    points_adjust(
        person=volunteer, amount=3, category=Category.BASIC, reason="组织生活", by=town_secretary
    )
    points_redeem(person=volunteer, amount=1, idempotency_key="redemption:1", reason="毛巾一条")
    return volunteer


# --- my_points ---------------------------------------------------------------------------


def test_my_points_agree_with_my_points_page_and_the_me_card(client, signed_in, ledger):
    answer = signed_in(ledger.user).get(POINTS)

    assert answer.status_code == 200
    data = answer.json()
    assert (data["balance"], data["month_points"], data["year_points"], data["points"]) == (
        4,
        5,
        5,
        5,
    )
    client.force_login(ledger.user)
    page = client.get(reverse("points:my_points")).context
    assert data["balance"] == page["balance"]
    assert [(p["label"], p["period_label"], p["points"]) for p in data["periods"]] == [
        (str(t["label"]), t["period"], t["points"]) for t in page["totals"]
    ]
    assert [p["kind"] for p in data["periods"]] == ["month", "quarter", "year", "all"]
    assert data["periods"][0]["key"] == period_key(PeriodKind.MONTH)
    assert data["periods"][-1] == {
        "kind": "all",
        "key": "all",
        "label": "累计",
        "period_label": "累计",
        "points": 5,
        "minutes": 120,
        "hours": 2.0,
    }
    card = my_figures(ledger)
    assert data["community"] == {
        "community_id": card.community.pk,
        "community_name": "梨园社区",
        "place": card.place,
        "ranked": card.ranked,
        "population": "volunteers",
    }
    assert data["community"]["place"] == 1


def test_my_points_need_a_token_and_a_person(api_client, signed_in, django_user_model):
    assert api_client.get(POINTS).status_code == 401
    operator = django_user_model.objects.create_user(username="ops", password="shazhou2026")
    for path in (POINTS, LINES, SERVICE):
        refused = signed_in(operator).get(path)
        assert refused.status_code == 403, path
        assert refused.json()["code"] == "no_person"
        assert "关联人员信息" in refused.json()["message"]


def test_someone_with_nothing_yet_has_zeros(signed_in, volunteer):
    data = signed_in(volunteer.user).get(POINTS).json()
    assert (data["balance"], data["points"]) == (0, 0)
    assert data["community"]["place"] is None  # 尚未上榜
    assert signed_in(volunteer.user).get(LINES).json()["items"] == []


# --- my_points_lines ---------------------------------------------------------------------


def test_lines_are_newest_first_and_explained_as_on_the_page(client, signed_in, ledger):
    answer = signed_in(ledger.user).get(LINES)

    assert answer.status_code == 200
    data = answer.json()
    assert data["count"] == 3 and data["has_next"] is False
    lines = data["items"]
    assert [line["kind"] for line in lines] == ["redemption", "adjustment", "service"]
    assert [line["amount"] for line in lines] == [-1, 3, 2]
    assert lines[0]["explanation"] == "兑换：毛巾一条"
    assert lines[0]["counts_for_ranking"] is False
    assert lines[0]["category_label"] == "不计入排名"
    assert lines[1]["explanation"] == "基础积分：组织生活"
    assert lines[2]["explanation"] == "文明交通劝导 2小时 × 1分/小时 = 2分"
    assert lines[2]["occurred_at"].endswith("+08:00")
    client.force_login(ledger.user)
    page = client.get(reverse("points:my_points")).context
    assert [line["explanation"] for line in lines] == [h["explanation"] for h in page["history"]]


def test_a_reversal_is_its_own_line_and_marks_what_it_reverses(signed_in, ledger, town_secretary):
    service = PointsEntry.objects.get(person=ledger, kind="service")
    points_reverse(entry=service, reason="签到有误", by=town_secretary)

    lines = signed_in(ledger.user).get(LINES).json()["items"]

    reversal = next(line for line in lines if line["kind"] == "reversal")
    assert reversal["amount"] == -2
    assert reversal["reverses_id"] == service.pk
    assert reversal["explanation"].startswith("冲正：签到有误")
    original = next(line for line in lines if line["id"] == service.pk)
    assert original["is_reversed"] is True
    assert all(line["is_reversed"] is False for line in lines if line["id"] != service.pk)


def test_lines_page_through_and_filter_by_period(signed_in, ledger, town_secretary):
    last_month = period_key(PeriodKind.MONTH, timezone.now() - datetime.timedelta(days=40))
    points_adjust(
        person=ledger,
        amount=4,
        category=Category.REWARD,
        reason="上月表彰",
        by=town_secretary,
        occurred_at=timezone.now() - datetime.timedelta(days=40),
    )
    client = signed_in(ledger.user)

    first = client.get(LINES, {"page_size": 3}).json()
    second = client.get(LINES, {"page_size": 3, "page": 2}).json()
    assert (first["count"], first["pages"], first["has_next"]) == (4, 2, True)
    assert [line["explanation"] for line in second["items"]] == ["奖励积分：上月表彰"]

    this_month = client.get(LINES, {"period": period_key(PeriodKind.MONTH)}).json()
    assert this_month["count"] == 3
    before = client.get(LINES, {"period": last_month}).json()
    assert [line["amount"] for line in before["items"]] == [4]


@pytest.mark.parametrize("period", ["decade", "2026-13", "2026Q5", "1999", "9999-12"])
def test_a_period_that_names_no_period_is_a_400(signed_in, volunteer, period):
    refused = signed_in(volunteer.user).get(LINES, {"period": period})
    assert refused.status_code == 400
    assert refused.json()["code"] in {"invalid", "invalid_period"}


# --- my_service --------------------------------------------------------------------------


def test_my_service_agrees_with_the_me_card(settings, signed_in, volunteer, served):
    settings.POINTS_STAR_LEVEL_HOURS = (1, 3, 6, 10, 15)
    served(volunteer, hours=2)

    answer = signed_in(volunteer.user).get(SERVICE)

    assert answer.status_code == 200
    data = answer.json()
    card = my_figures(volunteer)
    assert (data["minutes"], data["hours"]) == (card.minutes, card.hours) == (120, 2.0)
    assert (data["year_minutes"], data["year_hours"]) == (120, 2.0)
    assert data["year"] == period_key(PeriodKind.YEAR)
    assert data["star"] == {
        "level": 1,
        "name": "1星级志愿者",
        "marks": "★",
        "threshold_hours": 1,
        "next_level": 2,
        "next_level_hours": 3,
        "hours_to_next": card.star_hours_to_next,
        "progress_minutes": card.star_progress_done,
        "progress_span_minutes": card.star_progress_span,
        "levels_hours": [1, 3, 6, 10, 15],
    }
    assert data["star"]["hours_to_next"] == 1.0


def test_my_service_before_any_star(signed_in, volunteer):
    star = signed_in(volunteer.user).get(SERVICE).json()["star"]
    assert (star["level"], star["name"], star["threshold_hours"]) == (0, "尚未评星", None)
    assert (star["next_level"], star["next_level_hours"], star["hours_to_next"]) == (1, 100, 100)
