"""双项认领卡 (/me/claims/): what a quarter's card shows and counts, reporting a claim done,
withdrawing one, and the card as an A4 PDF.

Claims are made through ``services.needs`` as a party member would; a claim of another
quarter has its times moved there afterwards (the suite runs with the clock moved, so
every date is relative to today's quarter).
"""

import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from core.quarters import Quarter
from volunteers.models import Claim, Need, NeedCategory
from volunteers.services.needs import (
    claim_confirm,
    claim_report,
    claim_withdraw,
    need_claim,
    need_record,
)

PARTY = "party_member"
RESIDENT_NAME = "李淑芬"
RESIDENT_PHONE = "13712345678"
ADDRESS = "阳关中路3号楼2单元401"
CARD = "/me/claims/"
PDF = "/me/claims/card.pdf"


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Claim photos go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def category(db):
    return NeedCategory.objects.get_or_create(name="助困扶残与就业援助")[0]


@pytest.fixture
def grid_worker(person_with_role, town):
    return person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员王芳")


@pytest.fixture
def member(make_person, town):
    """赵文静: an in-service party member of 梨园's branch, working at the 文旅局."""
    person = make_person(
        real_name="赵文静",
        political_status=PARTY,
        party_branch=town.liyuan_branch,
        employer_unit=town.unit,
        in_service=True,
        home_grid=town.qiaobei_grid1,
    )
    person.reported_community = town.liyuan
    person.save(update_fields=["reported_community"])
    return person


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def make_need(grid_worker, town, category):
    def make(public_title: str, *, places: int = 1) -> Need:
        return need_record(
            by=grid_worker.user,
            grid=town.liyuan_grid1,
            kind=Need.Kind.SERVICE,
            category=category,
            title=f"{public_title}（{RESIDENT_NAME}）",
            public_title=public_title,
            resident_name=RESIDENT_NAME,
            resident_phone=RESIDENT_PHONE,
            address=ADDRESS,
            places=places,
            deadline=today() + datetime.timedelta(days=14),
            publish=True,
        )

    return make


@pytest.fixture
def claimed(make_need, member):
    """An open claim of ``member`` on a fresh need titled ``public_title``."""

    def make(public_title: str, **need_fields) -> Claim:
        return need_claim(need=make_need(public_title, **need_fields), person=member)

    return make


@pytest.fixture
def confirmed(claimed, member, grid_worker):
    def make(public_title: str, minutes: int = 90) -> Claim:
        claim = claimed(public_title)
        claim = claim_report(
            claim=claim, person=member, minutes=minutes, served_on=today(), note="已上门完成。"
        )
        return claim_confirm(claim=claim, by=grid_worker.user)

    return make


def move_to(claim: Claim, quarter: Quarter, *, confirmed: bool = False) -> None:
    """Put a claim's times (and its service day) on the 10th of ``quarter``'s first month."""
    start, _end = quarter.bounds()
    moment = start + datetime.timedelta(days=9, hours=10)
    changes = {"claimed_at": moment}
    if confirmed:
        changes.update(reported_at=moment, confirmed_at=moment, served_on=moment.date())
    Claim.objects.filter(pk=claim.pk).update(**changes)


