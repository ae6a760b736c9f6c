"""Check-in pages: the volunteer's scan landing, the organiser's QR screen and scanner,
我的签到码, and the attendance list with its export.

Thin on purpose: every write is a call into ``services.checkin``, shared reads live in
``selectors``; these views parse input and turn answers and refusals into pages or JSON.
Every response is ``no-store``: a QR code or a check-in result must never come back from
a proxy, a cache or the back button of a shared phone.

Status codes of a refusal, the same on every page and JSON answer:
400 the code itself is bad (forged, altered, for another purpose, unknown),
403 this person may not (audience, sign-up, geofence, no person on the account),
409 the activity's state or time does not allow it now (cancelled, unpublished,
outside the window, not checked in, withdrawn), 410 the code has expired,
429 too many scans.
"""

import datetime
import ipaddress
import math
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core import tokens
from core.downloads import file_response, xlsx_response
from core.errors import DomainError
from core.qr import qr_png, qr_svg
from volunteers import permissions, personal_codes, selectors
from volunteers.attendance_sheet import attendance_export_filename, build_attendance_export
from volunteers.models import Activity, Attendance, Person, ScanAttempt
from volunteers.services.checkin import (
    CheckInRefused,
    CheckInResult,
    LocationNeeded,
    ScanSource,
    attendance_add_manual_by_number,
    attendance_remove,
    scan_activity_code,
    scan_personal_code,
)

Action = permissions.Action
Purpose = tokens.Purpose
Reason = ScanAttempt.Reason
MODES = (Purpose.CHECK_IN, Purpose.CHECK_OUT)

REFUSAL_STATUS = {
    Reason.FORGED: 400,
    Reason.WRONG_PURPOSE: 400,
    Reason.WRONG_ACTIVITY: 400,
    Reason.UNKNOWN_CODE: 400,
    Reason.NOT_IN_AUDIENCE: 403,
    Reason.NOT_SIGNED_UP: 403,
    Reason.OUTSIDE_GEOFENCE: 403,
    Reason.NO_PERSON: 403,
    Reason.CANCELLED: 409,
    Reason.NOT_PUBLISHED: 409,
    Reason.OUTSIDE_WINDOW: 409,
    Reason.NOT_CHECKED_IN: 409,
    Reason.ALREADY_OUT: 409,
    Reason.REMOVED: 409,
    Reason.EXPIRED: 410,
    Reason.RATE_LIMITED: 429,
}

# What the person can do about it, under the service's own message.
REFUSAL_HINTS = {
    Reason.EXPIRED: gettext_lazy(
        "现场的二维码每 30 秒更新一次。请重新扫描屏幕上正在显示的二维码。"
    ),
    Reason.FORGED: gettext_lazy(
        "请直接用手机相机或微信扫描现场屏幕上的二维码，不要使用别人转发的链接或截图。"
    ),
    Reason.WRONG_PURPOSE: gettext_lazy("请确认扫描的是本活动现场屏幕上的签到或签退二维码。"),
    Reason.WRONG_ACTIVITY: gettext_lazy("请确认扫描的是本活动现场屏幕上的签到或签退二维码。"),
    Reason.UNKNOWN_CODE: gettext_lazy("请让对方刷新“我的签到码”后重新扫描或输入。"),
    Reason.CANCELLED: gettext_lazy("活动已取消，无需签到。如有疑问，请联系活动组织者。"),
    Reason.NOT_PUBLISHED: gettext_lazy("请联系活动组织者确认活动安排。"),
    Reason.OUTSIDE_WINDOW: gettext_lazy(
        "请在签到时间内重新扫码；如确已到场，可请现场组织者为您补录。"
    ),
    Reason.NOT_IN_AUDIENCE: gettext_lazy("如果您认为有误，请联系活动组织者。"),
    Reason.NOT_SIGNED_UP: gettext_lazy("请先在活动页面报名，报名成功后再扫码签到。"),
    Reason.OUTSIDE_GEOFENCE: gettext_lazy(
        "请到活动现场，打开手机定位并允许浏览器获取位置后，重新扫描屏幕上的二维码。"
        "如您已在现场，可能是定位不准：请到室外开阔处再试，"
        "或打开“我的签到码”，请现场组织者为您扫码签到。"
    ),
    Reason.NOT_CHECKED_IN: gettext_lazy("请先扫描签到码签到；如忘记签到，请联系现场组织者补录。"),
    Reason.REMOVED: gettext_lazy("如有疑问，请联系活动组织者。"),
    Reason.NO_PERSON: gettext_lazy("请联系所在社区，为您的账号关联志愿者信息后再签到。"),
    Reason.RATE_LIMITED: gettext_lazy(
        "请稍后再试。如您已在活动现场，可打开“我的签到码”，请现场组织者为您扫码签到。"
    ),
}

