"""Signing in through the API, by the web login's rules: password, SMS code, WeChat.

Every way in goes through allauth's adapter (``volunteers.accounts.adapter``), so the
API meets the same limits as the login pages: ``login`` per address, ``login_failed``
per number, ``request_login_code`` per number and address, the caps on SMS to numbers
nobody registered, the same six-digit code and the same SMS text. What the pages keep
in the browser's session (the code being waited for) is kept here in the cache under a
random challenge id, handed to the app signed; the code itself only as a digest.

A WeChat mini-program user is known by their openid for our app id. The first time,
WeChat's word is not enough: the person proves their phone with an SMS code and the
openid is bound to that phone's account (``WeChatBinding``); afterwards wx.login alone
signs them in.
"""

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from allauth.core.exceptions import RateLimited
from allauth.core.internal.httpkit import get_client_ip
from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from api.models import ApiSession, WeChatBinding
from api.services import wechat
from api.services.tokens import IssuedTokens, issue_tokens
from core import ratelimit as site_ratelimit
from core.errors import Conflict, Forbidden, Gone, Invalid, TooMany
from core.identity import MOBILE_RE, normalise_phone
from volunteers.models import User

CHALLENGE_SALT = "shazhou.api.sms-challenge"
TICKET_SALT = "shazhou.api.wechat-binding"
# wx.login to the SMS code and back: ten minutes to bind.
TICKET_SECONDS = 10 * 60
# Per client address: a refresh every quarter hour per app is the normal pace, so an
# office behind one address stays far below these; a scan of stolen tokens does not.
REFRESH_PER_MINUTE = 60
WECHAT_PER_MINUTE = 20

TOO_MANY_CODES = _("获取验证码太频繁，请稍后再试：同一手机号每分钟最多一次、每小时最多五次。")
CODE_EXPIRED = _("验证码已失效，请重新获取。")
PHONE_UNVERIFIED = _("这个手机号还没有通过短信验证：请先用短信验证码登录，之后也可以用密码登录。")


@dataclass(frozen=True)
class CodeSent:
    """An SMS code is on its way (or, for a number with no account, nothing tells)."""

    challenge: str
    expires_in: int


