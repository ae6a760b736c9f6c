"""Staff lists that grow, searched and paged: the 积分管理表 (and its export), 双报到反馈 and
the 爱心超市 report. A search finds a person by part of their name, their whole volunteer
number or the last four digits of their phone, within what the viewer may see."""

import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from points.models import Category
from points.services import points_adjust
from points.services.rewards import reward_redeem
from volunteers.models import CommunityReport
from volunteers.services.reports import report_apply, report_confirm

TABLE = "/points/branch/"
REPORT = "/points/dual-report/"
SHOP = "/shop/report/"
PARTY = "party_member"


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def names(body: str) -> list[str]:
    """The row headings (names) of the page's table, in order."""
    return re.findall(r'<th scope="row">([^<]+)</th>', body)


@pytest.fixture
def secretary(person_with_role, town, Role):
    """梨园's secretary, with a phone no search here ends with."""
    return person_with_role(
        Role.SECRETARY, town.liyuan, real_name="赵书记", phone="13511112222"
    ).user


@pytest.fixture
def liyuan(make_person, person_with_role, town, Role):
    """Three people under 梨园 and one in 桥北, each with points this year."""
    admin = person_with_role(Role.ADMIN, town.town, real_name="镇管理员", phone="13522223333")
    people = {
        "ouyang": make_person(
            real_name="欧阳丽娜", phone="13612345678", home_grid=town.liyuan_grid1
        ),
        "ma": make_person(real_name="马丽", phone="13800005678", home_grid=town.liyuan_grid2),
        "zhang": make_person(real_name="张伟", phone="13700001234", home_grid=town.liyuan_grid1),
        "qiaobei": make_person(
            real_name="欧阳桥北", phone="13900045678", home_grid=town.qiaobei_grid1
        ),
    }
    for person in people.values():
        points_adjust(
            person=person, amount=2, category=Category.REWARD, reason="表彰", by=admin.user
        )
    return people


def test_the_branch_table_finds_a_person_by_part_of_their_name(secretary_client, liyuan):
    body = page(secretary_client.get(TABLE, {"q": "丽"}))

    assert sorted(names(body)) == ["欧阳丽娜", "马丽"]
    assert "共 2 人" in body and "“丽”找到 2 条" in body
    # 欧阳桥北 is in 桥北: outside the secretary's 梨园, a search never reaches them.
    assert names(page(secretary_client.get(TABLE, {"q": "欧阳"}))) == ["欧阳丽娜"]


def test_the_branch_table_finds_by_volunteer_number_or_a_phones_last_four(secretary_client, liyuan):
    zhang = liyuan["zhang"]
    assert names(page(secretary_client.get(TABLE, {"q": zhang.volunteer_number}))) == ["张伟"]
    without_prefix = zhang.volunteer_number.removeprefix("SZ").lower()
    assert names(page(secretary_client.get(TABLE, {"q": without_prefix}))) == ["张伟"]

    assert sorted(names(page(secretary_client.get(TABLE, {"q": "5678"})))) == ["欧阳丽娜", "马丽"]
    # Only the last four: 欧阳丽娜's 136 1234 5678 has 1234 in its middle.
    assert names(page(secretary_client.get(TABLE, {"q": "1234"}))) == ["张伟"]
    body = page(secretary_client.get(TABLE, {"q": "9999"}))
    assert names(body) == []
    assert "这个组织下没有找到“9999”" in body


