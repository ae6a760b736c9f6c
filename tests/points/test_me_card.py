"""The figures card at the top of 我的 (/me/), which points adds through volunteers' hook.

This month's points, all-time points and what is left to spend, service hours, the star
level with the way to the next, and the place in the person's community: each from the
ledger's totals, each a link to the page that explains it.
"""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from points.services import points_award_for_attendance, points_redeem

from ..clock import mid_month

ME = reverse("volunteers:me")
MY_POINTS = reverse("points:my_points")


def figure(html: str, name: str) -> tuple[str, str]:
    """(href, text with spaces squeezed) of the card's link for ``name``."""
    match = re.search(
        rf'<a class="[^"]*" href="([^"]*)" data-figure="{name}">(.*?)</a>', html, re.S
    )
    assert match, f"no {name} figure on the page"
    text = re.sub(r"<[^>]+>", " ", match.group(2))
    return unescape(match.group(1)), " ".join(unescape(text).split())


@pytest.fixture
def people(make_person, town, give):
    """梨园社区: 李淑芬 9 points this month, 王建国 5; 桥北社区: 张秀英 7 (another community)."""
    for name, grid, amount in (
        ("李淑芬", town.liyuan_grid1, 9),
        ("王建国", town.liyuan_grid2, 5),
        ("张秀英", town.qiaobei_grid1, 7),
    ):
        give(make_person(real_name=name, home_grid=grid), amount)


@pytest.fixture
def give(person_with_role, town, Role):
    from points.models import Category
    from points.services import points_adjust

    secretary = person_with_role(Role.SECRETARY, town.town, real_name="镇书记").user

    def make(person, amount):
        return points_adjust(
            person=person, amount=amount, category=Category.BASIC, reason="组织生活", by=secretary
        )

    return make


# Mid-month, so that yesterday's activity and today's adjustment are both this month's.
@pytest.mark.time_machine(mid_month(), tick=True)
def test_the_card_shows_my_points_hours_star_and_community_place(
    client, settings, volunteer, past_activity, attend, people, give, town
):
    settings.POINTS_STAR_LEVEL_HOURS = (1, 5, 10)
    # 2 hours of traffic duty yesterday (2 points), 3 points from the secretary, 1 spent.
    points_award_for_attendance(attendance=attend(past_activity(hours=2), volunteer))
    give(volunteer, 3)
    points_redeem(person=volunteer, amount=1, idempotency_key="redemption:1", reason="毛巾一条")
    client.force_login(volunteer.user)

    html = client.get(ME).content.decode()

    assert figure(html, "month-points")[0] == MY_POINTS
    assert figure(html, "month-points")[1].startswith("本月积分 5 分")
    href, text = figure(html, "points")
    assert href == MY_POINTS and text == "累计积分 5 分 可兑换 4 分"
    assert figure(html, "hours") == (MY_POINTS, "服务时长 2 小时 累计")
    star_href, star = figure(html, "star")
    assert star_href == f"{MY_POINTS}#star-heading"
    assert "★" in star and "1星级志愿者" in star
    assert "累计服务 5 小时可达2星级" in star and "还差 3 小时" in star
    assert '<progress class="me-star__bar" max="240" value="60"' in html  # 1 h of the 4 to go
    # 梨园社区 this month: 李淑芬 9, then 李志愿 5 level with 王建国 5; 桥北社区's 7 is elsewhere.
    href, place = figure(html, "place")
    assert place == "社区排名 第 2 名 共 3 人 · 梨园社区"
    url = urlsplit(href)
    assert url.path == reverse("points:rankings")
    assert parse_qs(url.query) == {
        "org": [str(town.liyuan.pk)],
        "period": ["month"],
        "measure": ["points"],
        "population": ["volunteers"],
    }
    # …and that link opens the very ranking the card counted in.
    ranking = client.get(href)
    assert ranking.context["scope"] == town.liyuan
    assert (ranking.context["place"].place, ranking.context["place"].ranked) == (2, 3)


@pytest.mark.time_machine(mid_month(), tick=True)
def test_someone_with_nothing_yet_sees_zeros_and_is_not_ranked(client, volunteer, people):
    client.force_login(volunteer.user)

    html = client.get(ME).content.decode()

    assert figure(html, "month-points")[1].startswith("本月积分 0 分")
    assert figure(html, "points")[1] == "累计积分 0 分 可兑换 0 分"
    assert figure(html, "hours")[1] == "服务时长 0 小时 累计"
    assert "尚未评星" in figure(html, "star")[1]
    assert figure(html, "place")[1] == "社区排名 尚未上榜 梨园社区 · 本月有积分即上榜"


def test_someone_without_a_grid_is_told_how_to_enter_the_ranking(client, make_person):
    person = make_person(real_name="刘小军")
    client.force_login(person.user)

    href, text = figure(client.get(ME).content.decode(), "place")

    assert text == "社区排名 尚未上榜 登记网格后参加社区排名"
    assert "org" not in parse_qs(urlsplit(href).query)


@pytest.mark.time_machine(mid_month(), tick=True)
def test_a_party_member_is_placed_among_the_party_members_of_the_community(
    client, party_member, people, give
):
    give(party_member, 2)  # the only party member of 梨园社区 with points: first of one
    client.force_login(party_member.user)

    href, text = figure(client.get(ME).content.decode(), "place")

    assert text == "社区排名 第 1 名 共 1 人 · 梨园社区"
    assert parse_qs(urlsplit(href).query)["population"] == ["party_members"]


def test_the_card_is_on_top_before_my_activities_and_profile(client, volunteer):
    client.force_login(volunteer.user)

    html = client.get(ME).content.decode()

    card = html.index('class="card me-card"')
    assert card < html.index('id="service-heading"') < html.index('id="profile-heading"')


@pytest.mark.time_machine(mid_month(), tick=True)
def test_the_card_costs_a_bounded_number_of_queries(
    client, volunteer, past_activity, attend, people, give, django_assert_max_num_queries
):
    points_award_for_attendance(attendance=attend(past_activity(hours=2), volunteer))
    give(volunteer, 3)
    client.force_login(volunteer.user)

    # The page's own reads (session, user, person, memberships, sign-ups, grants, admin
    # access, join requests, unread count) and the card's two: totals, community with place.
    with django_assert_max_num_queries(12) as captured:
        client.get(ME)

    card_reads = [q["sql"] for q in captured.captured_queries if "points_" in q["sql"]]
    assert len(card_reads) == 2, card_reads
