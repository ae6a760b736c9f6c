"""Background jobs: notifications, reminders, finishing activities, exports.

Every job may be delivered more than once (acks late, a worker lost mid-task,
a sweep that runs again), so every job is idempotent: notifications by their
unique key, awards by the ledger's unique key, exports and report drafts by
their own status. Jobs that write are ``acks_late`` and rejected back to the
queue when their worker dies, and retry transient database or Redis errors with
backoff. Data a job cannot process (a deleted person, a cancelled activity) is
recorded as a skipped ``JobFailure`` and the job moves on; it neither crashes
nor retries forever.

Jobs are queued with ``transaction.on_commit`` by the services; the periodic
ones are listed in ``settings.CELERY_BEAT_SCHEDULE``.
"""

import datetime
import logging
import time
import traceback
from functools import partial

from celery import shared_task
from celery.signals import task_failure
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.sms import send_sms
from volunteers.jobs import TRANSIENT_ERRORS, WRITES, job_skip
from volunteers.models import Activity, Attendance, JobFailure, Notification, SignUp
from volunteers.selectors import activity_time_span
from volunteers.services.accounts import unverified_accounts_remove
from volunteers.services.closing import attendances_close_open, checkout_grace
from volunteers.services.exports import export_job_run, exports_expire
from volunteers.services.finalise import activity_finish, attendance_finalise
from volunteers.services.notifications import notify
from volunteers.signals import activity_finished

__all__ = ["TRANSIENT_ERRORS", "WRITES", "job_skip"]  # kept importable from here

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "health:beat:last"
REMINDER_WINDOWS = {"24h": datetime.timedelta(hours=24), "1h": datetime.timedelta(hours=1)}


def _test_pause() -> None:
    """Only under the worker integration test: time to kill the worker mid-job."""
    if settings.TASK_TEST_PAUSE_SECONDS:
        time.sleep(settings.TASK_TEST_PAUSE_SECONDS)


def _site_url(path: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}" if path else ""


# --- Heartbeat ------------------------------------------------------------------------


@shared_task
def heartbeat() -> float:
    """Beat is alive: /health/ reads when this last ran."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, None)
    return now


# --- Delivering notifications -----------------------------------------------------------


@shared_task(**WRITES)
def deliver_notification(notification_id: int, channel: str) -> bool:
    """Send one notification by email or SMS, at most once; False when nothing was sent."""
    field = {"email": "email_sent_at", "sms": "sms_sent_at"}.get(channel)
    name = "volunteers.tasks.deliver_notification"
    if field is None:
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
    # Claim first, then send: a redelivered task finds the claim and sends nothing twice.
    claimed = Notification.objects.filter(pk=notification.pk, **{f"{field}__isnull": True}).update(
        **{field: timezone.now()}
    )
    if not claimed:
        return False
    person = notification.recipient
    try:
        if channel == "sms":
            send_sms(phone=person.phone, message=f"【美丽沙州】{notification.body}")
        else:
            address = person.user.email if person.user_id else ""
            if not address:
                job_skip(name, f"deliver:{notification.pk}:email", "no email address")
                return False
            text = notification.body
            if notification.url:
                text = f"{text}\n\n{_site_url(notification.url)}"
            send_mail(
                subject=f"【美丽沙州】{notification.title}",
                message=text,
                from_email=None,
                recipient_list=[address],
            )
    except Exception:
        # Not sent: release the claim so the retry may send it.
        Notification.objects.filter(pk=notification.pk).update(**{field: None})
        raise
    return True


# --- Cancellation and promotion ----------------------------------------------------------


@shared_task(**WRITES)
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


@shared_task(**WRITES)
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


# --- Reminders --------------------------------------------------------------------------


def _reminder_window(window: str, now: datetime.datetime) -> tuple[datetime.datetime, ...]:
    """Activities starting in (lower, upper] get the ``window`` reminder now."""
    if window == "24h":
        return now + REMINDER_WINDOWS["1h"], now + REMINDER_WINDOWS["24h"]
    return now, now + REMINDER_WINDOWS["1h"]


@shared_task
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


@shared_task(**WRITES)
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


# --- Closing, finishing and awarding ---------------------------------------------------------


@shared_task(**WRITES)
def close_open_attendances() -> int:
    """Close attendances still open after their activity's end plus the grace period."""

    return attendances_close_open()


