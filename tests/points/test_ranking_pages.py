"""我的积分 (/me/points/) and the ranking page (/rankings/)."""

import pytest
from django.urls import reverse

from cms.chrome import site_chrome
from points.models import Category
from points.services import points_adjust, points_award_for_attendance, points_redeem

from ..clock import mid_month

MY_POINTS = reverse("points:my_points")
RANKINGS = reverse("points:rankings")


@pytest.fixture
def town_secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.town, real_name="镇书记").user


@pytest.fixture
def give(town_secretary):
    """Points this month, by a town secretary's adjustment."""

    def make(person, amount, category=Category.BASIC):
        return points_adjust(
            person=person, amount=amount, category=category, reason="组织生活", by=town_secretary
        )

    return make


@pytest.fixture
def people(make_person, town, give):
    """Five residents with points this month: two in 梨园 grid 1, one in grid 2, two in 桥北."""
    made = {}
    for name, grid, amount in (
        ("李淑芬", town.liyuan_grid1, 9),
        ("王建国", town.liyuan_grid1, 5),
        ("陈燕", town.liyuan_grid2, 5),
        ("张秀英", town.qiaobei_grid1, 7),
        ("刘德华", town.qiaobei_grid2, 2),
    ):
        made[name] = make_person(real_name=name, home_grid=grid)
        give(made[name], amount)
    return made


# --- 我的积分 ------------------------------------------------------------------------------


def test_my_points_needs_a_login(client):
    response = client.get(MY_POINTS)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# Mid-month, so that "yesterday" (past_activity) falls in this month and this year.
@pytest.mark.time_machine(mid_month(), tick=True)
def test_my_points_shows_balance_totals_star_places_and_explained_history(
    client, volunteer, past_activity, attend, people, give, django_assert_num_queries
):
    activity = past_activity(hours=2)
    points_award_for_attendance(attendance=attend(activity, volunteer))
    give(volunteer, 3)
    points_redeem(person=volunteer, amount=1, idempotency_key="redemption:1", reason="毛巾一条")
    client.force_login(volunteer.user)

    # session, user, person, totals, history count and page, grid/community/town, places,
    # and the tab bar's "is this person staff" (cached per user for a few minutes)
    with django_assert_num_queries(9):  # with the header's unread count
        response = client.get(MY_POINTS)

    assert response.status_code == 200
    html = response.content.decode()
    assert "4分" in html  # balance: 2 + 3 − 1
    assert "文明交通劝导 2小时 × 1分/小时 = 2分" in html
    assert "基础积分：组织生活" in html
    assert "兑换：毛巾一条" in html
    assert "不计入排名" in html  # the redemption
    assert "尚未评星" in html and "再服务 98小时 即可达到1星级" in html
    # 李志愿 has 2 + 3 = 5 points this year (the activity ran yesterday) in 梨园第1网格:
    # behind 李淑芬's 9, level with 王建国's 5.
    assert "第2名 / 3人" in html
    grid_row = response.context["place_rows"][0]
    assert grid_row.organisation.name == "梨园社区第1网格"
    assert grid_row.year.place == 2 and grid_row.year.ranked == 3
    town_row = response.context["place_rows"][-1]
    assert town_row.organisation.name == "沙州镇" and town_row.year.ranked == 6


def test_my_points_for_someone_with_nothing_yet(client, volunteer):
    client.force_login(volunteer.user)
    response = client.get(MY_POINTS + "?page=junk")
    assert response.status_code == 200
    html = response.content.decode()
    assert "还没有积分记录" in html
    assert "暂无排名" in html


def test_my_points_for_a_login_without_a_person(client, django_user_model):
    user = django_user_model.objects.create_user(username="nobody", password="shazhou2026")
    client.force_login(user)
    response = client.get(MY_POINTS)
    assert response.status_code == 200
    assert "还没有关联志愿者信息" in response.content.decode()


def test_my_page_links_to_my_points_and_the_rankings(client, volunteer):
    client.force_login(volunteer.user)
    html = client.get(reverse("volunteers:me")).content.decode()
    assert f'href="{MY_POINTS}"' in html
    assert f'href="{RANKINGS}"' in html


# --- 排行榜 -------------------------------------------------------------------------------


def rows(response):
    return [(row["place"], row["name"], row["value"]) for row in response.context["top"]]


def test_the_ranking_needs_a_login(client):
    assert client.get(RANKINGS).status_code == 302


def test_a_volunteer_sees_the_town_this_month_with_other_names_masked(
    client, people, django_assert_num_queries
):
    me = people["王建国"]
    client.force_login(me.user)
    # Names follow the site's setting, read from the header's cached chrome: built once
    # (at start-up or by the first page), never per request.
    site_chrome(may_query=True)
    # session, user, person, their nodes, their roles, the scope list, the top 20,
    # my row, the counts above it
    with django_assert_num_queries(9):  # with the header's unread count
        response = client.get(RANKINGS)
    assert response.status_code == 200
    assert rows(response) == [
        (1, "李*芬", "9分"),
        (2, "张*英", "7分"),
        (3, "王建国", "5分"),  # my own name in full
        (3, "陈*", "5分"),
        (5, "刘*华", "2分"),
    ]
    html = response.content.decode()
    assert "李淑芬" not in html
    assert "第 <strong>3</strong> 名（共 5 人），5分" in html
    assert 'aria-current="page">排行榜' in html  # the nav link


