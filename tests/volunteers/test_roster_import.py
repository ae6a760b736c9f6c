"""Roster import: what a secretary sees in the preview, and what ends up in the database
once confirmed (and the helpers that build roster files, used by the other roster tests)."""

import datetime
import io

import pytest
from openpyxl import Workbook

from core.errors import DomainError
from core.identity import id_number_checksum
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


def test_an_upload_without_a_file_or_kind_is_refused_with_400(mixed_file, secretary_client):
    response = secretary_client.post("/roster/", {"kind": "volunteers"})
    assert response.status_code == 400
    assert "请选择要上传的名册文件" in response.content.decode()
    response = secretary_client.post("/roster/", {"file": as_upload(mixed_file)})
    assert response.status_code == 400
    assert "请选择名册类型" in response.content.decode()


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
