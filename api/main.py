"""/api/v1/: the NinjaAPI, its conventions, and the routers of each part of the domain.

Each router (``api.routers.*``) is a thin typed layer over the services and selectors:
it parses, calls the one service or selector, and shapes the answer. Refusals rise as
the services' ``DomainError`` and leave in the one error shape (``api.errors``).
"""

from typing import Any

from django.conf import settings
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


class ShazhouAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # The function's own name: short, stable, and what the reference client looks up.
        name: str = operation.view_func.__name__
        return name


api = ShazhouAPI(
    title="美丽沙州开放接口",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs_url="/docs" if settings.API_DOCS_ENABLED else None,
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
