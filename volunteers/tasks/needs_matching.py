"""Matching (三单一卡): telling the party members whose skills fit a newly published need."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from core.jobs import WRITES, job_skip
from volunteers.models import Need
from volunteers.services.needs_matching import need_match


@shared_task(name="volunteers.tasks.need_match", **WRITES)
def need_match_job(need_id: int) -> int:
    """Queued by ``need_publish``; idempotent (``Need.matched_at``): how many were told."""
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        job_skip("volunteers.tasks.need_match", f"need-match:{need_id}", "need deleted")
        return 0
    # The notices are written in the site's language, whoever's request queued the job.
    with translation.override(settings.LANGUAGE_CODE):
        return need_match(need=need)
