"""A roster upload is read in bounded time: a file built to tie up a web worker is refused fast.

The hostile files are written here directly as sheet XML in a zip (an .xlsx is no more than
that), so making them costs milliseconds even when they inflate to tens of megabytes.
"""

import io
import time
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from volunteers import roster
from volunteers.models import Person, RosterImport

HEADERS = ["姓名", "手机号", "身份证号(选填)", "政治面貌", "所属网格", "技能特长", "加入日期"]
GRID1 = "梨园社区第1网格"
SHEET = "xl/worksheets/sheet1.xml"
OPEN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
# Loose, but real: each hostile file must be answered well inside what a person waits for.
PROMPT = 2.0


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def text_row(number: int, values) -> bytes:
    cells = "".join(
        inline(f"{get_column_letter(i)}{number}", v) for i, v in enumerate(values, 1) if v
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook's parts around ``sheet_xml`` as its first (only) sheet."""
    workbook = Workbook()
    workbook.active.title = "名册"
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for info in source.infolist():
            data = sheet_xml if info.filename == SHEET else source.read(info)
            target.writestr(info.filename, data)
    return out.getvalue()


def sheet_xml(rows: bytes, *, dimension: str | None = None) -> bytes:
    declared = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return OPEN + declared + b"<sheetData>" + rows + b"</sheetData></worksheet>"


A_PERSON = ["王秀英", "13700000001", "", "群众", GRID1, "理发", "2024-03-01"]


def upload(client, content: bytes):
    file = io.BytesIO(content)
    file.name = "名册.xlsx"
    started = time.monotonic()
    response = client.post("/roster/", {"kind": "volunteers", "file": file})
    return response, time.monotonic() - started


@pytest.fixture
def secretary_client(client, town, person_with_role):
    client.force_login(person_with_role("secretary", town.liyuan, real_name="梨园书记").user)
    return client


def refused(response, message: str, elapsed: float) -> None:
    body = response.content.decode()
    assert 400 <= response.status_code < 500, response.status_code
    assert message in body, body[-2000:]
    assert 'class="field-error"' in body
    assert elapsed < PROMPT, f"took {elapsed:.2f} s"
    assert not RosterImport.objects.exists()


def test_sixty_megabytes_of_blank_rows_are_refused_at_once(secretary_client):
    # A header, one person, then ~58 MB of empty rows with a height set: under the old
    # 60 MB cap on the whole file, so only a bound on the sheet itself stops it.
    blank = b'<row ht="15" customHeight="1" spans="1:7"/>'
    rows = text_row(1, HEADERS) + text_row(2, A_PERSON) + blank * (58 * 2**20 // len(blank))
    content = xlsx_with_sheet(sheet_xml(rows))
    assert len(content) < roster.reading.MAX_FILE_BYTES  # small to upload, huge to read
    people = Person.objects.count()

    response, elapsed = upload(secretary_client, content)

    refused(response, "文件内容过大", elapsed)
    assert Person.objects.count() == people


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_a_sixteen_thousand_column_sheet_is_refused_at_once(secretary_client, declared):
    width = 16_000
    filler = ["x"] * (width - len(HEADERS))
    rows = b"".join(
        text_row(n, values + filler) for n, values in enumerate([HEADERS, A_PERSON, A_PERSON], 1)
    )
    dimension = f"A1:{get_column_letter(width)}3" if declared else None
    people = Person.objects.count()

    response, elapsed = upload(
        secretary_client, xlsx_with_sheet(sheet_xml(rows, dimension=dimension))
    )

    refused(response, "列数远超名册", elapsed)
    assert Person.objects.count() == people


def test_a_sheet_longer_than_a_roster_can_be_is_refused(secretary_client, monkeypatch):
    monkeypatch.setattr(roster.reading, "MAX_SHEET_ROWS", 50)
    rows = text_row(1, HEADERS) + text_row(2, A_PERSON) + text_row(60, A_PERSON)

    response, elapsed = upload(secretary_client, xlsx_with_sheet(sheet_xml(rows)))

    refused(response, "超过 50 行", elapsed)


def test_far_more_cells_than_a_roster_holds_are_refused(secretary_client, monkeypatch):
    monkeypatch.setattr(roster.reading, "MAX_CELLS", 20)
    rows = text_row(1, HEADERS) + b"".join(text_row(n, A_PERSON) for n in range(2, 6))

    response, elapsed = upload(secretary_client, xlsx_with_sheet(sheet_xml(rows)))

    refused(response, "单元格远多于", elapsed)


def test_reading_stops_when_its_time_is_spent(secretary_client, settings):
    settings.ROSTER_READ_SECONDS = 0
    rows = text_row(1, HEADERS) + text_row(2, A_PERSON)

    response, elapsed = upload(secretary_client, xlsx_with_sheet(sheet_xml(rows)))

    refused(response, "读取超时", elapsed)


def test_notes_to_the_right_of_the_roster_are_ignored(secretary_client):
    notes = [""] * (100 - len(HEADERS) - 1) + ["备注：本行已核对"]
    rows = text_row(1, HEADERS) + text_row(2, A_PERSON + notes)

    response, _elapsed = upload(secretary_client, xlsx_with_sheet(sheet_xml(rows)))

    assert response.status_code == 302
    imported = RosterImport.objects.get()
    assert [row["real_name"] for row in imported.good_rows] == ["王秀英"]
