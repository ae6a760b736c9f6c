"""Signed, short-lived QR tokens.

Each token is signed with a salt of its own purpose (check-in, check-out, personal
code, community reporting), carries what it is bound to and when it was issued,
and lives only a short while. A screenshot passed round a WeChat group is stale
within a minute; a token for one activity or purpose is refused for any other.
"""

import datetime
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

# The organiser's screen shows a new code every ROTATE_SECONDS; a code stays good for
# TOKEN_LIFE_SECONDS so a phone on a slow network that scanned just before the change
# still gets through.
ROTATE_SECONDS = 30
TOKEN_LIFE_SECONDS = 90
# A poster printed for a community's 报到 is long-lived by design.
POSTER_LIFE_SECONDS = 366 * 24 * 3600


class Purpose:
    CHECK_IN = "in"
    CHECK_OUT = "out"
    PERSONAL = "me"
    REPORT = "report"

    ALL = (CHECK_IN, CHECK_OUT, PERSONAL, REPORT)


LIFETIMES = {
    Purpose.CHECK_IN: TOKEN_LIFE_SECONDS,
    Purpose.CHECK_OUT: TOKEN_LIFE_SECONDS,
    Purpose.PERSONAL: TOKEN_LIFE_SECONDS,
    Purpose.REPORT: POSTER_LIFE_SECONDS,
}


class TokenError(Exception):
    """A refused token; ``code`` is one of ScanAttempt's reason codes."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Token:
    purpose: str
    subject_id: int  # an activity, a person or a community, by purpose
    issued_at: datetime.datetime


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"shazhou.qr.{purpose}")


def make_token(*, purpose: str, subject_id: int) -> str:
    if purpose not in Purpose.ALL:
        raise ValueError(purpose)
    return _signer(purpose).sign(f"{purpose}.{int(subject_id)}")


def read_token(
    token: str,
    *,
    purposes: str | tuple[str, ...],
    scanned_at: datetime.datetime | None = None,
) -> Token:
    """Check the signature, the purpose and the age at ``scanned_at`` (default: now).

    ``scanned_at`` lets a scan made before logging in be honoured after login.
    """
    if isinstance(purposes, str):
        purposes = (purposes,)
    token = (token or "").strip()
    if len(token) > 200:
        raise TokenError("forged")
    # Each purpose has its own salt, so a token of another purpose fails the signature.
    # Tell the person which it was, rather than calling a real code forged.
    for candidate in Purpose.ALL:
        try:
            value = signing.Signer(salt=f"shazhou.qr.{candidate}").unsign(token)
        except signing.BadSignature:
            continue
        if candidate not in purposes:
            raise TokenError("wrong_purpose")
        purpose = candidate
        break
    else:
        raise TokenError("forged")
    payload, _sep, stamp = value.rpartition(":")
    token_purpose, _dot, subject = payload.partition(".")
    try:
        issued = datetime.datetime.fromtimestamp(signing.b62_decode(stamp), tz=datetime.UTC)
        subject_id = int(subject)
    except (ValueError, OverflowError):
        raise TokenError("forged") from None
    if token_purpose != purpose:
        raise TokenError("forged")
    at = scanned_at or timezone.now()
    age = (at - issued).total_seconds()
    if age > LIFETIMES[purpose] or age < -5:
        raise TokenError("expired")
    return Token(purpose=purpose, subject_id=subject_id, issued_at=issued)
