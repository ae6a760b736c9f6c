"""The 24 h and 1 h reminders of the activities people signed up for."""

import datetime
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.jobs import WRITES, job_skip
from volunteers.models import Activity, Notification, SignUp
from volunteers.selectors import activity_time_span
from volunteers.services.notifications import notify

REMINDER_WINDOWS = {"24h": datetime.timedelta(hours=24), "1h": datetime.timedelta(hours=1)}


def _reminder_window(window: str, now: datetime.datetime) -> tuple[datetime.datetime, ...]:
    """Activities starting in (lower, upper] get the ``window`` reminder now."""
    if window == "24h":
        return now + REMINDER_WINDOWS["1h"], now + REMINDER_WINDOWS["24h"]
    return now, now + REMINDER_WINDOWS["1h"]


@shared_task(name="volunteers.tasks.send_due_reminders")
def send_due_reminders() -> int:
    """Sweep: queue the 24 h and 1 h reminders of activities now in their window."""
    now = timezone.now()
    queued = 0
    for window in REMINDER_WINDOWS:
        lower, upper = _reminder_window(window, now)
        due = (
            Activity.objects.published()
            .filter(starts_at__gt=lower, starts_at__lte=upper, finished_at__isnull=True)
            .filter(signups__status=SignUp.Status.CONFIRMED)
            .distinct()
            .values_list("pk", flat=True)
        )
        for activity_id in due:
            transaction.on_commit(partial(send_activity_reminder.delay, activity_id, window))
            queued += 1
    return queued


@shared_task(name="volunteers.tasks.send_activity_reminder", **WRITES)
def send_activity_reminder(activity_id: int, window: str) -> int:
    """Remind everyone signed up for one activity; once per person and window."""

    name = "volunteers.tasks.send_activity_reminder"
    if window not in REMINDER_WINDOWS:
        job_skip(name, f"reminder:{activity_id}:{window}", "unknown reminder window")
        return 0
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        job_skip(name, f"reminder:{activity_id}:{window}:gone", "activity deleted")
        return 0
    if activity.cancelled_at is not None or not activity.live:
        job_skip(name, f"reminder:{activity_id}:{window}:cancelled", "activity cancelled")
        return 0
    if activity.starts_at <= timezone.now():
        return 0  # too late to remind
    signups = (
        SignUp.objects.filter(activity=activity, status=SignUp.Status.CONFIRMED)
        .select_related("person__user")
        .order_by("pk")
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        facts = {
            "title": activity.title,
            "span": activity_time_span(activity),
            "address": activity.address,
        }
        title = _("活动提醒：%(title)s") % facts
        if window == "24h":
            body = _("您报名的活动“%(title)s”将于 %(span)s 举行，地点：%(address)s。") % facts
        else:
            body = _("您报名的活动“%(title)s”1 小时内开始（%(span)s），地点：%(address)s。") % facts
        for signup in signups.iterator(chunk_size=500):
            notification = notify(
                person=signup.person,
                kind=Notification.Kind.REMINDER,
                key=f"reminder:{activity.pk}:{window}:{signup.person_id}",
                title=title,
                body=body,
                url=activity.get_absolute_url(),
                # The 24 h reminder is in-app and email; the 1 h one also by SMS.
                channels=("email",) if window == "24h" else ("email", "sms"),
            )
            sent += notification is not None
    return sent
