"""Roster import and export: what a secretary sees, and what ends up in the database."""

import datetime
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from core.errors import DomainError
from core.identity import id_number_checksum
from core.spreadsheets import XLSX_CONTENT_TYPE
from volunteers import roster
from volunteers.models import AuditEvent, Person, RosterImport
from volunteers.services.people import person_create
from volunteers.services.roster import roster_import_confirm, roster_import_preview

VOLUNTEER_HEADERS = [
    "姓名",
    "手机号",
    "身份证号(选填)",
    "政治面貌",
    "所属网格",
    "技能特长",
    "加入日期",
]
PARTY_HEADERS = [*VOLUNTEER_HEADERS, "所在党支部", "在职单位", "是否在职党员"]
GRID1 = "梨园社区第1网格"
GRID2 = "梨园社区第2网格"
QIAOBEI_GRID = "桥北社区第1网格"


def id_number(serial: int) -> str:
    """A valid 18-digit ID number (born 1990-01-01) for each serial."""
    first17 = f"62098219900101{serial:03d}"
    return first17 + id_number_checksum(first17)


def bad_checksum(serial: int) -> str:
    good = id_number(serial)
    wrong = next(c for c in "0123456789X" if c != good[-1])
    return good[:17] + wrong


def xlsx(rows, headers=VOLUNTEER_HEADERS, *, title_row: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append([title_row])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_upload(content: bytes, name: str = "名册.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return file


def upload(client, content: bytes, *, kind="volunteers", name="名册.xlsx"):
    return client.post("/roster/", {"kind": kind, "file": as_upload(content, name)})


def latest_import() -> RosterImport:
    return RosterImport.objects.latest("pk")


def reasons_by_row(roster_import: RosterImport) -> dict[int, str]:
    return {r["row"]: "；".join(r["reasons"]) for r in roster_import.bad_rows}


@pytest.fixture
def secretary(town, person_with_role):
    """The secretary of 梨园社区: manages its grids and party branch, nothing in 桥北."""
    return person_with_role("secretary", town.liyuan, real_name="梨园书记").user


@pytest.fixture
def secretary_client(client, secretary):
    client.force_login(secretary)
    return client


MIXED_ROWS = [
    ["王秀英", "13700000001", id_number(1), "群众", GRID1, "理发", "2024-03-01"],  # row 2: good
    ["李强", "1370000002", "", "群众", GRID1, "", ""],  # row 3: bad phone
    ["赵敏", "13700000003", bad_checksum(3), "群众", GRID1, "", ""],  # row 4: bad checksum
    ["钱进", "13700000004", "", "群众", "月牙泉网格", "", ""],  # row 5: unknown grid
    ["孙丽", "13700000005", "", "群众", QIAOBEI_GRID, "", ""],  # row 6: grid outside the subtree
    ["周杰", "13700000001", "", "群众", GRID1, "", ""],  # row 7: phone repeats row 2
    ["吴芳", "13700000099", "", "群众", GRID2, "", ""],  # row 8: already registered
    ["郑华", "13700000008", "", "中共党员", GRID2, "修电器", datetime.date(2023, 5, 4)],  # good
]


@pytest.fixture
def mixed_file(town) -> bytes:
    """MIXED_ROWS as a file, with 吴芳 (row 8) already registered."""
    person_create(real_name="吴芳", phone="13700000099")
    return xlsx(MIXED_ROWS)


def test_every_bad_row_is_listed_with_its_row_number_and_reason(secretary_client, mixed_file):
    response = upload(secretary_client, mixed_file)
    roster_import = latest_import()
    assert response.status_code == 302
    assert response["Location"] == f"/roster/{roster_import.pk}/"

    reasons = reasons_by_row(roster_import)
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "手机号“1370000002”格式不正确" in reasons[3]
    assert "校验位不正确" in reasons[4]
    assert "未找到网格“月牙泉网格”" in reasons[5]
    assert f"未找到网格“{QIAOBEI_GRID}”" in reasons[6]
    assert "手机号与第 2 行重复" in reasons[7]
    assert "手机号已登记" in reasons[8]
    assert [r["row"] for r in roster_import.good_rows] == [2, 9]

    page = secretary_client.get(response["Location"]).content.decode()
    assert "第 3 行" in page and "格式不正确" in page
    assert "第 6 行" in page and QIAOBEI_GRID in page
    assert "确认导入 2 人" in page


def test_nothing_is_written_before_the_secretary_confirms(mixed_file, secretary_client):
    before = Person.objects.count()
    upload(secretary_client, mixed_file)
    secretary_client.get(f"/roster/{latest_import().pk}/")
    assert Person.objects.count() == before
    assert latest_import().status == RosterImport.Status.PREVIEWED


def test_confirm_imports_exactly_the_good_rows_with_their_grids(mixed_file, secretary_client, town):
    before = set(Person.objects.values_list("pk", flat=True))
    upload(secretary_client, mixed_file)
    roster_import = latest_import()

    response = secretary_client.post(f"/roster/{roster_import.pk}/confirm/")
    assert response.status_code == 302
    assert response["Location"] == f"/roster/{roster_import.pk}/done/"

    new = Person.objects.exclude(pk__in=before).order_by("phone")
    assert [(p.real_name, p.phone, p.home_grid, p.political_status) for p in new] == [
        ("王秀英", "13700000001", town.liyuan_grid1, "masses"),
        ("郑华", "13700000008", town.liyuan_grid2, "party_member"),
    ]
    wang = new[0]
    assert wang.skills == "理发"
    assert wang.date_joined == datetime.date(2024, 3, 1)
    assert wang.id_number_masked == id_number(1)[:4] + "*" * 10 + id_number(1)[-4:]
    assert new[1].date_joined == datetime.date(2023, 5, 4)

    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.IMPORTED
    assert roster_import.imported_count == 2
    audit = AuditEvent.objects.get(action="roster.import")
    assert audit.extra["imported"] == 2
    done = secretary_client.get(response["Location"]).content.decode()
    assert "导入完成" in done


def test_importing_the_same_file_again_imports_nothing(mixed_file, secretary_client):
    upload(secretary_client, mixed_file)
    secretary_client.post(f"/roster/{latest_import().pk}/confirm/")
    count = Person.objects.count()

    upload(secretary_client, mixed_file)
    again = latest_import()
    assert again.good_count == 0
    assert "手机号已登记" in reasons_by_row(again)[2]
    assert "身份证号已登记" in reasons_by_row(again)[2]
    page = secretary_client.get(f"/roster/{again.pk}/").content.decode()
    assert "没有可以导入的行" in page
    assert "确认导入" not in page

    response = secretary_client.post(f"/roster/{again.pk}/confirm/")
    assert response.status_code == 409
    assert "没有可以导入的行" in response.content.decode()
    assert Person.objects.count() == count


def test_a_secretary_of_one_community_cannot_import_into_anothers_grid(
    client, town, person_with_role
):
    qiaobei = person_with_role("secretary", town.qiaobei, real_name="桥北书记").user
    client.force_login(qiaobei)
    count = Person.objects.count()
    upload(client, xlsx([["王秀英", "13700000001", "", "群众", GRID1, "", ""]]))
    roster_import = latest_import()
    assert f"未找到网格“{GRID1}”" in reasons_by_row(roster_import)[2]
    assert client.post(f"/roster/{roster_import.pk}/confirm/").status_code == 409
    assert Person.objects.count() == count


def test_a_plain_member_gets_a_chinese_403_on_every_roster_page(client, town, person_with_role):
    member = person_with_role("member", town.liyuan_grid1).user
    client.force_login(member)
    for url in ("/roster/", "/roster/template.xlsx", "/roster/export.xlsx?kind=volunteers"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "没有权限" in response.content.decode()
    response = client.post("/roster/", {"kind": "volunteers", "file": as_upload(xlsx([]))})
    assert response.status_code == 403
    assert not RosterImport.objects.exists()


def test_signed_out_visitors_are_sent_to_log_in(client, db):
    response = client.get("/roster/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04 this is not really a zip", "名册.xlsx", "文件已损坏"),
        (xlsx([])[:300], "名册.xlsx", "文件已损坏"),
        ("姓名,手机号\n王秀英,13700000001\n".encode(), "名册.txt", "只能上传 .xlsx"),
        ("姓名,手机号\n".encode(), "名册.xlsx", "不是有效的 .xlsx"),
        (xlsx([["王秀英", "13700000001"]], headers=["姓名", "手机号"]), "名册.xlsx", "缺少这些列"),
        (xlsx([]), "名册.xlsx", "下面没有数据"),
        (xlsx([["甲", "乙"]], headers=["列一", "列二"]), "名册.xlsx", "没有找到表头"),
    ],
    ids=[
        "corrupt",
        "truncated",
        "txt",
        "csv-named-xlsx",
        "missing-headers",
        "no-rows",
        "no-header",
    ],
)
def test_a_bad_file_is_refused_with_400_and_a_chinese_message(
    secretary_client, content, name, message
):
    response = upload(secretary_client, content, name=name)
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert 'class="field-error"' in body
    assert not RosterImport.objects.exists()


def test_an_upload_without_a_file_or_kind_is_refused_with_400(mixed_file, secretary_client):
    response = secretary_client.post("/roster/", {"kind": "volunteers"})
    assert response.status_code == 400
    assert "请选择要上传的名册文件" in response.content.decode()
    response = secretary_client.post("/roster/", {"file": as_upload(mixed_file)})
    assert response.status_code == 400
    assert "请选择名册类型" in response.content.decode()


def test_too_many_rows_are_refused(secretary_client, monkeypatch):
    monkeypatch.setattr(roster.reading, "MAX_ROWS", 3)
    rows = [["某某", f"137000001{n:02d}", "", "", GRID1, "", ""] for n in range(4)]
    response = upload(secretary_client, xlsx(rows))
    assert response.status_code == 400
    assert "一次最多导入 3 行" in response.content.decode()


def test_a_file_too_big_or_inflating_too_far_is_refused(secretary_client, monkeypatch):
    content = xlsx([["王秀英", "13700000001", "", "", GRID1, "", ""]])
    monkeypatch.setattr(roster.reading, "MAX_FILE_BYTES", len(content) - 1)
    response = upload(secretary_client, content)
    assert response.status_code == 400
    assert "文件太大" in response.content.decode()
    monkeypatch.setattr(roster.reading, "MAX_FILE_BYTES", len(content))
    monkeypatch.setattr(roster.reading, "MAX_UNPACKED_BYTES", 1000)
    response = upload(secretary_client, content)
    assert response.status_code == 400
    assert "文件内容过大" in response.content.decode()


def test_a_party_member_roster_uploaded_as_volunteers_is_refused(secretary_client):
    response = upload(secretary_client, xlsx([], headers=PARTY_HEADERS), kind="volunteers")
    assert response.status_code == 400
    assert "党员名册" in response.content.decode()


def test_confirming_twice_is_refused(mixed_file, secretary_client):
    upload(secretary_client, mixed_file)
    roster_import = latest_import()
    secretary_client.post(f"/roster/{roster_import.pk}/confirm/")
    count = Person.objects.count()
    response = secretary_client.post(f"/roster/{roster_import.pk}/confirm/")
    assert response.status_code == 409
    assert "已经导入过了" in response.content.decode()
    assert Person.objects.count() == count
    assert AuditEvent.objects.filter(action="roster.import").count() == 1


def test_someone_elses_import_cannot_be_seen_or_confirmed(
    mixed_file, secretary, town, person_with_role, client
):
    upload_file = as_upload(mixed_file)
    roster_import = roster_import_preview(by=secretary, kind="volunteers", file=upload_file)
    other = person_with_role("secretary", town.liyuan, real_name="另一位书记").user

    with pytest.raises(DomainError) as exc:
        roster_import_confirm(roster_import=roster_import, by=other)
    assert exc.value.code == "forbidden"

    client.force_login(other)
    assert client.get(f"/roster/{roster_import.pk}/").status_code == 404
    assert client.post(f"/roster/{roster_import.pk}/confirm/").status_code == 404
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PREVIEWED


def test_rows_that_became_duplicates_since_the_preview_are_skipped_and_reported(
    mixed_file, secretary_client, secretary
):
    upload(secretary_client, mixed_file)
    roster_import = latest_import()
    person_create(real_name="王秀英", phone="13700000001")  # registered meanwhile

    roster_import = roster_import_confirm(roster_import=roster_import, by=secretary)
    assert roster_import.imported_count == 1
    assert roster_import.skipped_rows == [
        {"row": 2, "real_name": "王秀英", "reasons": ["预览后该手机号已被登记"]}
    ]
    assert Person.objects.filter(phone="13700000008").exists()
    page = secretary_client.get(f"/roster/{roster_import.pk}/done/").content.decode()
    assert "第 2 行" in page and "预览后该手机号已被登记" in page


def test_discarding_a_preview_writes_nobody(mixed_file, secretary_client):
    upload(secretary_client, mixed_file)
    roster_import = latest_import()
    count = Person.objects.count()
    response = secretary_client.post(f"/roster/{roster_import.pk}/discard/")
    assert response.status_code == 302
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DISCARDED
    assert all("id_number_encrypted" not in row for row in roster_import.good_rows)
    assert secretary_client.post(f"/roster/{roster_import.pk}/confirm/").status_code == 409
    assert Person.objects.count() == count


def test_a_previewed_id_number_is_kept_encrypted_not_in_plain(mixed_file, secretary_client):
    upload(secretary_client, mixed_file)
    stored = str(RosterImport.objects.values().get())
    assert id_number(1) not in stored
    assert id_number(1)[:4] + "**********" in stored


def test_a_party_member_roster_sets_branch_unit_and_in_service(client, town, person_with_role):
    admin = person_with_role("admin", town.town, real_name="镇管理员").user
    client.force_login(admin)
    branch, unit = town.liyuan_branch.name, town.unit.code
    rows = [
        ["张建国", "13700000011", "", "中共党员", GRID1, "", "", branch, unit, "是"],
        ["刘红", "13700000012", "", "中共预备党员", GRID2, "", "", branch, "", "否"],
        ["陈平", "13700000013", "", "群众", GRID2, "", "", branch, "", "否"],  # not a party member
        ["黄海", "13700000014", "", "中共党员", GRID2, "", "", "", "", "是"],  # no employer
    ]
    upload(client, xlsx(rows, headers=PARTY_HEADERS), kind="party_members")
    roster_import = latest_import()
    reasons = reasons_by_row(roster_import)
    assert set(reasons) == {4, 5}
    assert "政治面貌应为中共党员或中共预备党员" in reasons[4]
    assert "在职党员须填写在职单位" in reasons[5]

    client.post(f"/roster/{roster_import.pk}/confirm/")
    zhang = Person.objects.get(phone="13700000011")
    assert (zhang.party_branch, zhang.employer_unit, zhang.in_service) == (
        town.liyuan_branch,
        town.unit,
        True,
    )
    liu = Person.objects.get(phone="13700000012")
    assert (liu.political_status, liu.in_service) == ("probationary_member", False)


def test_a_community_secretary_may_name_any_employer_unit_but_only_own_branches(
    secretary_client, town
):
    rows = [
        [
            "孙立",
            "13700000021",
            "",
            "中共党员",
            GRID1,
            "",
            "",
            town.liyuan_branch.name,
            town.unit.name,
            "是",
        ],
        [
            "周敏",
            "13700000022",
            "",
            "中共党员",
            GRID1,
            "",
            "",
            town.qiaobei_branch.name,
            town.unit.name,
            "是",
        ],
    ]
    upload(secretary_client, xlsx(rows, headers=PARTY_HEADERS), kind="party_members")
    roster_import = latest_import()
    assert set(reasons_by_row(roster_import)) == {3}  # 桥北's branch is outside 梨园
    secretary_client.post(f"/roster/{roster_import.pk}/confirm/")
    sun = Person.objects.get(phone="13700000021")
    assert (sun.party_branch, sun.employer_unit) == (town.liyuan_branch, town.unit)
    assert not Person.objects.filter(phone="13700000022").exists()


def test_spreadsheet_quirks_are_understood(secretary_client, town):
    """Numbers typed as numbers, Excel dates, a title line above the headers."""
    rows = [
        ["马兰", 13700000021, "", "", GRID1, "", datetime.datetime(2022, 1, 2)],  # noqa: DTZ001 Excel dates are naive
        ["牛犇", "137 0000 0022", "", "团员", "liyuan-grid-2", "", "2021年7月1日"],
        ["杨帆", "13700000023", 6.20982199001011e17, "", GRID1, "", ""],
        ["朱丹", "13700000024", "", "", GRID1, "", "明年"],
    ]
    upload(secretary_client, xlsx(rows, title_row="梨园社区志愿者名册"))
    roster_import = latest_import()
    good = {r["phone"]: r for r in roster_import.good_rows}
    assert good["13700000021"]["date_joined"] == "2022-01-02"
    assert good["13700000022"]["home_grid_id"] == town.liyuan_grid2.pk
    assert good["13700000022"]["political_status"] == "league_member"
    reasons = reasons_by_row(roster_import)
    assert "存成了数字" in reasons[5]
    assert "加入日期“明年”无法识别" in reasons[6]


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


cell_values = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 1, 1)),
    st.sampled_from([GRID1, QIAOBEI_GRID, "是", "中共党员", "13700000041", id_number(41)]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.lists(cell_values, min_size=0, max_size=11), min_size=1, max_size=6),
    kind=st.sampled_from(["volunteers", "party_members"]),
)
def test_no_roster_content_makes_a_server_error(secretary_client, rows, kind):
    headers = PARTY_HEADERS if kind == "party_members" else VOLUNTEER_HEADERS
    cleaned = [[_sheet_safe(v) for v in row] for row in rows]
    response = upload(secretary_client, xlsx(cleaned, headers=headers), kind=kind)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        confirm = secretary_client.post(f"{response['Location']}confirm/")
        assert confirm.status_code in (302, 409)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=st.binary(min_size=1, max_size=2000))
