"""Roster files going out: the template to fill in, and the export that reads back in."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from core.errors import DomainError
from core.spreadsheets import XLSX_CONTENT_TYPE
from volunteers import roster
from volunteers.models import AuditEvent
from volunteers.services.people import person_create

from .test_roster_import import GRID1, PARTY_HEADERS, QIAOBEI_GRID, id_number


def test_the_template_has_the_roster_columns_and_the_grids_one_may_use(secretary_client):
    response = secretary_client.get("/roster/template.xlsx?kind=party_members")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["名册"][1]] == PARTY_HEADERS
    names = [row[1] for row in workbook["可填组织"].iter_rows(min_row=2, values_only=True)]
    assert GRID1 in names and QIAOBEI_GRID not in names
    with pytest.raises(DomainError) as exc:  # the parser knows the headers: only rows lack
        roster.read_roster(io.BytesIO(response.content), kind="party_members")
    assert exc.value.code == "no_rows"


def test_a_bad_kind_parameter_gets_400(secretary_client):
    for url in ("/roster/template.xlsx?kind=everyone", "/roster/export.xlsx?kind="):
        response = secretary_client.get(url)
        assert response.status_code == 400
        assert "名册类型" in response.content.decode()


def test_export_round_trips_through_the_parser_with_masked_ids(secretary_client, town):
    person_create(
        real_name="王秀英",
        phone="13700000031",
        id_number=id_number(31),
        home_grid=town.liyuan_grid1,
        skills="理发",
        date_joined=datetime.date(2024, 3, 1),
        political_status="party_member",
        party_branch=town.liyuan_branch,
    )
    person_create(real_name="桥北人", phone="13700000032", home_grid=town.qiaobei_grid1)

    response = secretary_client.get("/roster/export.xlsx?kind=party_members")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert [c.value for c in next(workbook["名册"].iter_rows(max_row=1))] == PARTY_HEADERS

    rows = roster.read_roster(io.BytesIO(response.content), kind="party_members")
    assert len(rows) == 1  # 桥北 is outside the secretary's scope
    values = rows[0].values
    assert values["real_name"] == "王秀英"
    assert values["phone"] == "13700000031"
    assert values["id_number"] == id_number(31)[:4] + "*" * 10 + id_number(31)[-4:]
    assert id_number(31).encode() not in response.content
    assert values["home_grid"] == GRID1
    assert values["party_branch"] == town.liyuan_branch.name
    assert values["political_status"] == "中共党员"

    # Fed back in, the exported row is recognised as someone already registered.
    checked = roster.check_rows(rows, kind="party_members", user=response.wsgi_request.user)
    assert not checked.good
    assert "隐去部分数字" in "".join(checked.bad[0]["reasons"])
    assert "手机号已登记" in "".join(checked.bad[0]["reasons"])
    assert AuditEvent.objects.filter(action="roster.export").exists()
