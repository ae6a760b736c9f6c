"""The API's 签到 operations: scanning an activity's QR, and 我的签到码.

The scan is the page ``/c/<token>`` (``volunteers.views.scan``) without the page: the
same service (``services.checkin.scan_activity_code``) checks the token, the window, the
audience, the sign-up and the geofence, logs a ``ScanAttempt`` either way and rate
limits per person and per address. A refusal answers with the reason's code and status
(``services.checkin_refusals``) and the reason's hint, what to do about it, in ``detail``.
"""

import datetime
from typing import Any, Literal
from urllib.parse import unquote

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from api.auth import person
from api.errors import refusals
from core import tokens
from core.errors import Invalid, NotFound
from volunteers import personal_codes, selectors
from volunteers.checkin_codes import seconds_left
from volunteers.checkin_requests import hhmm, scan_source
from volunteers.services.checkin import (
    CheckInRefused,
    CheckInResult,
    LocationNeeded,
    scan_activity_code,
)
from volunteers.services.credit import ServiceOutcome, attendance_outcome

router = Router(tags=["签到"])

Purpose = tokens.Purpose
MAX_TOKEN_LENGTH = 1000  # a whole /c/<token> URL; the token itself is under 200


# --- Schemas ---------------------------------------------------------------------------------


class ScanIn(Schema):
    token: str = Field(
        min_length=1,
        max_length=MAX_TOKEN_LENGTH,
        description="现场二维码的内容：完整的 /c/<令牌> 地址，或其中的令牌",
    )
    latitude: float | None = Field(
        None, ge=-90, le=90, allow_inf_nan=False, description="手机所在纬度（须现场签到的活动）"
    )
    longitude: float | None = Field(
        None, ge=-180, le=180, allow_inf_nan=False, description="手机所在经度（须现场签到的活动）"
    )


class ScanActivityOut(Schema):
    id: int = Field(description="活动编号")
    title: str = Field(description="活动标题")


class OutcomeOut(Schema):
    counts: bool = Field(description="本次服务是否计入服务时长和积分（达到活动时长的最低比例）")
    minutes: int = Field(description="本次服务分钟数")
    hours: float = Field(description="计入的小时数（一位小数）；不计入时为 0")
    required_minutes: int = Field(description="计入所需的最少分钟数")
    duration_minutes: int = Field(description="活动时长（分钟）")
    share_percent: int = Field(description="计入所需的最低比例（%）")
    points: int | None = Field(description="预计（或已）计入的积分；不计入或未知时为空")
    points_explanation: str = Field(description="积分的算法说明")
    finalised: bool = Field(description="是否已核定入账")
    credited_after: datetime.datetime = Field(description="约在此时之后入账（活动结束加宽限）")
    message: str = Field(description="给志愿者看的一句话")


class ScanOut(Schema):
    state: Literal["checked_in", "already_in", "checked_out", "already_out"] = Field(
        description=(
            "checked_in 签到成功，already_in 此前已签到（未重复记录），checked_out 签退成功，"
            "already_out 此前已签退"
        )
    )
    message: str = Field(description="给志愿者看的一句话")
    time: datetime.datetime = Field(description="签到（或签退）的时间")
    checked_in_at: datetime.datetime = Field(description="签到时间")
    checked_out_at: datetime.datetime | None = Field(description="签退时间；未签退时为空")
    minutes_served: int | None = Field(description="服务分钟数；未签退时为空")
    activity: ScanActivityOut = Field(description="活动")
    outcome: OutcomeOut | None = Field(description="签退时：是否计入、时长、积分和入账时间")


class PersonalCodeOut(Schema):
    token: str = Field(description="个人签到码的二维码内容，供组织者扫描")
    code: str = Field(description="6 位手输码（无易混字符），扫不出时由组织者输入")
    expires_at: datetime.datetime = Field(
        description="在此时刷新（每 30 秒一换）；换后旧码仍可用约一分钟"
    )
    seconds_left: int = Field(description="距下次刷新的秒数")


# --- What the scan answers (the organiser's scan answers the same) ---------------------------


def refused(refusal: CheckInRefused) -> Status[dict[str, Any]]:
    """A refused scan: the reason's status and code, its message, and its hint in ``detail``."""
    detail = str(refusal.hint) if refusal.hint else ""
    body = {"code": refusal.code, "message": str(refusal.message), "detail": detail}
    return Status(refusal.status, body)


def _hours_text(hours: float) -> str:
    return format(hours, "g")  # 2.0 → "2", 2.3 → "2.3", as the pages show them


def _outcome(outcome: ServiceOutcome) -> dict[str, Any]:
    if not outcome.counts:
        message = _(
            "未达到活动时长（%(duration)d 分钟）的 %(share)d%%（%(needed)d 分钟），"
            "本次服务不计入服务时长和积分。"
        ) % {
            "duration": outcome.duration_minutes,
            "share": outcome.share_percent,
            "needed": outcome.required_minutes,
        }
    else:
        figures = {"hours": _hours_text(outcome.hours)}
        if outcome.points is not None:
            figures["points"] = str(outcome.points.points)
        if outcome.finalised:
            message = (
                _("已计入 %(hours)s 小时、%(points)s 分。")
                if outcome.points is not None
                else _("已计入 %(hours)s 小时服务时长。")
            ) % figures
        else:
            message = (
                _("预计计入 %(hours)s 小时、%(points)s 分。")
                if outcome.points is not None
                else _("预计计入 %(hours)s 小时服务时长。")
            ) % figures
            message += _("活动结束 %(grace)d 分钟后入账（约 %(at)s 起），届时可在“我的”查看。") % {
                "grace": outcome.grace_minutes,
                "at": hhmm(outcome.credited_after),
            }
    return {
        "counts": outcome.counts,
        "minutes": outcome.minutes,
        "hours": outcome.hours,
        "required_minutes": outcome.required_minutes,
        "duration_minutes": outcome.duration_minutes,
        "share_percent": outcome.share_percent,
        "points": outcome.points.points if outcome.points is not None else None,
        "points_explanation": outcome.points.explanation if outcome.points is not None else "",
        "finalised": outcome.finalised,
        "credited_after": outcome.credited_after,
        "message": message,
    }


