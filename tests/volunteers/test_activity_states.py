"""The activity page's one status for its viewer, and the one action that goes with it.

可报名 / 已报名 / 候补第 n 位 / 报名已截止 / 进行中 · 已签到 11:50 / 已签退 · 本次计 2.3 小时 /
已结束 / 已取消, for anonymous visitors and signed-in volunteers alike. Every test runs at a
standing noon in Shazhou (tests/clock.py); times on the page are Shazhou times.
"""

import datetime
import re

import pytest
from django.utils import timezone

from volunteers import selectors
from volunteers.models import Activity, Method
from volunteers.services.activities import activity_cancel
from volunteers.services.attendance import attendance_remove
from volunteers.services.checkin import attendance_check_in, attendance_check_out
from volunteers.services.signups import signup_create

from ..clock import SHAZHOU, next_noon

pytestmark = pytest.mark.time_machine(next_noon(), tick=False)

LOGIN_BUTTON = "登录后报名"
SIGN_UP_BUTTON = "我要报名</button>"
BADGE = re.compile(r'data-state="(?P<code>[a-z_]+)">(?P<label>[^<]+)</span>')


def at(hour, minute=0, *, days=0):
    """``hour:minute`` today in Shazhou (the frozen noon's day), ``days`` days on."""
    noon = timezone.now().astimezone(SHAZHOU)
    return noon.replace(hour=hour, minute=minute) + datetime.timedelta(days=days)


def url(activity):
    return f"/activities/{activity.pk}/"


def badge(page: str) -> tuple[str, str]:
    """The one status badge on the page: (code, label)."""
    found = BADGE.findall(page)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)


@pytest.fixture
def signed_in(client, volunteer):
    client.force_login(volunteer.user)
    return client


@pytest.fixture
def upcoming(make_activity):
    """An activity the day after tomorrow, 09:00–11:00, sign-up required."""

    def make(**kwargs):
        kwargs.setdefault("starts_at", at(9, days=2))
        kwargs.setdefault("ends_at", kwargs["starts_at"] + datetime.timedelta(hours=2))
        kwargs.setdefault("signup_required", True)
        return make_activity(**kwargs)

    return make


@pytest.fixture
def running(make_activity):
    """An activity running now: 11:30–14:00 today, no sign-up needed."""

    def make(**kwargs):
        kwargs.setdefault("starts_at", at(11, 30))
        kwargs.setdefault("ends_at", at(14))
        return make_activity(**kwargs)

    return make


def page_of(client, activity) -> str:
    response = client.get(url(activity))
    assert response.status_code == 200
    return response.content.decode()


# --- 可报名 -----------------------------------------------------------------------------


def test_open_for_an_anonymous_visitor_offers_to_log_in_and_come_back(client, upcoming):
    activity = upcoming(capacity=10)
    page = page_of(client, activity)
    assert badge(page) == ("open", "可报名")
    assert f'href="/accounts/login/?next=/activities/{activity.pk}/"' in page
    assert LOGIN_BUTTON in page and SIGN_UP_BUTTON not in page


def test_open_for_a_signed_in_volunteer_offers_the_sign_up_button(signed_in, upcoming):
    activity = upcoming(capacity=10)
    page = page_of(signed_in, activity)
    assert badge(page) == ("open", "可报名")
    assert SIGN_UP_BUTTON in page and LOGIN_BUTTON not in page
    response = signed_in.post(f"/activities/{activity.pk}/signup/", follow=True)
    assert badge(response.content.decode()) == ("signed_up", "已报名")


def test_a_full_activity_offers_the_waiting_list(client, signed_in, upcoming, make_person):
    activity = upcoming(capacity=1)
    signup_create(activity=activity, person=make_person(real_name="先到", with_user=False))
    page = page_of(signed_in, activity)
    assert badge(page) == ("open", "名额已满 · 可候补")
    assert "报名候补</button>" in page and "报名后进入候补名单" in page
    signed_in.logout()
    page = page_of(client, activity)
    assert badge(page) == ("open", "名额已满 · 可候补") and LOGIN_BUTTON in page


def test_before_sign_up_opens_nobody_is_offered_a_button(client, signed_in, upcoming):
    activity = upcoming(signup_opens_at=at(8, days=1))
    page = page_of(signed_in, activity)
    assert badge(page) == ("not_open", "报名未开始")
    assert "将于" in page and SIGN_UP_BUTTON not in page
    signed_in.logout()
    page = page_of(client, activity)
    assert badge(page) == ("not_open", "报名未开始") and LOGIN_BUTTON not in page