# A scan made before logging in is remembered in the session and honoured at its own
# time, if the code was good then (the service checks). Signing up with an SMS code can
# take a while, but not all day.
PENDING_SCAN_KEY = "checkin_pending_scan"
PENDING_SCAN_MAX_AGE = datetime.timedelta(minutes=30)
MAX_CODE_LENGTH = 300
REFUSED_SCANS_SHOWN = 20


# --- Small helpers ------------------------------------------------------------------------


def _hhmm(value: datetime.datetime | None) -> str:
    return date_format(timezone.localtime(value), "H:i") if value else ""


def _client_ip(request) -> str | None:
    """The client's address, trusting as many X-Forwarded-For hops as allauth is told to."""
    candidate = request.META.get("REMOTE_ADDR", "")
    hops = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.headers.get("x-forwarded-for", "")
    if hops and forwarded:
        parts = [part.strip() for part in forwarded.split(",")]
        if len(parts) >= hops:
            candidate = parts[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _clean_text(value: str, limit: int) -> str:
    # NUL cannot be stored in a PostgreSQL text column; nothing legitimate contains it.
    return (value or "").replace("\x00", "")[:limit]


def _coordinate(value, limit: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and abs(number) <= limit else None


def _source(request, *, latitude=None, longitude=None, can_ask_location=False) -> ScanSource:
    return ScanSource(
        ip=_client_ip(request),
        user_agent=_clean_text(request.headers.get("user-agent", ""), 200),
        latitude=latitude,
        longitude=longitude,
        can_ask_location=can_ask_location,
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _mode(request) -> str | None:
    mode = request.GET.get("mode", Purpose.CHECK_IN)
    return mode if mode in MODES else None


def _error_page(request, title: str, message: str, *, status: int, activity=None):
    return render(
        request,
        "checkin/error.html",
        {"title": title, "message": message, "status": status, "activity": activity},
        status=status,
    )


def _json(data: dict, *, status: int = 200) -> JsonResponse:
    # Chinese as it is, not \u escapes: a third of the bytes on a poor signal.
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _json_error(message: str, *, status: int, **extra) -> JsonResponse:
    return _json({"ok": False, "message": message, **extra}, status=status)


def _seconds_left(now: datetime.datetime) -> int:
    """Seconds until the next rotation of every QR code."""
    elapsed = now.timestamp() % tokens.ROTATE_SECONDS
    return max(1, math.ceil(tokens.ROTATE_SECONDS - elapsed))


def _svg(data: str) -> str:
    # qrcode draws only a path from the data; nothing of the data is echoed as markup.
    return mark_safe(qr_svg(data))


# --- The volunteer scans the activity's QR: /c/<token> ---------------------------------------


def _remember_scan(request, token: str, at: datetime.datetime) -> None:
    request.session[PENDING_SCAN_KEY] = {"token": token, "at": at.isoformat()}


def _forget_scan(request) -> None:
    request.session.pop(PENDING_SCAN_KEY, None)


def _remembered_scan_time(request, token: str) -> datetime.datetime | None:
    pending = request.session.get(PENDING_SCAN_KEY)
    if not isinstance(pending, dict) or pending.get("token") != token:
        return None
    try:
        at = datetime.datetime.fromisoformat(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None
    now = timezone.now()
    if at.tzinfo is None or not now - PENDING_SCAN_MAX_AGE <= at <= now:
        return None
    return at


def _peek(token: str, at: datetime.datetime | None) -> tokens.Token | None:
    """The token's content if it is good at ``at``; nothing is logged."""
    try:
        return tokens.read_token(token, purposes=MODES, scanned_at=at)
    except tokens.TokenError:
        return None


def _refusal_page(request, refusal: DomainError, *, purpose: str = Purpose.CHECK_IN):
    activity = getattr(refusal, "activity", None)
    code = refusal.code
    status = REFUSAL_STATUS.get(code, 403 if code == "forbidden" else 400)
    return render(
        request,
        "checkin/scan_refused.html",
        {
            "reason": code,
            "reason_label": Reason(code).label if code in Reason.values else _("无法完成"),
            "message": refusal.message,
            "hint": REFUSAL_HINTS.get(code, ""),
            "activity": activity,
            "is_check_out": purpose == Purpose.CHECK_OUT,
            "status": status,
        },
        status=status,
    )


def _result_page(request, result: CheckInResult):
    attendance = result.attendance
    if result.purpose == Purpose.CHECK_OUT:
        state = "out" if result.created else "already_out"
        time = _hhmm(attendance.checked_out_at)
    else:
        state = "in" if result.created else "already_in"
        time = _hhmm(attendance.checked_in_at)
    return render(
        request,
        "checkin/scan_result.html",
        {
            "state": state,
            "time": time,
            "attendance": attendance,
            "activity": attendance.activity,
            "checkin_time": _hhmm(attendance.checked_in_at),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def scan(request, token: str):
    """The URL inside the organiser's rotating QR: check in (or out) at once."""
    now = timezone.now()
    if not request.user.is_authenticated:
        return _scan_anonymous(request, token, now)

    person = selectors.person_for_user(request.user)
    scanned_at = _remembered_scan_time(request, token)
    if request.method == "GET":
        # The first look at a scan: a geofenced check-in may still ask where the phone is.
        source = _source(request, can_ask_location=True)
    else:
        source = _source(
            request,
            latitude=_coordinate(request.POST.get("latitude"), 90),
            longitude=_coordinate(request.POST.get("longitude"), 180),
        )
    _forget_scan(request)
    try:
        result = scan_activity_code(
            token=token, person=person, scanned_at=scanned_at, source=source
        )
    except LocationNeeded as needed:
        # The scan happened now (or before login); keep that time for the POST.
        _remember_scan(request, token, scanned_at or now)
        return render(request, "checkin/scan_locate.html", {"activity": needed.activity})
    except CheckInRefused as refusal:
        return _refusal_page(request, refusal, purpose=refusal.purpose)
    return _result_page(request, result)


def _scan_anonymous(request, token: str, now: datetime.datetime):
    token_data = _peek(token, now)
    if token_data is None:
        # A bad code is refused before anyone is asked to log in; the service logs it.
        try:
            scan_activity_code(token=token, person=None, scanned_at=now, source=_source(request))
        except CheckInRefused as refusal:
            return _refusal_page(request, refusal)
    _remember_scan(request, token, now)
    if token_data.purpose == Purpose.CHECK_OUT:
        message = _("请先登录。登录后将自动完成签退，签退时间按您扫码的时间记录。")
    else:
        message = _("请先登录。登录后将自动完成签到，签到时间按您扫码的时间记录。")
    messages.info(request, message)
    return redirect_to_login(request.get_full_path())


# --- Organiser pages: permission and the activity --------------------------------------------


def organiser_view(*, with_mode: bool = False, json: bool = False):
    """Signed in and allowed to run check-in for the activity; else a Chinese 403 or 404."""

    def decorate(view):
        @never_cache
        @wraps(view)
        def wrapped(request, pk: int, *args, **kwargs):
            as_json = json or _wants_json(request)
            if not request.user.is_authenticated:
                if as_json or request.method != "GET":
                    return _json_error(_("请先登录。"), status=403)
                return redirect_to_login(request.get_full_path())
            activity = (
                Activity.objects.select_related("organisation", "category").filter(pk=pk).first()
            )
            if activity is None:
                message = _("没有找到这个活动，可能已被删除。")
                if as_json:
                    return _json_error(message, status=404)
                return _error_page(request, _("没有找到活动"), message, status=404)
            if not permissions.can(request.user, Action.CHECK_IN, activity):
                message = _("只有本活动的组织者（所在组织的队长、书记或管理员）可以使用这个页面。")
                if as_json:
                    return _json_error(message, status=403)
                return _error_page(request, _("没有权限"), message, status=403, activity=activity)
            if with_mode:
                mode = _mode(request)
                if mode is None:
                    message = _("模式只能是签到（in）或签退（out）。")
                    if as_json:
                        return _json_error(message, status=400)
                    return _error_page(
                        request, _("链接有误"), message, status=400, activity=activity
                    )
                kwargs["mode"] = mode
            return view(request, activity, *args, **kwargs)

        return wrapped

    return decorate


def _activity_notice(activity: Activity, now: datetime.datetime) -> str:
    """Why scans would be refused right now, for the organiser's eyes."""
    if activity.cancelled_at:
        return _("活动已取消，扫码签到会被拒绝。")
    if not activity.live:
        return _("活动尚未发布，扫码签到会被拒绝。")
    if now < activity.checkin_opens_at:
        return _("签到从 %(time)s 开始，现在扫码会被拒绝。") % {
            "time": date_format(timezone.localtime(activity.checkin_opens_at), "n月j日 H:i")
        }
    if now > activity.ends_at:
        return _("活动已于 %(time)s 结束。") % {
            "time": date_format(timezone.localtime(activity.ends_at), "n月j日 H:i")
        }
    return ""


def current_activity_token(activity: Activity, mode: str, now: datetime.datetime) -> str:
    """One token per activity, mode and 30-second window, shared by every screen and the PNG."""
    window = int(now.timestamp() // tokens.ROTATE_SECONDS)
    key = f"checkin:qr:{activity.pk}:{mode}:{window}"
    token = cache.get(key)
    if token is None:
        token = tokens.make_token(purpose=mode, subject_id=activity.pk)
        cache.add(key, token, timeout=tokens.ROTATE_SECONDS * 2)
        token = cache.get(key) or token
    return token


def _scan_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("volunteers:checkin_scan", args=[token]))


def _screen_state(request, activity: Activity, mode: str) -> dict:
    now = timezone.now()
    url = _scan_url(request, current_activity_token(activity, mode, now))
    counts = selectors.activity_checkin_counts(activity)
    return {
        "svg": _svg(url),
        "url": url,
        "expires_in": _seconds_left(now),
        "count_in": counts["in"],
        "count_out": counts["out"],
        "mode": mode,
        "notice": _activity_notice(activity, now),
    }


@organiser_view(with_mode=True)
@require_http_methods(["GET"])
def screen(request, activity: Activity, mode: str):
    """The full-screen rotating QR for a phone, a tablet or a projector."""
    return render(
        request,
        "checkin/screen.html",
        {
            "activity": activity,
            "is_check_out": mode == Purpose.CHECK_OUT,
            **_screen_state(request, activity, mode),
        },
    )


@organiser_view(with_mode=True, json=True)
@require_http_methods(["GET"])
def screen_json(request, activity: Activity, mode: str):
    state = _screen_state(request, activity, mode)
    return _json({**state, "svg": str(state["svg"])})


@organiser_view(with_mode=True)
@require_http_methods(["GET"])
def qr_image(request, activity: Activity, mode: str):
    """The same current QR as a PNG, to download, print or show elsewhere."""
    url = _scan_url(request, current_activity_token(activity, mode, timezone.now()))
    return file_response(
        qr_png(url, box_size=12),
        f"checkin-{activity.pk}-{mode}.png",
        content_type="image/png",
        attachment=False,
    )


# --- 我的签到码 -------------------------------------------------------------------------------


def _my_code_state(person: Person) -> dict:
    now = timezone.now()
    token, short_code = personal_codes.current(person.pk, at=now)
    return {"svg": _svg(token), "code": short_code, "expires_in": _seconds_left(now)}


@never_cache
@require_http_methods(["GET"])
def my_code(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    person = selectors.person_for_user(request.user)
    context = {"person": person}
    if person is not None:
        context.update(_my_code_state(person))
    return render(request, "checkin/my_code.html", context)


@never_cache
@require_http_methods(["GET"])
def my_code_json(request):
    if not request.user.is_authenticated:
        return _json_error(_("请先登录。"), status=403)
    person = selectors.person_for_user(request.user)
    if person is None:
        return _json_error(
            _("您的账号还没有关联志愿者信息，暂时没有签到码。请联系所在社区关联。"), status=404
        )
    state = _my_code_state(person)
    return _json({"ok": True, **state, "svg": str(state["svg"])})


# --- The organiser scans a volunteer's personal code ---------------------------------------


def _typed_or_scanned_code(raw: str) -> str:
    code = _clean_text(raw, MAX_CODE_LENGTH).strip()
    if "/c/" in code:
        # The camera caught an activity QR: pass its token on, so the answer says
        # "wrong kind of code" rather than "forged".
        code = code.rsplit("/c/", 1)[1].split("?", 1)[0].split("#", 1)[0]
    squeezed = "".join(code.split())
    if len(squeezed) == personal_codes.SHORT_CODE_LENGTH:
        return squeezed.upper()
    return code


def _scan_success(result: CheckInResult) -> dict:
    attendance = result.attendance
    if result.purpose == Purpose.CHECK_OUT:
        time = _hhmm(attendance.checked_out_at)
        minutes = attendance.minutes_served or 0
        if result.created:
            message = _("签退成功，服务 %(minutes)d 分钟") % {"minutes": minutes}
        else:
            message = _("已于 %(time)s 签退") % {"time": time}
        state = "out" if result.created else "already_out"
    else:
        time = _hhmm(attendance.checked_in_at)
        message = _("签到成功") if result.created else _("已于 %(time)s 签到") % {"time": time}
        state = "in" if result.created else "already_in"
    return {
        "ok": True,
        "state": state,
        "message": message,
        "name": attendance.person.real_name,
        "time": time,
    }


@organiser_view(with_mode=True)
@require_http_methods(["GET", "POST"])
def scanner(request, activity: Activity, mode: str):
    """The organiser's phone reads volunteers' personal codes, or they are typed in."""
    outcome, status = None, 200
    if request.method == "POST":
        code = _typed_or_scanned_code(request.POST.get("code", ""))
        if not code:
            outcome, status = {"ok": False, "message": _("请扫描或输入签到码。")}, 400
        else:
            try:
                result = scan_personal_code(
                    activity=activity,
                    code=code,
                    purpose=mode,
                    by=request.user,
                    source=_source(request),
                )
            except CheckInRefused as refusal:
                status = REFUSAL_STATUS.get(refusal.code, 400)
                outcome = {
                    "ok": False,
                    "state": refusal.code,
                    "message": refusal.message,
                    # Only whom the service found: never a second lookup of the code,
                    # which would answer a guess the rate limit has just refused.
                    "name": refusal.person.real_name if refusal.person else "",
                }
            except DomainError as exc:
                status = 403 if exc.code == "forbidden" else 400
                outcome = {"ok": False, "state": exc.code, "message": exc.message}
            else:
                outcome = _scan_success(result)
        outcome.setdefault("name", "")
        outcome.setdefault("time", "")
    counts = selectors.activity_checkin_counts(activity)
    if outcome is not None and _wants_json(request):
        return _json(
            {**outcome, "count_in": counts["in"], "count_out": counts["out"]}, status=status
        )
    return render(
        request,
        "checkin/scanner.html",
        {
            "activity": activity,
            "mode": mode,
            "is_check_out": mode == Purpose.CHECK_OUT,
            "outcome": outcome,
            "count_in": counts["in"],
            "count_out": counts["out"],
            "notice": _activity_notice(activity, timezone.now()),
        },
        status=status,
    )


# --- Attendance: the list, manual add and remove, the export --------------------------------


class ManualCheckInForm(forms.Form):
    """Who to add, and why. The reason is the service's to require, so it reports it."""

    who = forms.CharField(
        label=gettext_lazy("手机号或志愿者编号"),
        max_length=32,
        error_messages={"required": gettext_lazy("请填写手机号或志愿者编号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("补录原因"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"required": True, "placeholder": gettext_lazy("例如：手机没电，现场核实到场")}
        ),
    )
    checked_in_at = forms.DateTimeField(
        label=gettext_lazy("签到时间（选填，默认现在）"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": gettext_lazy("请按“年-月-日 时:分”填写时间。")},
    )
    checked_out_at = forms.DateTimeField(
        label=gettext_lazy("签退时间（选填）"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": gettext_lazy("请按“年-月-日 时:分”填写时间。")},
    )

    def clean_who(self) -> str:
        # Looked up by the service, after the rest of the form: see attendance().
        return _clean_text(self.cleaned_data["who"], 32).strip()

    def _not_future(self, field: str):
        value = self.cleaned_data.get(field)
        if value is not None and value > timezone.now() + datetime.timedelta(minutes=1):
            raise forms.ValidationError(_("时间不能晚于现在。"))
        return value

    def clean_checked_in_at(self):
        return self._not_future("checked_in_at")

    def clean_checked_out_at(self):
        return self._not_future("checked_out_at")


def _attendance_page(
    request, activity: Activity, *, form=None, remove_errors=None, status: int = 200
):
    attendances = list(selectors.activity_attendances(activity))
    standing = [a for a in attendances if a.removed_at is None]
    return render(
        request,
        "checkin/attendance.html",
        {
            "activity": activity,
            "attendances": attendances,
            "count_in": len(standing),
            "count_out": sum(1 for a in standing if a.checked_out_at),
            "count_removed": len(attendances) - len(standing),
            "no_shows": list(selectors.activity_no_shows(activity)),
            "refused_scans": list(
                selectors.activity_refused_scans(activity, limit=REFUSED_SCANS_SHOWN)
            ),
            "form": form or ManualCheckInForm(initial={"who": request.GET.get("who", "")}),
            "remove_errors": remove_errors or {},
            "notice": _activity_notice(activity, timezone.now()),
        },
        status=status,
    )


@organiser_view()
@require_http_methods(["GET", "POST"])
def attendance(request, activity: Activity):
    """Who came, who did not, who was turned away; add someone by hand."""
    if request.method != "POST":
        return _attendance_page(request, activity)
    form = ManualCheckInForm(request.POST)
    status = 400
    if form.is_valid():
        # The service checks the reason and the times before it looks the number up, so
        # an answer tells "found" from "not found" only by writing an audited attendance.
        try:
            added = attendance_add_manual_by_number(
                activity=activity,
                who=form.cleaned_data["who"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                checked_in_at=form.cleaned_data["checked_in_at"],
                checked_out_at=form.cleaned_data["checked_out_at"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            # A form answers 400 for whatever it refuses, 429 when it is asked too often.
            status = 429 if exc.code == Reason.RATE_LIMITED else 400
        else:
            messages.success(
                request, _("已为 %(name)s 补录签到。") % {"name": added.person.real_name}
            )
            return redirect("volunteers:checkin_attendance", pk=activity.pk)
    return _attendance_page(request, activity, form=form, status=status)


@organiser_view()
@require_POST
def attendance_withdraw(request, activity: Activity, attendance_pk: int):
    record = (
        Attendance.objects.select_related("activity__organisation", "person")
        .filter(activity=activity, pk=attendance_pk)
        .first()
    )
    if record is None:
        return _error_page(
            request,
            _("没有找到签到记录"),
            _("这条签到记录不存在或不属于本活动。"),
            status=404,
            activity=activity,
        )
    try:
        attendance_remove(attendance=record, reason=request.POST.get("reason", ""), by=request.user)
    except DomainError as exc:
        status = 403 if exc.code == "forbidden" else 409 if exc.code == "already_removed" else 400
        return _attendance_page(
            request, activity, remove_errors={record.pk: exc.message}, status=status
        )
    messages.success(request, _("已撤销 %(name)s 的签到。") % {"name": record.person.real_name})
    return redirect("volunteers:checkin_attendance", pk=activity.pk)


@organiser_view()
@require_http_methods(["GET"])
def attendance_export(request, activity: Activity):
    return xlsx_response(build_attendance_export(activity), attendance_export_filename(activity))
