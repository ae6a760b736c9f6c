"""QR images made on the server: SVG for screens, PNG for download and print."""

import io
from typing import Any

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _qr(data: str) -> qrcode.QRCode[Any]:
    # Level M survives a smudged phone screen or a projector's glare; border 2 is
    # enough quiet zone on a white page.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=2)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(data: str) -> str:
    """An inline SVG element (no XML declaration), scaling to its container."""
    image = _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    return svg.split("?>", 1)[-1].strip()


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    code = _qr(data)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
