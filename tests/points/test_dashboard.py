"""全镇概况: the town's figures per month and community, 报到率/服务率, categories, top teams
and 爱心超市 redemptions; who sees which dashboard; the .xlsx; bad input; query counts."""

import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from points.periods import month_key
from points.selectors import dashboard as figures
from points.selectors.dashboard_scope import dashboard_scope, dashboard_window, month_label
from points.services.rewards import redemption_cancel, reward_redeem
from volunteers.models import ActivityCategory, CommunityReport
from volunteers.services.memberships import membership_grant
from volunteers.services.reports import report_apply, report_confirm

URL = "/dashboard/"
PARTY = "party_member"


def chart(response, key: str) -> list[list[str]]:
    """The rows of one chart's table on the page, as shown."""
    body = response.content.decode()
    table = re.search(rf'<table class="table" id="table-{key}">(.*?)</table>', body, re.S)
    assert table, f"no table for {key}"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1).split("<tbody>")[1], re.S)
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def header(response, key: str) -> list[str]:
    body = response.content.decode()
    table = re.search(rf'<table class="table" id="table-{key}">.*?<thead>(.*?)</thead>', body, re.S)
    return [unescape(c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", table.group(1))]


def by_label(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows}


@pytest.fixture
def town_admin(person_with_role, town, Role):
    return person_with_role(Role.ADMIN, town.town, real_name="镇管理员").user


@pytest.fixture
def admin_client(client, town_admin):
    client.force_login(town_admin)
    return client


@pytest.fixture
def serve(past_activity, attend):
    """``person`` served ``hours`` at an activity of ``organisation`` ``days_ago`` days ago."""
    from points.services import points_award_for_attendance

    def serve(person, organisation, *, days_ago=1, hours=2, category=None):
        starts_at = timezone.now() - datetime.timedelta(days=days_ago)
        extra = {"category": category} if category else {}
        activity = past_activity(
            starts_at=starts_at, hours=hours, organisation=organisation, **extra
        )
        points_award_for_attendance(attendance=attend(activity, person))
        return activity

    return serve


@pytest.fixture
def served_town(town, make_person, serve):
    """梨园: two people, 2 h each yesterday, one of them 1 h more 40 days ago; 桥北: one, 3 h."""
    li, li2 = (make_person(real_name=n, home_grid=town.liyuan_grid1) for n in ("李一", "李二"))
    qiao = make_person(real_name="乔一", home_grid=town.qiaobei_grid1)
    yesterday = serve(li, town.liyuan)
    serve(li2, town.liyuan)
    earlier = serve(li, town.liyuan, days_ago=40, hours=1)
    serve(qiao, town.qiaobei, hours=3)
    return {"now": month_key(yesterday.starts_at), "earlier": month_key(earlier.starts_at)}


# --- Figures ----------------------------------------------------------------------------


def test_hours_and_participants_per_month_and_community(admin_client, served_town):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert header(response, "service") == [
        "月份",
        "梨园社区（小时）",
        "桥北社区（小时）",
        "合计（小时）",
        "参与人数",
    ]
    rows = by_label(chart(response, "service"))
    assert len(rows) == 12  # the last 12 months, this one included
    now, earlier = month_label(served_town["now"]), month_label(served_town["earlier"])
    if now == earlier:  # only when a month has more than 40 days: never
        pytest.fail("the fixture's months coincide")
    assert rows[now] == ["4.0", "3.0", "7.0", "3"]
    assert rows[earlier] == ["1.0", "0.0", "1.0", "1"]
    parts = chart(response, "parts")
    assert parts == [["1", "梨园社区", "5.0"], ["2", "桥北社区", "3.0"]]
    figures_shown = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", response.content.decode()))
    assert figures_shown["服务时长（小时）"] == "8.0"


def test_in_service_members_reported_and_served_per_unit(
    admin_client, town, make_person, serve, town_admin
):
    def member(name, community=None):
        person = make_person(
            real_name=name,
            political_status=PARTY,
            employer_unit=town.unit,
            in_service=True,
        )
        if community is not None:
            report = report_apply(person=person, community=community, via=CommunityReport.Via.SELF)
            report_confirm(report=report, by=town_admin)
        return person

    served = member("报到且服务", town.liyuan)
    member("报到未服务", town.liyuan)
    unreported = member("未报到")
    long_ago = member("一年多前服务", town.liyuan)
    serve(served, town.liyuan_grid1)
    serve(unreported, town.liyuan)  # served, but 服务率 is of those who reported
    serve(long_ago, town.liyuan, days_ago=400)  # before the last 12 months
    response = admin_client.get(URL)
    assert by_label(chart(response, "in_service"))["敦煌市文化和旅游局"] == [
        "4",
        "3",
        "75.0%",
        "1",
        "33.3%",
    ]
    liyuan = admin_client.get(URL, {"org": town.liyuan.pk})
    assert header(liyuan, "in_service") == ["在职单位", "报到本社区", "有服务", "服务率"]
    assert chart(liyuan, "in_service") == [["敦煌市文化和旅游局", "3", "1", "33.3%"]]


def test_activities_by_category_count_published_ones_in_the_window(
    admin_client, town, past_activity
):
    other, _new = ActivityCategory.objects.get_or_create(name="社区治安联防")
    for days in (1, 2):
        past_activity(starts_at=timezone.now() - datetime.timedelta(days=days))
    past_activity(starts_at=timezone.now() - datetime.timedelta(days=3), category=other)
    past_activity(starts_at=timezone.now() - datetime.timedelta(days=400), category=other)
    assert chart(admin_client.get(URL), "categories") == [
        ["文明交通劝导", "2"],
        ["社区治安联防", "1"],
    ]


def test_top_teams_by_hours_in_place_order(admin_client, town, make_person, Role, serve):
    for team, hours in ((town.team, 1), (town.other_team, 3)):
        person = make_person(real_name=f"队员{hours}", home_grid=town.liyuan_grid1)
        membership_grant(person=person, organisation=team, role=Role.MEMBER)
        serve(person, team, hours=hours)
    assert chart(admin_client.get(URL), "teams") == [
        ["1", "敬老助残服务队", "3.0"],
        ["2", "文明交通劝导队", "1.0"],
    ]


def test_redemptions_per_month_leave_out_cancelled_ones(
    admin_client, rich_volunteer, make_reward, town_admin
):
    first = make_reward(name="洗衣粉", price=10)
    second = make_reward(name="毛巾", price=5)
    kept = reward_redeem(reward=first, person=rich_volunteer, by=rich_volunteer.user)
    gone = reward_redeem(reward=second, person=rich_volunteer, by=rich_volunteer.user)
    redemption_cancel(redemption=gone, reason="不要了", by=rich_volunteer.user)
    rows = by_label(chart(admin_client.get(URL), "redemptions"))
    assert rows[month_label(month_key(kept.created_at))] == ["1", "10"]
    assert sum(int(row[0]) for row in rows.values()) == 1


def test_the_window_is_read_from_the_fewest_period_totals():
    april = datetime.date(2026, 4, 15)  # passed in: no test depends on today's date
    assert dashboard_window(today=april).periods == (
        "2025-05",
        "2025-06",
        "2025Q3",
        "2025Q4",
        "2026Q1",
        "2026-04",
    )
    assert dashboard_window(today=datetime.date(2026, 12, 1)).periods == ("2026",)
    assert dashboard_window("2025", today=april).periods == ("2025",)


def test_a_past_year_shows_its_twelve_months(admin_client, served_town):
    year = str(timezone.localdate().year - 1)
    response = admin_client.get(URL, {"year": year})
    assert response.status_code == 200
    rows = chart(response, "service")
    assert [row[0] for row in rows] == [f"{year}年{m}月" for m in range(1, 13)]


# --- Who sees what --------------------------------------------------------------------------


def test_community_secretary_sees_her_community_by_grid(client, secretary, served_town, town):
    client.force_login(secretary)
    response = client.get(URL)
    assert response.status_code == 200
    assert "社区概况" in response.content.decode()
    assert header(response, "service") == ["月份", "合计（小时）", "参与人数"]
    assert chart(response, "parts") == [
        ["1", "梨园社区第1网格", "5.0"],
        ["2", "梨园社区第2网格", "0.0"],
    ]
    refused = client.get(URL, {"org": town.qiaobei.pk})
    assert refused.status_code == 403
    assert "只能查看您管理的镇或社区" in refused.content.decode()
    assert client.get(URL, {"org": town.town.pk}).status_code == 403


def test_a_volunteer_and_a_grid_head_are_refused_in_chinese(
    client, volunteer, person_with_role, town, Role
):
    client.force_login(volunteer.user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "全镇概况只对镇、社区的书记和管理员开放" in response.content.decode()
    client.force_login(person_with_role(Role.GRID_HEAD, town.liyuan_grid1).user)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "export.xlsx").status_code == 403


def test_anonymous_goes_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "query",
    [
        {"year": "abcd"},
        {"year": "１２３４"},
        {"year": "1999"},
        {"year": "9999"},
        {"year": "2026-01"},
        {"year": "20260"},
        {"org": "x"},
        {"org": "9" * 40},
    ],
)
def test_junk_in_the_query_string_is_a_chinese_400(admin_client, query):
    response = admin_client.get(URL, query)
    assert response.status_code == 400
    assert "请从页面上的列表选择" in response.content.decode()


def test_an_unknown_organisation_is_404(admin_client):
    assert admin_client.get(URL, {"org": "987654"}).status_code == 404


def test_the_links_show_only_for_those_who_may_see_it(client, town_admin, secretary, volunteer):
    client.force_login(town_admin)
    assert 'href="/dashboard/"' in client.get("/me/").content.decode()
    client.force_login(volunteer.user)
    assert 'href="/dashboard/"' not in client.get("/me/").content.decode()


# --- The .xlsx ------------------------------------------------------------------------------


def test_the_xlsx_has_a_sheet_per_chart_with_the_same_figures_and_no_formulas(
    admin_client, served_town
):
    page = admin_client.get(URL)
    response = admin_client.get(URL + "export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "服务时长与参与人数（按月）",
        "各社区服务时长",
        "在职党员报到率与服务率",
        "各类别活动场次",
        "服务时长前十的志愿服务队",
        "爱心超市兑换（按月）",
        "说明",
    ]
    sheet = book["服务时长与参与人数（按月）"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    shown = chart(page, "service")
    assert [[row[0], *map(float, row[1:])] for row in values] == [
        [row[0], *map(float, row[1:])] for row in shown
    ]
    assert all(
        cell.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row
    )
    now = next(row for row in values if row[0] == month_label(served_town["now"]))
    assert now[1:] == [4, 3, 7, 3]  # numbers, not text


# --- Cost -----------------------------------------------------------------------------------


CHARTS = {
    "service": figures.chart_service_by_month,
    "in_service": figures.chart_in_service,
    "categories": figures.chart_categories,
    "teams": figures.chart_top_teams,
    "redemptions": figures.chart_redemptions,
}
QUERIES = {"service": 1, "in_service": 2, "categories": 1, "teams": 2, "redemptions": 1}


def _counts(town) -> dict[str, int]:
    scope = dashboard_scope(town.town)
    window = dashboard_window()
    counts = {}
    for key, build in CHARTS.items():
        with CaptureQueriesContext(connection) as queries:
            build(scope, window)
        counts[key] = len(queries)
    return counts


def test_each_chart_costs_the_same_few_queries_however_many_rows(
    town, make_person, serve, served_town
):
    assert _counts(town) == QUERIES
    for n in range(4):
        person = make_person(
            real_name=f"新人{n}",
            home_grid=town.qiaobei_grid2,
            political_status=PARTY,
            employer_unit=town.unit,
            in_service=True,
        )
        serve(person, town.qiaobei, days_ago=n + 2)
    assert _counts(town) == QUERIES


def test_the_admin_menu_offers_it_to_town_staff_only(admin_client, client, person_with_role, town):
    menu_item = '"url": "/dashboard/"'  # in the sidebar's JSON
    assert menu_item in admin_client.get("/admin/").content.decode()
    leader = person_with_role("leader", town.team, real_name="队长").user
    client.force_login(leader)  # publishes in the admin, manages nobody's records
    response = client.get("/admin/")
    assert response.status_code == 200
    assert menu_item not in response.content.decode()
