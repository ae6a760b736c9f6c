"""The 志愿服务记录证明 as a PDF: A4, a CJK font embedded, a QR that opens the check page.

The font comes from the machine (Debian's ``fonts-noto-cjk``), found by ``core.pdf`` with
``fc-match`` unless ``settings.CERTIFICATE_FONT`` names a file; fpdf2 embeds the
subset of glyphs the certificate uses, so the PDF reads the same on a phone with
no Chinese fonts at all. Rendering reads only the certificate's frozen facts:
the same certificate gives the same text whenever it is downloaded.
"""

import datetime
import io
import logging

from fpdf import FPDF
from fpdf.enums import BlendMode, XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image, ImageChops
from wagtail.images import get_image_model

from core import qr
from core.pdf import FONT_FAMILY, CjkFontMissing, cjk_font
from core.pdf import _resolve as _resolve  # its cache is cleared by the font tests
from points.models import Certificate

logger = logging.getLogger(__name__)

# One regular face is embedded; headings stand out by a sand fill, not by a bold face.
HEADINGS = FontFace(emphasis="", fill_color=(245, 236, 220))

# The font is found in core.pdf (the 双项认领卡 prints with it too); these names stay for
# the views and tests that know them.
CertificateFontMissing = CjkFontMissing


def certificate_font() -> tuple[str, int]:
    """(font file, index in a collection) for certificates; CertificateFontMissing if none."""
    return cjk_font("志愿服务记录证明")


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}"


def chinese_date(iso_date: str) -> str:
    """2026-03-05 → 2026年3月5日, as official documents write dates."""
    day = datetime.date.fromisoformat(iso_date)
    return f"{day.year}年{day.month}月{day.day}日"


# A seal (公章) is printed this wide: the 42 mm of a real one, a little smaller.
SEAL_MM = 40
SEAL_MAX_PIXELS = 600


def seal_png(image_id: int | None) -> bytes | None:
    """The seal frozen in a certificate as a PNG with transparency, or None (no seal).

    A seal scanned on white paper (no alpha channel) gets its whiteness made
    transparent, so it stamps over the text below it instead of covering it.
    A missing or unreadable image leaves the certificate without a seal.
    """
    if not image_id:
        return None
    image = get_image_model().objects.filter(pk=image_id).first()
    if image is None:
        return None
    try:
        with image.open_file() as file:
            picture = Image.open(io.BytesIO(file.read()))
            picture.load()
    except Exception:  # a missing or broken file must not stop the certificate
        logger.warning("证明的公章图片 %s 无法读取，证明不盖章", image_id, exc_info=True)
        return None
    picture.thumbnail((SEAL_MAX_PIXELS, SEAL_MAX_PIXELS))
    if "A" not in picture.getbands() and "transparency" not in picture.info:
        rgb = picture.convert("RGB")
        whiteness = ImageChops.darker(ImageChops.darker(*rgb.split()[:2]), rgb.split()[2])
        picture = rgb.convert("RGBA")
        picture.putalpha(whiteness.point(lambda value: 255 - value))
    buffer = io.BytesIO()
    picture.convert("RGBA").save(buffer, "PNG")
    return buffer.getvalue()


class CertificateDocument(FPDF):
    def __init__(self, certificate: Certificate):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.certificate = certificate
        path, index = certificate_font()
        self.add_font(FONT_FAMILY, fname=path, collection_font_number=index)
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_title(f"志愿服务记录证明 {certificate.number}")
        self.set_author(certificate.facts.get("organisation", ""))
        self.set_creator("美丽沙州")

    def footer(self):
        self.set_y(-15)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(110, 110, 110)
        self.cell(
            0,
            5,
            f"证明编号 {self.certificate.number}  ·  第 {self.page_no()} 页 / 共 {{nb}} 页",
            align="C",
        )


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """The certificate as PDF bytes; ``verify_url`` is what its QR code opens."""
    facts = certificate.facts
    pdf = CertificateDocument(certificate)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(FONT_FAMILY, size=22)
    pdf.set_text_color(142, 53, 34)
    pdf.cell(width, 14, "志愿服务记录证明", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(
        width, 6, f"编号：{certificate.number}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(6)

    pdf.set_text_color(30, 30, 30)
    pdf.set_font(FONT_FAMILY, size=12)
    id_part = f"身份证号：{facts.get('id_number_masked') or '未登记'}，"
    pdf.multi_cell(
        width,
        8,
        f"兹证明 {facts['name']}（{id_part}志愿者编号：{facts['volunteer_number']}）"
        f"参加志愿服务，经核实，截至 {chinese_date(facts['issued_on'])} 累计已认定志愿服务时长 "
        f"{_hours(facts['total_minutes'])} 小时（{facts['total_minutes']} 分钟）。明细如下：",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)

    pdf.set_font(FONT_FAMILY, size=13)
    pdf.cell(width, 9, "一、按年度", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, size=11)
    with pdf.table(
        col_widths=(1, 1), text_align=("LEFT", "RIGHT"), line_height=7, headings_style=HEADINGS
    ) as table:
        table.row(("年度", "服务时长（小时）"))
        for row in facts["by_year"]:
            table.row((f"{row['year']} 年", _hours(row["minutes"])))
        table.row(("合计", _hours(facts["total_minutes"])))
    pdf.ln(4)

    pdf.set_font(FONT_FAMILY, size=13)
    pdf.cell(width, 9, "二、按活动", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, size=10)
    with pdf.table(
        col_widths=(22, 70, 50, 24),
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
        line_height=6,
        headings_style=HEADINGS,
    ) as table:
        table.row(("日期", "活动", "组织单位", "时长（小时）"))
        for row in facts["by_activity"]:
            table.row((row["date"], row["title"], row["organisation"], _hours(row["minutes"])))
    pdf.ln(6)

    # The closing block (issuer, date, QR) stays together on one page.
    if pdf.get_y() > pdf.h - 22 - 52:
        pdf.add_page()
    top = pdf.get_y()
    qr_size = 38
    pdf.image(
        io.BytesIO(qr.qr_png(verify_url, box_size=8)),
        x=pdf.l_margin + width - qr_size,
        y=top,
        w=qr_size,
        h=qr_size,
    )
    pdf.set_font(FONT_FAMILY, size=12)
    text_width = width - qr_size - 6
    issuer = f"出具单位：{facts.get('issuer') or facts['organisation']}"
    issuer_width = pdf.get_string_width(issuer)
    pdf.cell(text_width, 8, issuer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(
        text_width,
        8,
        f"出具日期：{chinese_date(facts['issued_on'])}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.cell(text_width, 8, f"证明编号：{certificate.number}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(
        text_width,
        5,
        f"扫描右侧二维码或访问 {verify_url} 核验本证明的真伪和状态。"
        "本证明依据“美丽沙州”平台记录的已认定服务时长出具。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    seal = seal_png(facts.get("seal_image_id"))
    if seal is not None:
        # Stamped as a seal is: over the end of the issuer's name and the date, the QR clear.
        # Multiplied like ink on paper: the black text under the red stays legible.
        centre_x = min(pdf.l_margin + issuer_width - 8, pdf.l_margin + text_width - SEAL_MM / 2)
        with pdf.local_context(blend_mode=BlendMode.MULTIPLY):
            pdf.image(
                io.BytesIO(seal),
                x=max(pdf.l_margin, centre_x - SEAL_MM / 2),
                y=top - 3,
                w=SEAL_MM,
                h=SEAL_MM,
            )
    return bytes(pdf.output())
