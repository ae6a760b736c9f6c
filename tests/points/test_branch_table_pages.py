"""The secretary's branch points table: its numbers, paging cost, who may see it, a
person's lines and the export."""

import datetime
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from points.models import Category
from points.periods import SHANGHAI
from points.services import points_adjust

# 15 June of this year: every test here, fixtures included, runs at NOW.
YEAR = datetime.datetime.now(SHANGHAI).year
NOW = datetime.datetime(YEAR, 6, 15, 10, 0, tzinfo=SHANGHAI)
TABLE = "/points/branch/"
PARTY = "party_member"

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def page(response) -> str:
    return response.content.decode()


def row_cells(body: str, person) -> list[str]:
    """The text of each cell in the person's table row."""
    row = re.search(rf'<tr id="person-{person.pk}">(.*?)</tr>', body, re.S)
    assert row, f"no row for {person.real_name}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


@pytest.fixture
def scored(awarded, party_member, volunteer, secretary, stranger):
    awarded(party_member)
    points_adjust(
        person=party_member, amount=5, category=Category.REWARD, reason="表彰", by=secretary
    )
    points_adjust(
        person=party_member, amount=-1, category=Category.DEDUCTION, reason="缺席", by=secretary
    )
    awarded(volunteer)
    # Last year's points are not this year's.
    points_adjust(
        person=volunteer,
        amount=3,
        category=Category.BASIC,
        reason="去年",
        by=secretary,
        occurred_at=NOW - datetime.timedelta(days=365),
    )
    awarded(stranger, organisation=stranger.home_grid)


# --- The table ------------------------------------------------------------------------------


def test_the_table_shows_each_category_the_total_and_the_hours(
    secretary_client, scored, party_member, volunteer, stranger
):
    body = page(secretary_client.get(TABLE))

    assert f"梨园社区 · {YEAR}年" in body
    # name, masked phone, 基础, 服务, 奖励, 扣分, 合计, hours
    assert row_cells(body, party_member)[:8] == [
        "王党员",
        party_member.masked_phone,
        "0",
        "2",
        "5",
        "-1",
        "6",
        "2.0",
    ]
    assert row_cells(body, volunteer)[:8] == [
        "李志愿",
        volunteer.masked_phone,
        "0",
        "2",
        "0",
        "0",
        "2",
        "2.0",
    ]
    assert party_member.phone not in body
    assert stranger.real_name not in body  # 桥北 is not the secretary's
    assert body.index("王党员") < body.index("李志愿")  # by total, highest first


def test_a_month_shows_only_that_months_lines(secretary_client, scored, volunteer):
    body = page(secretary_client.get(TABLE, {"period": f"{YEAR - 1}-06"}))

    assert row_cells(body, volunteer)[2:8] == ["3", "0", "0", "0", "3", "0.0"]


def test_the_table_costs_the_same_queries_for_any_number_of_rows(
    client, secretary, make_person, town, django_assert_num_queries
):
    def fill(n):
        for i in range(n):
            person = make_person(real_name=f"成员{i}", home_grid=town.liyuan_grid1)
            points_adjust(
                person=person, amount=1 + i, category=Category.REWARD, reason="表彰", by=secretary
            )

    client.force_login(secretary)
    fill(2)
    # session, user, grants, switch options, count, the page with its totals, category sums,
    # and the header's unread count (the first time; then cached)
    with django_assert_num_queries(7):
        small = page(client.get(TABLE))
    fill(10)
    with django_assert_num_queries(6):
        large = page(client.get(TABLE))
    assert small.count('<tr id="person-') == 3  # two members and the secretary
    assert large.count('<tr id="person-') == 13


def test_the_table_pages_fifty_at_a_time(client, secretary, make_person, town):
    for i in range(51):
        make_person(real_name=f"成员{i:02d}", home_grid=town.liyuan_grid2, with_user=False)
    client.force_login(secretary)

    first = page(client.get(TABLE, {"sort": "name"}))
    second = page(client.get(TABLE, {"sort": "name", "page": 2}))

    assert "共 52 人" in first
    assert first.count('<tr id="person-') == 50
    assert second.count('<tr id="person-') == 2
    assert "第 2 / 2 页" in second


