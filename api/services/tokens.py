"""Signing in through the API: issue, use, refresh and revoke a person's tokens.

An access token lives minutes (``API_ACCESS_TOKEN_MINUTES``), a refresh token days
(``API_REFRESH_TOKEN_DAYS``). Both are 32 random bytes, shown once and kept as their
SHA-256 digest. A sign-in ends when the person signs out, revokes it on the security
page, changes their password (its fingerprint no longer matches), or when a refresh
token is presented a second time: someone copied it, so neither copy keeps working.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiSession
from core.errors import Gone, NotFound
from volunteers.models import User

ACCESS_PREFIX = "sza_"
REFRESH_PREFIX = "szr_"


class Revoked:
    """Why a sign-in ended (``ApiSession.revoked_reason``)."""

    LOGOUT = "logout"
    BY_PERSON = "revoked"
    PASSWORD = "password_changed"  # noqa: S105 (a reason, not a password)
    REUSED = "refresh_reused"
    ALL = "logout_all"


@dataclass(frozen=True)
class IssuedTokens:
    token: ApiSession
    access: str
    refresh: str

    @property
    def access_expires_at(self) -> datetime:
        return self.token.access_expires_at

    @property
    def refresh_expires_at(self) -> datetime:
        return self.token.refresh_expires_at


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def password_digest(user: User) -> str:
    """The password's fingerprint: Django's session hash of it, hashed once more."""
    return digest(user.get_session_auth_hash())


def _new_pair(token: ApiSession, now: datetime) -> tuple[str, str]:
    access = ACCESS_PREFIX + secrets.token_urlsafe(32)
    refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
    token.access_digest = digest(access)
    token.access_expires_at = now + timedelta(minutes=settings.API_ACCESS_TOKEN_MINUTES)
    token.refresh_digest = digest(refresh)
    token.refresh_expires_at = now + timedelta(days=settings.API_REFRESH_TOKEN_DAYS)
    return access, refresh


def issue_tokens(*, user: User, method: str, name: str = "", ip: str | None = None) -> IssuedTokens:
    """A new sign-in for ``user``, proven already (password, SMS code or WeChat)."""
    now = timezone.now()
    token = ApiSession(
        user=user,
        method=method,
        name=name[:80],
        password_digest=password_digest(user),
        last_used_at=now,
        last_ip=ip,
    )
    access, refresh = _new_pair(token, now)
    token.save()
    return IssuedTokens(token=token, access=access, refresh=refresh)


def token_for_access(raw: str) -> ApiSession | None:
    """The live sign-in an access token belongs to, or None (unknown, expired, revoked)."""
    if not raw.startswith(ACCESS_PREFIX):
        return None
    token = (
        ApiSession.objects.select_related("user")
        .filter(access_digest=digest(raw), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or token.access_expires_at <= now or not _still_good(token):
        return None
    # Written at most once a minute: a scan burst should not write a row per request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiSession.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def _still_good(token: ApiSession) -> bool:
    user = token.user
    if not user.is_active:
        return False
    if token.password_digest != password_digest(user):
        # Changed since: end it for good, so it is listed as ended and why.
        revoke(token=token, reason=Revoked.PASSWORD)
        return False
    return True


def refresh_tokens(*, refresh: str, ip: str | None = None) -> IssuedTokens:
    """A new pair for a good refresh token; the old pair stops working at once."""
    found = digest(refresh) if refresh.startswith(REFRESH_PREFIX) else ""
    if found:
        # Outside the refresh's transaction: the revocation stands although it refuses.
        for stolen in ApiSession.objects.filter(
            previous_refresh_digest=found, revoked_at__isnull=True
        ):
            revoke(token=stolen, reason=Revoked.REUSED)
    return _refresh(found, ip)


@transaction.atomic
def _refresh(found: str, ip: str | None) -> IssuedTokens:
    token = (
        (
            ApiSession.objects.select_for_update()
            .select_related("user")
            .filter(refresh_digest=found)
        ).first()
        if found
        else None
    )
    if token is None:
        raise NotFound("invalid_refresh_token", _("登录已失效，请重新登录。"))
    now = timezone.now()
    if token.revoked_at is not None or not _still_good(token):
        raise Gone("token_revoked", _("该登录已注销，请重新登录。"))
    if token.refresh_expires_at <= now:
        raise Gone("refresh_token_expired", _("登录已过期，请重新登录。"))
    token.previous_refresh_digest = token.refresh_digest
    access, new_refresh = _new_pair(token, now)
    token.last_used_at = now
    token.last_ip = ip
    token.save()
    return IssuedTokens(token=token, access=access, refresh=new_refresh)


def revoke(*, token: ApiSession, reason: str) -> None:
    """End one sign-in; its access and refresh tokens stop working at once."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_reason = reason
        ApiSession.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at, revoked_reason=reason
        )


def revoke_for_person(*, user: User, token_id: int) -> ApiSession:
    """The person ends one of their own sign-ins (security page, or the API)."""
    token = ApiSession.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound("token_not_found", _("没有找到这个登录设备。"))
    revoke(token=token, reason=Revoked.BY_PERSON)
    return token


def revoke_all(*, user: User, reason: str = Revoked.ALL) -> int:
    """End every sign-in of ``user``; how many were live."""
    return ApiSession.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def live_tokens(user: User) -> list[ApiSession]:
    """The person's sign-ins that still work, newest use first (the security page)."""
    now = timezone.now()
    return list(
        ApiSession.objects.filter(
            user=user, revoked_at__isnull=True, refresh_expires_at__gt=now
        ).order_by("-last_used_at", "-pk")
    )
