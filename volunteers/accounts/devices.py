"""The signed device cookie: a browser the account has logged in from before (OWASP)."""

import logging
import secrets

from django.conf import settings
from django.core import signing

logger = logging.getLogger("shazhou.accounts")


# A browser that logged in to an account carries this signed cookie for half a year.
DEVICE_COOKIE = "sz_device"
DEVICE_SALT = "volunteers.accounts.device"
DEVICE_MAX_AGE = 180 * 24 * 3600


def known_device(request, user) -> str | None:
    """The token of this browser's device cookie, if it was issued to ``user``."""
    if user is None or request is None:
        return None
    try:
        value = request.get_signed_cookie(
            DEVICE_COOKIE, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE, default=None
        )
    except signing.BadSignature:
        return None
    user_pk, _sep, token = (value or "").partition(":")
    return token if token and user_pk == str(user.pk) else None


def remember_device(request, response, user) -> None:
    token = known_device(request, user) or secrets.token_urlsafe(12)
    response.set_signed_cookie(
        DEVICE_COOKIE,
        f"{user.pk}:{token}",
        salt=DEVICE_SALT,
        max_age=DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
