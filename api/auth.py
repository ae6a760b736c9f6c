"""Who is calling: a person by their access token, or a town system by its key.

Headers only. A token in a URL ends up in logs, histories and Referer headers, so
``?access_token=`` and the like are never read: ninja's bearer reads ``Authorization``
and nothing else.
"""

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer

from api.models import ApiKey, ApiSession
from api.services.keys import key_for
from api.services.tokens import token_for_access

_CACHE = "_shazhou_api_token"


def bearer_of(request: HttpRequest) -> str:
    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else ""


def token_of(request: HttpRequest) -> ApiSession | None:
    """The live sign-in of the request's bearer token, looked up once per request."""
    raw = bearer_of(request)
    cached = getattr(request, _CACHE, None)
    if cached is not None and cached[0] == raw:
        return cached[1]
    token = token_for_access(raw) if raw else None
    setattr(request, _CACHE, (raw, token))
    return token


class PersonToken(HttpBearer):
    """``Authorization: Bearer sza_…``: the access token of a sign-in."""

    openapi_description = "访问令牌（sza_ 开头），由登录接口或刷新接口取得，几分钟内有效。"

    def authenticate(self, request: HttpRequest, token: str) -> ApiSession | None:
        found = token_of(request)
        if found is None:
            return None
        # The services and the permission rule read the person from request.user.
        request.user = found.user
        return found


class TownKey(APIKeyHeader):
    """``X-API-Key: szk_…``: a town system's read-only key, scoped to a subtree."""

    param_name = "X-API-Key"
    openapi_description = "接口密钥（szk_ 开头），由镇（街道）管理员在后台创建，只读。"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        return key_for(key) if key else None


person = PersonToken()
town_key = TownKey()


def auth_token(request: HttpRequest) -> ApiSession:
    """The sign-in behind an operation that requires ``person``."""
    token: Any = request.auth  # type: ignore[attr-defined]
    if not isinstance(token, ApiSession):
        raise TypeError("auth_token() is for operations with auth=person")
    return token


class Anonymous:
    """What ``request.auth`` is on an open operation called without a token."""


ANONYMOUS = Anonymous()


class MaybePersonToken(PersonToken):
    """Open operations (the activity list): anyone, and with a token, the person's own state.

    No ``Authorization`` header is anonymous; a header with a dead token is 401, so an app
    learns to refresh instead of silently showing a signed-out view.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get("Authorization"):
            return ANONYMOUS
        return super().__call__(request)


maybe_person = MaybePersonToken()


def signed_in_token(request: HttpRequest) -> ApiSession | None:
    """The sign-in behind an operation with ``maybe_person``; None when anonymous."""
    token: Any = request.auth  # type: ignore[attr-defined]
    return token if isinstance(token, ApiSession) else None
