"""What the check-in pages share: QR markup (the rest is in ``volunteers.checkin_codes`` and
``volunteers.checkin_requests``, which the API's check-in operations share too).

The family: ``scan`` (the volunteer's landing and 我的签到码), ``organiser`` (the
screen, its QR and the scanner) and ``attendance`` (the list, by hand, the export).
Thin on purpose: every write is a call into ``services.checkin`` or
``services.attendance``; refusals become pages or JSON through ``core.refusals``.
Every response is ``no-store``: a QR code or a check-in result must never come back
from a proxy, a cache or the back button of a shared phone.
"""

from django.utils.safestring import SafeString, mark_safe

from core.qr import qr_svg


def qr_markup(data: str) -> SafeString:
    # qrcode draws only a path from the data; nothing of the data is echoed as markup.
    return mark_safe(qr_svg(data))
