"""What a check-in request carries and shows: where the scan came from, and clock times.

Shared by the scan pages, the organiser's scanner and the API's scan operations, so a scan
is logged the same way whichever door it came in by.
"""

import datetime
import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format

from volunteers.services.checkin import ScanSource


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
