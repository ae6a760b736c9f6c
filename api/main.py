"""/api/v1/: the NinjaAPI, its conventions, and the routers of each part of the domain.

Each router (``api.routers.*``) is a thin typed layer over the services and selectors:
it parses, calls the one service or selector, and shapes the answer. Refusals rise as
the services' ``DomainError`` and leave in the one error shape (``api.errors``).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI

from api import errors
from api.rendering import ShazhouRenderer
from api.routers import (
    activities,
    auth,
    certificates,
    checkin,
    me,
    needs,
    notifications,
    organiser,
    points,
    rankings,
    shop,
    town,
)

DESCRIPTION = (
    "美丽沙州开放接口，供微信小程序和镇里的其他系统使用。\n\n"
    "- 登录：用手机号和密码、短信验证码或微信小程序登录，得到访问令牌和刷新令牌；"
    "在请求头 `Authorization: Bearer <访问令牌>` 中带上访问令牌。\n"
    "- 镇级系统用后台创建的接口密钥，放在请求头 `X-API-Key` 中，只读汇总数据。\n"
    '- 出错时统一返回 `{"code", "message", "detail"}`，`message` 为中文说明。\n'
    "- 写入的 POST 请求可带 `Idempotency-Key`，重试时返回第一次的结果，不会重复写入。\n"
    "- 时间均为 ISO 8601 格式，带 +08:00 时区。"
)


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": (
        "可选。同一个人用同一个键重试时，返回第一次的结果（响应头 Idempotent-Replayed: true），"
        "不会重复写入；键保留 24 小时。同一个键用于不同的请求内容时返回 422，"
        "第一次还在处理时返回 409。"
    ),
}
ERROR_REF = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}


class ShazhouAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # The function's own name: short, stable, and what the reference client looks up.
        name: str = operation.view_func.__name__
        return name

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """ninja's schema, plus what api.middleware does around every signed-in POST."""
        schema = super().get_openapi_schema(**kwargs)
        for path in schema["paths"].values():
            operation = path.get("post")
            if not operation or not operation.get("security"):
                continue  # the sign-ins: nothing signed in to repeat (api.middleware)
            operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
            responses = operation.setdefault("responses", {})
            for status, text in ((409, "冲突"), (422, "Idempotency-Key 已用于另一个请求")):
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": text, **ERROR_REF}
        # ninja builds each Paged<X> anew from api.pagination.Pages, without its field texts.
        for name, component in schema.get("components", {}).get("schemas", {}).items():
            items = component.get("properties", {}).get("items")
            if name.startswith("Paged") and items is not None:
                items.setdefault("description", "这一页的条目")
        return schema


def docs_when_enabled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The docs page answers only while API_DOCS_ENABLED holds (off in production by default);
    read at each request. ninja wraps the schema's view with this too: that one always answers."""

    @wraps(view)
    def docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.API_DOCS_ENABLED and not request.path.endswith("/openapi.json"):
            raise Http404("API docs are off")
        return view(request, *args, **kwargs)

    return docs


api = ShazhouAPI(
    title="美丽沙州开放接口",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs_url="/docs",
    docs_decorator=docs_when_enabled,
    openapi_url="/openapi.json",
    renderer=ShazhouRenderer(),
)
errors.install(api)

api.add_router("/auth", auth.router)
api.add_router("/me", me.router)
api.add_router("/activities", activities.router)
api.add_router("/checkin", checkin.router)
api.add_router("/organiser", organiser.router)
api.add_router("/points", points.router)
api.add_router("/rankings", rankings.router)
api.add_router("/notifications", notifications.router)
api.add_router("/shop", shop.router)
api.add_router("/certificates", certificates.router)
api.add_router("/needs", needs.router)
api.add_router("/town", town.router)