@shared_task
def finish_due_activities() -> int:
    """Sweep: queue the finishing of activities past their end and the check-out grace."""

    due = (
        Activity.objects.published()
        .filter(finished_at__isnull=True, ends_at__lt=timezone.now() - checkout_grace())
        .order_by("ends_at")
        .values_list("pk", flat=True)
    )
    queued = 0
    for activity_id in due.iterator(chunk_size=500):
        transaction.on_commit(partial(finish_activity.delay, activity_id))
        queued += 1
    return queued


@shared_task(**WRITES)
def finish_activity(activity_id: int) -> int:
    """Close, award and finalise one activity's attendances, then say it finished.

    Each attendance is its own transaction, so a worker lost half-way leaves the
    ones done awarded and the redelivered job awards only the rest (the ledger's
    unique key decides). Returns how many attendances were finalised.
    """

    name = "volunteers.tasks.finish_activity"
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        job_skip(name, f"finish:{activity_id}:gone", "activity deleted")
        return 0
    if activity.cancelled_at is not None:
        job_skip(name, f"finish:{activity_id}:cancelled", "activity cancelled")
        return 0
    if activity.finished_at is not None:
        return 0
    if not activity.live and activity.first_published_at is None:
        job_skip(name, f"finish:{activity_id}:not_published", "activity never published")
        return 0
    now = timezone.now()
    if now <= activity.ends_at + checkout_grace():
        return 0  # not over yet: a later sweep finishes it
    pending = Attendance.objects.filter(
        activity=activity, removed_at__isnull=True, finalised_at__isnull=True
    ).order_by("pk")
    try:
        finalised = 0
        for attendance in pending:
            attendance_finalise(attendance=attendance, now=now)
            finalised += 1
            _test_pause()
        activity_finish(activity=activity, now=now)
    except DomainError as refusal:
        # Not over yet, not published …: nothing to retry, say why and move on.
        job_skip(name, f"finish:{activity_id}:{refusal.code}", str(refusal.message))
        return 0
    # cms (a layer above) drafts the activity's report: volunteers.signals.
    transaction.on_commit(partial(activity_finished.send, sender=Activity, activity=activity))
    return finalised


# --- Background exports ----------------------------------------------------------------------


@shared_task(**WRITES)
def build_export(job_id: int) -> str:
    """Build one 我的导出 file; the job's status says how it went."""

    job = export_job_run(job_id=job_id)
    return job.status if job is not None else "missing"


@shared_task(**WRITES)
def expire_old_exports() -> int:
    """Daily: delete 我的导出 files past their retention (and what crashes left); how many."""

    return exports_expire()


# --- Failures ------------------------------------------------------------------------------


@task_failure.connect
def record_job_failure(
    sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **_extra
):
    """A job that failed for good (retries spent, or an error not worth retrying) is recorded."""
    try:
        trace = "".join(traceback.format_exception(exception)) if exception else str(einfo)
        JobFailure.objects.create(
            task_name=getattr(sender, "name", str(sender))[:200],
            task_id=(task_id or "")[:64],
            outcome=JobFailure.Outcome.FAILED,
            args=repr({"args": args, "kwargs": kwargs})[:2000],
            error=f"{type(exception).__name__}: {exception}"[:2000],
            traceback=trace[-4000:],  # the end says where it broke
        )
    except Exception:  # the database may be what failed: the log still has it
        logger.exception("Could not record the failure of %s %s", sender, task_id)


@shared_task(**WRITES)
def remove_unverified_signups() -> int:
    """Remove sign-ups whose phone was never proven within a day (they hold nothing)."""
    return unverified_accounts_remove()
