"""我的导出: building one file in the background, and deleting files past their retention."""

from celery import shared_task

from core.jobs import WRITES
from volunteers.services.exports import export_job_run, exports_expire


@shared_task(name="volunteers.tasks.build_export", **WRITES)
def build_export(job_id: int) -> str:
    """Build one 我的导出 file; the job's status says how it went."""

    job = export_job_run(job_id=job_id)
    return job.status if job is not None else "missing"


@shared_task(name="volunteers.tasks.expire_old_exports", **WRITES)
def expire_old_exports() -> int:
    """Daily: delete 我的导出 files past their retention (and what crashes left); how many."""

    return exports_expire()
