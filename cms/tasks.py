"""cms's background jobs: a draft report for each activity the finishing job finished."""

from celery import shared_task

from cms.services.activity_reports import activity_report_draft
from core.errors import DomainError
from core.jobs import WRITES, job_skip, queue_after_commit
from volunteers.models import Activity

# Registered under its first name: queued messages and recorded failures name it so.
NAME = "volunteers.tasks.draft_activity_report"


@shared_task(name=NAME, **WRITES)
def draft_activity_report(activity_id: int) -> int | None:
    """A draft 志愿动态 page for a finished activity, once; the page id (None when skipped)."""
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None or activity.cancelled_at is not None:
        job_skip(NAME, f"report:{activity_id}:unusable", "activity deleted or cancelled")
        return None
    try:
        page = activity_report_draft(activity=activity)
    except DomainError as refusal:
        job_skip(NAME, f"report:{activity_id}:{refusal.code}", str(refusal.message))
        return None
    return page.pk


def activity_finished(sender, activity, **kwargs) -> None:
    """Receives volunteers.signals.activity_finished: queue the activity's draft report."""
    queue_after_commit(draft_activity_report, activity.pk)
