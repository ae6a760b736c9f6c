"""The secretary's branch points table: numbers, paging cost, adjustments, reversals, export."""

import datetime
import io
import re
from html import unescape

import pytest
import time_machine
from openpyxl import load_workbook

from points.models import Category, Kind, PointsEntry
from points.periods import SHANGHAI
from points.services import points_adjust, points_award_for_attendance, points_redeem
from volunteers.models import AuditEvent

# 15 June of this year; every fixture is made inside this travel.
YEAR = datetime.datetime.now(SHANGHAI).year
NOW = datetime.datetime(YEAR, 6, 15, 10, 0, tzinfo=SHANGHAI)
TABLE = "/points/branch/"
PARTY = "party_member"


@pytest.fixture(autouse=True)
def _mid_june():
    with time_machine.travel(NOW, tick=False):
        yield


def page(response) -> str:
    return response.content.decode()


def row_cells(body: str, person) -> list[str]:
    """The text of each cell in the person's table row."""
    row = re.search(rf'<tr id="person-{person.pk}">(.*?)</tr>', body, re.S)
    assert row, f"no row for {person.real_name}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


@pytest.fixture
def awarded(past_activity, attend):
    """A two-hour activity yesterday, attended: 2 service points and 120 minutes."""

    def award(person, **kwargs):
        return points_award_for_attendance(attendance=attend(past_activity(**kwargs), person))

    return award


@pytest.fixture
def stranger(make_person, town):
    """Someone in 桥北, outside 梨园's secretary's subtree."""
    return make_person(real_name="孙桥北", home_grid=town.qiaobei_grid1)


@pytest.fixture
def secretary_client(client, secretary):
    client.force_login(secretary)
    return client


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


# --- Adjusting ------------------------------------------------------------------------------


def adjust_url(person) -> str:
    return f"/points/branch/people/{person.pk}/adjust/"


def test_an_adjustment_is_written_audited_and_goes_back_to_the_table(
    secretary_client, secretary, party_member
):
    back = f"{TABLE}?org=1&period=2026"
    response = secretary_client.post(
        adjust_url(party_member),
        {
            "amount": "4",
            "category": "reward",
            "reason": "抗洪抢险",
            "period": str(YEAR),
            "next": back,
        },
    )

    assert response.status_code == 302
    assert response.url == f"{back}#person-{party_member.pk}"
    entry = PointsEntry.objects.get(person=party_member)
    assert (entry.amount, entry.kind, entry.category, entry.reason) == (
        4,
        Kind.ADJUSTMENT,
        Category.REWARD,
        "抗洪抢险",
    )
    event = AuditEvent.objects.get(action="points.adjust")
    assert event.actor == secretary
    assert event.extra["entry_id"] == entry.pk
    body = page(secretary_client.get(TABLE))
    assert "已为王党员加 4 分（奖励积分），已记入操作日志。" in body
    assert row_cells(body, party_member)[6] == "4"


def test_an_adjustment_without_a_reason_is_a_400_and_writes_nothing(secretary_client, party_member):
    response = secretary_client.post(
        adjust_url(party_member), {"amount": "4", "category": "reward", "reason": "  "}
    )

    assert response.status_code == 400
    assert "请填写原因。" in page(response)
    assert not PointsEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="points.adjust").exists()


@pytest.mark.parametrize(
    ("amount", "category", "message"),
    [
        ("abc", "reward", "积分必须是整数，例如 5 或 -3。"),
        ("", "reward", "请填写要调整的积分。"),
        ("1.5", "reward", "积分必须是整数，例如 5 或 -3。"),
        ("0", "reward", "调整的积分不能为 0。"),
        ("99999", "reward", "单次调整不能超过 10000 分。"),
        ("3", "", "请选择积分类别。"),
        ("3", "bonus", "请选择积分类别。"),
        ("3", "deduction", "扣分必须是负数。"),
        ("25", "reward", "超过本年度奖励积分上限（20 分）"),
        ("-5", "deduction", "可用积分不足：当前 0 分，扣减 5 分后将为负数。"),
    ],
)
def test_bad_adjustments_are_refused_in_chinese_and_write_nothing(
    secretary_client, party_member, amount, category, message
):
    response = secretary_client.post(
        adjust_url(party_member), {"amount": amount, "category": category, "reason": "测试"}
    )

    assert response.status_code == 400
    assert message in page(response)
    assert not PointsEntry.objects.exists()


