"""Background work of the volunteers app: telling people by SMS.

Tasks are queued with ``transaction.on_commit`` and may be delivered more than
once (acks_late, a worker lost mid-task). Each SMS therefore takes a marker in
the shared cache first (``cache.add`` is atomic in Redis and locmem): a
redelivered task finds the marker and sends nothing twice.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Activity, SignUp
from .selectors import activity_time_span
from .sms import send_sms

logger = logging.getLogger(__name__)

# Long enough to outlive any redelivery; short enough not to fill the cache.
MARKER_SECONDS = 60 * 60 * 24 * 60


def _send_once(key: str, *, phone: str, message: str) -> bool:
    """Send unless ``key`` was sent before; False when it had been."""
    if not cache.add(f"sms-sent:{key}", 1, timeout=MARKER_SECONDS):
        return False
    try:
        send_sms(phone=phone, message=message)
    except Exception:
        cache.delete(f"sms-sent:{key}")  # not sent: a retry may try again
        raise
    return True


@shared_task
def notify_activity_cancelled(activity_id: int) -> int:
    """Tell everyone signed up (or waiting) that the activity is cancelled; returns SMS sent."""
    activity = Activity.objects.filter(pk=activity_id, cancelled_at__isnull=False).first()
    if activity is None:
        return 0
    signups = (
        SignUp.objects.filter(
            activity=activity,
            status__in=(SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED),
        )
        .select_related("person")
        .order_by("pk")
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        message = _("【美丽沙州】您报名的活动“%(title)s”（%(span)s）已取消。原因：%(reason)s") % {
            "title": activity.title,
            "span": activity_time_span(activity),
            "reason": activity.cancel_reason,
        }
        for signup in signups.iterator(chunk_size=500):
            key = f"activity-cancelled:{activity.pk}:{signup.person_id}"
            if _send_once(key, phone=signup.person.phone, message=message):
                sent += 1
    logger.info("Activity %s cancelled: %s SMS sent", activity.pk, sent)
    return sent


@shared_task
def notify_signup_promoted(signup_id: int) -> int:
    """Tell a person that a place freed up and they moved off the waiting list."""
    signup = (
        SignUp.objects.filter(
            pk=signup_id, status=SignUp.Status.CONFIRMED, promoted_at__isnull=False
        )
        .select_related("activity", "person")
        .first()
    )
    if signup is None or signup.activity.cancelled_at:
        return 0
    activity = signup.activity
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "【美丽沙州】有名额空出，您已由候补转为正式报名：“%(title)s”，%(span)s，"
            "地点：%(address)s。如不能参加，请及时取消报名。"
        ) % {
            "title": activity.title,
            "span": activity_time_span(activity),
            "address": activity.address,
        }
        # One promotion, one SMS: a later promotion (after cancelling and re-joining) is new.
        key = f"signup-promoted:{signup.pk}:{signup.promoted_at.timestamp():.0f}"
        return int(_send_once(key, phone=signup.person.phone, message=message))


@shared_task
def close_open_attendances() -> int:
    """Close attendances still open after their activity's end plus the grace period."""
    from .services.checkin import attendances_close_open

    return attendances_close_open()
