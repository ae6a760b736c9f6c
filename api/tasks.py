"""The API's daily housekeeping (config/settings/jobs.py schedules it)."""

import logging

from celery import shared_task

from api.services.housekeeping import forget_old_records

logger = logging.getLogger(__name__)


@shared_task(name="api.tasks.forget_old_records", acks_late=True, reject_on_worker_lost=True)
def forget_old_api_records() -> int:
    """Idempotent: a second run finds nothing old left to delete."""
    forgotten = forget_old_records()
    logger.info(
        "API housekeeping: %s idempotency answers, %s ended sign-ins deleted",
        forgotten.idempotency_records,
        forgotten.sessions,
    )
    return forgotten.idempotency_records + forgotten.sessions
