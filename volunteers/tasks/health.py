"""The job system's own health: beat's heartbeat, and failures recorded for staff."""

import time

from celery import shared_task
from celery.signals import task_failure
from django.core.cache import cache

from core.jobs import job_failure_record

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
    job_failure_record(
        task_name=getattr(sender, "name", str(sender)),
        task_id=task_id or "",
        exception=exception,
        arguments={"args": args, "kwargs": kwargs},
        einfo=einfo,
    )
