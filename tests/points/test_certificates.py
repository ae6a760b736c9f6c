"""志愿服务记录证明: frozen facts, a PDF with an embedded CJK font, a QR that verifies."""

import io
import re

import pytest
import zxingcpp
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader

from core.errors import DomainError
from core.identity import id_number_checksum
from points.certificate_pdf import CertificateFontMissing, _resolve, certificate_pdf
from points.models import Certificate, ImmutableCertificateError
from points.services import points_award_for_attendance
from points.services.certificates import (
    certificate_issue,
    certificate_number_is_well_formed,
    certificate_number_new,
    certificate_revoke,
)
from volunteers.models import AuditEvent

ID_FIRST17 = "62098219900101123"
ID_NUMBER = ID_FIRST17 + id_number_checksum(ID_FIRST17)
VERIFY = "http://testserver/certificates/{}/"


@pytest.fixture
def served(make_person, town, past_activity, attend):
    """李志愿 of 梨园社区, with two approved services (2 h and 1.5 h) on record."""
    person = make_person(real_name="李志愿", home_grid=town.liyuan_grid1, id_number=ID_NUMBER)
    points_award_for_attendance(attendance=attend(past_activity(title="文明交通劝导"), person))
    points_award_for_attendance(
        attendance=attend(past_activity(title="敬老院探访", hours=1.5), person, minutes=90)
    )
    return person


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    # fpdf2 writes CFF fonts with an embedded two-byte encoding CMap, which pypdf reads
    # as one byte per code: each character comes out after a NUL. Compare without those
    # and without the spaces extraction puts between glyphs.
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def test_issuing_freezes_the_facts_and_numbers_the_certificate(served, town):
    certificate = certificate_issue(person=served, by=served.user)

    facts = certificate.facts
    assert facts["name"] == "李志愿"
    assert facts["id_number_masked"] == f"{ID_NUMBER[:4]}**********{ID_NUMBER[-4:]}"
    assert ID_NUMBER not in str(facts)
    assert facts["volunteer_number"] == served.volunteer_number
    assert facts["organisation"] == "梨园社区"
    assert facts["total_minutes"] == 210
    assert [row["minutes"] for row in facts["by_year"]] == [210]
    assert sorted((a["title"], a["minutes"]) for a in facts["by_activity"]) == [
        ("敬老院探访", 90),
        ("文明交通劝导", 120),
    ]
    assert certificate.issuing_organisation == town.liyuan
    assert certificate_number_is_well_formed(certificate.number)
    assert re.fullmatch(r"SZC-\d{4}-[2-9A-Z]{8}-[2-9A-Z]{4}", certificate.number)
    assert AuditEvent.objects.filter(
        action="certificate.issue", extra__certificate=certificate.number
    ).exists()


def test_an_issued_certificate_cannot_be_edited(served):
    certificate = certificate_issue(person=served)
    certificate.facts["name"] = "张冒充"
    with pytest.raises(ImmutableCertificateError):
        certificate.save()
    certificate.refresh_from_db()
    assert certificate.facts["name"] == "李志愿"


def test_later_service_does_not_change_an_issued_certificate(served, past_activity, attend):
    certificate = certificate_issue(person=served)
    points_award_for_attendance(attendance=attend(past_activity(title="植树"), served))
    certificate.refresh_from_db()
    assert certificate.total_minutes == 210
    assert certificate_issue(person=served).total_minutes == 330


def test_no_certificate_without_approved_service(make_person):
    person = make_person(real_name="新志愿")
    with pytest.raises(DomainError) as refusal:
        certificate_issue(person=person, by=person.user)
    assert "还没有已认定的志愿服务时长" in refusal.value.message
    assert not Certificate.objects.exists()


def test_nobody_issues_for_someone_they_do_not_manage(served, make_person):
    stranger = make_person(real_name="王路人")
    with pytest.raises(DomainError) as refusal:
        certificate_issue(person=served, by=stranger.user)
    assert refusal.value.code == "forbidden"
    assert not Certificate.objects.exists()


def test_an_altered_number_fails_its_check_part(served):
    number = certificate_issue(person=served).number
    body_start = len("SZC-2026-")
    swapped = "A" if number[body_start] != "A" else "B"
    altered = number[:body_start] + swapped + number[body_start + 1 :]
    assert not certificate_number_is_well_formed(altered)
    assert not certificate_number_is_well_formed(number.lower())
    assert not certificate_number_is_well_formed("SZC-2026-AAAAAAAA")


# --- The PDF ---------------------------------------------------------------------------


@pytest.mark.cjk_font
def test_the_pdf_states_the_facts_in_an_embedded_cjk_font(served):
    certificate = certificate_issue(person=served)
    content = certificate_pdf(certificate, verify_url=VERIFY.format(certificate.number))

    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    issued = certificate.issued_on
    for expected in (
        "志愿服务记录证明",
        "李志愿",
        f"{ID_NUMBER[:4]}**********{ID_NUMBER[-4:]}",
        served.volunteer_number,
        "3.5小时（210分钟）",
        "文明交通劝导",
        "敬老院探访",
        "出具单位：梨园社区",
        f"证明编号：{certificate.number}",
        f"出具日期：{issued.year}年{issued.month}月{issued.day}日",  # as official papers write it
    ):
        assert expected in text, expected
    assert ID_NUMBER not in text

    reader = PdfReader(io.BytesIO(content))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for font in fonts.values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        embedded.append(
            (str(font["/BaseFont"]), any(k in descriptor for k in ("/FontFile2", "/FontFile3")))
        )
    assert embedded and all(is_embedded for _name, is_embedded in embedded)
    assert any("CJK" in name for name, _is_embedded in embedded)


