"""The API's 活动 operations: the list, one activity with the caller's state, signing up
and cancelling.

The same reads and writes as the activity pages (``volunteers.views.activities``): the
list is ``selectors.activities_published`` with the caller's marks in one more query,
one activity is ``selectors.activity_public`` (published or cancelled, never a draft)
with ``selectors.activity_state_for``, and the writes are ``services.signups``.
"""

import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from api.auth import maybe_person, person
from api.errors import refusals
from api.pagination import Pages
from api.types import MAX_ID, PathId
from core.errors import Conflict
from volunteers import permissions, selectors
from volunteers.models import Activity, Organisation, Person, SignUp
from volunteers.services.signups import signup_cancel, signup_create

router = Router(tags=["活动"])

# Days a filter may name: beyond them a day's start in Shazhou's time overflows a datetime.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)


# --- Schemas ---------------------------------------------------------------------------------


class ActivityItemOut(Schema):
    id: int = Field(description="活动编号")
    title: str = Field(description="标题")
    organisation_id: int = Field(description="发布组织编号")
    organisation_name: str = Field(description="发布组织名称")
    category_id: int | None = Field(description="类别编号")
    category_name: str = Field(description="类别名称")
    address: str = Field(description="地点")
    starts_at: datetime.datetime = Field(description="开始时间")
    ends_at: datetime.datetime = Field(description="结束时间")
    time_span: str = Field(description="时间段，如“5月3日 09:00–11:30”")
    status: str = Field(description="状态：published 已发布，cancelled 已取消，finished 已结束")
    capacity: int | None = Field(description="名额；不限名额时为空")
    places_left: int | None = Field(description="剩余名额；不限名额时为空")
    confirmed_count: int = Field(description="已报名人数")
    waitlist_count: int = Field(description="候补人数")
    signup_required: bool = Field(description="是否须先报名才能签到")
    my_status: str | None = Field(
        description=(
            "调用者在本活动的状态（带令牌时）：checked_out 已签退，checked_in 已签到，"
            "confirmed 已报名，waitlisted 候补；未报名或未登录时为空"
        )
    )
    url: str = Field(description="活动网页地址（相对路径）")


class MyStateOut(Schema):
    code: str = Field(
        description=(
            "状态代码：cancelled、finished、checked_out、checked_in、removed、running、"
            "signed_up、waitlisted、open、not_open、closed、not_in_audience"
        )
    )
    label: str = Field(description="状态标签，如“已报名”“候补第 2 位”")
    tone: str = Field(description="标签颜色：ok、warn、info、danger、muted")
    detail: str = Field(description="说明的句子")
    action: str = Field(
        description=(
            "可进行的操作：login 登录后报名，profile 完善资料，sign_up 报名，cancel 取消报名，"
            "check_in 扫码签到，check_out 扫码签退；没有时为空"
        )
    )
    action_label: str = Field(description="操作按钮的文字")
    waitlist_position: int | None = Field(description="候补的位次，从 1 开始；不在候补时为空")
    scan_open: bool = Field(description="已报名且签到已开放：可扫码签到")
    checked_in_at: datetime.datetime | None = Field(description="调用者的签到时间")
    checked_out_at: datetime.datetime | None = Field(description="调用者的签退时间")


class ActivityDetailOut(ActivityItemOut):
    description: str = Field(description="活动介绍")
    audience: str = Field(
        description=(
            "参加对象：everyone 所有人，subtree 本组织成员，party_members 仅党员，team 指定队伍"
        )
    )
    audience_label: str = Field(description="参加对象的中文说明")
    signup_opens_at: datetime.datetime | None = Field(
        description="报名开始时间；为空时发布即可报名"
    )
    signup_deadline: datetime.datetime = Field(description="报名（及取消报名）截止时间")
    checkin_opens_at: datetime.datetime = Field(description="签到开放时间")
    checkout_required: bool = Field(description="是否须签退")
    location_required: bool = Field(
        description="是否须在现场签到（设了签到范围）：扫码签到时须带上手机的经纬度"
    )
    cancel_reason: str = Field(description="取消原因；未取消时为空")
    can_run_checkin: bool = Field(description="调用者能否为本活动组织签到")
    my_state: MyStateOut = Field(description="调用者在本活动的状态，以及可进行的操作")


