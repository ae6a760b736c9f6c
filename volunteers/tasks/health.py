"""The job system's own health: beat's heartbeat, and failures recorded for staff."""

import logging
import time
import traceback

from celery import shared_task
from celery.signals import task_failure
from django.core.cache import cache

from core.models import JobFailure

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "health:beat:last"


@shared_task(name="volunteers.tasks.heartbeat")
def heartbeat() -> float:
    """Beat is alive: /health/ reads when this last ran."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, None)
    return now


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