def test_adjusting_someone_out_of_scope_is_refused(secretary_client, stranger):
    response = secretary_client.post(
        adjust_url(stranger), {"amount": "4", "category": "reward", "reason": "表彰"}
    )

    assert response.status_code == 403
    assert "您无权查看或调整该人员的积分" in page(response)
    assert not PointsEntry.objects.exists()
    assert secretary_client.get(f"/points/branch/people/{stranger.pk}/").status_code == 403
    assert secretary_client.get("/points/branch/people/999999/").status_code == 404


def test_a_double_submitted_form_adjusts_once(secretary_client, party_member):
    form = {"amount": "3", "category": "basic", "reason": "组织生活", "key": "a" * 32}
    assert secretary_client.post(adjust_url(party_member), form).status_code == 302
    assert secretary_client.post(adjust_url(party_member), form).status_code == 302
    assert PointsEntry.objects.filter(person=party_member).count() == 1


def test_adjusting_needs_a_post_and_a_csrf_token(client, secretary, party_member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(secretary)
    response = strict.post(
        adjust_url(party_member), {"amount": "3", "category": "basic", "reason": "x"}
    )
    assert response.status_code == 403
    client.force_login(secretary)
    assert client.get(adjust_url(party_member)).status_code == 405
    assert not PointsEntry.objects.exists()


# --- The person's page and reversing --------------------------------------------------------


def test_the_person_page_lists_the_periods_lines_with_a_reversal_form_for_adjustments(
    secretary_client, scored, party_member
):
    body = page(secretary_client.get(f"/points/branch/people/{party_member.pk}/"))

    assert "奖励积分：表彰" in body
    assert "扣分：缺席" in body
    assert "文明交通劝导 2小时 × 1分/小时 = 2分" in body
    assert body.count("冲正这笔调整") == 2  # the two adjustments, not the service award


def test_reversing_an_adjustment_needs_a_reason_then_is_audited(
    secretary_client, secretary, party_member
):
    entry = points_adjust(
        person=party_member, amount=5, category=Category.REWARD, reason="表彰", by=secretary
    )
    url = f"/points/branch/entries/{entry.pk}/reverse/"

    refused = secretary_client.post(url, {"reason": " ", "period": str(YEAR)})
    assert refused.status_code == 400
    assert "请填写原因。" in page(refused)
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()

    done = secretary_client.post(url, {"reason": "登记错人", "period": str(YEAR)})
    assert done.status_code == 302
    reversal = PointsEntry.objects.get(kind=Kind.REVERSAL)
    assert (reversal.reverses_id, reversal.amount, reversal.reason) == (entry.pk, -5, "登记错人")
    assert AuditEvent.objects.filter(action="points.reverse", extra__entry_id=entry.pk).exists()
    body = page(secretary_client.get(done.url))
    assert "已冲正王党员的一笔调整（+5 分）" in body
    assert "已冲正" in body and "冲正这笔调整" not in body

    again = secretary_client.post(url, {"reason": "再来", "period": str(YEAR)})
    assert again.status_code == 409
    assert "已经冲正过" in page(again)


def test_reversing_below_zero_on_the_page_asks_for_a_confirmation_first(
    secretary_client, secretary, party_member
):
    entry = points_adjust(
        person=party_member, amount=5, category=Category.REWARD, reason="表彰", by=secretary
    )
    points_redeem(person=party_member, amount=4, idempotency_key="redemption:rice", reason="大米")
    url = f"/points/branch/entries/{entry.pk}/reverse/"

    asked = secretary_client.post(url, {"reason": "登记错人", "period": str(YEAR)})

    assert asked.status_code == 409
    body = page(asked)
    assert "可用积分将为 -4 分" in body and 'name="confirm_negative"' in body
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()

    done = secretary_client.post(
        url, {"reason": "登记错人", "period": str(YEAR), "confirm_negative": "1"}
    )

    assert done.status_code == 302
    assert PointsEntry.objects.get(kind=Kind.REVERSAL).amount == -5


def test_a_service_award_is_not_reversed_from_the_table(secretary_client, awarded, party_member):
    award = awarded(party_member)
    response = secretary_client.post(
        f"/points/branch/entries/{award.entry.pk}/reverse/", {"reason": "不对"}
    )
    assert response.status_code == 400
    assert "活动积分请撤销对应的签到" in page(response)
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()


def test_reversing_out_of_scope_is_refused(
    secretary_client, secretary, stranger, person_with_role, town, Role
):
    other = person_with_role(Role.SECRETARY, town.qiaobei, real_name="孙书记").user
    entry = points_adjust(
        person=stranger, amount=2, category=Category.REWARD, reason="表彰", by=other
    )
    response = secretary_client.post(
        f"/points/branch/entries/{entry.pk}/reverse/", {"reason": "试试"}
    )
    assert response.status_code == 403
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()


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
