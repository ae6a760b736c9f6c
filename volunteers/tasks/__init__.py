"""Background jobs of volunteers, one module per topic; importing the package registers them.

Every job may be delivered more than once (acks late, a worker lost mid-task,
a sweep that runs again), so every job is idempotent: notifications by their
unique key, awards by the ledger's unique key, exports and report drafts by
their own status. Jobs that write are ``acks_late`` and rejected back to the
queue when their worker dies, and retry transient database or Redis errors with
backoff. Data a job cannot process (a deleted person, a cancelled activity) is
recorded as a skipped ``JobFailure`` and the job moves on; it neither crashes
nor retries forever.

Jobs are queued with ``transaction.on_commit`` by the services; the periodic
ones are listed in ``settings.CELERY_BEAT_SCHEDULE``. Each job keeps the registered name
``volunteers.tasks.<job>`` whatever module holds it: the schedule, queued jobs and
recorded failures name it so.
"""

from volunteers.tasks import (
    accounts,
    activities,
    exports,
    health,
    needs_matching,
    notifications,
    reminders,
)

__all__ = [
    "accounts",
    "activities",
    "exports",
    "health",
    "needs_matching",
    "notifications",
    "reminders",
]