class SignUpOut(Schema):
    status: Literal["confirmed", "waitlisted"] = Field(
        description="confirmed 报名成功，waitlisted 名额已满、进入候补名单"
    )
    label: str = Field(description="“已报名”或“候补第 n 位”")
    message: str = Field(description="给报名者看的说明")
    waitlist_position: int | None = Field(description="候补的位次，从 1 开始；报名成功时为空")
    warnings: list[str] = Field(description="提醒，如与已报名的活动时间重叠")


class CancelOut(Schema):
    status: Literal["cancelled"] = Field(description="cancelled：已取消报名")
    message: str = Field(description="给报名者看的说明")


class ActivityFilters(Schema):
    when: Literal["upcoming", "past"] | None = Field(
        None, description="upcoming 即将开始和进行中，past 往期；不填为全部（即将开始的在前）"
    )
    organisation: int | None = Field(
        None, ge=1, le=MAX_ID, description="组织编号（如社区）：该组织及其下级发布的活动"
    )
    category: int | None = Field(None, ge=1, le=MAX_ID, description="活动类别编号")
    date_from: datetime.date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="自这一天起（含）开始的活动"
    )
    date_to: datetime.date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="到这一天止（含）开始的活动"
    )
    q: str = Field("", max_length=50, description="标题中含有的文字")


# --- Shaping -----------------------------------------------------------------------------------


def _item(activity: Activity, my_status: str | None) -> dict[str, Any]:
    confirmed, waitlisted = selectors.signup_counts(activity)
    return {
        "id": activity.pk,
        "title": activity.title,
        "organisation_id": activity.organisation_id,
        "organisation_name": activity.organisation.name,
        "category_id": activity.category_id,
        "category_name": activity.category.name if activity.category_id else "",
        "address": activity.address,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "time_span": selectors.activity_time_span(activity),
        "status": activity.status,
        "capacity": activity.capacity,
        "places_left": selectors.places_left(activity),
        "confirmed_count": confirmed,
        "waitlist_count": waitlisted,
        "signup_required": activity.signup_required,
        "my_status": my_status,
        "url": activity.get_absolute_url(),
    }


class _MarkedPage:
    """The list's queryset, paged by ``Pages``: the page's rows get the caller's marks
    (``selectors.person_activity_marks``) in one query, as the list page does."""

    def __init__(self, queryset: QuerySet[Activity], person: Person | None):
        self.queryset = queryset
        self.person = person

    def all(self) -> QuerySet[Activity]:
        return self.queryset  # what ``Pages`` counts

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        rows = list(self.queryset[page])
        marks = selectors.person_activity_marks(self.person, [row.pk for row in rows])
        return [_item(row, marks.get(row.pk)) for row in rows]


def _local_day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _public_activity(pk: int) -> Activity:
    activity = selectors.activity_public(pk)
    if activity is None:  # a draft, or nothing at all: the public cannot tell which
        raise Http404
    return activity


def _person_or_refuse(request: HttpRequest) -> Person:
    found = selectors.person_for_user(request.user)
    if found is None:
        raise Conflict("no_person", _("您的账号还没有登记人员信息，请先完善个人资料。"))
    return found


# --- Operations --------------------------------------------------------------------------------


@router.get(
    "",
    auth=maybe_person,
    response={200: list[ActivityItemOut], **refusals()},
    summary="活动列表",
)
@paginate(Pages)
def activities_list(request: HttpRequest, filters: Query[ActivityFilters]) -> Any:
    """已发布的活动，即将开始的在前（最近的最先），往期的在后（最新的最先）。

    可按时间（即将开始/往期，或开始日期的范围）、组织（含下级，如社区）、类别和标题筛选；
    找不到的组织或类别得到空列表。带访问令牌时，每条活动附上调用者的状态（`my_status`）。
    """
    organisation = None
    if filters.organisation is not None:
        organisation = Organisation.objects.filter(pk=filters.organisation).first()
        if organisation is None:
            return []
    activities = selectors.activities_published(when=filters.when or "", community=organisation)
    if filters.category is not None:
        activities = activities.filter(category_id=filters.category)
    if filters.date_from is not None:
        activities = activities.filter(starts_at__gte=_local_day_start(filters.date_from))
    if filters.date_to is not None:
        day_after = filters.date_to + datetime.timedelta(days=1)
        activities = activities.filter(starts_at__lt=_local_day_start(day_after))
    text = filters.q.replace("\x00", "").strip()
    if text:
        activities = activities.filter(title__icontains=text)
    return _MarkedPage(activities, selectors.person_for_user(request.user))


