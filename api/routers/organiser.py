"""The API's 组织者 operations: today's activities, the screen's check-in token, scanning a
volunteer's personal code, and the attendance list with adding and withdrawing by hand.

The organiser's pages without the pages (``volunteers.views.organiser`` and
``attendance``): an activity the caller may not run check-in for is 403, an unknown one
404, as ``organiser_view`` answers; the writes are ``services.checkin.scan_personal_code``
and ``services.attendance``, which check the permission again and rate limit.
Names are shown whole and phones masked, exactly as the attendance page shows them.
"""

import datetime
from typing import Annotated, Any, Literal

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from api.auth import person
from api.errors import refusals
from api.pagination import Pages
from api.routers.checkin import ScanOut, refused, scan_answer, token_of_scan
from api.types import PathId
from core import tokens
from core.errors import Forbidden, Invalid, NotFound
from core.masking import mask_phone
from volunteers import permissions, personal_codes, selectors
from volunteers.checkin_codes import activity_notice, current_activity_token, seconds_left
from volunteers.checkin_requests import scan_source
from volunteers.models import Activity, Attendance, Person, SignUp
from volunteers.services.attendance import attendance_add_manual_by_number, attendance_remove
from volunteers.services.checkin import CheckInRefused, scan_personal_code

router = Router(tags=["组织者"])

Purpose = tokens.Purpose
Mode = Literal["check_in", "check_out"]
PURPOSES = {"check_in": Purpose.CHECK_IN, "check_out": Purpose.CHECK_OUT}
# Earlier than this a time is a typo, and near year 1 it cannot even be stored in UTC.
EARLIEST_YEAR = 2000
MODE_DESCRIPTION = "check_in 签到，check_out 签退"
ModeQuery = Annotated[Mode, Query(description=MODE_DESCRIPTION)]


# --- Schemas ---------------------------------------------------------------------------------


class TodayItemOut(Schema):
    id: int = Field(description="活动编号")
    title: str = Field(description="标题")
    organisation_name: str = Field(description="发布组织名称")
    address: str = Field(description="地点")
    starts_at: datetime.datetime = Field(description="开始时间")
    ends_at: datetime.datetime = Field(description="结束时间")
    checkin_opens_at: datetime.datetime = Field(description="签到开放时间")
    running: bool = Field(description="是否正在进行")
    checkin_open: bool = Field(description="现在是否可以扫码签到（签到开放至活动结束）")
    signed_up_count: int = Field(description="已报名人数")
    checked_in_count: int = Field(description="已签到人数（不含被撤销的）")
    checked_out_count: int = Field(description="其中已签退的人数")


class CheckinTokenOut(Schema):
    token: str = Field(description="现场二维码的令牌，每 30 秒一换，约 90 秒内有效")
    url: str = Field(description="二维码的内容：志愿者扫描后打开的 /c/<令牌> 地址")
    mode: Mode = Field(description=MODE_DESCRIPTION)
    expires_at: datetime.datetime = Field(description="在此时换码：届时再取一次")
    refresh_after_seconds: int = Field(description="距下次换码的秒数")
    checked_in_count: int = Field(description="已签到人数")
    checked_out_count: int = Field(description="已签退人数")
    notice: str = Field(description="扫码现在会被拒绝时的原因（未发布、已取消、未到时间、已结束）")


class OrganiserScanIn(Schema):
    code: str = Field(
        min_length=1,
        max_length=300,
        description="志愿者“我的签到码”的二维码内容，或 6 位手输码",
    )
    mode: Mode = Field("check_in", description=MODE_DESCRIPTION)


class OrganiserScanOut(ScanOut):
    name: str = Field(description="签到人的姓名")
    checked_in_count: int = Field(description="本活动已签到人数")
    checked_out_count: int = Field(description="本活动已签退人数")


class AttendanceOut(Schema):
    id: int = Field(description="签到记录编号")
    person_id: int = Field(description="人员编号")
    name: str = Field(description="姓名")
    phone: str = Field(description="手机号（遮挡中间四位）")
    volunteer_number: str = Field(description="志愿者编号")
    checked_in_at: datetime.datetime = Field(description="签到时间")
    check_in_method: str = Field(
        description="签到方式：activity_qr 扫活动码，personal_code 扫个人码，manual 手工补录"
    )
    check_in_method_label: str = Field(description="签到方式的中文")
    checked_out_at: datetime.datetime | None = Field(description="签退时间；未签退时为空")
    check_out_method: str = Field(
        description="签退方式（同上，另有 automatic 自动签退）；未签退为空"
    )
    check_out_method_label: str = Field(description="签退方式的中文")
    minutes_served: int | None = Field(description="服务分钟数；未签退时为空")
    auto_closed: bool = Field(description="是否系统自动签退")
    removed: bool = Field(description="是否已被撤销")
    removed_at: datetime.datetime | None = Field(description="撤销时间")
    removed_reason: str = Field(description="撤销原因")


