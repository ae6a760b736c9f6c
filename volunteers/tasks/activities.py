"""Closing attendances left open, finishing activities and awarding what they earned."""

import time
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.jobs import WRITES, job_skip
from volunteers.models import Activity, Attendance
from volunteers.services.closing import attendances_close_open, checkout_grace
from volunteers.services.finalise import activity_finish, attendances_close_due_and_finalise
from volunteers.signals import activity_finished


def _test_pause() -> None:
    """Only under the worker integration test: time to kill the worker mid-job."""
    if settings.TASK_TEST_PAUSE_SECONDS:
        time.sleep(settings.TASK_TEST_PAUSE_SECONDS)


@shared_task(name="volunteers.tasks.close_open_attendances", **WRITES)
def close_open_attendances() -> int:
    """Close attendances still open after their activity's end plus the grace period."""

    return attendances_close_open()


@shared_task(name="volunteers.tasks.finish_due_activities")
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


@shared_task(name="volunteers.tasks.finish_activity", **WRITES)
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
            attendances_close_due_and_finalise(attendance=attendance, now=now)
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
