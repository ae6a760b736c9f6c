"""The API's 登录与令牌 operations: sign in, refresh, sign out, and the person's sign-ins.

Thin over ``api.services.signin`` (the ways in, by the web login's rules) and
``api.services.tokens`` (the pairs and their revocation).
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.auth import auth_token, person
from api.errors import refusals
from api.pagination import Pages
from api.services import signin
from api.services.tokens import (
    IssuedTokens,
    Revoked,
    live_tokens,
    refresh_tokens,
    revoke,
    revoke_for_person,
)
from api.types import PathId

router = Router(tags=["登录与令牌"])

DEVICE_NAME = Field(
    None, max_length=80, description="设备名称，显示在本人的“登录设备”页上，如“张三的手机”"
)


class TokenPairOut(Schema):
    access_token: str = Field(
        description="访问令牌（sza_ 开头），放在请求头 Authorization: Bearer 中"
    )
    access_expires_at: datetime = Field(description="访问令牌的过期时间，过期后用刷新令牌换新")
    refresh_token: str = Field(
        description="刷新令牌（szr_ 开头），只用于换新令牌；每次换新后旧的作废"
    )
    refresh_expires_at: datetime = Field(description="刷新令牌的过期时间，过期后需重新登录")
    token_type: Literal["Bearer"] = Field("Bearer", description="令牌类型，固定为 Bearer")
    session_id: int = Field(description="这次登录（登录设备）的编号，可在登录设备列表中退出")


def _pair(issued: IssuedTokens) -> TokenPairOut:
    return TokenPairOut(
        access_token=issued.access,
        access_expires_at=issued.access_expires_at,
        refresh_token=issued.refresh,
        refresh_expires_at=issued.refresh_expires_at,
        session_id=issued.token.pk,
    )


# --- 手机号和密码 --------------------------------------------------------------------------


class PasswordLoginIn(Schema):
    phone: str = Field(max_length=32, description="手机号（11 位，可带 +86）")
    password: str = Field(max_length=256, description="密码")
    device_name: str | None = DEVICE_NAME


@router.post(
    "/login/password",
    response={200: TokenPairOut, **refusals(403)},
    summary="手机号和密码登录",
)
def login_password(request: HttpRequest, payload: PasswordLoginIn) -> TokenPairOut:
    """用手机号和密码登录，得到访问令牌和刷新令牌。

    与网页登录的限制相同：同一地址每分钟最多 30 次；同一手机号 5 分钟内失败 5 次后暂停
    （429 `too_many_login_attempts`，可改用短信验证码登录）。账号或密码不正确为 400
    `invalid_login`；账号已停用为 403 `account_inactive`；手机号还没有通过短信验证为 403
    `phone_unverified`（先用短信验证码登录一次即可）。
    """
    issued = signin.login_with_password(
        request=request,
        phone=payload.phone,
        password=payload.password,
        device_name=payload.device_name,
    )
    return _pair(issued)


# --- 短信验证码 ---------------------------------------------------------------------------


class SmsRequestIn(Schema):
    phone: str = Field(max_length=32, description="手机号（11 位，可带 +86）")


class SmsChallengeOut(Schema):
    sent: bool = Field(description="已受理；出于安全，号码是否注册都同样回答")
    expires_in: int = Field(description="验证码的有效秒数")
    challenge: str = Field(description="这次验证码请求的凭证，提交验证码时一并带上")


@router.post(
    "/login/sms",
    response={202: SmsChallengeOut, **refusals(403)},
    summary="获取短信验证码",
)
def login_sms_request(request: HttpRequest, payload: SmsRequestIn) -> Status[SmsChallengeOut]:
    """向手机号发送 6 位短信验证码，用于验证码登录或绑定微信。

    与网页验证码登录同一条短信、同样的限制：同一手机号每分钟最多一次、每小时最多五次
    （429 `too_many_codes`）。号码没有注册时同样回答 202，短信只提示该号码尚未注册，
    所以无法用这个接口探查谁有账号。
    """
    sent = signin.login_code_send(request=request, phone=payload.phone)
    return Status(
        202, SmsChallengeOut(sent=True, expires_in=sent.expires_in, challenge=sent.challenge)
    )


class SmsVerifyIn(Schema):
    challenge: str = Field(max_length=300, description="获取验证码时得到的 challenge")
    code: str = Field(max_length=16, description="短信里的 6 位验证码")
    device_name: str | None = DEVICE_NAME


@router.post(
    "/login/sms/verify",
    response={200: TokenPairOut, **refusals(403, 409, 410)},
    summary="短信验证码登录",
)
def login_sms_verify(request: HttpRequest, payload: SmsVerifyIn) -> TokenPairOut:
    """提交短信验证码，验证通过即登录，手机号同时记为已验证。

    验证码不正确为 400 `incorrect_code`；错 3 次后这次请求作废，与过期一样回答 410
    `code_expired`，需重新获取。账号已停用为 403 `account_inactive`。
    """
    issued = signin.login_with_code(
        request=request,
        challenge=payload.challenge,
        code=payload.code,
        device_name=payload.device_name,
    )
    return _pair(issued)


# --- 微信小程序 ---------------------------------------------------------------------------


class WeChatLoginIn(Schema):
    code: str = Field(max_length=128, description="小程序 wx.login() 得到的 code")
    device_name: str | None = DEVICE_NAME


class WeChatBindingOut(Schema):
    bound: Literal[False] = Field(False, description="这个微信还没有绑定账号")
    binding_ticket: str = Field(description="绑定凭证，10 分钟内有效；验证手机号后用于绑定")
    expires_in: int = Field(description="绑定凭证的有效秒数")


@router.post(
    "/login/wechat",
    response={200: TokenPairOut, 202: WeChatBindingOut, **refusals(403, 503)},
    summary="微信小程序登录",
)
def login_wechat(
    request: HttpRequest, payload: WeChatLoginIn
) -> TokenPairOut | Status[WeChatBindingOut]:
    """用小程序 `wx.login()` 的 code 登录；服务器向微信换取 openid。

    - 200：这个微信已绑定账号，直接得到令牌。
    - 202：还没有绑定，得到 `binding_ticket`。请用户填写手机号，调用“获取短信验证码”，
      再把凭证、challenge 和验证码提交到“绑定微信并登录”。

    code 无效或已用过为 400 `wechat_code_invalid`；本站没有配置小程序为 503
    `wechat_not_configured`；微信暂时连不上为 503 `wechat_unavailable`。
    """
    outcome = signin.login_with_wechat(
        request=request, code=payload.code, device_name=payload.device_name
    )
    if outcome.tokens is None:
        return Status(
            202,
            WeChatBindingOut(
                binding_ticket=outcome.binding_ticket, expires_in=outcome.ticket_expires_in
            ),
        )
    return _pair(outcome.tokens)


class WeChatBindIn(Schema):
    binding_ticket: str = Field(max_length=500, description="微信登录得到的绑定凭证")
    challenge: str = Field(max_length=300, description="获取验证码时得到的 challenge")
    code: str = Field(max_length=16, description="短信里的 6 位验证码")
    device_name: str | None = DEVICE_NAME


@router.post(
    "/login/wechat/bind",
    response={200: TokenPairOut, **refusals(403, 409, 410)},
    summary="绑定微信并登录",
)
def login_wechat_bind(request: HttpRequest, payload: WeChatBindIn) -> TokenPairOut:
    """短信验证码证明手机号后，把这个微信绑定到该手机号的账号并登录；以后微信登录即可。

    验证码的规则同“短信验证码登录”。凭证过期为 410 `binding_ticket_expired`；
    这个微信已绑定别的账号为 409 `wechat_bound_elsewhere`。
    """
    issued = signin.bind_wechat(
        request=request,
        binding_ticket=payload.binding_ticket,
        challenge=payload.challenge,
        code=payload.code,
        device_name=payload.device_name,
    )
    return _pair(issued)


# --- 令牌 ---------------------------------------------------------------------------------


class RefreshIn(Schema):
    refresh_token: str = Field(max_length=200, description="刷新令牌（szr_ 开头）")


@router.post(
    "/refresh",
    response={200: TokenPairOut, **refusals(404, 410)},
    summary="换新令牌",
)
def token_refresh(request: HttpRequest, payload: RefreshIn) -> TokenPairOut:
    """用刷新令牌换一对新令牌（不需要 Authorization 请求头），旧的一对立即作废。

    刷新令牌不认识为 404 `invalid_refresh_token`；已退出、已在别处退出或密码已修改为 410
    `token_revoked`；过期为 410 `refresh_token_expired`。同一个刷新令牌用第二次，说明
    它可能被复制了：这次登录的新旧令牌全部作废，需要重新登录。
    """
    signin.refresh_limit(request)
    issued = refresh_tokens(refresh=payload.refresh_token, ip=signin.client_ip(request))
    return _pair(issued)


@router.post("/logout", auth=person, response={204: None, **refusals()}, summary="退出登录")
def logout(request: HttpRequest) -> Status[None]:
    """退出当前登录：这次登录的访问令牌和刷新令牌立即失效。"""
    revoke(token=auth_token(request), reason=Revoked.LOGOUT)
    return Status(204, None)


class SessionOut(Schema):
    id: int = Field(description="登录设备编号")
    name: str = Field(description="设备名称（登录时填写，可能为空）")
    method: str = Field(description="登录方式：password 密码、sms 短信验证码、wechat 微信小程序")
    method_label: str = Field(description="登录方式的中文名称")
    created_at: datetime = Field(description="登录时间")
    last_used_at: datetime | None = Field(description="最近使用时间")
    current: bool = Field(description="是否就是发出这个请求的登录")


@router.get(
    "/sessions",
    auth=person,
    response={200: list[SessionOut], **refusals()},
    summary="我的登录设备",
)
@paginate(Pages)
def sessions_list(request: HttpRequest) -> list[SessionOut]:
    """本人仍然有效的接口登录，最近使用的在前（与网页“登录设备”页相同）。"""
    current = auth_token(request).pk
    return [
        SessionOut(
            id=token.pk,
            name=token.name,
            method=token.method,
            method_label=str(token.get_method_display()),
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            current=token.pk == current,
        )
        for token in live_tokens(request.user)  # type: ignore[arg-type]
    ]


class SessionRevokedOut(Schema):
    id: int = Field(description="登录设备编号")
    revoked_at: datetime | None = Field(description="退出时间")


@router.post(
    "/sessions/{session_id}/revoke",
    auth=person,
    response={200: SessionRevokedOut, **refusals(404)},
    summary="退出某个登录设备",
)
def session_revoke(request: HttpRequest, session_id: PathId) -> SessionRevokedOut:
    """让本人的某个登录立即失效（比如手机丢了）。别人的登录设备为 404 `token_not_found`。"""
    token = revoke_for_person(user=request.user, token_id=session_id)  # type: ignore[arg-type]
    return SessionRevokedOut(id=token.pk, revoked_at=token.revoked_at)