class AttendanceFilters(Schema):
    q: str = Field("", max_length=50, description="搜索：姓名、志愿者编号或手机尾号 4 位")


class AttendanceAddIn(Schema):
    person_id: int | None = Field(None, ge=1, le=2_147_483_647, description="人员编号")
    volunteer_number: str | None = Field(None, max_length=32, description="志愿者编号")
    phone: str | None = Field(None, max_length=32, description="手机号")
    reason: str = Field(max_length=200, description="补录原因（必填），记入操作日志")
    checked_in_at: datetime.datetime | None = Field(
        None, description="签到时间，不晚于现在；不填为现在（活动已结束时为结束时间）"
    )
    checked_out_at: datetime.datetime | None = Field(None, description="签退时间，不晚于现在")


class AttendanceRemoveIn(Schema):
    reason: str = Field(max_length=200, description="撤销原因（必填），记入操作日志")


# --- The activity, and what is shown -------------------------------------------------------


def _activity_to_run(request: HttpRequest, pk: int) -> Activity:
    """The activity, if the caller may run its check-in: 404 unknown, 403 not theirs."""
    activity = Activity.objects.select_related("organisation", "category").filter(pk=pk).first()
    if activity is None:
        raise NotFound("activity_not_found", _("没有找到这个活动，可能已被删除。"))
    if not permissions.can(request.user, permissions.Action.CHECK_IN, activity):
        raise Forbidden(
            "forbidden",
            _("只有本活动的组织者（所在组织的队长、书记或管理员）可以为本活动组织签到。"),
        )
    return activity


def _attendance(record: Attendance) -> dict[str, Any]:
    who = record.person
    return {
        "id": record.pk,
        "person_id": who.pk,
        "name": who.real_name,
        "phone": mask_phone(who.phone),
        "volunteer_number": who.volunteer_number or "",
        "checked_in_at": record.checked_in_at,
        "check_in_method": record.check_in_method,
        "check_in_method_label": record.get_check_in_method_display(),
        "checked_out_at": record.checked_out_at,
        "check_out_method": record.check_out_method,
        "check_out_method_label": record.get_check_out_method_display()
        if record.check_out_method
        else "",
        "minutes_served": record.minutes_served,
        "auto_closed": record.auto_closed,
        "removed": record.removed_at is not None,
        "removed_at": record.removed_at,
        "removed_reason": record.removed_reason,
    }


def _standing_count(**extra: Any) -> Coalesce:
    standing = (
        Attendance.objects.filter(activity=OuterRef("pk"), removed_at__isnull=True, **extra)
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(standing, output_field=IntegerField()), 0)


def _today(request: HttpRequest) -> QuerySet[Activity]:
    now = timezone.now()
    tomorrow = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=1)
    return (
        selectors.activities_to_run(request.user, now=now)
        .filter(starts_at__lt=tomorrow)
        .select_related("organisation")
        .annotate(
            signed_up=Count("signups", filter=Q(signups__status=SignUp.Status.CONFIRMED)),
            checked_in=_standing_count(),
            checked_out=_standing_count(checked_out_at__isnull=False),
        )
        # What can still be run comes first (the one under way at the top, as on 工作台),
        # then today's finished ones, whose attendance may still be corrected.
        .annotate(is_over=Case(When(ends_at__lt=now, then=Value(1)), default=Value(0)))
        .order_by("is_over", "starts_at", "id")
    )


class _TodayPage:
    """Today's activities, paged by ``Pages``, each shaped with its counts (no more queries)."""

    def __init__(self, queryset: QuerySet[Activity]):
        self.queryset = queryset
        self.now = timezone.now()

    def all(self) -> QuerySet[Activity]:
        return self.queryset

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [
            {
                "id": row.pk,
                "title": row.title,
                "organisation_name": row.organisation.name,
                "address": row.address,
                "starts_at": row.starts_at,
                "ends_at": row.ends_at,
                "checkin_opens_at": row.checkin_opens_at,
                "running": row.starts_at <= self.now <= row.ends_at,
                "checkin_open": row.checkin_opens_at <= self.now <= row.ends_at,
                "signed_up_count": row.signed_up,
                "checked_in_count": row.checked_in,
                "checked_out_count": row.checked_out,
            }
            for row in self.queryset[page]
        ]


