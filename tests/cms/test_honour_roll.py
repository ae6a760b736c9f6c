"""光荣榜: one board at a time behind tabs, and names masked alike on every list.

Last month four people served (two volunteers, two party members) and the month was
published, so the honour roll has all four boards: 志愿者积分, 志愿服务时长, 党员积分
and 党员服务时长. Each tab is a plain link (``?board=…``) that the server answers with
that board alone, cached per board for anonymous visitors.
"""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cms.models import SiteSettings
from points.periods import period_bounds
from points.services import points_award_for_attendance
from points.services.publication import previous_month, rankings_publish_month
from volunteers.models import Attendance, Method

HONOUR = "/guangrongbang/"
FULL = ("张晓明", "陈燕", "王建军", "欧阳春华")
RANKINGS = reverse("points:rankings")


@pytest.fixture
def published(pages, town, make_person, make_activity, django_capture_on_commit_callbacks):
    """Last month's service by four people, published as on the 1st at 01:00."""
    month = previous_month(timezone.now())
    start, end = period_bounds(month)
    people = {
        "张晓明": make_person(real_name="张晓明", home_grid=town.liyuan_grid1),
        "陈燕": make_person(real_name="陈燕", home_grid=town.liyuan_grid2),
        "王建军": make_person(
            real_name="王建军",
            home_grid=town.liyuan_grid1,
            political_status="party_member",
            party_branch=town.liyuan_branch,
        ),
        "欧阳春华": make_person(
            real_name="欧阳春华",
            home_grid=town.liyuan_grid2,
            political_status="party_member",
            party_branch=town.liyuan_branch,
        ),
    }
    for n, (name, hours) in enumerate((("张晓明", 3), ("陈燕", 2), ("王建军", 2), ("欧阳春华", 1))):
        starts_at = start + datetime.timedelta(days=3 + n, hours=9)
        activity = make_activity(
            starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours)
        )
        attendance = Attendance.objects.create(
            activity=activity,
            person=people[name],
            checked_in_at=starts_at,
            check_in_method=Method.MANUAL,
            checked_out_at=activity.ends_at,
            check_out_method=Method.MANUAL,
            minutes_served=hours * 60,
        )
        points_award_for_attendance(attendance=attendance)
    with django_capture_on_commit_callbacks(execute=True):
        rankings_publish_month(month=month, now=end + datetime.timedelta(hours=1))
    cache.clear()
    return people


def boards_in(html: str) -> list[str]:
    return re.findall(r'<span class="board__title">([^<]+)</span>', html)


def current_tab(html: str) -> list[str]:
    return re.findall(r'<a class="board-tabs__tab"[^>]*aria-current="page"[^>]*>([^<]+)</a>', html)


def test_the_honour_roll_shows_one_board_with_tabs_to_the_others(client, published):
    response = client.get(HONOUR)
    html = response.content.decode()

    assert response.status_code == 200
    assert boards_in(html) == ["志愿者积分榜"]  # one board, not four stacked
    tabs = re.findall(r'<a class="board-tabs__tab" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert [label for _href, label in tabs] == [
        "志愿者积分",
        "志愿服务时长",
        "党员积分",
        "党员服务时长",
    ]
    assert [href for href, _label in tabs] == [
        "?board=volunteers-points#boards",
        "?board=volunteers-minutes#boards",
        "?board=party_members-points#boards",
        "?board=party_members-minutes#boards",
    ]
    assert current_tab(html) == ["志愿者积分"]
    assert "张*明" in html and "3 分" in html


def test_each_tab_shows_its_own_board_and_is_cached_on_its_own(client, published):
    first = client.get(HONOUR + "?board=volunteers-minutes")
    html = first.content.decode()
    assert boards_in(html) == ["志愿服务时长榜"]
    assert current_tab(html) == ["志愿服务时长"]
    assert "3 小时" in html
    assert first["X-Cache"] == "MISS"  # stored under its own key …
    again = client.get(HONOUR + "?board=volunteers-minutes")
    assert again["X-Cache"] == "HIT" and boards_in(again.content.decode()) == ["志愿服务时长榜"]
    # … and the plain page is another entry, still the first board.
    assert boards_in(client.get(HONOUR).content.decode()) == ["志愿者积分榜"]

    party = client.get(HONOUR + "?board=party_members-points").content.decode()
    assert boards_in(party) == ["党员积分榜"] and current_tab(party) == ["党员积分"]
    assert "王*军" in party and "欧**华" in party and "张*明" not in party


def test_an_unknown_board_shows_the_first_and_is_not_cached(client, published):
    response = client.get(HONOUR + "?board=%3Cscript%3E")
    assert response.status_code == 200
    assert boards_in(response.content.decode()) == ["志愿者积分榜"]
    assert not response.has_header("X-Cache")  # strangers' query strings do not fill the cache


def ranking_names(value: str) -> None:
    SiteSettings.objects.update(ranking_names=value)
    cache.clear()  # the header and footer chrome, where the setting is read, and the pages


def names_on_board(html: str) -> list[str]:
    return re.findall(r'<span class="board__name">([^<]+)<', html)


def names_on_rankings(client, population="volunteers") -> list[str]:
    """The names in the ranking page's table, all time (last month's points are in it)."""
    html = client.get(RANKINGS, {"period": "all", "population": population}).content.decode()
    return re.findall(r'<td>([^<]+?)(?: <span class="badge[^"]*">[^<]*</span>)?</td>', html)


@pytest.mark.parametrize(
    ("setting", "shown"),
    [("masked", ["张*明", "陈*", "王*军", "欧**华"]), ("full", list(FULL))],
)
def test_a_person_reads_the_same_on_the_honour_roll_and_the_ranking_page(
    client, published, make_person, town, setting, shown
):
    ranking_names(setting)
    honour = client.get(HONOUR).content.decode()
    party = client.get(HONOUR + "?board=party_members-points").content.decode()
    snapshot_page = re.search(r'href="(/[^"]*)">完整榜单', honour).group(1)

    # A resident of 桥北, who manages no one: every name on the ranking page is a stranger's.
    viewer = make_person(real_name="孙桥北", home_grid=town.qiaobei_grid1)
    client.force_login(viewer.user)

    # Everyone is on the volunteers' boards; the party members also on the party's.
    assert names_on_board(honour) == shown
    assert names_on_rankings(client) == shown
    assert names_on_board(party) == shown[2:]
    assert names_on_rankings(client, population="party_members") == shown[2:]
    # The whole published ranking reads the same too.
    assert names_on_board(client.get(snapshot_page).content.decode()) == shown
