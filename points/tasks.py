"""Background work of the points app: the monthly publication of rankings, the yearly expiry.

Each task may be delivered more than once (acks_late, a worker lost mid-task) and
beat may fire it again after a restart: ``rankings_publish_month`` is idempotent
by the snapshot's unique key, so a second delivery publishes nothing new, and
``points_expire_due`` expires a person's points once per year by the ledger's key.
"""

import datetime
import logging

from celery import shared_task

from core.jobs import WRITES
from points.services.expiry import points_expire_due
from points.services.publication import rankings_publish_month

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def publish_monthly_rankings(month: str | None = None) -> int:
    """Freeze last month's rankings (or ``month``'s); returns how many snapshots were new."""
    publication = rankings_publish_month(month=month)
    logger.info(
        "Rankings for %s: %s published, %s already there",
        publication.month,
        publication.created,
        publication.existing,
    )
    return publication.created


# Registered under the name it had in volunteers.tasks: the beat schedule in
# config/settings/jobs.py, messages already queued and recorded JobFailures all use it.
@shared_task(name="volunteers.tasks.expire_points", **WRITES)
def expire_points(year: int | None = None) -> int:
    """Expire unspent points past the validity the rules set; once per person and year."""
    return points_expire_due(today=datetime.date(year, 1, 1) if year else None)
