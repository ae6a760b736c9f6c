"""One error shape for every refusal: ``{"code", "message", "detail"}``, message in Chinese.

The services' ``DomainError`` answers with its kind's status and its own code and message
(the same ones the pages show); a request the schema refuses answers 400 ``invalid`` with
what was wrong in ``detail``; a missing or dead token 401. Each operation lists these in
its responses (``refusals(...)``), so the schema says what a client can meet.
"""

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.errors import Throttled as NinjaThrottled

from core.errors import DomainError

logger = logging.getLogger("shazhou.api")


class ErrorOut(Schema):
    code: str = Field(description="机器可读的原因代码，与网页上的拒绝原因一致")
    message: str = Field(description="给使用者看的中文说明")
    detail: Any = Field(default="", description="补充说明：怎么办，或哪些字段有误（列表）")


TOWN_PATH = "/api/v1/town/"

# Every operation can meet these: a malformed request, no or a dead token, too many tries.
COMMON = (400, 401, 429)


def refusals(*statuses: int) -> dict[int, type[ErrorOut]]:
    """``response=`` entries for the refusals an operation can answer, with the common ones."""
    return dict.fromkeys(sorted({*COMMON, *statuses}), ErrorOut)


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, detail: Any = ""
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": str(message), "detail": detail}, status=status
    )


def _validation_detail(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    detail = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        detail.append({"field": ".".join(location), "message": str(error.get("msg", ""))})
    return detail


def install(api: NinjaAPI) -> None:
    """Answer every refusal of ``api`` in the one shape."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        detail = {"field": exc.field} if exc.field else ""
        return error_response(api, request, exc.status, exc.code, str(exc.message), detail)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            400,
            "invalid",
            _("请求的内容不符合要求，请检查后重试。"),
            _validation_detail(list(exc.errors)),
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        if request.path.startswith(TOWN_PATH):
            # The town systems' operations take a key, not a person's sign-in.
            return error_response(
                api,
                request,
                401,
                "invalid_api_key",
                _("接口密钥无效或已停用。"),
                _("在请求头 X-API-Key 中带上镇（街道）管理员在后台创建的接口密钥。"),
            )
        return error_response(
            api,
            request,
            401,
            "unauthenticated",
            _("请先登录，或登录已过期。"),
            _("在请求头 Authorization: Bearer <访问令牌> 中带上有效的令牌。"),
        )

    @api.exception_handler(AuthorizationError)
    def forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", _("没有权限进行这个操作。"))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("没有找到。"))

    @api.exception_handler(NinjaThrottled)
    def throttled(request: HttpRequest, exc: NinjaThrottled) -> HttpResponse:
        return error_response(api, request, 429, "too_many", _("操作太频繁，请稍后再试。"))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(api, request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(
            api, request, 500, "server_error", _("服务器出了点问题，请稍后再试。")
        )
