"""Roster uploads that are refused (a broken or hostile file, the wrong roster, too
much), and fuzzed uploads: none makes a server error, and only good rows are imported."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteers import roster
from volunteers.models import Person, RosterImport

from .test_roster_import import (
    GRID1,
    GRID2,
    PARTY_HEADERS,
    QIAOBEI_GRID,
    VOLUNTEER_HEADERS,
    bad_checksum,
    id_number,
    latest_import,
    upload,
    xlsx,
)


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
