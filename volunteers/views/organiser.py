"""The organiser's check-in pages: the rotating QR screen (and its PNG), and the scanner.

``organiser_view`` guards them and the attendance pages: signed in, and allowed to run
check-in for the activity; otherwise the check-in card of ``refusal.html`` (or its
JSON, for a script) with the status of the refusal's kind.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core import tokens
from core.downloads import file_response
from core.errors import DomainError, Forbidden, Invalid, NotFound
from core.qr import qr_png
from core.refusals import json_answer, refusal_data, refusal_response, wants_json
from volunteers import permissions, personal_codes, selectors
from volunteers.checkin_codes import MODES, activity_notice, current_activity_token, seconds_left
from volunteers.checkin_requests import clean_text, hhmm, scan_source
from volunteers.models import Activity
from volunteers.services.checkin import CheckInRefused, CheckInResult, scan_personal_code
from volunteers.views.checkin_common import qr_markup

Action = permissions.Action
Purpose = tokens.Purpose
MAX_CODE_LENGTH = 300


# --- Permission and the activity ---------------------------------------------------------


def organiser_refusal(request, error: DomainError, *, title: str, activity: Activity | None = None):
    """The check-in card for an organiser's page: status, title, message, the activity."""
    return refusal_response(
        request,
        error,
        title=title,
        look="checkin",
        show_status=True,
        back_label=_("返回"),
        activity=activity,
    )


def organiser_view(*, with_mode: bool = False):
    """Signed in and allowed to run check-in for the activity; else a Chinese 403 or 404."""

    def decorate(view):
        @never_cache
        @wraps(view)
        def wrapped(request, pk: int, *args, **kwargs):
            if not request.user.is_authenticated:
                if wants_json(request) or request.method != "GET":
                    login = Forbidden("login_required", _("请先登录。"))
                    return refusal_response(request, login, as_json=True)
                return redirect_to_login(request.get_full_path())
            activity = (
                Activity.objects.select_related("organisation", "category").filter(pk=pk).first()
            )
            if activity is None:
                missing = NotFound("activity_not_found", _("没有找到这个活动，可能已被删除。"))
                return organiser_refusal(request, missing, title=_("没有找到活动"))
            if not permissions.can(request.user, Action.CHECK_IN, activity):
                refused = Forbidden(
                    "forbidden",
                    _("只有本活动的组织者（所在组织的队长、书记或管理员）可以使用这个页面。"),
                )
                return organiser_refusal(request, refused, title=_("没有权限"), activity=activity)
            if with_mode:
                mode = request.GET.get("mode", Purpose.CHECK_IN)
                if mode not in MODES:
                    bad_mode = Invalid("bad_mode", _("模式只能是签到（in）或签退（out）。"))
                    return organiser_refusal(
                        request, bad_mode, title=_("链接有误"), activity=activity
                    )
                kwargs["mode"] = mode
            return view(request, activity, *args, **kwargs)

        return wrapped

    return decorate


# --- The QR screen ----------------------------------------------------------------------------


def _scan_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("volunteers:checkin_scan", args=[token]))


def _screen_state(request, activity: Activity, mode: str) -> dict:
    now = timezone.now()
    url = _scan_url(request, current_activity_token(activity, mode, now))
    counts = selectors.activity_checkin_counts(activity)
    return {
        "svg": qr_markup(url),
        "url": url,
        "expires_in": seconds_left(now),
        "count_in": counts["in"],
        "count_out": counts["out"],
        "mode": mode,
        "notice": activity_notice(activity, now),
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


@organiser_view(with_mode=True)
@require_http_methods(["GET"])
def screen_json(request, activity: Activity, mode: str):
    state = _screen_state(request, activity, mode)
    return json_answer({**state, "svg": str(state["svg"])})


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


# --- The organiser scans a volunteer's personal code ---------------------------------------


def _typed_or_scanned_code(raw: str) -> str:
    code = clean_text(raw, MAX_CODE_LENGTH).strip()
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
        time = hhmm(attendance.checked_out_at)
        minutes = attendance.minutes_served or 0
        if result.created:
            message = _("签退成功，服务 %(minutes)d 分钟") % {"minutes": minutes}
        else:
            message = _("已于 %(time)s 签退") % {"time": time}
        state = "out" if result.created else "already_out"
    else:
        time = hhmm(attendance.checked_in_at)
        message = _("签到成功") if result.created else _("已于 %(time)s 签到") % {"time": time}
        state = "in" if result.created else "already_in"
    return {
        "ok": True,
        "state": state,
        "message": message,
        "name": attendance.person.real_name,
        "time": time,
    }


def _scan_refused(refusal: DomainError) -> dict:
    outcome = refusal_data(refusal, detail=getattr(refusal, "hint", ""))
    outcome["state"] = refusal.code
    if isinstance(refusal, CheckInRefused) and refusal.person is not None:
        # Only whom the service found: never a second lookup of the code, which would
        # answer a guess the rate limit has just refused.
        outcome["name"] = refusal.person.real_name
    return outcome


@organiser_view(with_mode=True)
@require_http_methods(["GET", "POST"])
def scanner(request, activity: Activity, mode: str):
    """The organiser's phone reads volunteers' personal codes, or they are typed in."""
    outcome, status = None, 200
    if request.method == "POST":
        try:
            code = _typed_or_scanned_code(request.POST.get("code", ""))
            if not code:
                raise Invalid("missing_code", _("请扫描或输入签到码。"))
            result = scan_personal_code(
                activity=activity,
                code=code,
                purpose=mode,
                by=request.user,
                source=scan_source(request),
            )
        except DomainError as refusal:
            outcome, status = _scan_refused(refusal), refusal.status
        else:
            outcome = _scan_success(result)
        outcome.setdefault("name", "")
        outcome.setdefault("time", "")
    counts = selectors.activity_checkin_counts(activity)
    if outcome is not None and wants_json(request):
        return json_answer(
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
            "notice": activity_notice(activity, timezone.now()),
        },
        status=status,
    )
