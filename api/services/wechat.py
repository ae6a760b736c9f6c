"""The WeChat mini-program's ``jscode2session``: a ``wx.login`` code in, the openid out.

A small client on the standard library: one GET to ``WECHAT_API_BASE_URL`` (a fake
server in tests, never the internet) with the app id and secret, within
``WECHAT_API_TIMEOUT_SECONDS``. WeChat answers 200 with an ``errcode`` when it refuses;
a code it does not know is the person's to retry (400), anything else is ours (503).
The ``session_key`` WeChat also sends is not kept: nothing here decrypts WeChat data.
"""

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.errors import Forbidden, Invalid, TooMany, Unavailable

logger = logging.getLogger("shazhou.api.wechat")

# WeChat's refusals of a code: unknown or malformed, already used. A new wx.login helps.
BAD_CODE = {40029, 40163}
# The WeChat user is blocked by WeChat's own risk control.
BLOCKED = {40226}
# The mini-program's quota of calls a minute.
QUOTA = {45011}
# An answer is a small JSON object; more than this is not WeChat.
MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class WeChatUser:
    """Who WeChat says the code belongs to, for this mini-program."""

    app_id: str
    openid: str
    unionid: str


def configured() -> bool:
    return bool(settings.WECHAT_MINIPROGRAM_APP_ID and settings.WECHAT_MINIPROGRAM_SECRET)


def ensure_configured() -> None:
    """Refuse (503 ``wechat_not_configured``) while the app id or secret is missing."""
    if not configured():
        raise _not_configured()


def _not_configured() -> Unavailable:
    return Unavailable("wechat_not_configured", _("本站尚未开通微信小程序登录，请用手机号登录。"))


def _unavailable() -> Unavailable:
    return Unavailable("wechat_unavailable", _("暂时无法连接微信，请稍后再试，或用手机号登录。"))


def code_to_session(code: str) -> WeChatUser:
    """Ask WeChat whose ``wx.login`` code this is (``/sns/jscode2session``)."""
    ensure_configured()
    base = settings.WECHAT_API_BASE_URL.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise _not_configured()
    app_id = settings.WECHAT_MINIPROGRAM_APP_ID
    query = urlencode(
        {
            "appid": app_id,
            "secret": settings.WECHAT_MINIPROGRAM_SECRET,
            "js_code": code,
            "grant_type": "authorization_code",
        }
    )
    answer = _get_json(f"{base}/sns/jscode2session?{query}")
    errcode = answer.get("errcode") or 0
    if errcode:
        raise _refusal(errcode, answer.get("errmsg"))
    openid = answer.get("openid")
    if not isinstance(openid, str) or not openid or len(openid) > 64:
        logger.warning("jscode2session answered without a usable openid")
        raise _unavailable()
    unionid = answer.get("unionid")
    return WeChatUser(
        app_id=app_id, openid=openid, unionid=unionid if isinstance(unionid, str) else ""
    )


def _get_json(url: str) -> dict[str, Any]:
    # The URL carries the secret: it is never logged, only what went wrong. An opener per
    # call reads the proxy environment (https_proxy, no_proxy) as it is now.
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 (scheme checked above)
    opener = urllib.request.build_opener()
    try:
        with opener.open(request, timeout=settings.WECHAT_API_TIMEOUT_SECONDS) as response:
            body = response.read(MAX_ANSWER_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        logger.warning("jscode2session failed: %s", type(error).__name__)
        raise _unavailable() from None
    if len(body) > MAX_ANSWER_BYTES:
        logger.warning("jscode2session answered more than %d bytes", MAX_ANSWER_BYTES)
        raise _unavailable()
    try:
        answer = json.loads(body)
    except ValueError:
        logger.warning("jscode2session answered something other than JSON")
        raise _unavailable() from None
    if not isinstance(answer, dict):
        raise _unavailable()
    return answer


def _refusal(errcode: Any, errmsg: Any) -> Invalid | Forbidden | TooMany | Unavailable:
    if errcode in BAD_CODE:
        return Invalid("wechat_code_invalid", _("微信登录凭证无效或已使用，请重新进入小程序再试。"))
    if errcode in BLOCKED:
        return Forbidden("wechat_user_blocked", _("微信暂时限制了这个账号的登录，请用手机号登录。"))
    if errcode in QUOTA:
        return TooMany("wechat_too_many", _("微信登录的人太多了，请过一分钟再试。"))
    logger.warning("jscode2session refused: errcode %s (%s)", errcode, str(errmsg)[:100])
    return _unavailable()