def test_a_branch_secretary_sees_their_branch_by_default(
    client, person_with_role, town, Role, party_member, volunteer
):
    branch_secretary = person_with_role(
        Role.SECRETARY,
        town.liyuan_branch,
        real_name="周支书",
        political_status=PARTY,
        party_branch=town.liyuan_branch,
    )
    client.force_login(branch_secretary.user)

    body = page(client.get(TABLE))

    assert f"梨园社区第一网格党支部 · {YEAR}年" in body
    assert f'id="person-{party_member.pk}"' in body
    assert f'id="person-{volunteer.pk}"' not in body  # a resident, not in the branch


def test_switching_to_an_organisation_out_of_scope_is_refused(secretary_client, town):
    response = secretary_client.get(TABLE, {"org": town.qiaobei.pk})
    assert response.status_code == 403
    assert "您不能查看桥北社区的积分" in page(response)

    assert secretary_client.get(TABLE, {"org": 999999}).status_code == 404
    junk = secretary_client.get(TABLE, {"org": "abc"})
    assert junk.status_code == 400
    assert "请从页面上的列表选择组织" in page(junk)


def test_a_junk_or_all_time_period_is_a_chinese_400(secretary_client):
    for period in (f"{YEAR}-13", "soon", "all"):
        response = secretary_client.get(TABLE, {"period": period})
        assert response.status_code == 400
        assert "请从页面上的列表选择月份、季度或年度" in page(response)


def test_the_table_is_for_those_who_adjust_points(client, volunteer, person_with_role, town, Role):
    assert client.get(TABLE).status_code == 302  # to log in
    client.force_login(volunteer.user)
    response = client.get(TABLE)
    assert response.status_code == 403
    assert "积分管理表只对党组织、社区书记" in page(response)
    leader = person_with_role(Role.LEADER, town.team, real_name="钱队长")
    client.force_login(leader.user)
    assert client.get(TABLE).status_code == 403


def test_my_page_links_to_the_table_only_for_adjusters(client, secretary, volunteer):
    client.force_login(volunteer.user)
    assert TABLE not in page(client.get("/me/"))
    client.force_login(secretary)
    assert TABLE in page(client.get("/me/"))


# --- The person's page -------------------------------------------------------------------


def test_the_person_page_lists_the_periods_lines_with_a_reversal_form_for_adjustments(
    secretary_client, scored, party_member
):
    body = page(secretary_client.get(f"/points/branch/people/{party_member.pk}/"))

    assert "奖励积分：表彰" in body
    assert "扣分：缺席" in body
    assert "文明交通劝导 2小时 × 1分/小时 = 2分" in body
    assert body.count("冲正这笔调整") == 2  # the two adjustments, not the service award


# --- Export ---------------------------------------------------------------------------------


def test_the_export_has_the_tables_columns_rows_and_masked_phones(
    secretary_client, scored, party_member, volunteer, stranger, secretary
):
    response = secretary_client.get(f"{TABLE}export.xlsx", {"period": str(YEAR)})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook["积分表"].iter_rows(values_only=True))
    assert rows[0] == (
        "姓名",
        "手机号",
        "基础积分",
        "服务积分",
        "奖励积分",
        "扣分",
        "合计",
        "服务时长（小时）",
    )
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"王党员", "李志愿", "赵书记"}
    assert by_name["王党员"] == ("王党员", party_member.masked_phone, 0, 2, 5, -1, 6, 2)
    assert by_name["李志愿"][1:] == (volunteer.masked_phone, 0, 2, 0, 0, 2, 2)
    cells = [str(v) for row in rows for v in row]
    for person in (party_member, volunteer, secretary.person):
        assert person.phone not in cells
    assert re.fullmatch(r"\d{3}\*{4}\d{4}", by_name["李志愿"][1])
    about = dict(workbook["说明"].iter_rows(values_only=True))
    assert about["组织"] == "梨园社区"
    assert about["期间"] == f"{YEAR}年"


def test_the_export_refuses_out_of_scope_and_junk(secretary_client, town):
    assert secretary_client.get(f"{TABLE}export.xlsx", {"org": town.qiaobei.pk}).status_code == 403
    assert secretary_client.get(f"{TABLE}export.xlsx", {"period": "x"}).status_code == 400