def test_no_uploaded_bytes_make_a_server_error(secretary_client, content):
    for prefix in (b"", b"PK\x03\x04"):
        response = upload(secretary_client, prefix + content)
        assert response.status_code == 400
        assert 'class="field-error"' in response.content.decode()


def _sheet_safe(value):
    """openpyxl refuses control characters in cells; Excel could not hold them either."""
    if isinstance(value, str):
        return "".join(c for c in value if c.isprintable()) or None
    return value


plausible_rows = st.lists(
    st.tuples(
        st.sampled_from(["王秀英", "", " ", "李" * 51, "张三"]),
        st.sampled_from(
            ["13700000051", "13700000052", "1370000005", 13700000053, "+86 137 0000 0054"]
        ),
        st.sampled_from(["", id_number(51), id_number(52), bad_checksum(53), "6209**********0011"]),
        st.sampled_from(["", "群众", "中共党员", "预备党员", "团员", "无党派"]),
        st.sampled_from([GRID1, GRID2, QIAOBEI_GRID, "liyuan-grid-1", ""]),
        st.sampled_from(["", "理发", "技" * 201]),
        st.sampled_from(["", "2024-03-01", "2999-01-01", datetime.date(2020, 1, 1), "昨天"]),
        st.sampled_from(["", "梨园社区第一网格党支部", "桥北社区第一网格党支部"]),
        st.sampled_from(["", "敦煌市文化和旅游局", "unit-culture"]),
        st.sampled_from(["", "是", "否", "也许", True]),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=plausible_rows, kind=st.sampled_from(["volunteers", "party_members"]))
def test_whatever_is_previewed_good_is_imported_and_nothing_else(client, town, rows, kind):
    """Every good row becomes exactly one person; bad rows none; never a server error."""
    from django.contrib.auth import get_user_model

    admin, _ = get_user_model().objects.get_or_create(username="fuzz-admin", is_superuser=True)
    client.force_login(admin)
    headers = PARTY_HEADERS if kind == "party_members" else VOLUNTEER_HEADERS
    response = upload(
        client, xlsx([list(r[: len(headers)]) for r in rows], headers=headers), kind=kind
    )
    assert response.status_code == 302
    roster_import = latest_import()
    before = Person.objects.count()
    confirm = client.post(f"/roster/{roster_import.pk}/confirm/")
    assert confirm.status_code == (302 if roster_import.good_count else 409)
    roster_import.refresh_from_db()
    assert roster_import.skipped_count == 0
    assert Person.objects.count() - before == roster_import.good_count
