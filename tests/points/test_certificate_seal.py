"""The certificate carries the issuer's seal (设置 → 证明出具) and a 出具日期 in Chinese."""

import io

import pytest
from django.core.files.images import ImageFile
from PIL import Image
from pypdf import PdfReader
from wagtail.images import get_image_model
from wagtail.models import Site

from demo.pictures import render_seal
from points.certificate_pdf import certificate_pdf, seal_png
from points.models import CertificateSettings
from points.services.certificates import certificate_issue

from .test_certificates import VERIFY, pdf_text, served  # noqa: F401 -- the fixture

ISSUER = "沙州镇志愿服务支队"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def wagtail_image(content: bytes, name: str):
    image = get_image_model()(title=name)
    image.file = ImageFile(io.BytesIO(content), name=name)
    image.save()
    return image


@pytest.fixture
def sealed():
    """The default site's 证明出具 settings: the detachment issues, under its drawn seal."""
    seal = wagtail_image(render_seal(ISSUER), "seal.png")
    return CertificateSettings.objects.create(
        site=Site.objects.get(is_default_site=True), issuer_name=ISSUER, seal=seal
    )


def page_images(content: bytes) -> list:
    """The image XObjects drawn on the PDF's pages (the QR code, the seal)."""
    reader = PdfReader(io.BytesIO(content))
    found = []
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for xobject in xobjects.values():
            xobject = xobject.get_object()
            if xobject["/Subtype"] == "/Image":
                found.append(xobject)
    return found


@pytest.mark.cjk_font
def test_a_sealed_certificate_names_the_issuer_and_carries_the_seal(served, sealed):  # noqa: F811
    certificate = certificate_issue(person=served)
    assert certificate.facts["issuer"] == ISSUER
    assert certificate.facts["seal_image_id"] == sealed.seal_id

    content = certificate_pdf(certificate, verify_url=VERIFY.format(certificate.number))
    text = pdf_text(content)
    issued = certificate.issued_on
    assert f"出具单位：{ISSUER}" in text
    assert f"出具日期：{issued.year}年{issued.month}月{issued.day}日" in text
    images = page_images(content)
    assert len(images) == 2  # the QR code and the seal
    # The seal keeps its transparency (a soft mask), so the text under it stays readable.
    assert any("/SMask" in image for image in images)


@pytest.mark.cjk_font
def test_without_a_seal_the_certificate_has_only_its_qr(served):  # noqa: F811
    certificate = certificate_issue(person=served)
    assert certificate.facts["issuer"] == "梨园社区"
    assert certificate.facts["seal_image_id"] is None
    content = certificate_pdf(certificate, verify_url=VERIFY.format(certificate.number))
    assert len(page_images(content)) == 1
    assert "出具单位：梨园社区" in pdf_text(content)


@pytest.mark.cjk_font
def test_a_later_change_of_seal_or_issuer_leaves_issued_certificates_alone(
    served,  # noqa: F811
    sealed,
):
    certificate = certificate_issue(person=served)
    sealed.issuer_name = "另一个单位"
    sealed.seal = None
    sealed.save()

    certificate.refresh_from_db()
    content = certificate_pdf(certificate, verify_url=VERIFY.format(certificate.number))
    assert f"出具单位：{ISSUER}" in pdf_text(content)
    assert len(page_images(content)) == 2
    assert certificate_issue(person=served).facts["issuer"] == "另一个单位"


def test_the_verification_page_names_the_issuer(client, served, sealed):  # noqa: F811
    certificate = certificate_issue(person=served)
    html = client.get(f"/certificates/{certificate.number}/").content.decode()
    assert ISSUER in html


def test_a_seal_scanned_on_white_paper_stamps_without_a_white_box(db):
    scan = Image.new("RGB", (200, 200), (255, 255, 255))
    scan.paste((204, 20, 38), (80, 80, 120, 120))
    buffer = io.BytesIO()
    scan.save(buffer, "JPEG", quality=95)
    image = wagtail_image(buffer.getvalue(), "scan.jpg")

    stamped = Image.open(io.BytesIO(seal_png(image.pk)))
    assert stamped.mode == "RGBA"
    assert stamped.getpixel((5, 5))[3] < 10  # the paper is transparent
    assert stamped.getpixel((100, 100))[3] > 200  # the ink is not
    assert seal_png(None) is None
    assert seal_png(image.pk + 1000) is None


def test_the_demo_seal_is_a_red_ring_on_transparency():
    seal = Image.open(io.BytesIO(render_seal(ISSUER)))
    assert seal.mode == "RGBA" and seal.size == (600, 600)
    assert seal.getpixel((0, 0))[3] == 0  # outside the ring
    red, green, blue, alpha = seal.getpixel((300, 300))  # the star at the centre
    assert alpha == 255 and red > 150 and green < 60 and blue < 60