def test_the_export_holds_the_whole_searched_list_and_says_so(secretary_client, liyuan):
    body = page(secretary_client.get(TABLE, {"q": "丽", "sort": "name"}))
    export_link = re.search(r'href="(/points/branch/export\.xlsx\?[^"]+)"', body).group(1)
    assert "q=%E4%B8%BD" in export_link and ">导出搜索结果<" in body

    export = secretary_client.get(export_link.replace("&amp;", "&"))
    book = load_workbook(io.BytesIO(export.content))
    people = [row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert sorted(people) == ["欧阳丽娜", "马丽"]
    notes = dict(book["说明"].iter_rows(values_only=True))
    assert notes["搜索"] == "丽"


def test_a_search_pages_and_its_pages_keep_it(client, secretary, make_person, town):
    for n in range(53):
        make_person(real_name=f"网格员{n:02d}", home_grid=town.liyuan_grid2, with_user=False)
    make_person(real_name="居民甲", home_grid=town.liyuan_grid2, with_user=False)
    client.force_login(secretary)

    first = page(client.get(TABLE, {"q": "网格员", "sort": "name"}))
    assert "共 53 人" in first and len(names(first)) == 50
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    assert "q=%E7%BD%91%E6%A0%BC%E5%91%98" in next_link and "page=2" in next_link

    second = page(client.get(TABLE + next_link.replace("&amp;", "&").split("#")[0]))
    assert names(second) == ["网格员50", "网格员51", "网格员52"]
    assert "第 2 / 2 页" in second


@pytest.mark.parametrize("junk", ["abc", "0", "-1", "9999", "%00", "1.5"])
def test_a_junk_page_number_still_opens_the_table(secretary_client, liyuan, junk):
    body = page(secretary_client.get(TABLE, {"page": junk}))
    assert "欧阳丽娜" in body


def test_junk_typed_in_the_search_box_finds_nothing_without_failing(secretary_client, liyuan):
    body = page(secretary_client.get(TABLE, {"q": "\x07" + "丽" * 200}))
    assert names(body) == []
    assert "找到 0 条" in body
    # A NUL is every page's Chinese 400 (config.security.RefuseNulMiddleware).
    nul = secretary_client.get(TABLE, {"q": "丽\x00"})
    assert nul.status_code == 400 and "NUL" in nul.content.decode()


# --- 双报到反馈 -----------------------------------------------------------------------------


def test_the_dual_report_finds_a_member_by_name_or_reported_community(
    client, make_person, town, Role, person_with_role
):
    admin = person_with_role(Role.ADMIN, town.town, real_name="镇管理员").user
    for name, community in (("赵文静", town.liyuan), ("钱博文", town.qiaobei), ("孙文", None)):
        member = make_person(
            real_name=name, political_status=PARTY, employer_unit=town.unit, in_service=True
        )
        if community is not None:
            report = report_apply(person=member, community=community, via=CommunityReport.Via.SELF)
            report_confirm(report=report, by=admin)
    client.force_login(admin)
    query = {"unit": town.unit.pk}

    by_community = page(client.get(REPORT, {**query, "q": "桥北"}))
    assert names(by_community) == ["钱博文"] and "在职党员 1 人" in by_community
    assert names(page(client.get(REPORT, {**query, "q": "文静"}))) == ["赵文静"]
    assert names(page(client.get(REPORT, {**query, "q": "文"}))) == ["孙文", "赵文静", "钱博文"]
    nobody = page(client.get(REPORT, {**query, "q": "李"}))
    assert names(nobody) == [] and "没有找到“李”" in nobody


# --- 爱心超市 report -------------------------------------------------------------------------


def test_the_shop_report_pages_its_redemptions_and_finds_one_by_code_or_name(
    client, secretary, make_reward, make_person, give, town, monkeypatch
):
    monkeypatch.setattr("core.pagination.PER_PAGE", 2)
    reward = make_reward(stock=10)
    redemptions = []
    for name in ("甲一", "乙二", "丙三"):
        person = make_person(real_name=name, home_grid=town.liyuan_grid1)
        give(person, 20)
        redemptions.append(reward_redeem(reward=reward, person=person, by=person.user))
    month = timezone.localtime(redemptions[0].created_at).strftime("%Y-%m")
    client.force_login(secretary)
    query = {"community": town.liyuan.pk, "month": month}

    first = page(client.get(SHOP, query))
    assert "共 3 笔兑换" in first  # the month's totals count every page
    assert "甲一" in first and "乙二" in first and "丙三" not in first
    second = page(client.get(SHOP, {**query, "page": 2}))
    assert "丙三" in second and "第 2 / 2 页" in second

    code = redemptions[1].display_code.lower()
    by_code = page(client.get(SHOP, {**query, "q": code}))
    assert "乙二" in by_code and "甲一" not in by_code and "共 3 笔兑换" in by_code
    assert "丙三" in page(client.get(SHOP, {**query, "q": "丙"}))