@pytest.mark.cjk_font
def test_the_pdfs_qr_opens_the_verification_page(served):
    certificate = certificate_issue(person=served)
    url = VERIFY.format(certificate.number)
    reader = PdfReader(io.BytesIO(certificate_pdf(certificate, verify_url=url)))
    images = [image for page in reader.pages for image in page.images]
    assert images
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(images[0].data)))
    assert [barcode.text for barcode in decoded] == [url]


def test_a_missing_font_is_a_clear_error(served, client):
    certificate = certificate_issue(person=served)
    _resolve.cache_clear()
    with override_settings(CERTIFICATE_FONT="/nonexistent/NoSuchFont.ttf"):
        with pytest.raises(CertificateFontMissing) as missing:
            certificate_pdf(certificate, verify_url="http://x/")
        assert "fonts-noto-cjk" in str(missing.value)
        assert "CERTIFICATE_FONT" in str(missing.value)
        client.force_login(served.user)
        response = client.get(f"/me/certificates/{certificate.number}.pdf")
        assert response.status_code == 503
        assert "找不到可用于志愿服务记录证明的中文字体" in response.content.decode()
    _resolve.cache_clear()


# --- Pages -----------------------------------------------------------------------------


@pytest.mark.cjk_font
def test_a_person_issues_and_downloads_their_certificate(client, served):
    client.force_login(served.user)
    page = client.post("/me/certificates/", follow=True)
    certificate = Certificate.objects.get(person=served)
    assert f"已开具志愿服务记录证明，编号 {certificate.number}" in page.content.decode()

    download = client.get(f"/me/certificates/{certificate.number}.pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "李志愿" in pdf_text(download.content)


def test_a_refused_issue_says_why(client, make_person):
    person = make_person(real_name="新志愿")
    client.force_login(person.user)
    response = client.post("/me/certificates/")
    assert response.status_code == 409
    assert "还没有已认定的志愿服务时长" in response.content.decode()


def test_nobody_else_downloads_my_certificate(client, served, make_person):
    certificate = certificate_issue(person=served)
    client.force_login(make_person(real_name="王路人").user)
    response = client.get(f"/me/certificates/{certificate.number}.pdf")
    assert response.status_code == 404


def test_the_public_page_shows_masked_facts_and_valid(client, served):
    certificate = certificate_issue(person=served)
    response = client.get(f"/certificates/{certificate.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "有效" in html and "无效" not in html
    assert "李*愿" in html and "李志愿" not in html
    assert ID_NUMBER not in html
    assert served.volunteer_number not in html
    assert "3.5 小时" in html
    assert "梨园社区" in html


@pytest.mark.parametrize("kind", ["altered", "unknown", "junk"])
def test_an_altered_or_unknown_number_is_invalid(client, served, kind):
    number = certificate_issue(person=served).number
    candidates = {
        "altered": number[:-1] + ("A" if number[-1] != "A" else "B"),
        "unknown": certificate_number_new(2026),  # a well-formed number never issued
        "junk": "%3Cscript%3Ex%3C",
    }
    response = client.get(f"/certificates/{candidates[kind]}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "无效" in html
    assert "李" not in html.split("证明编号", 1)[1]
    assert "<script>x" not in html


def test_a_secretary_revokes_with_a_reason(client, served, secretary):
    certificate = certificate_issue(person=served)
    client.force_login(secretary)
    page = client.get(f"/certificates/{certificate.number}/").content.decode()
    assert "撤销证明" in page

    no_reason = client.post(f"/certificates/{certificate.number}/revoke/", {"reason": " "})
    assert no_reason.status_code == 400
    assert "请填写撤销原因" in no_reason.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid

    revoked = client.post(
        f"/certificates/{certificate.number}/revoke/", {"reason": "时长登记有误"}, follow=True
    )
    assert "已撤销" in revoked.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "时长登记有误"
    assert certificate.revoked_by == secretary
    assert AuditEvent.objects.filter(
        action="certificate.revoke", extra__reason="时长登记有误"
    ).exists()
    client.logout()
    public = client.get(f"/certificates/{certificate.number}/").content.decode()
    assert "已撤销" in public and "有效</p>" not in public


def test_the_person_and_strangers_cannot_revoke(client, served, make_person):
    certificate = certificate_issue(person=served)
    for user in (served.user, make_person(real_name="王路人").user):
        client.force_login(user)
        assert "撤销证明" not in client.get(f"/certificates/{certificate.number}/").content.decode()
        response = client.post(
            f"/certificates/{certificate.number}/revoke/", {"reason": "我想撤销"}
        )
        assert response.status_code == 403
    with pytest.raises(DomainError):
        certificate_revoke(certificate=certificate, by=served.user, reason="我想撤销")
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_me_links_the_certificates(client, served):
    client.force_login(served.user)
    assert 'href="/me/certificates/"' in client.get("/me/").content.decode()