def test_someone_outside_the_audience_is_told_why_and_offered_nothing(signed_in, upcoming):
    activity = upcoming(audience=Activity.Audience.PARTY_MEMBERS)
    page = page_of(signed_in, activity)
    assert badge(page) == ("not_in_audience", "不可报名")
    assert "本活动仅限党员参加" in page and SIGN_UP_BUTTON not in page


def test_an_account_without_a_person_is_sent_to_its_profile(client, django_user_model, upcoming):
    activity = upcoming()
    client.force_login(django_user_model.objects.create_user("noperson", password="x"))
    page = page_of(client, activity)
    assert badge(page) == ("open", "可报名")
    assert "完善个人资料后才能报名" in page and 'href="/me/"' in page
    assert SIGN_UP_BUTTON not in page and LOGIN_BUTTON not in page


# --- 已报名 and 候补第 n 位 ----------------------------------------------------------------


def test_signed_up_before_the_start_offers_to_cancel(client, signed_in, upcoming, volunteer):
    activity = upcoming()
    signup_create(activity=activity, person=volunteer)
    page = page_of(signed_in, activity)
    assert badge(page) == ("signed_up", "已报名")
    assert "取消报名</button>" in page and SIGN_UP_BUTTON not in page
    signed_in.logout()
    assert badge(page_of(client, activity)) == ("open", "可报名")


def test_signed_up_once_check_in_opens_offers_the_scan_beside_cancelling(
    signed_in, upcoming, volunteer
):
    activity = upcoming(starts_at=at(12, 20))  # check-in opens before the start
    signup_create(activity=activity, person=volunteer)
    page = page_of(signed_in, activity)
    assert badge(page) == ("signed_up", "已报名")
    assert "现在可以扫描现场签到码签到" in page
    assert 'href="/scan/">扫码签到</a>' in page and "取消报名</button>" in page
    later_activity = upcoming()  # the day after tomorrow: check-in not open yet
    signup_create(activity=later_activity, person=volunteer)
    later = page_of(signed_in, later_activity)
    assert 'href="/scan/">扫码签到</a>' not in later


def test_signed_up_after_the_cancel_deadline_says_whom_to_ask(
    signed_in, upcoming, volunteer, time_machine
):
    activity = upcoming(signup_closes_at=at(18))
    signup_create(activity=activity, person=volunteer)
    time_machine.move_to(at(18, 5), tick=False)
    page = page_of(signed_in, activity)
    assert badge(page) == ("signed_up", "已报名")
    assert "已过取消报名的截止时间" in page and "取消报名</button>" not in page


def test_third_on_the_waiting_list_sees_place_three_and_may_leave_it(
    signed_in, upcoming, volunteer, make_person
):
    activity = upcoming(capacity=1)
    for name in ("正式", "候补一", "候补二"):
        signup_create(activity=activity, person=make_person(real_name=name, with_user=False))
    signup_create(activity=activity, person=volunteer)
    page = page_of(signed_in, activity)
    assert badge(page) == ("waitlisted", "候补第 3 位")
    assert "取消候补</button>" in page
    signed_in.post(f"/activities/{activity.pk}/signup/cancel/")
    assert badge(page_of(signed_in, activity)) == ("open", "名额已满 · 可候补")


def test_the_waiting_list_place_is_read_with_the_sign_up_in_one_query(
    upcoming, volunteer, make_person, django_assert_num_queries
):
    activity = upcoming(capacity=1)
    for name in ("正式", "候补一", "候补二"):
        signup_create(activity=activity, person=make_person(real_name=name, with_user=False))
    signup_create(activity=activity, person=volunteer)
    activity = selectors.activity_public(activity.pk)
    with django_assert_num_queries(2):  # the sign-up with its place; the attendance
        state = selectors.activity_state_for(activity, volunteer)
    assert state.code == "waitlisted" and state.waitlist_position == 3
    assert state.label == "候补第 3 位" and state.action == "cancel"


# --- 报名已截止 ------------------------------------------------------------------------------


def test_after_sign_up_closes_nobody_is_offered_to_log_in_and_sign_up(client, signed_in, upcoming):
    activity = upcoming(signup_closes_at=at(11, 30))
    page = page_of(client.__class__(), activity)  # anonymous
    assert badge(page) == ("closed", "报名已截止")
    assert LOGIN_BUTTON not in page and SIGN_UP_BUTTON not in page
    page = page_of(signed_in, activity)
    assert badge(page) == ("closed", "报名已截止")
    assert LOGIN_BUTTON not in page and SIGN_UP_BUTTON not in page


