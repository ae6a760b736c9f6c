"""The person's own page, and the site shell around every page."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client

from volunteers.models import Person
from volunteers.services.memberships import membership_end, membership_grant

VALID_ID = "11010519491231002X"
ME_URL = "/me/"


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def party_member(make_person, town):
    person = make_person(
        real_name="马红梅",
        phone="13812345678",
        id_number=VALID_ID,
        political_status=Person.PoliticalStatus.PARTY_MEMBER,
        home_grid=town.qiaobei_grid2,
        party_branch=town.liyuan_branch,
        employer_unit=town.unit,
        in_service=True,
        skills="急救、手语",
        date_joined=datetime.date(2024, 3, 5),
    )
    # 报到 has no service yet (a later part of the foundation); set it up directly.
    Person.objects.filter(pk=person.pk).update(
        reported_community=town.liyuan,
        reported_at=datetime.datetime(2025, 4, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    return person


def test_my_page_shows_my_profile_with_the_phone_and_id_number_masked(client, party_member):
    client.force_login(party_member.user)

    body = page(client.get(ME_URL))

    assert "马红梅" in body
    assert party_member.volunteer_number in body
    assert "138****5678" in body
    assert "13812345678" not in body
    assert "1101**********002X" in body
    assert VALID_ID not in body
    assert "中共党员" in body
    assert "桥北社区第2网格" in body
    assert "急救、手语" in body
    assert "2024年3月5日" in body


def test_a_party_member_sees_branch_unit_in_service_and_where_they_reported(client, party_member):
    client.force_login(party_member.user)

    body = page(client.get(ME_URL))

    assert "党员信息" in body
    assert "梨园社区第一网格党支部" in body
    assert "敦煌市文化和旅游局" in body
    assert "在职党员" in body
    assert "梨园社区" in body
    assert "2025年4月1日 09:30 报到" in body


def test_a_volunteer_who_is_not_a_party_member_sees_no_party_section(client, make_person):
    person = make_person(real_name="刘小军")
    client.force_login(person.user)

    body = page(client.get(ME_URL))

    assert "群众" in body
    assert "党员信息" not in body
    assert "身份证号" not in body  # none on file, so no row at all
    assert "未登记" in body  # no home grid yet


def test_my_page_lists_my_roles_with_organisation_role_and_since(
    client, person_with_role, town, Role
):
    person = person_with_role(Role.LEADER, town.team, real_name="杨志强")
    client.force_login(person.user)

    body = page(client.get(ME_URL))

    assert "文明交通劝导队" in body
    assert "队长" in body
    assert "志愿服务队" in body
    since = person.memberships.get().start_date  # the day it was granted, not the day we look
    assert f"{since.year}年{since.month}月{since.day}日起" in body


def test_ended_roles_are_listed_apart_from_current_ones(client, person_with_role, town, Role):
    person = person_with_role(Role.MEMBER, town.other_team)
    membership_end(membership=person.memberships.get())
    client.force_login(person.user)

    body = page(client.get(ME_URL))

    assert "还没有加入任何组织" in body
    assert "已结束的角色（1）" in body
    assert "敬老助残服务队" in body


def test_my_page_costs_a_fixed_number_of_queries(
    client, person_with_role, town, Role, django_assert_num_queries
):
    person = person_with_role(Role.MEMBER, town.team)
    for organisation in (town.other_team, town.liyuan_grid1, town.liyuan_branch):
        person_with_role(Role.MEMBER, organisation)  # other people: must not add queries
    membership_grant(person=person, organisation=town.other_team, role=Role.LEADER)
    client.force_login(person.user)

    # user, person with its organisations, memberships with theirs, upcoming sign-ups,
    # the user's grants, admin access (user and group permissions), the activities a
    # leader can run check-in for and today's one (工作台), pending join requests, the
    # header's unread count (then cached), and the points card's totals (no home grid:
    # no community place to read)
    with django_assert_num_queries(12):
        client.get(ME_URL)


def test_an_anonymous_visitor_is_sent_to_log_in_first(client, db):
    response = client.get(ME_URL)

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/me/"


def test_an_account_without_a_person_gets_a_clear_message(client, django_user_model):
    user = django_user_model.objects.create_user(username="operator", password="x-long-pass")
    client.force_login(user)

    body = page(client.get(ME_URL))

    assert "还没有关联志愿者信息" in body
    assert "operator" in body


def test_my_page_is_not_cached(client, make_person):
    person = make_person()
    client.force_login(person.user)

    response = client.get(ME_URL)

    assert "no-store" in response["Cache-Control"]


# --- The shell and the error pages -----------------------------------------------


def test_every_page_has_a_skip_link_the_brand_and_the_way_in(client, db):
    body = page(client.get("/accounts/login/"))

    assert '<a class="skip-link" href="#main">跳到正文</a>' in body
    assert 'id="main"' in body
    assert "美丽沙州" in body
    assert 'href="/accounts/signup/"' in body
    assert "/static/css/site.css" in body


def test_the_shell_offers_my_page_and_logging_out_once_logged_in(client, make_person):
    person = make_person()
    client.force_login(person.user)

    body = page(client.get(ME_URL))

    assert 'aria-current="page"' in body
    assert 'action="/accounts/logout/"' in body
    assert 'href="/accounts/signup/"' not in body


def test_the_404_page_is_chinese(client, db):
    response = client.get("/no-such-page-here/")

    assert response.status_code == 404
    body = page(response)
    assert '<html lang="zh-hans">' in body
    assert "找不到这个页面" in body
    assert 'href="/"' in body


def test_the_500_page_renders_without_any_context():
    body = render_to_string("500.html")

    assert "服务器出错了" in body
    assert '<html lang="zh-hans">' in body


def test_a_form_posted_without_its_csrf_token_gets_a_chinese_explanation(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"login": "someone", "password": "x"})

    assert response.status_code == 403
    assert "页面已过期" in page(response)


@pytest.mark.parametrize("template", ["400.html", "403.html", "404.html", "429.html"])
def test_the_other_error_pages_are_chinese_and_extend_the_shell(rf, template, db):
    request = rf.get("/somewhere/")
    request.user = AnonymousUser()

    body = render_to_string(template, request=request)

    assert '<a class="skip-link" href="#main">跳到正文</a>' in body
    assert "回到首页" in body