def text_of(response) -> str:
    """The page's text without tags and with whitespace collapsed, as a reader sees it."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[\s\S]*?</\1>", " ", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def screen_part(response) -> str:
    """The card as the screen shows it (the print-only table left out)."""
    html = response.content.decode().split('<div class="claim-print"')[0]
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<style[\s\S]*?</style>", " ", html)).split())


def png(name: str = "done.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# ---------------------------------------------------------------- the card


def test_the_card_shows_the_person_this_quarters_claims_and_totals(
    member_client, claimed, confirmed, member
):
    claimed("为独居老人代购药品")
    confirmed("陪同残疾人就医", minutes=90)
    withdrawn = claimed("帮忙搬运冬储白菜")
    claim_withdraw(claim=withdrawn, person=member)

    response = member_client.get(CARD)
    assert response.status_code == 200
    page = screen_part(response)
    for fact in ("赵文静", "梨园社区第一网格党支部", "敦煌市文化和旅游局", "梨园社区"):
        assert fact in page, fact
    assert Quarter.current().label in page
    for title in ("为独居老人代购药品", "陪同残疾人就医", "帮忙搬运冬储白菜"):
        assert title in page, title
    badges = re.findall(r'data-status="(\w+)">([^<]+)<', response.content.decode())
    assert sorted(badges) == [
        ("claimed", "已认领"),
        ("confirmed", "已完成"),
        ("withdrawn", "已撤回"),
    ]
    # The withdrawn claim is listed but not counted; 90 minutes are 1.5 hours.
    assert "认领 2 项 完成 1 项 服务 1.5 小时" in page
    assert "梨园社区·梨园社区第1网格" in page


def test_each_quarter_shows_its_own_claims_and_an_open_one_carries_over(
    member_client, claimed, confirmed
):
    last = Quarter.current().previous
    done_last_quarter = confirmed("文明交通劝导值守", minutes=120)
    move_to(done_last_quarter, last, confirmed=True)
    still_open = claimed("为独居老人代购药品")
    move_to(still_open, last)

    now = screen_part(member_client.get(CARD))
    assert "文明交通劝导值守" not in now
    # Still to do: on today's card, counted in the quarter it was claimed in.
    assert "为独居老人代购药品" in now
    assert "认领 0 项 完成 0 项 服务 0.0 小时" in now

    then = screen_part(member_client.get(CARD, {"quarter": last.key}))
    assert last.label in then
    assert "文明交通劝导值守" in then and "为独居老人代购药品" in then
    assert "认领 2 项 完成 1 项 服务 2.0 小时" in then


def test_a_claim_confirmed_this_quarter_counts_here_and_its_claim_there(member_client, confirmed):
    last = Quarter.current().previous
    claim = confirmed("陪同残疾人就医", minutes=60)
    move_to(claim, last)  # claimed last quarter, confirmed in this one

    assert "认领 0 项 完成 1 项 服务 1.0 小时" in screen_part(member_client.get(CARD))
    then = screen_part(member_client.get(CARD, {"quarter": last.key}))
    assert "认领 1 项 完成 0 项 服务 0.0 小时" in then


def test_the_residents_contact_is_shown_for_an_open_claim_only(
    member_client, claimed, confirmed, member
):
    claimed("为独居老人代购药品")
    page = screen_part(member_client.get(CARD))
    assert RESIDENT_NAME in page and RESIDENT_PHONE in page and ADDRESS in page
    assert f'href="tel:{RESIDENT_PHONE}"' in member_client.get(CARD).content.decode()

    Claim.objects.all().delete()
    Need.objects.all().delete()
    confirmed("陪同残疾人就医")
    withdrawn = claimed("帮忙搬运冬储白菜")
    claim_withdraw(claim=withdrawn, person=member)
    response = member_client.get(CARD)
    assert RESIDENT_PHONE not in response.content.decode()
    assert ADDRESS not in response.content.decode()


def test_the_printed_card_has_no_contacts_and_a_place_for_the_stamp(member_client, claimed):
    claimed("为独居老人代购药品")
    html = member_client.get(CARD).content.decode()
    printed = html.split('<div class="claim-print"')[1]
    assert "在职党员双项认领卡" in printed
    assert "社区（盖章）" in printed and "日期" in printed
    assert "为独居老人代购药品" in printed
    assert RESIDENT_PHONE not in printed and ADDRESS not in printed
    assert "@media print" in html and "size: A4" in html


@pytest.mark.parametrize(
    "junk",
    ["abc", "2026Q5", "2026Q0", "1999Q1", "99999Q1", "<script>alert(1)</script>", "2026-Q1"],
)
def test_a_quarter_that_cannot_be_read_shows_this_one_and_says_so(member_client, junk):
    response = member_client.get(CARD, {"quarter": junk})
    assert response.status_code == 200
    page = screen_part(response)
    assert Quarter.current().label in page
    assert "无法识别要查看的季度" in page
    assert "<script>alert(1)" not in response.content.decode()


def test_a_quarter_still_to_come_is_not_shown_and_has_no_next_link(member_client):
    current = Quarter.current()
    response = member_client.get(CARD, {"quarter": current.next.key})
    assert current.label in screen_part(response)
    assert "无法识别要查看的季度" in screen_part(response)
    html = response.content.decode()
    assert f'href="{CARD}?quarter={current.previous.key}"' in html
    assert f'href="{CARD}?quarter={current.next.key}"' not in html


def test_a_past_quarter_links_both_ways_and_back_to_this_one(member_client):
    last = Quarter.current().previous
    html = member_client.get(CARD, {"quarter": last.key.lower()}).content.decode()
    assert f'href="{CARD}?quarter={last.previous.key}"' in html
    assert f'href="{CARD}?quarter={Quarter.current().key}"' in html
    assert "回到本季度" in html


def test_the_card_asks_for_a_login(client):
    response = client.get(CARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_card_reads_as_many_queries_for_six_claims_as_for_one(member_client, claimed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    claimed("代购生活用品")
    member_client.get(CARD)  # the session and the site's settings, read once
    with CaptureQueriesContext(connection) as one:
        member_client.get(CARD)
    for n in range(5):
        claimed(f"代购生活用品{n}")
    with CaptureQueriesContext(connection) as six:
        member_client.get(CARD)
    assert len(six) == len(one), [q["sql"] for q in six]


def test_me_links_the_card_for_party_members_only(member_client, client, make_person):
    assert 'href="/me/claims/"' in member_client.get("/me/").content.decode()
    volunteer = make_person(real_name="普通志愿者")
    client.force_login(volunteer.user)
    assert 'href="/me/claims/"' not in client.get("/me/").content.decode()


# ---------------------------------------------------------------- reporting a claim done


def report_form(**changes):
    values = {
        "served_on": today().isoformat(),
        "hours": "1",
        "minutes": "30",
        "note": "陪同去医院，已送回家。",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def test_reporting_a_claim_done_sends_it_for_confirmation(member_client, claimed):
    claim = claimed("陪同残疾人就医")
    form = member_client.get(f"/me/claims/{claim.pk}/report/")
    html = form.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'accept="image/*"' in html
    assert f'value="{today().isoformat()}"' in html  # 服务日期 defaults to today

    response = member_client.post(
        f"/me/claims/{claim.pk}/report/", report_form(photo=png()), follow=True
    )
    assert response.redirect_chain[-1][0] == CARD
    assert "已提交，等待网格员或需求人确认。" in text_of(response)
    assert 'data-status="reported">待确认' in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REPORTED
    assert (claim.minutes, claim.served_on) == (90, today())
    assert claim.photo.name.endswith(".png")


def test_minutes_alone_are_enough(member_client, claimed):
    claim = claimed("陪同残疾人就医")
    response = member_client.post(
        f"/me/claims/{claim.pk}/report/", report_form(hours="", minutes="45")
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.minutes == 45


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours": "0", "minutes": "0"}, "服务时长应在 1 分钟到 24 小时之间。"),
        ({"hours": "25", "minutes": "0"}, "服务时长应在 1 分钟到 24 小时之间。"),
        ({"hours": "", "minutes": ""}, "请填写服务时长。"),
        ({"hours": "一个半"}, "小时数请填写整数。"),
        ({"minutes": "-5"}, "服务时长不能是负数。"),
        ({"served_on": "昨天"}, "请填写正确的日期"),
        ({"served_on": ""}, "请填写服务日期。"),
        ({"served_on": "future"}, "服务日期应在认领当天"),
        ({"served_on": "before"}, "服务日期应在认领当天"),
        ({"note": "<b>已完成</b>"}, "完成情况不能包含网页代码"),
        ({"note": "已完成\x07"}, "完成情况含有无法处理的控制字符"),
        ({"note": "   "}, "请填写完成情况。"),
        ({"note": "好" * 301}, "完成情况最多 300 个字。"),
        ({"photo": "not_image"}, "照片无法识别，请上传 JPG 或 PNG 图片。"),
    ],
)
def test_a_bad_report_says_why_by_its_field_and_writes_nothing(
    member_client, claimed, changes, message
):
    claim = claimed("陪同残疾人就医")
    if changes.get("served_on") == "future":
        changes["served_on"] = (today() + datetime.timedelta(days=1)).isoformat()
    if changes.get("served_on") == "before":
        changes["served_on"] = (today() - datetime.timedelta(days=1)).isoformat()
    if changes.get("photo") == "not_image":
        changes["photo"] = SimpleUploadedFile(
            "photo.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg"
        )

    response = member_client.post(f"/me/claims/{claim.pk}/report/", report_form(**changes))

    assert response.status_code == 400
    html = response.content.decode()
    errors = " ".join(re.findall(r'<ul class="errorlist"[^>]*>([\s\S]*?)</ul>', html))
    assert message in errors
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CLAIMED
    assert (claim.minutes, claim.served_on, claim.note, claim.photo.name) == (None, None, "", "")


def test_a_nul_in_the_report_is_refused_before_anything_is_written(member_client, claimed):
    claim = claimed("陪同残疾人就医")
    response = member_client.post(f"/me/claims/{claim.pk}/report/", report_form(note="好\x00"))
    assert response.status_code == 400
    assert "控制字符（NUL）" in text_of(response)
    claim.refresh_from_db()
    assert (claim.status, claim.note) == (Claim.Status.CLAIMED, "")


def test_a_claim_already_reported_is_not_reported_again(member_client, claimed, member):
    claim = claimed("陪同残疾人就医")
    claim_report(claim=claim, person=member, minutes=30, served_on=today(), note="已完成。")
    response = member_client.get(f"/me/claims/{claim.pk}/report/")
    assert response.status_code == 409
    assert "这条认领当前为“待确认”，不需要再提交完成情况。" in text_of(response)
    response = member_client.post(f"/me/claims/{claim.pk}/report/", report_form())
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.minutes == 30


def test_someone_elses_claim_is_not_found(client, claimed, make_person):
    claim = claimed("陪同残疾人就医")
    other = make_person(real_name="党员孙伟", political_status=PARTY)
    client.force_login(other.user)
    assert client.get(f"/me/claims/{claim.pk}/report/").status_code == 404
    assert client.post(f"/me/claims/{claim.pk}/report/", report_form()).status_code == 404
    assert client.post(f"/me/claims/{claim.pk}/withdraw/").status_code == 404
    assert client.get("/me/claims/999999/report/").status_code == 404
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CLAIMED


# ---------------------------------------------------------------- withdrawing


def test_withdrawing_gives_the_place_back_to_the_need(member_client, claimed):
    claim = claimed("为独居老人代购药品")
    need = claim.need
    need.refresh_from_db()
    assert need.status == Need.Status.CLAIMED

    card = member_client.get(CARD).content.decode()
    assert "撤回认领" in card and "确认撤回认领" in card
    response = member_client.post(
        f"/me/claims/{claim.pk}/withdraw/", {"quarter": Quarter.current().key}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{CARD}?quarter={Quarter.current().key}"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "已撤回对“为独居老人代购药品”的认领，名额已让给其他党员。"
    ]
    need.refresh_from_db()
    claim.refresh_from_db()
    assert (need.status, need.claimed_places) == (Need.Status.PUBLISHED, 0)
    assert claim.status == Claim.Status.WITHDRAWN


def test_a_reported_claim_cannot_be_withdrawn(member_client, claimed, member):
    claim = claimed("陪同残疾人就医")
    claim_report(claim=claim, person=member, minutes=30, served_on=today(), note="已完成。")
    response = member_client.post(f"/me/claims/{claim.pk}/withdraw/")
    assert response.status_code == 409
    assert "这条认领当前为“待确认”，不能撤回。" in text_of(response)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REPORTED


def test_withdrawing_is_a_post(member_client, claimed):
    claim = claimed("陪同残疾人就医")
    assert member_client.get(f"/me/claims/{claim.pk}/withdraw/").status_code == 405
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CLAIMED


# ---------------------------------------------------------------- the PDF


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    # As in the certificate tests: fpdf2's CFF fonts come out with a NUL after each
    # character; compare without those and without the spaces put between glyphs.
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


@pytest.mark.cjk_font
def test_the_pdf_is_the_card_on_a4_with_a_place_for_the_stamp(member_client, claimed, confirmed):
    claimed("为独居老人代购药品")
    confirmed("陪同残疾人就医", minutes=90)
    quarter = Quarter.current()

    response = member_client.get(PDF, {"quarter": quarter.key})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert quarter.key in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = pdf_text(response.content)
    for expected in (
        "在职党员双项认领卡",
        quarter.label,
        "赵文静",
        "梨园社区第一网格党支部",
        "敦煌市文化和旅游局",
        "为独居老人代购药品",
        "陪同残疾人就医",
        "梨园社区·梨园社区第1网格",
        "本季度认领2项·完成1项·服务1.5小时",
        "社区（盖章）",
        "日期",
    ):
        assert expected in text, expected
    assert RESIDENT_PHONE not in text and ADDRESS.replace(" ", "") not in text


@pytest.mark.cjk_font
def test_the_pdf_of_this_quarter_needs_no_parameter(member_client):
    response = member_client.get(PDF)
    assert response.status_code == 200
    assert "本季度没有认领记录" in pdf_text(response.content)


@pytest.mark.parametrize("junk", ["abc", "2026Q9", "1999Q1", "<b>"])
def test_the_pdf_refuses_a_quarter_it_cannot_read(member_client, junk):
    response = member_client.get(PDF, {"quarter": junk})
    assert response.status_code == 400
    assert "季度应写成年份加季度" in text_of(response)


def test_the_pdf_of_a_quarter_to_come_is_refused(member_client):
    response = member_client.get(PDF, {"quarter": Quarter.current().next.key})
    assert response.status_code == 400


# ---------------------------------------------------------------- quarters


def test_quarters_step_across_years_and_know_their_days():
    assert Quarter.parse("2026Q1").previous == Quarter(2025, 4)
    assert Quarter.parse("2025Q4").next == Quarter(2026, 1)
    assert Quarter(2026, 4).label == "2026年第4季度"
    assert (Quarter(2026, 1).first_day, Quarter(2026, 1).last_day) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 3, 31),
    )
    assert Quarter.of(datetime.date(2026, 7, 1)) == Quarter(2026, 3)
    for junk in ("", "2026", "2026Q5", "1999Q4", "2026Q1x"):
        with pytest.raises(ValueError):
            Quarter.parse(junk)