@router.get(
    "/{id}",
    auth=maybe_person,
    response={200: ActivityDetailOut, **refusals(404)},
    summary="活动详情",
)
def activity_detail(request: HttpRequest, id: PathId) -> dict[str, Any]:
    """一个活动的详情，以及调用者在本活动的状态（`my_state`）和可进行的操作。

    草稿或不存在的活动答 404；已取消的活动仍可查看。未登录时 `my_state` 为访客所见。
    """
    activity = _public_activity(id)
    user = request.user
    found = selectors.person_for_user(user)
    state = selectors.activity_state_for(
        activity, found, timezone.now(), signed_in=user.is_authenticated
    )
    attendance = state.attendance
    mark = None
    if state.signup is not None:
        mark = state.signup.status
    if attendance is not None and attendance.removed_at is None:
        mark = "checked_out" if attendance.checked_out_at else "checked_in"
    return {
        **_item(activity, mark),
        "description": activity.description,
        "audience": activity.audience,
        "audience_label": activity.get_audience_display(),
        "signup_opens_at": activity.signup_opens_at,
        "signup_deadline": activity.signup_deadline,
        "checkin_opens_at": activity.checkin_opens_at,
        "checkout_required": activity.checkout_required,
        "location_required": bool(
            activity.geofence_radius_m
            and activity.latitude is not None
            and activity.longitude is not None
        ),
        "cancel_reason": activity.cancel_reason if activity.cancelled_at else "",
        "can_run_checkin": permissions.can(user, permissions.Action.CHECK_IN, activity),
        "my_state": {
            "code": state.code,
            "label": state.label,
            "tone": state.tone,
            "detail": state.detail,
            "action": state.action,
            "action_label": state.action_label,
            "waitlist_position": state.waitlist_position,
            "scan_open": state.scan_open,
            "checked_in_at": attendance.checked_in_at if attendance else None,
            "checked_out_at": attendance.checked_out_at if attendance else None,
        },
    }


@router.post(
    "/{id}/signup",
    auth=person,
    response={200: SignUpOut, **refusals(403, 404, 409)},
    summary="报名",
)
def activity_signup(request: HttpRequest, id: PathId) -> dict[str, Any]:
    """报名参加活动；名额已满时进入候补名单（`waitlisted`，带候补位次）。

    拒绝与活动页面相同：403 `not_in_audience`（不在参加对象范围内）；409 `cancelled`、
    `not_published`、`finished`、`not_open`、`closed`、`already_signed_up`、
    `already_waitlisted`，以及账号未登记人员信息时的 `no_person`。
    """
    activity = _public_activity(id)
    found = _person_or_refuse(request)
    result = signup_create(activity=activity, person=found)
    warnings = [str(warning) for warning in result.warnings]
    if result.signup.status == SignUp.Status.CONFIRMED:
        return {
            "status": "confirmed",
            "label": _("已报名"),
            "message": _("报名成功！请按时参加，到场后扫码签到。"),
            "waitlist_position": None,
            "warnings": warnings,
        }
    position = selectors.waitlist_position(result.signup)
    return {
        "status": "waitlisted",
        "label": _("候补第 %(n)d 位") % {"n": position},
        "message": _(
            "名额已满，您已进入候补名单（第 %(n)d 位）。有人取消时会自动转为正式报名并短信通知您。"
        )
        % {"n": position},
        "waitlist_position": position,
        "warnings": warnings,
    }


@router.post(
    "/{id}/cancel",
    auth=person,
    response={200: CancelOut, **refusals(403, 404, 409)},
    summary="取消报名",
)
def activity_cancel(request: HttpRequest, id: PathId) -> dict[str, Any]:
    """取消自己的报名（或候补）；候补的人依次转为正式报名。

    409 `not_signed_up`（没有报名）、`already_cancelled`、`activity_cancelled`、
    `deadline_passed`（已过取消报名的截止时间）。
    """
    activity = _public_activity(id)
    signup = selectors.person_signup(activity, selectors.person_for_user(request.user))
    if signup is None or signup.status == SignUp.Status.CANCELLED:
        raise Conflict("not_signed_up", _("您没有报名该活动。"))
    signup_cancel(signup=signup, by=request.user)
    return {"status": "cancelled", "message": _("已取消报名。")}
