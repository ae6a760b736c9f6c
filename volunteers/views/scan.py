"""The volunteer's side of check-in: the scan landing (/c/<token>) and 我的签到码.

A refused scan is the check-in card of ``refusal.html``: the reason's label, the
service's message and the reason's hint (``services.checkin_refusals``), with the
status of its kind.
"""

import datetime
import math

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core import tokens
from core.errors import Forbidden, NotFound
from core.refusals import json_answer, refusal_response
from volunteers import personal_codes, selectors
from volunteers.checkin_codes import MODES, seconds_left
from volunteers.checkin_requests import hhmm, scan_source
from volunteers.models import Person, ScanAttempt
from volunteers.services.checkin import (
    CheckInRefused,
    CheckInResult,
    LocationNeeded,
    scan_activity_code,
)
from volunteers.services.credit import attendance_outcome
from volunteers.views.checkin_common import qr_markup

Purpose = tokens.Purpose
Reason = ScanAttempt.Reason

# A scan made before logging in is remembered in the session and honoured at its own
# time, if the code was good then (the service checks). Signing up with an SMS code can
# take a while, but not all day.
PENDING_SCAN_KEY = "checkin_pending_scan"
PENDING_SCAN_MAX_AGE = datetime.timedelta(minutes=30)


def _coordinate(value, limit: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and abs(number) <= limit else None


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


def _refused(request, refusal: CheckInRefused):
    is_check_out = refusal.purpose == Purpose.CHECK_OUT
    return refusal_response(
        request,
        refusal,
        as_json=False,
        look="checkin",
        base="base_focused.html",
        icon=True,
        kicker=_("签退未成功") if is_check_out else _("签到未成功"),
        hint=refusal.hint,
        activity=refusal.activity,
        activity_times=True,
        signup_first=refusal.code == Reason.NOT_SIGNED_UP,
    )


def _result_page(request, result: CheckInResult):
    attendance = result.attendance
    outcome = None
    if result.purpose == Purpose.CHECK_OUT:
        state = "out" if result.created else "already_out"
        time = hhmm(attendance.checked_out_at)
        # Whether it counts (and why not), the hours and points, and when they appear.
        outcome = attendance_outcome(attendance)
    else:
        state = "in" if result.created else "already_in"
        time = hhmm(attendance.checked_in_at)
    return render(
        request,
        "checkin/scan_result.html",
        {
            "state": state,
            "time": time,
            "attendance": attendance,
            "activity": attendance.activity,
            "checkin_time": hhmm(attendance.checked_in_at),
            "outcome": outcome,
            "credited_after": hhmm(outcome.credited_after) if outcome else "",
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
        source = scan_source(request, can_ask_location=True)
    else:
        source = scan_source(
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
        return _refused(request, refusal)
    return _result_page(request, result)


def _scan_anonymous(request, token: str, now: datetime.datetime):
    token_data = _peek(token, now)
    if token_data is None:
        # A bad code is refused before anyone is asked to log in; the service logs it.
        try:
            scan_activity_code(
                token=token, person=None, scanned_at=now, source=scan_source(request)
            )
        except CheckInRefused as refusal:
            return _refused(request, refusal)
    _remember_scan(request, token, now)
    if token_data.purpose == Purpose.CHECK_OUT:
        message = _("请先登录。登录后将自动完成签退，签退时间按您扫码的时间记录。")
    else:
        message = _("请先登录。登录后将自动完成签到，签到时间按您扫码的时间记录。")
    messages.info(request, message)
    return redirect_to_login(request.get_full_path())


# --- 我的签到码 -------------------------------------------------------------------------------


def _my_code_state(person: Person) -> dict:
    now = timezone.now()
    token, short_code = personal_codes.current(person.pk, at=now)
    return {"svg": qr_markup(token), "code": short_code, "expires_in": seconds_left(now)}


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
        return refusal_response(request, Forbidden("login_required", _("请先登录。")), as_json=True)
    person = selectors.person_for_user(request.user)
    if person is None:
        no_person = NotFound(
            "no_person", _("您的账号还没有关联志愿者信息，暂时没有签到码。请联系所在社区关联。")
        )
        return refusal_response(request, no_person, as_json=True)
    state = _my_code_state(person)
    return json_answer({"ok": True, **state, "svg": str(state["svg"])})


@never_cache
@require_http_methods(["GET"])
def scan_activity(request):
    """扫一扫: the phone's camera (or a picked picture) reads an activity's check-in QR.

    The page itself only reads the code; the browser then goes to the code's own address
    (/c/<token>), where ``scan`` checks and records it like any other scan. A code that is
    not one of this site's /c/ addresses is refused on the page, in Chinese.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "checkin/scan_activity.html", {})