def test_a_walk_in_activity_after_sign_up_closes_says_no_sign_up_is_needed(client, upcoming):
    activity = upcoming(signup_required=False, signup_closes_at=at(11, 30))
    page = page_of(client, activity)
    assert badge(page) == ("closed", "报名已截止")
    assert "无需报名，到场扫码签到即可" in page and LOGIN_BUTTON not in page


# --- 进行中 ------------------------------------------------------------------------------


def scan_hint(page: str, *, out: bool = False) -> bool:
    """The scan page's button if the project has one, else the hint to scan the scene's code."""
    button, hint = ("扫码签退", "请扫描现场签退码") if out else ("扫码签到", "请扫描现场签到码")
    return f">{button}</a>" in page or hint in page


def test_running_without_check_in_points_to_the_scan(client, signed_in, running):
    activity = running()
    page = page_of(signed_in, activity)
    assert badge(page) == ("running", "进行中")
    assert scan_hint(page) and "我的签到码" in page and SIGN_UP_BUTTON not in page
    page = page_of(client.__class__(), activity)
    assert badge(page) == ("running", "进行中")
    assert scan_hint(page) and LOGIN_BUTTON not in page


def test_running_and_signed_up_points_to_the_scan(signed_in, running, volunteer):
    activity = running(signup_required=True, signup_closes_at=at(12, 30))
    signup_create(activity=activity, person=volunteer)
    page = page_of(signed_in, activity)
    assert badge(page) == ("running", "进行中")
    assert "您已报名，请扫描现场签到码签到" in page and scan_hint(page)


def test_running_sign_up_required_and_closed_offers_nothing(client, signed_in, running):
    activity = running(signup_required=True)  # sign-up closed at the start, 11:30
    for viewer in (client.__class__(), signed_in):
        page = page_of(viewer, activity)
        assert badge(page) == ("running", "进行中")
        assert "本活动须报名参加，报名已截止" in page
        assert LOGIN_BUTTON not in page and SIGN_UP_BUTTON not in page and not scan_hint(page)


def test_checked_in_shows_the_shazhou_time_and_points_to_check_out(
    client, signed_in, running, volunteer
):
    activity = running(checkout_required=True)
    attendance_check_in(
        activity=activity, person=volunteer, method=Method.ACTIVITY_QR, at=at(11, 50)
    )
    page = page_of(signed_in, activity)
    assert badge(page) == ("checked_in", "进行中 · 已签到 11:50")
    assert "本活动须签退" in page and scan_hint(page, out=True)
    signed_in.logout()
    page = page_of(client, activity)
    assert badge(page) == ("running", "进行中") and "已签到" not in page


def test_checked_in_before_the_start_says_so_without_running(signed_in, make_activity, volunteer):
    activity = make_activity(starts_at=at(12, 10), ends_at=at(14))
    attendance_check_in(activity=activity, person=volunteer, method=Method.ACTIVITY_QR, at=at(12))
    assert badge(page_of(signed_in, activity)) == ("checked_in", "已签到 12:00")


def test_a_check_in_the_organiser_withdrew_is_said_plainly(signed_in, running, volunteer, leader):
    activity = running()
    attendance = attendance_check_in(
        activity=activity, person=volunteer, method=Method.ACTIVITY_QR, at=at(11, 50)
    ).attendance
    attendance_remove(attendance=attendance, by=leader, reason="误签：本人未到场")
    page = page_of(signed_in, activity)
    assert badge(page) == ("removed", "签到已撤销") and not scan_hint(page)


# --- 已签退 · 本次计 n 小时 -------------------------------------------------------------------


def test_checked_out_shows_this_sessions_hours_with_one_decimal(
    signed_in, make_activity, volunteer
):
    activity = make_activity(starts_at=at(9), ends_at=at(11, 45))
    attendance_check_in(
        activity=activity, person=volunteer, method=Method.ACTIVITY_QR, at=at(9, 20)
    )
    attendance_check_out(
        activity=activity, person=volunteer, method=Method.ACTIVITY_QR, at=at(11, 38)
    )  # 138 minutes
    page = page_of(signed_in, activity)
    assert badge(page) == ("checked_out", "已签退 · 本次计 2.3 小时")
    assert "签到 09:20，签退 11:38" in page and LOGIN_BUTTON not in page


