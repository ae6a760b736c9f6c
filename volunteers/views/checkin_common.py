"""What the check-in pages share: where a scan came from, times, QR markup, rotation.

The family: ``scan`` (the volunteer's landing and 我的签到码), ``organiser`` (the
screen, its QR and the scanner) and ``attendance`` (the list, by hand, the export).
Thin on purpose: every write is a call into ``services.checkin`` or
``services.attendance``; refusals become pages or JSON through ``core.refusals``.
Every response is ``no-store``: a QR code or a check-in result must never come back
from a proxy, a cache or the back button of a shared phone.
"""

import datetime
import ipaddress
import math

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

from core import tokens
from core.qr import qr_svg
from volunteers.services.checkin import ScanSource

Purpose = tokens.Purpose
MODES = (Purpose.CHECK_IN, Purpose.CHECK_OUT)


def hhmm(value: datetime.datetime | None) -> str:
    return date_format(timezone.localtime(value), "H:i") if value else ""


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting as many X-Forwarded-For hops as allauth is told to."""
    candidate = request.META.get("REMOTE_ADDR", "")
    hops = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.headers.get("x-forwarded-for", "")
    if hops and forwarded:
        parts = [part.strip() for part in forwarded.split(",")]
        if len(parts) >= hops:
            candidate = parts[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def clean_text(value: str, limit: int) -> str:
    # NUL cannot be stored in a PostgreSQL text column; nothing legitimate contains it.
    return (value or "").replace("\x00", "")[:limit]


def scan_source(
    request: HttpRequest,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    can_ask_location: bool = False,
) -> ScanSource:
    return ScanSource(
        ip=client_ip(request),
        user_agent=clean_text(request.headers.get("user-agent", ""), 200),
        latitude=latitude,
        longitude=longitude,
        can_ask_location=can_ask_location,
    )


def seconds_left(now: datetime.datetime) -> int:
    """Seconds until the next rotation of every QR code."""
    elapsed = now.timestamp() % tokens.ROTATE_SECONDS
    return max(1, math.ceil(tokens.ROTATE_SECONDS - elapsed))


def qr_markup(data: str) -> SafeString:
    # qrcode draws only a path from the data; nothing of the data is echoed as markup.
    return mark_safe(qr_svg(data))
