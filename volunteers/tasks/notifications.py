"""Notifications: delivering one by email or SMS, telling people of cancellations and promotions."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.jobs import WRITES, job_skip
from volunteers.models import Activity, Notification, SignUp
from volunteers.selectors import activity_time_span
from volunteers.services.notifications import CHANNEL_FIELDS, notification_send, notify

logger = logging.getLogger(__name__)


@shared_task(name="volunteers.tasks.deliver_notification", **WRITES)
def deliver_notification(notification_id: int, channel: str) -> bool:
    """Send one notification by email or SMS, at most once; False when nothing was sent."""
    name = "volunteers.tasks.deliver_notification"
    if channel not in CHANNEL_FIELDS:
        job_skip(name, f"deliver:{notification_id}:{channel}", "unknown channel")
        return False
    notification = (
        Notification.objects.select_related("recipient__user").filter(pk=notification_id).first()
    )
    if notification is None:
        job_skip(
            name,
            f"deliver:{notification_id}:{channel}",
            "notification gone (its person was deleted)",
        )
        return False
    outcome = notification_send(notification=notification, channel=channel)
    if outcome == "no_address":
        job_skip(name, f"deliver:{notification.pk}:email", "no email address")
    return outcome == "sent"


@shared_task(name="volunteers.tasks.notify_activity_cancelled", **WRITES)
def notify_activity_cancelled(activity_id: int) -> int:
    """Tell everyone signed up (or waiting) that the activity is cancelled; returns how many."""

    activity = Activity.objects.filter(pk=activity_id, cancelled_at__isnull=False).first()
    if activity is None:
        return 0
    signups = (
        SignUp.objects.filter(
            activity=activity,
            status__in=(SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED),
        )
        .select_related("person__user")
        .order_by("pk")
    )
    told = 0
    with translation.override(settings.LANGUAGE_CODE):
        title = _("活动已取消：%(title)s") % {"title": activity.title}
        body = _("您报名的活动“%(title)s”（%(span)s）已取消。原因：%(reason)s") % {
            "title": activity.title,
            "span": activity_time_span(activity),
            "reason": activity.cancel_reason,
        }
        for signup in signups.iterator(chunk_size=500):
            told += (
                notify(
                    person=signup.person,
                    kind=Notification.Kind.CANCELLED,
                    key=f"activity-cancelled:{activity.pk}:{signup.person_id}",
                    title=title,
                    body=body,
                    url=activity.get_absolute_url(),
                )
                is not None
            )
    logger.info("Activity %s cancelled: %s people told", activity.pk, told)
    return told


@shared_task(name="volunteers.tasks.notify_signup_promoted", **WRITES)
def notify_signup_promoted(signup_id: int) -> int:
    """Tell a person that a place freed up and they moved off the waiting list."""

    signup = (
        SignUp.objects.filter(
            pk=signup_id, status=SignUp.Status.CONFIRMED, promoted_at__isnull=False
        )
        .select_related("activity", "person__user")
        .first()
    )
    if signup is None or signup.activity.cancelled_at:
        return 0
    activity = signup.activity
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "有名额空出，您已由候补转为正式报名：“%(title)s”，%(span)s，"
            "地点：%(address)s。如不能参加，请及时取消报名。"
        ) % {
            "title": activity.title,
            "span": activity_time_span(activity),
            "address": activity.address,
        }
        # One promotion, one message: a later promotion (after cancelling and re-joining) is new.
        notification = notify(
            person=signup.person,
            kind=Notification.Kind.PROMOTED,
            key=f"signup-promoted:{signup.pk}:{signup.promoted_at.timestamp():.0f}",
            title=_("候补转正：%(title)s") % {"title": activity.title},
            body=body,
            url=activity.get_absolute_url(),
        )
    return int(notification is not None)