def test_checked_out_below_the_share_says_it_will_not_count(signed_in, running, volunteer):
    activity = running()  # 150 minutes at 60 %: 90 needed
    attendance_check_in(
        activity=activity, person=volunteer, method=Method.ACTIVITY_QR, at=at(11, 30)
    )
    attendance_check_out(
        activity=activity, person=volunteer, method=Method.ACTIVITY_QR, at=at(11, 42)
    )
    page = page_of(signed_in, activity)
    assert badge(page) == ("checked_out", "已签退 · 本次服务 0.2 小时")
    assert "不足活动时长的 60%（90 分钟），本次不计服务时长和积分" in page


# --- 已结束 and 已取消 ---------------------------------------------------------------------


def test_finished_for_everyone_without_attendance(client, signed_in, make_activity, volunteer):
    activity = make_activity(starts_at=at(8), ends_at=at(10), signup_required=True)
    for viewer in (client.__class__(), signed_in):
        page = page_of(viewer, activity)
        assert badge(page) == ("finished", "已结束")
        assert LOGIN_BUTTON not in page and SIGN_UP_BUTTON not in page


def test_cancelled_for_everyone(client, signed_in, upcoming, volunteer):
    activity = upcoming()
    signup_create(activity=activity, person=volunteer)
    activity_cancel(activity=activity, reason="沙尘暴预警")
    for viewer in (client.__class__(), signed_in):
        page = page_of(viewer, activity)
        assert badge(page) == ("cancelled", "已取消")
        assert "沙尘暴预警" in page
        assert LOGIN_BUTTON not in page and SIGN_UP_BUTTON not in page
        assert "取消报名</button>" not in page


# --- The page's cost and its description ---------------------------------------------------


def test_the_page_makes_a_bounded_number_of_queries(
    signed_in, upcoming, volunteer, make_person, django_assert_max_num_queries
):
    activity = upcoming(capacity=2)
    for n in range(6):
        signup_create(activity=activity, person=make_person(real_name=f"人{n}", with_user=False))
    signup_create(activity=activity, person=volunteer)
    page_of(signed_in, activity)  # warms the per-process caches (site settings, chrome)
    # session, user, person, the activity with its counts, the sign-up with its place in
    # the queue, the attendance: 6 today; a little room for the shell, none for a queue read.
    with django_assert_max_num_queries(8):
        page = page_of(signed_in, activity)
    assert badge(page) == ("waitlisted", "候补第 5 位")


def test_the_page_has_a_description_for_search_engines_and_share_cards(client, upcoming):
    activity = upcoming(address="阳关中路与鸣山路十字", description="请穿红马甲，\n带好水杯。")
    page = page_of(client, activity)
    found = re.search(r'<meta name="description" content="([^"]+)">', page)
    assert found is not None
    assert "阳关中路与鸣山路十字" in found.group(1) and "梨园社区" in found.group(1)
    assert "请穿红马甲， 带好水杯。" in found.group(1)


# --- The list's cards: the viewer's short mark, read for the whole page at once ----------


def test_the_list_marks_attendance_and_closed_sign_up_in_one_read(
    signed_in, running, upcoming, make_activity, volunteer, django_assert_max_num_queries
):
    here = running(title="正在参加")
    attendance_check_in(activity=here, person=volunteer, method=Method.ACTIVITY_QR, at=at(11, 50))
    done = make_activity(title="上午参加过", starts_at=at(8), ends_at=at(10))
    attendance_check_in(activity=done, person=volunteer, method=Method.ACTIVITY_QR, at=at(8))
    attendance_check_out(activity=done, person=volunteer, method=Method.ACTIVITY_QR, at=at(10))
    upcoming(title="截止了", signup_closes_at=at(11))
    mine = upcoming(title="报了名")
    signup_create(activity=mine, person=volunteer)
    signed_in.get("/activities/")  # warms the caches the shell reads
    with django_assert_max_num_queries(9):  # as tests/volunteers/test_activity_pages.py
        page = signed_in.get("/activities/").content.decode()
    cards = {
        title: next(c for c in page.split('<li class="activity-card') if f">{title}</a>" in c)
        for title in ("正在参加", "上午参加过", "截止了", "报了名")
    }
    assert "已签到</span>" in cards["正在参加"]
    assert "已签退</span>" in cards["上午参加过"]
    assert "报名已截止</span>" in cards["截止了"]
    assert "已报名</span>" in cards["报了名"] and "报名已截止" not in cards["报了名"]
