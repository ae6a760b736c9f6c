"""Background work of the points app: the monthly publication of rankings, the yearly expiry,
the quarterly 双报到反馈 to employer units.

Each task may be delivered more than once (acks_late, a worker lost mid-task) and
beat may fire it again after a restart: ``rankings_publish_month`` is idempotent
by the snapshot's unique key, so a second delivery publishes nothing new, and
``points_expire_due`` expires a person's points once per year by the ledger's key, and
``dual_report_deliver`` sends a unit's quarter once by its delivery's unique key.
"""

import datetime
import logging

from celery import Task, shared_task
from django.conf import settings
from django.utils import translation

from core.errors import DomainError
from core.jobs import TRANSIENT_ERRORS, WRITES, job_failure_record, job_skip
from points.selectors.dual_report_deliveries import units_with_in_service_members
from points.services.dual_report import dual_report_deliver, is_quarter, quarter_just_ended
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


@shared_task(name="points.tasks.dual_report_deliver_quarter", bind=True, **WRITES)
def dual_report_deliver_quarter(self: Task, quarter: str | None = None) -> int:
    """Send the quarter just ended (or ``quarter``) to every unit with in-service party
    members; returns how many units have it now. A unit sent it before is not sent again."""
    name = "points.tasks.dual_report_deliver_quarter"
    quarter = quarter or quarter_just_ended()
    if not is_quarter(quarter):
        job_skip(name, f"dual_report:{quarter}", "not a quarter")
        return 0
    delivered = 0
    with translation.override(settings.LANGUAGE_CODE):
        for unit in units_with_in_service_members().iterator(chunk_size=200):
            try:
                dual_report_deliver(unit=unit, quarter=quarter)
            except TRANSIENT_ERRORS:
                raise  # retried with backoff; the units done so far are not sent twice
            except DomainError as refused:  # the quarter is not over, say
                job_skip(name, f"dual_report:{unit.pk}:{quarter}", str(refused))
                continue
            except Exception as error:
                # One unit's broken data must not keep the others from their report: it is
                # recorded for the administrators, and the job run again tries it again.
                job_failure_record(
                    task_name=name,
                    task_id=self.request.id or "",
                    exception=error,
                    arguments={"unit": unit.pk, "quarter": quarter},
                    einfo=None,
                )
                continue
            delivered += 1
    return delivered
