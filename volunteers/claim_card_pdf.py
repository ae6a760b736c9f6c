"""The 在职党员双项认领卡 of a quarter as an A4 PDF, for the community to stamp and the
party member to hand to their employer unit.

Made like the 志愿服务记录证明 (``points.certificate_pdf``): fpdf2, one regular face of the
machine's CJK font (``core.pdf``) embedded as a subset. It prints what the card page
shows (``volunteers.selectors.claims.claim_card``) except the residents' contacts: paper
leaves the person's hands.
"""

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from core.pdf import FONT_FAMILY, chinese_date, cjk_font
from volunteers.selectors.claims import ClaimCard

TITLE = "在职党员双项认领卡"
HEADINGS = FontFace(emphasis="", fill_color=(245, 236, 220))
NOT_RECORDED = "未登记"


class ClaimCardDocument(FPDF):
    def __init__(self, card: ClaimCard):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.card = card
        path, index = cjk_font(TITLE)
        self.add_font(FONT_FAMILY, fname=path, collection_font_number=index)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_title(f"{TITLE} {card.quarter.label} {card.person.real_name}")
        self.set_author(card.person.real_name)
        self.set_creator("美丽沙州")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(110, 110, 110)
        printed = chinese_date(timezone.localdate())
        self.cell(
            0,
            5,
            f"美丽沙州 · {self.card.quarter.label} · 打印于 {printed}"
            f"  ·  第 {self.page_no()} 页 / 共 {{nb}} 页",
            align="C",
        )


def claim_card_pdf(card: ClaimCard) -> bytes:
    """The card as PDF bytes; ``core.pdf.CjkFontMissing`` when the machine has no font."""
    person = card.person
    pdf = ClaimCardDocument(card)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(FONT_FAMILY, size=22)
    pdf.set_text_color(142, 53, 34)
    pdf.cell(width, 14, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, size=12)
    pdf.set_text_color(80, 80, 80)
    pdf.cell(width, 7, card.quarter.label, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)

    pdf.set_text_color(30, 30, 30)
    pdf.set_font(FONT_FAMILY, size=11)

    def name_of(organisation: object) -> str:
        return getattr(organisation, "name", "") or NOT_RECORDED

    with pdf.table(
        col_widths=(22, 40, 22, 40), line_height=7, first_row_as_headings=False
    ) as table:
        table.row(("姓名", person.real_name, "志愿者编号", person.volunteer_number or ""))
        table.row(
            ("所在党支部", name_of(person.party_branch), "在职单位", name_of(person.employer_unit))
        )
        table.row(("报到社区", name_of(person.reported_community), "季度", card.quarter.label))
    pdf.ln(6)

    pdf.set_font(FONT_FAMILY, size=13)
    pdf.cell(width, 9, "认领与完成情况", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, size=9.5)
    if card.lines:
        with pdf.table(
            col_widths=(50, 46, 21, 21, 16, 16),
            text_align=("LEFT", "LEFT", "CENTER", "CENTER", "RIGHT", "CENTER"),
            line_height=6,
            headings_style=HEADINGS,
        ) as table:
            table.row(("需求", "社区/网格", "认领日期", "完成日期", "服务时长（小时）", "状态"))
            for line in card.lines:
                table.row(
                    (
                        line.title,
                        line.place,
                        line.claimed_on.isoformat(),
                        line.served_on.isoformat() if line.served_on else "",
                        line.hours,
                        str(line.claim.get_status_display()),
                    )
                )
    else:
        pdf.cell(width, 8, "本季度没有认领记录。", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    pdf.set_font(FONT_FAMILY, size=12)
    pdf.cell(
        width,
        8,
        f"本季度认领 {card.claimed} 项 · 完成 {card.done} 项 · 服务 {card.hours} 小时",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT_FAMILY, size=8.5)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(
        width,
        5,
        "认领计入认领当季，完成和服务时长计入网格员或需求人确认当季；"
        "待确认的服务确认后计入。本卡据“美丽沙州”平台记录打印。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    # The stamp and the date stay together at the foot, on one page.
    if pdf.get_y() > pdf.h - 22 - 40:
        pdf.add_page()
    pdf.ln(14)
    pdf.set_text_color(30, 30, 30)
    pdf.set_font(FONT_FAMILY, size=12)
    half = width / 2
    pdf.cell(half, 10, "社区（盖章）：", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(half, 10, "日期：      年    月    日", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