@dataclass(frozen=True)
class WeChatSignIn:
    """Signed in (``tokens``), or the openid still needs a phone (``binding_ticket``)."""

    tokens: IssuedTokens | None
    binding_ticket: str = ""
    ticket_expires_in: int = TICKET_SECONDS


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address as the login pages count it (allauth's trusted proxies)."""
    ip = get_client_ip(request)
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


def _message(request: HttpRequest, code: str) -> Any:
    return get_adapter(request).error_messages[code]


def _phone(raw: str) -> str:
    phone = normalise_phone(raw)
    if not MOBILE_RE.match(phone):
        raise Invalid("invalid_phone", _("请输入正确的 11 位手机号。"), field="phone")
    return phone


def _device(name: str | None) -> str:
    return (name or "").strip()[:80]


def _limit(request: HttpRequest, action: str, key: str | None = None) -> bool:
    """One hit on allauth's limit ``action``; False when over it."""
    try:
        return bool(ratelimit.consume(request, action=action, key=key))
    except PermissionDenied:  # allauth cannot tell the client's address (a proxy set-up)
        raise _address_unknown() from None


def _address_unknown() -> Forbidden:
    return Forbidden("client_address_unknown", _("无法确认您的网络地址，请稍后再试。"))


def _refuse_unusable(request: HttpRequest, user: User) -> None:
    if not user.is_active:
        raise Forbidden("account_inactive", _message(request, "account_inactive"))


# --- 手机号和密码 --------------------------------------------------------------------------


def login_with_password(
    *, request: HttpRequest, phone: str, password: str, device_name: str | None = None
) -> IssuedTokens:
    """Phone and password, counted against the web login's limits."""
    if not _limit(request, "login"):
        raise TooMany("too_many_login_attempts", _message(request, "too_many_login_attempts"))
    phone = _phone(phone)
    adapter = get_adapter(request)
    try:
        # pre_authenticate counts the failure limit per number; a success rolls it back.
        user = adapter.authenticate(request, phone=phone, password=password)
    except forms.ValidationError:
        raise TooMany(
            "too_many_login_attempts", _message(request, "too_many_login_attempts")
        ) from None
    except PermissionDenied:
        raise _address_unknown() from None
    if user is None:
        raise Invalid("invalid_login", _message(request, "invalid_login"))
    _refuse_unusable(request, user)
    # The web login stops an unproven number at its SMS page; the API cannot show one.
    found = adapter.get_phone(user)
    if found is None or not found[1]:
        raise Forbidden("phone_unverified", PHONE_UNVERIFIED)
    return issue_tokens(
        user=user,
        method=ApiSession.Method.PASSWORD,
        name=_device(device_name),
        ip=client_ip(request),
    )


# --- 短信验证码 ---------------------------------------------------------------------------


def _challenge_key(challenge_id: str) -> str:
    return f"api:sms-challenge:{challenge_id}"


def _tries_key(challenge_id: str) -> str:
    return f"api:sms-challenge:{challenge_id}:tries"


def _code_digest(challenge_id: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{challenge_id}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def login_code_send(*, request: HttpRequest, phone: str) -> CodeSent:
    """Send the web code login's SMS; the answer is the same with or without an account."""
    phone = _phone(phone)
    if not _limit(request, "request_login_code", key=phone.lower()):
        raise TooMany("too_many_codes", TOO_MANY_CODES)
    adapter = get_adapter(request)
    user = adapter.get_user_by_phone(phone)
    digest = ""
    challenge_id = secrets.token_urlsafe(18)
    if user is not None:
        code = adapter.generate_phone_verification_code(user=user, phone=phone)
        digest = _code_digest(challenge_id, code)
        try:
            # ``reauthentication`` is how the adapter tells a login code (5 minutes).
            adapter.send_verification_code_sms(
                user=user, phone=phone, code=code, reauthentication=False
            )
        except RateLimited:
            raise TooMany("too_many_codes", TOO_MANY_CODES) from None
    else:
        # allauth's answer to a number with no account: a notice to it, capped.
        adapter.send_unknown_account_sms(phone)
    timeout = account_settings.LOGIN_BY_CODE_TIMEOUT
    cache.set(
        _challenge_key(challenge_id),
        {"user_id": user.pk if user is not None else None, "phone": phone, "code": digest},
        timeout,
    )
    return CodeSent(challenge=signing.dumps(challenge_id, salt=CHALLENGE_SALT), expires_in=timeout)


def _read_challenge(challenge: str) -> str:
    try:
        challenge_id = signing.loads(
            challenge, salt=CHALLENGE_SALT, max_age=account_settings.LOGIN_BY_CODE_TIMEOUT
        )
    except signing.SignatureExpired:
        raise Gone("code_expired", CODE_EXPIRED) from None
    except signing.BadSignature:
        raise Invalid(
            "invalid_challenge", _("验证码请求无效，请重新获取验证码。"), field="challenge"
        ) from None
    if not isinstance(challenge_id, str):
        raise Invalid("invalid_challenge", _("验证码请求无效，请重新获取验证码。"))
    return challenge_id


def _count_try(challenge_id: str) -> int:
    key = _tries_key(challenge_id)
    cache.add(key, 0, account_settings.LOGIN_BY_CODE_TIMEOUT)
    try:
        tries: int = cache.incr(key)
    except ValueError:  # gone between add() and incr(): the challenge is over
        return account_settings.LOGIN_BY_CODE_MAX_ATTEMPTS + 1
    return tries


def _code_proven(*, request: HttpRequest, challenge: str, code: str) -> User:
    """The account whose phone the SMS code proves; a wrong code counts, and ends it at last."""
    challenge_id = _read_challenge(challenge)
    state = cache.get(_challenge_key(challenge_id))
    if not isinstance(state, dict):
        raise Gone("code_expired", CODE_EXPIRED)
    keys = [_challenge_key(challenge_id), _tries_key(challenge_id)]
    tries = _count_try(challenge_id)
    most = account_settings.LOGIN_BY_CODE_MAX_ATTEMPTS
    if tries > most:
        cache.delete_many(keys)
        raise Gone("code_expired", CODE_EXPIRED)
    expected = state.get("code") or ""
    given = _code_digest(challenge_id, code.strip())
    if not expected or not hmac.compare_digest(expected, given):
        if tries >= most:
            cache.delete_many(keys)
        raise Invalid("incorrect_code", _message(request, "incorrect_code"), field="code")
    # Used once: of two requests with the right code, the one that deletes it goes on.
    if not cache.delete(_challenge_key(challenge_id)):
        raise Gone("code_expired", CODE_EXPIRED)
    cache.delete(_tries_key(challenge_id))
    user_id = state.get("user_id")
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    if user is None:
        raise Gone("code_expired", CODE_EXPIRED)
    _refuse_unusable(request, user)
    _prove_phone(request, user, state["phone"])
    return user


def _prove_phone(request: HttpRequest, user: User, phone: str) -> None:
    # As allauth's code login does: the code reached the number, so it is proven.
    adapter = get_adapter(request)
    found = adapter.get_phone(user)
    if found is not None and found[1]:
        return
    try:
        with transaction.atomic():
            adapter.set_phone_verified(user, phone)
    except forms.ValidationError as error:
        raise Conflict(error.code or "phone_taken", error.messages[0]) from None


def login_with_code(
    *, request: HttpRequest, challenge: str, code: str, device_name: str | None = None
) -> IssuedTokens:
    """The SMS code of ``login_code_send`` proves the phone: a sign-in for its account."""
    user = _code_proven(request=request, challenge=challenge, code=code)
    return issue_tokens(
        user=user, method=ApiSession.Method.SMS, name=_device(device_name), ip=client_ip(request)
    )


# --- 微信小程序 ---------------------------------------------------------------------------


def _wechat_limit(request: HttpRequest) -> None:
    ip = client_ip(request) or "unknown"
    if not site_ratelimit.hit(f"api:wechat:{ip}", limit=WECHAT_PER_MINUTE, window_seconds=60):
        raise TooMany("too_many_requests", _("操作太频繁，请稍等一分钟再试。"))


def login_with_wechat(
    *, request: HttpRequest, code: str, device_name: str | None = None
) -> WeChatSignIn:
    """wx.login's code: signed in if the openid is bound, else a ticket to bind it."""
    wechat.ensure_configured()
    _wechat_limit(request)
    found = wechat.code_to_session(code)
    binding = (
        WeChatBinding.objects.select_related("user")
        .filter(app_id=found.app_id, openid=found.openid)
        .first()
    )
    if binding is None:
        ticket = signing.dumps({"app": found.app_id, "openid": found.openid}, salt=TICKET_SALT)
        return WeChatSignIn(tokens=None, binding_ticket=ticket)
    _refuse_unusable(request, binding.user)
    tokens = issue_tokens(
        user=binding.user,
        method=ApiSession.Method.WECHAT,
        name=_device(device_name),
        ip=client_ip(request),
    )
    return WeChatSignIn(tokens=tokens)


def _read_ticket(ticket: str) -> tuple[str, str]:
    try:
        value = signing.loads(ticket, salt=TICKET_SALT, max_age=TICKET_SECONDS)
    except signing.SignatureExpired:
        raise Gone("binding_ticket_expired", _("微信登录已超时，请重新进入小程序登录。")) from None
    except signing.BadSignature:
        value = None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("openid"), str)
        or value.get("app") != settings.WECHAT_MINIPROGRAM_APP_ID
    ):
        raise Invalid(
            "binding_ticket_invalid",
            _("微信登录凭证无效，请重新进入小程序登录。"),
            field="binding_ticket",
        )
    return value["app"], value["openid"]


