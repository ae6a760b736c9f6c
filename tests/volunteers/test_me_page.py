"""我的 (/me/) as an app's home: 工作台 for organisers, my next activities, 退出登录.

The figures card at the top is points' (tests/points/test_me_card.py); the profile,
party details and organisations are tested in test_profile.py.
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from volunteers.services.signups import signup_create

from ..clock import next_noon, shazhou_at

ME = reverse("volunteers:me")
HOUR = datetime.timedelta(hours=1)


def page(response) -> str:
    return response.content.decode()


def workbench(html: str) -> str:
    match = re.search(r'<section class="card workbench" id="workbench".*?</section>', html, re.S)
    assert match, "no 工作台 on the page"
    return match.group(0)


def run_links(activity) -> list[str]:
    return [
        reverse("volunteers:checkin_screen", args=[activity.pk]) + "?mode=in",
        reverse("volunteers:checkin_scanner", args=[activity.pk]),
        reverse("volunteers:checkin_attendance", args=[activity.pk]),
    ]


@pytest.fixture
def leader(person_with_role, town, Role):
    return person_with_role(Role.LEADER, town.team, real_name="杨志强")


@pytest.mark.time_machine(next_noon(), tick=True)
def test_an_organiser_finds_todays_running_activity_first_with_big_buttons(
    client, leader, make_activity, town
):
    running = make_activity(organisation=town.team, title="早高峰文明交通劝导")
    later = make_activity(
        organisation=town.team, title="周末敬老", starts_at=timezone.now() + 48 * HOUR
    )
    client.force_login(leader.user)

    html = page(client.get(ME))
    section = workbench(html)

    assert html.index('id="workbench"') < html.index('class="card me-card"')
    now = section.split('class="workbench__now"')[1].split("workbench__more")[0]
    assert "进行中" in now and "早高峰文明交通劝导" in now and running.address in now
    buttons = re.findall(r'<a class="btn [^"]*workbench__btn" href="([^"]+)">([^<]+)</a>', now)
    assert buttons == list(
        zip(run_links(running), ("出示签到码", "扫个人码", "出勤名单"), strict=True)
    )
    # The rest of the week's activities stay one tap away, with their own links.
    assert all(href in section for href in run_links(later))


@pytest.mark.time_machine(next_noon(), tick=True)
def test_before_it_starts_the_workbench_offers_the_next_activity_of_today(
    client, leader, make_activity, town
):
    tonight = make_activity(
        organisation=town.team, title="夜间治安巡逻", starts_at=timezone.now() + 6 * HOUR
    )
    make_activity(organisation=town.team, title="明早劝导", starts_at=timezone.now() + 20 * HOUR)
    client.force_login(leader.user)

    now = workbench(page(client.get(ME))).split('class="workbench__now"')[1]

    assert "夜间治安巡逻" in now.split("</h3>")[0] and "今天" in now.split("</h3>")[0]
    assert "进行中" not in now.split("</h3>")[0]
    assert all(href in now for href in run_links(tonight))


@pytest.mark.time_machine(next_noon(), tick=True)
def test_with_nothing_today_the_workbench_says_so_and_lists_the_week(
    client, leader, make_activity, town
):
    tomorrow = make_activity(
        organisation=town.team, title="明早劝导", starts_at=timezone.now() + 20 * HOUR
    )
    client.force_login(leader.user)

    section = workbench(page(client.get(ME)))

    assert "今天没有要签到的活动。" in section and "workbench__now" not in section
    assert "明早劝导" in section and all(href in section for href in run_links(tomorrow))


@pytest.mark.time_machine(next_noon(), tick=True)
def test_a_volunteer_has_no_workbench(client, make_person, make_activity, town):
    make_activity(organisation=town.liyuan)
    volunteer = make_person(real_name="刘小军", home_grid=town.liyuan_grid1)
    client.force_login(volunteer.user)

    html = page(client.get(ME))

    assert 'id="workbench"' not in html and "出示签到码" not in html


def test_a_town_administrator_keeps_every_tool_in_the_workbench(
    client, person_with_role, town, Role
):
    admin = person_with_role(Role.ADMIN, town.town, real_name="镇管理员")
    client.force_login(admin.user)

    section = workbench(page(client.get(ME)))

    for url in (
        reverse("wagtailadmin_home"),
        reverse("volunteers:roster_upload"),
        reverse("volunteers:report_queue"),
        reverse("points:dual_report"),
        reverse("points:branch_table"),
        reverse("points:objection_queue"),
        reverse("points:shop_hand_over"),
        reverse("points:shop_report"),
        reverse("points:dashboard"),
        reverse("volunteers:my_exports"),
    ):
        assert f'href="{url}"' in section, url


@pytest.mark.time_machine(next_noon(), tick=True)
def test_my_next_activities_show_time_place_and_my_state(client, make_person, make_activity, town):
    me, first, second = (make_person(real_name=name) for name in ("李志愿", "王一", "赵二"))
    tomorrow = shazhou_at(days=2, hour=8)  # 08:00 the day after the test's noon
    full = make_activity(
        title="敬老院包饺子",
        starts_at=tomorrow,
        capacity=1,
        signup_required=True,
        address="沙州镇敬老院",
    )
    open_one = make_activity(
        title="周末河道清洁",
        starts_at=tomorrow + 24 * HOUR,
        signup_required=True,
        address="党河风情线",
    )
    for person in (first, second, me):  # 王一 gets the place, 赵二 waits first, 李志愿 second
        signup_create(activity=full, person=person)
    signup_create(activity=open_one, person=me)
    client.force_login(me.user)

    html = page(client.get(ME))
    items = re.findall(r'<li class="my-activity">(.*?)</li>', html, re.S)

    assert len(items) == 2
    text = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]
    assert text[0].startswith("敬老院包饺子 候补第 2 位")
    assert f"{tomorrow.month}月{tomorrow.day}日" in text[0] and "08:00 –10:00" in text[0]
    assert "沙州镇敬老院" in text[0]
    assert text[1].startswith("周末河道清洁 已报名") and "党河风情线" in text[1]
    assert f'href="{full.get_absolute_url()}"' in items[0]


def test_logout_is_a_form_at_the_bottom_that_posts_with_its_token(make_person):
    person = make_person()
    client = Client(enforce_csrf_checks=True)
    client.force_login(person.user)

    html = page(client.get(ME))
    main = html.split('<main id="main"')[1].split("</main>")[0]
    forms = re.findall(r"<form [^>]*>.*?</form>", main, re.S)
    logout = forms[-1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', logout).group(1)

    assert 'method="post"' in logout and f'action="{reverse("account_logout")}"' in logout
    assert ">退出登录</button>" in logout
    assert client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get(ME).status_code == 302  # signed out: /me/ asks to log in again


@pytest.mark.time_machine(next_noon(), tick=True)
def test_the_organisers_page_costs_a_bounded_number_of_queries(
    client, leader, make_activity, town, make_person, django_assert_max_num_queries
):
    for hours in (2, 3, 30, 50):
        activity = make_activity(
            organisation=town.team, starts_at=timezone.now() + hours * HOUR, signup_required=True
        )
        signup_create(activity=activity, person=leader)
    client.force_login(leader.user)

    # The volunteer's page and the card (12 at most), the activities to run and today's one.
    with django_assert_max_num_queries(14):
        response = client.get(ME)

    assert response.status_code == 200 and 'id="workbench"' in page(response)