def scan_answer(result: CheckInResult, *, with_outcome: bool = True) -> dict[str, Any]:
    """A check-in or check-out as a client shows it: the state, the time, the sentence."""
    attendance = result.attendance
    minutes = attendance.minutes_served or 0
    outcome = None
    if result.purpose == Purpose.CHECK_OUT:
        time = attendance.checked_out_at or attendance.checked_in_at
        if result.created:
            state = "checked_out"
            message = _("签退成功，本次服务 %(minutes)d 分钟，感谢您的付出！") % {
                "minutes": minutes
            }
        else:
            state = "already_out"
            message = _("已于 %(time)s 签退，本次服务 %(minutes)d 分钟。") % {
                "time": hhmm(time),
                "minutes": minutes,
            }
        if with_outcome:
            outcome = _outcome(attendance_outcome(attendance))
    else:
        time = attendance.checked_in_at
        if result.created:
            state = "checked_in"
            message = _("签到成功")
            if attendance.activity.checkout_required:
                message += _("。本活动需要签退：离开前请扫描现场的签退二维码。")
        else:
            state = "already_in"
            message = _("已于 %(time)s 签到，无需重复扫码。") % {"time": hhmm(time)}
    return {
        "state": state,
        "message": message,
        "time": time,
        "checked_in_at": attendance.checked_in_at,
        "checked_out_at": attendance.checked_out_at,
        "minutes_served": attendance.minutes_served,
        "activity": {"id": attendance.activity.pk, "title": attendance.activity.title},
        "outcome": outcome,
    }


def token_of_scan(raw: str) -> str:
    """The token inside a scanned ``…/c/<token>`` address, or what was sent as it is."""
    text = raw.replace("\x00", "").strip()
    if "/c/" in text:
        text = unquote(text.rsplit("/c/", 1)[1].split("?", 1)[0].split("#", 1)[0])
    return text.strip().rstrip("/")


# --- Operations --------------------------------------------------------------------------------


@router.post(
    "/scan",
    auth=person,
    response={200: ScanOut, **refusals(403, 409, 410)},
    summary="扫现场二维码签到或签退",
)
def checkin_scan(request: HttpRequest, payload: ScanIn) -> Any:
    """扫描组织者出示的现场二维码（与网页 /c/<令牌> 相同），签到或签退。

    `token` 可以是二维码里的完整地址，也可以只是令牌。重复扫码答 `already_in`
    （或 `already_out`），不会重复记录。拒绝时 `code` 是扫码记录的原因代码，`detail`
    是怎么办的提示：400 `forged`、`wrong_purpose`（二维码无效或用途不符）；403
    `not_in_audience`、`not_signed_up`、`outside_geofence`、`no_person`；409 `cancelled`、
    `not_published`、`outside_window`、`not_checked_in`、`removed`；410 `expired`
    （二维码已过期，请扫最新的）；429 `rate_limited`。

    须在现场签到的活动（设了签到范围），没带经纬度时答 409 `location_needed`，不记录
    也不算一次尝试：请取得手机位置后，带上 `latitude` 和 `longitude` 重新提交同一个码
    （二维码 90 秒内有效）。
    """
    if (payload.latitude is None) != (payload.longitude is None):
        raise Invalid("bad_location", _("请同时提供纬度和经度。"), field="latitude")
    has_location = payload.latitude is not None
    source = scan_source(
        request,
        latitude=payload.latitude,
        longitude=payload.longitude,
        can_ask_location=not has_location,
    )
    try:
        result = scan_activity_code(
            token=token_of_scan(payload.token),
            person=selectors.person_for_user(request.user),
            source=source,
        )
    except LocationNeeded:
        return Status(
            409,
            {
                "code": "location_needed",
                "message": _("本活动要求在现场签到，请允许获取位置后重试。"),
                "detail": _("请取得手机的位置，带上纬度和经度重新提交同一个二维码。"),
            },
        )
    except CheckInRefused as refusal:
        return refused(refusal)
    return scan_answer(result)


@router.get(
    "/my-code",
    auth=person,
    response={200: PersonalCodeOut, **refusals(404)},
    summary="我的签到码",
)
def my_personal_code(request: HttpRequest) -> Any:
    """本人当前的个人签到码：二维码内容和 6 位手输码，每 30 秒一换。

    出示给现场组织者扫描（或输入手输码）即可签到。在 `expires_at` 前后再取一次新码。
    账号未关联志愿者信息时答 404 `no_person`。
    """
    found = selectors.person_for_user(request.user)
    if found is None:
        raise NotFound(
            "no_person", _("您的账号还没有关联志愿者信息，暂时没有签到码。请联系所在社区关联。")
        )
    now = timezone.now()
    token, short_code = personal_codes.current(found.pk, at=now)
    left = seconds_left(now)
    return {
        "token": token,
        "code": short_code,
        "expires_at": now + datetime.timedelta(seconds=left),
        "seconds_left": left,
    }