@transaction.atomic
def wechat_binding_add(*, user: User, app_id: str, openid: str) -> WeChatBinding:
    """Bind a mini-program user to ``user``; an openid bound to someone else stays theirs."""
    existing = (
        WeChatBinding.objects.select_for_update().filter(app_id=app_id, openid=openid).first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                return WeChatBinding.objects.create(app_id=app_id, openid=openid, user=user)
        except IntegrityError:  # bound meanwhile by a request racing this one
            existing = WeChatBinding.objects.get(app_id=app_id, openid=openid)
    if existing.user_id != user.pk:
        raise Conflict(
            "wechat_bound_elsewhere",
            _("这个微信已绑定另一个账号。如需改绑，请联系所在社区。"),
        )
    return existing


def bind_wechat(
    *,
    request: HttpRequest,
    binding_ticket: str,
    challenge: str,
    code: str,
    device_name: str | None = None,
) -> IssuedTokens:
    """The SMS code proves the phone: bind the ticket's openid to its account, sign in."""
    _wechat_limit(request)
    app_id, openid = _read_ticket(binding_ticket)
    user = _code_proven(request=request, challenge=challenge, code=code)
    wechat_binding_add(user=user, app_id=app_id, openid=openid)
    return issue_tokens(
        user=user,
        method=ApiSession.Method.WECHAT,
        name=_device(device_name),
        ip=client_ip(request),
    )


def refresh_limit(request: HttpRequest) -> None:
    """The refresh operation's limit per client address."""
    ip = client_ip(request) or "unknown"
    if not site_ratelimit.hit(f"api:refresh:{ip}", limit=REFRESH_PER_MINUTE, window_seconds=60):
        raise TooMany("too_many_requests", _("操作太频繁，请稍等一分钟再试。"))
