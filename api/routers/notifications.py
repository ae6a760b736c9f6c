"""The API's 消息 operations: 消息中心's list, its unread badge, and marking read.

As the page: a person sees only their own notifications, and anyone else's id is 404,
as if it did not exist. Marking goes through ``volunteers.services.notifications``,
which also drops the cached unread badge.
"""

import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from api.auth import person
from api.errors import refusals
from api.pagination import Pages
from api.types import PathId
from volunteers.models import Notification
from volunteers.services.notifications import (
    notification_mark_read,
    notifications_mark_all_read,
    unread_count,
)

router = Router(tags=["消息"])


class NotificationOut(Schema):
    id: int = Field(description="消息编号")
    kind: str = Field(description="类型代码，如 reminder、promoted、cancelled、points")
    kind_display: str = Field(description="类型名称，如“活动提醒”")
    title: str = Field(description="标题")
    text: str = Field(description="内容")
    link: str | None = Field(
        description="“查看”打开的本站网址（完整网址）；没有链接或链接不在本站时为空"
    )
    created_at: datetime.datetime = Field(description="发送时间")
    read_at: datetime.datetime | None = Field(description="已读时间；未读时为空")

    @staticmethod
    def resolve_kind_display(obj: Notification) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_text(obj: Notification) -> str:
        return obj.body

    @staticmethod
    def resolve_link(obj: Notification, context: dict) -> str | None:
        return _link(context["request"], obj.url)


class UnreadCountOut(Schema):
    unread: int = Field(description="未读消息条数")


class ReadAllOut(Schema):
    changed: int = Field(description="这次标为已读的条数")
    unread: int = Field(description="现在的未读条数（0）")


class InboxFilter(Schema):
    unread: bool | None = Field(None, description="true 只看未读，false 只看已读；不填为全部")


def _link(request: HttpRequest, url: str) -> str | None:
    """The page follows a notification's link only when it is this site's: so does the API."""
    if not url or not url.startswith("/") or url.startswith("//"):
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return None
    return request.build_absolute_uri(url)


def _inbox(request: HttpRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient__user=request.user).order_by("-created_at", "-id")


def _mine(request: HttpRequest, pk: int) -> Notification:
    found = _inbox(request).filter(pk=pk).first()
    if found is None:
        raise Http404(_("没有找到这条消息。"))
    return found


@router.get(
    "",
    auth=person,
    response={200: list[NotificationOut], **refusals()},
    summary="我的消息",
)
@paginate(Pages)
def notifications_list(request: HttpRequest, filters: Query[InboxFilter]) -> QuerySet[Notification]:
    """消息中心的消息，最新的在前：活动提醒、候补转正、活动取消、积分等。

    `unread=true` 只列未读的。`link` 是“查看”要打开的本站网址，打开前可调用
    “标为已读”。
    """
    notifications = _inbox(request)
    if filters.unread is not None:
        notifications = notifications.filter(read_at__isnull=filters.unread)
    return notifications


@router.get(
    "/unread-count",
    auth=person,
    response={200: UnreadCountOut, **refusals()},
    summary="未读消息数",
)
def notifications_unread_count(request: HttpRequest) -> UnreadCountOut:
    """页头角标上的未读消息条数。"""
    return UnreadCountOut(unread=unread_count(request.user))


@router.post(
    "/read-all",
    auth=person,
    response={200: ReadAllOut, **refusals()},
    summary="全部标为已读",
)
def notifications_read_all(request: HttpRequest) -> ReadAllOut:
    """把自己的所有未读消息标为已读，返回这次标记的条数。"""
    changed = notifications_mark_all_read(by=request.user)
    return ReadAllOut(changed=changed, unread=unread_count(request.user))


@router.post(
    "/{id}/read",
    auth=person,
    response={200: NotificationOut, **refusals(404)},
    summary="标为已读",
)
def notification_read(request: HttpRequest, id: PathId) -> Notification:
    """把自己的一条消息标为已读（已读过的不变）。别人的消息编号答 404。"""
    notification = _mine(request, id)
    notification_mark_read(notification_id=notification.pk, by=request.user)
    notification.refresh_from_db(fields=["read_at"])
    return notification
