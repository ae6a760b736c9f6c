"""The activity's rotating check-in code: the token its screens show, when it turns, and why
scans would be refused right now.

The organiser's screen, its PNG and the API's check-in token all read ``current_activity_token``,
so every screen of one activity shows the same code in a 30-second window.
"""

import datetime
import math

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import tokens
from volunteers.models import Activity

Purpose = tokens.Purpose
MODES = (Purpose.CHECK_IN, Purpose.CHECK_OUT)


def seconds_left(now: datetime.datetime) -> int:
    """Seconds until the next rotation of every QR code."""
    elapsed = now.timestamp() % tokens.ROTATE_SECONDS
    return max(1, math.ceil(tokens.ROTATE_SECONDS - elapsed))


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


def activity_notice(activity: Activity, now: datetime.datetime) -> str:
    """Why scans would be refused right now, for the organiser's eyes."""
    if activity.cancelled_at:
        return _("活动已取消，扫码签到会被拒绝。")
    if not activity.live:
        return _("活动尚未发布，扫码签到会被拒绝。")
    if now < activity.checkin_opens_at:
        return _("签到从 %(time)s 开始，现在扫码会被拒绝。") % {
            "time": date_format(timezone.localtime(activity.checkin_opens_at), _("n月j日 H:i"))
        }
    if now > activity.ends_at:
        return _("活动已于 %(time)s 结束。") % {
            "time": date_format(timezone.localtime(activity.ends_at), _("n月j日 H:i"))
        }
    return ""
