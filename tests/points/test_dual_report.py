"""双报到反馈: an employer unit's secretary sees its in-service members' community service."""

import datetime
import io
import re
from html import unescape

import pytest
import time_machine
from openpyxl import load_workbook

from points.models import Category
from points.periods import SHANGHAI
from points.services import points_adjust
from volunteers.models import Organisation
from volunteers.services.organisations import organisation_add

# 20 May of this year, in its second quarter; every fixture is made inside this travel.
YEAR = datetime.datetime.now(SHANGHAI).year
NOW = datetime.datetime(YEAR, 5, 20, 12, 0, tzinfo=SHANGHAI)
REPORT = "/points/dual-report/"
PARTY = "party_member"


@pytest.fixture(autouse=True)
def _in_may():
    with time_machine.travel(NOW, tick=False):
        yield


def page(response) -> str:
    return response.content.decode()


def row_cells(body: str, person) -> list[str]:
    row = re.search(rf'<tr id="member-{person.pk}">(.*?)</tr>', body, re.S)
    assert row, f"no row for {person.real_name}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


@pytest.fixture
def unit_secretary(person_with_role, town, Role):
    return person_with_role(
        Role.SECRETARY, town.unit, real_name="文旅局书记", political_status=PARTY
    ).user


@pytest.fixture
def history(in_service, serve, town, secretary, make_person):
    """赵文静 reported to 梨园 and served there, elsewhere, and last quarter."""
    member = in_service("赵文静", community=town.liyuan)
    serve(member, organisation=town.liyuan_grid1, day=datetime.date(YEAR, 4, 10), hours=3)
    serve(member, organisation=town.liyuan, day=datetime.date(YEAR, 5, 2), hours=2)
    serve(member, organisation=town.qiaobei, day=datetime.date(YEAR, 5, 3), hours=4)  # elsewhere
    serve(member, organisation=town.team, day=datetime.date(YEAR, 5, 4), hours=1)  # a town team
    serve(member, organisation=town.liyuan, day=datetime.date(YEAR, 3, 30), hours=5)  # Q1
    points_adjust(  # a manual adjustment is not community service
        person=member, amount=4, category=Category.REWARD, reason="表彰", by=secretary
    )
    not_reported = in_service("钱未报")
    masses = make_person(real_name="孙群众", employer_unit=town.unit)  # not a party member
    elsewhere = organisation_add(
        parent=town.town, name="敦煌市教育局", kind=Organisation.Kind.UNIT, code="unit-edu"
    )
    other_unit = in_service("外单位", community=town.liyuan, unit=elsewhere)
    return {"member": member, "not_reported": not_reported, "masses": masses, "other": other_unit}


def test_the_report_counts_only_service_in_the_reported_community_in_the_quarter(
    client, unit_secretary, history
):
    client.force_login(unit_secretary)

    body = page(client.get(REPORT))

    assert f"敦煌市文化和旅游局的在职党员{YEAR}年第2季度在报到社区的服务情况" in body
    member = history["member"]
    # name, masked phone, community, activities, hours, points: 3 h + 2 h in 梨园 in Q2
    assert row_cells(body, member) == ["赵文静", member.masked_phone, "梨园社区", "2", "5.0", "5"]
    assert row_cells(body, history["not_reported"])[2:] == ["尚未报到", "0", "0.0", "0"]
    assert "孙群众" not in body and "外单位" not in body
    assert member.phone not in body


def test_another_quarter_is_chosen_by_its_key(client, unit_secretary, history):
    client.force_login(unit_secretary)

    body = page(client.get(REPORT, {"period": f"{YEAR}Q1"}))

    assert row_cells(body, history["member"])[3:] == ["1", "5.0", "5"]


def test_only_a_quarter_is_accepted(client, unit_secretary):
    client.force_login(unit_secretary)
    for period in (str(YEAR), f"{YEAR}-05", f"{YEAR}Q5", "x"):
        response = client.get(REPORT, {"period": period})
        assert response.status_code == 400
        assert "请从页面上的列表选择季度" in page(response)


def test_the_viewer_must_manage_the_employer_unit(client, secretary, town, history, volunteer):
    client.force_login(secretary)  # 梨园's secretary: the community, not the unit
    response = client.get(REPORT, {"unit": town.unit.pk})
    assert response.status_code == 403
    assert "只有敦煌市文化和旅游局的党组织书记（管理员）可以查看" in page(response)
    default = client.get(REPORT)
    assert default.status_code == 403
    assert "您管理的范围内没有在职单位" in page(default)
    assert client.get(f"{REPORT}export.xlsx", {"unit": town.unit.pk}).status_code == 403

    client.force_login(volunteer.user)
    assert client.get(REPORT).status_code == 403
    client.logout()
    assert client.get(REPORT).status_code == 302


def test_a_town_admin_may_choose_any_unit(client, person_with_role, town, Role, history):
    admin = person_with_role(Role.ADMIN, town.town, real_name="镇管理员").user
    client.force_login(admin)
    body = page(client.get(REPORT, {"unit": town.unit.pk}))
    assert "赵文静" in body
    assert client.get(REPORT, {"unit": town.liyuan.pk}).status_code == 404  # not a unit


def test_the_report_costs_the_same_queries_for_any_number_of_members(
    client, unit_secretary, in_service, serve, town, django_assert_num_queries
):
    client.force_login(unit_secretary)

    def add(n, start):
        for i in range(n):
            member = in_service(f"党员{start + i}", community=town.liyuan)
            serve(member, organisation=town.liyuan, day=datetime.date(YEAR, 5, 1 + i))

    add(1, 0)
    # session, user, grants, units, count, the page of members, points, minutes, the
    # unit's own claims (单位认领), and the header's unread count (the first time; then cached)
    with django_assert_num_queries(9):
        client.get(REPORT)
    add(6, 1)
    with django_assert_num_queries(8):
        body = page(client.get(REPORT))
    assert body.count('<tr id="member-') == 7


def test_the_export_has_the_reports_rows_and_masked_phones(client, unit_secretary, history, town):
    client.force_login(unit_secretary)

    response = client.get(f"{REPORT}export.xlsx", {"unit": town.unit.pk, "period": f"{YEAR}Q2"})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook["双报到反馈"].iter_rows(values_only=True))
    assert rows[0] == (
        "姓名",
        "手机号",
        "在职单位",
        "报到社区",
        "服务次数",
        "服务时长（小时）",
        "社区服务积分",
    )
    member = history["member"]
    assert sorted(rows[1:]) == sorted(
        [
            ("赵文静", member.masked_phone, "敦煌市文化和旅游局", "梨园社区", 2, 5, 5),
            (
                "钱未报",
                history["not_reported"].masked_phone,
                "敦煌市文化和旅游局",
                "尚未报到",
                0,
                0,
                0,
            ),
        ]
    )
    assert member.phone not in [str(v) for row in rows for v in row]
    about = dict(workbook["说明"].iter_rows(values_only=True))
    assert about["季度"] == f"{YEAR}年第2季度"


def test_my_page_links_to_the_report_for_people_managers(client, unit_secretary, volunteer):
    client.force_login(unit_secretary)
    assert REPORT in page(client.get("/me/"))
    client.force_login(volunteer.user)
    assert REPORT not in page(client.get("/me/"))