def test_a_secretary_sees_names_in_their_subtree_only(client, people, town, secretary):
    client.force_login(secretary)
    response = client.get(RANKINGS)
    names = [name for _place, name, _value in rows(response)]
    assert names == ["李淑芬", "张*英", "王建国", "陈燕", "刘*华"]
    assert "暂无排名" in response.content.decode()  # the secretary earned nothing


def test_switching_scope_period_measure_and_population(
    client, people, town, make_person, give, past_activity, attend
):
    me = people["陈燕"]
    client.force_login(me.user)
    response = client.get(RANKINGS, {"org": town.liyuan.pk, "period": "year"})
    assert [name for _p, name, _v in rows(response)] == ["李*芬", "王*国", "陈燕"]
    assert response.context["scope"] == town.liyuan

    response = client.get(RANKINGS, {"org": town.liyuan_grid2.pk, "period": "all"})
    assert rows(response) == [(1, "陈燕", "5分")]

    points_award_for_attendance(attendance=attend(past_activity(hours=3), me))
    response = client.get(RANKINGS, {"measure": "minutes", "period": "all"})
    assert rows(response) == [(1, "陈燕", "3小时")]

    member = make_person(
        real_name="赵党员",
        home_grid=town.qiaobei_grid1,
        political_status="party_member",
        party_branch=town.qiaobei_branch,
    )
    give(member, 4)
    response = client.get(RANKINGS, {"population": "party_members"})
    assert rows(response) == [(1, "赵*员", "4分")]
    assert "本期在该范围暂无排名" in response.content.decode()  # 陈燕 is not a party member
    # Each switch keeps the others.
    links = {s["label"]: s["url"] for s in response.context["period_switches"]}
    assert "population=party_members" in links["累计"] and "period=all" in links["累计"]


@pytest.mark.parametrize(
    "query",
    [
        "?period=decade",
        "?measure=%01",  # NUL is a Chinese 400 for every page: tests/test_nul_input.py
        "?org=abc",
        "?org=99999999999999999999999",
        "?population[]=x&tab=<script>",
        "?org=-1&period=&measure=points",
    ],
)
def test_junk_in_the_query_string_gives_the_default_ranking(client, people, query):
    client.force_login(people["陈燕"].user)
    response = client.get(RANKINGS + query)
    assert response.status_code == 200
    assert response.context["scope"].name == "沙州镇"
    assert response.context["state"]["period"] == "month"
    assert len(rows(response)) == 5
    html = response.content.decode()
    assert "部分筛选条件无效" in html
    assert "<script>" not in html


def test_an_organisation_outside_the_viewer_s_reach_is_not_shown(client, people, town):
    client.force_login(people["陈燕"].user)  # ranks under 梨园: not under 桥北
    response = client.get(RANKINGS, {"org": town.qiaobei.pk})
    assert response.context["scope"].name == "沙州镇"
    assert "部分筛选条件无效" in response.content.decode()
    offered = {option["org"].name for option in response.context["scope_options"]}
    assert offered == {"沙州镇", "梨园社区", "梨园社区第2网格"}


def test_team_rankings_by_total_and_per_head(
    client, make_person, town, give, Role, django_assert_num_queries
):
    from volunteers.services.memberships import membership_grant

    viewer = make_person(real_name="队员甲", home_grid=town.liyuan_grid1)
    membership_grant(person=viewer, organisation=town.team, role=Role.MEMBER)
    other = make_person(real_name="队员乙", home_grid=town.liyuan_grid1)
    membership_grant(person=other, organisation=town.team, role=Role.MEMBER)
    solo = make_person(real_name="队员丙", home_grid=town.liyuan_grid1)
    membership_grant(person=solo, organisation=town.other_team, role=Role.MEMBER)
    give(viewer, 4)
    give(other, 2)
    give(solo, 5)
    client.force_login(viewer.user)

    # session, user, person, their nodes, their roles, the scope list, teams, sums, members
    with django_assert_num_queries(9):  # with the header's unread count
        response = client.get(RANKINGS, {"tab": "teams"})
    teams = [(t["place"], t["name"], t["total"], t["heads"]) for t in response.context["teams"]]
    assert teams == [(1, "文明交通劝导队", "6分", 2), (2, "敬老助残服务队", "5分", 1)]

    response = client.get(RANKINGS, {"tab": "teams_per_head"})
    teams = [(t["place"], t["name"], t["per_head"]) for t in response.context["teams"]]
    assert teams == [(1, "敬老助残服务队", "5分"), (2, "文明交通劝导队", "3分")]

    response = client.get(RANKINGS, {"tab": "teams", "org": town.liyuan_grid1.pk})
    assert "该范围内没有志愿服务队" in response.content.decode()
