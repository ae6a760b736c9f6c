"""Background work of the points app: the monthly publication of rankings.

The task may be delivered more than once (acks_late, a worker lost mid-task) and
beat may fire it again after a restart: ``rankings_publish_month`` is idempotent
by the snapshot's unique key, so a second delivery publishes nothing new.
"""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def publish_monthly_rankings(month: str | None = None) -> int:
    """Freeze last month's rankings (or ``month``'s); returns how many snapshots were new."""
    from .services.publication import rankings_publish_month

    publication = rankings_publish_month(month=month)
    logger.info(
        "Rankings for %s: %s published, %s already there",
        publication.month,
        publication.created,
        publication.existing,
    )
    return publication.created