def _local(value: datetime.datetime | None, field: str) -> datetime.datetime | None:
    """A time as the attendance form reads it: naive is Shazhou's time, never the future."""
    if value is None:
        return None
    if value.year < EARLIEST_YEAR:
        raise Invalid("bad_times", _("时间有误，请检查后重试。"), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + datetime.timedelta(minutes=1):
        raise Invalid("future_time", _("时间不能晚于现在。"), field=field)
    return value


def _who(payload: AttendanceAddIn) -> str:
    """The phone or volunteer number the service looks up (and limits, and audits)."""
    given = [
        value
        for value in (payload.person_id, payload.volunteer_number, payload.phone)
        if value not in (None, "")
    ]
    if len(given) != 1:
        raise Invalid(
            "missing_who",
            _("请填写手机号或志愿者编号（只填一项）。"),
            field="volunteer_number",
        )
    if payload.person_id is None:
        return str(given[0]).replace("\x00", "").strip()[:32]
    # Through the same lookup as a typed number, so an id is refused (and counted) as a
    # number would be: nobody found and nobody addable get one answer.
    numbers = Person.objects.filter(pk=payload.person_id).values_list("volunteer_number", "phone")
    found = numbers.first()
    if found is None:
        return ""
    return found[0] or found[1] or ""


# --- Operations --------------------------------------------------------------------------------


@router.get(
    "/today",
    auth=person,
    response={200: list[TodayItemOut], **refusals()},
    summary="今天要组织签到的活动",
)
@paginate(Pages)
def organiser_today(request: HttpRequest) -> Any:
    """调用者今天可以组织签到的活动（“我的”页工作台所列）：未结束的在前（最早开始的最先），
    今天已结束的在后。

    每个活动带已报名、已签到、已签退的人数。没有签到权限的人得到空列表。
    """
    return _TodayPage(_today(request))


@router.get(
    "/activities/{id}/checkin-token",
    auth=person,
    response={200: CheckinTokenOut, **refusals(403, 404)},
    summary="现场签到二维码",
)
def organiser_checkin_token(
    request: HttpRequest,
    id: PathId,
    mode: ModeQuery = "check_in",
) -> dict[str, Any]:
    """现场屏幕上的签到（或签退）二维码：令牌和它的地址，每 30 秒一换。

    把 `url` 画成二维码给志愿者扫描；到 `expires_at`（`refresh_after_seconds` 秒后）
    再取一次。同一时段所有屏幕得到同一个码。403：调用者不能为本活动组织签到。
    """
    activity = _activity_to_run(request, id)
    now = timezone.now()
    token = current_activity_token(activity, PURPOSES[mode], now)
    counts = selectors.activity_checkin_counts(activity)
    left = seconds_left(now)
    return {
        "token": token,
        "url": request.build_absolute_uri(reverse("volunteers:checkin_scan", args=[token])),
        "mode": mode,
        "expires_at": now + datetime.timedelta(seconds=left),
        "refresh_after_seconds": left,
        "checked_in_count": counts["in"],
        "checked_out_count": counts["out"],
        "notice": activity_notice(activity, now),
    }


@router.post(
    "/activities/{id}/scan",
    auth=person,
    response={200: OrganiserScanOut, **refusals(403, 404, 409, 410)},
    summary="扫志愿者的个人签到码",
)
def organiser_scan_personal_code(request: HttpRequest, id: PathId, payload: OrganiserScanIn) -> Any:
    """组织者扫描（或输入）志愿者“我的签到码”，为其签到或签退。

    重复扫码答 `already_in`（或 `already_out`），不会重复记录。拒绝时 `code` 是扫码记录
    的原因代码，`detail` 是怎么办的提示：400 `unknown_code`（码无效或已过期）、
    `wrong_purpose`、`forged`、`missing_code`；403 `forbidden`、`not_in_audience`、
    `not_signed_up`；409 `cancelled`、`not_published`、`outside_window`、
    `not_checked_in`、`removed`；410 `expired`；429 `rate_limited`（手输码每分钟至多
    12 次、每小时至多 120 次）。
    """
    activity = _activity_to_run(request, id)
    code = _typed_or_scanned(payload.code)
    if not code:
        raise Invalid("missing_code", _("请扫描或输入签到码。"), field="code")
    try:
        result = scan_personal_code(
            activity=activity,
            code=code,
            purpose=PURPOSES[payload.mode],
            by=request.user,
            source=scan_source(request),
        )
    except CheckInRefused as refusal:
        return refused(refusal)
    counts = selectors.activity_checkin_counts(activity)
    return {
        **scan_answer(result, with_outcome=False),
        "name": result.attendance.person.real_name,
        "checked_in_count": counts["in"],
        "checked_out_count": counts["out"],
    }


def _typed_or_scanned(raw: str) -> str:
    """A typed six-character code squeezed and upper-cased; an activity QR's token as it is
    (so the answer says "wrong kind of code", not "forged"), as the scanner page reads it."""
    code = token_of_scan(raw)
    squeezed = "".join(code.split())
    if len(squeezed) == personal_codes.SHORT_CODE_LENGTH:
        return squeezed.upper()
    return code


@router.get(
    "/activities/{id}/attendance",
    auth=person,
    response={200: list[AttendanceOut], **refusals(403, 404)},
    summary="出勤名单",
)
@paginate(Pages)
def organiser_attendance(
    request: HttpRequest, id: PathId, filters: Query[AttendanceFilters]
) -> Any:
    """本活动的签到记录，按签到先后，被撤销的也在（标为已撤销）。

    姓名完整、手机号遮挡中间四位，与出勤名单页相同。`q` 按姓名、志愿者编号或手机
    尾号 4 位搜索。
    """
    activity = _activity_to_run(request, id)
    search = filters.q.replace("\x00", "").strip()
    records = selectors.activity_attendances(activity).filter(
        selectors.people_matching(search, via="person__")
    )
    return _AttendancePage(records)


class _AttendancePage:
    def __init__(self, queryset: QuerySet[Attendance]):
        self.queryset = queryset

    def all(self) -> QuerySet[Attendance]:
        return self.queryset

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [_attendance(record) for record in self.queryset[page]]


@router.post(
    "/activities/{id}/attendance",
    auth=person,
    response={200: AttendanceOut, **refusals(403, 404)},
    summary="手工补录签到",
)
def organiser_attendance_add(request: HttpRequest, id: PathId, payload: AttendanceAddIn) -> Any:
    """志愿者手机没电或扫不出码时，由组织者补录签到，须写明原因，记入操作日志。

    用手机号、志愿者编号或人员编号（只填一项）指明补录谁；只能补录本活动参加对象范围
    内的人员，找不到和不能补录答同一个 400 `person_not_found`。其他拒绝：400
    `missing_reason`、`missing_who`、`bad_times`、`future_time`、`cancelled`、`already`
    （已签到）；403 `forbidden`；429 `rate_limited`（查询次数太多）。
    """
    activity = _activity_to_run(request, id)
    checked_in_at = _local(payload.checked_in_at, "checked_in_at")
    checked_out_at = _local(payload.checked_out_at, "checked_out_at")
    who = _who(payload)
    added = attendance_add_manual_by_number(
        activity=activity,
        who=who,
        reason=payload.reason.replace("\x00", ""),
        by=request.user,
        checked_in_at=checked_in_at,
        checked_out_at=checked_out_at,
    )
    return _attendance(added)


@router.post(
    "/activities/{id}/attendance/{attendance_id}/remove",
    auth=person,
    response={200: AttendanceOut, **refusals(403, 404, 409)},
    summary="撤销签到",
)
def organiser_attendance_remove(
    request: HttpRequest, id: PathId, attendance_id: PathId, payload: AttendanceRemoveIn
) -> Any:
    """撤销一条签到记录（保留并标为已撤销，已计的时长和积分随之冲正），须写明原因。

    404 `attendance_not_found`（不存在或不属于本活动）；400 `missing_reason`；
    409 `already_removed`。
    """
    activity = _activity_to_run(request, id)
    record = (
        Attendance.objects.select_related("activity__organisation", "person")
        .filter(activity=activity, pk=attendance_id)
        .first()
    )
    if record is None:
        raise NotFound("attendance_not_found", _("这条签到记录不存在或不属于本活动。"))
    removed = attendance_remove(
        attendance=record,
        reason=payload.reason.replace("\x00", ""),
        by=request.user,
    )
    removed.person = record.person
    return _attendance(removed)
