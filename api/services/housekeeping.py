"""What the API keeps only for a while: answers to Idempotency-Keys and ended sign-ins."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from api.models import ApiSession, IdempotencyRecord

IDEMPOTENCY_KEEP = timedelta(hours=24)
# Ended sign-ins stay listed a while (the security page's "why did my phone sign out"),
# then go: no one needs a year of expired device rows.
ENDED_SESSION_KEEP = timedelta(days=90)


@dataclass(frozen=True)
class Forgotten:
    idempotency_records: int
    sessions: int


def forget_old_records() -> Forgotten:
    """Delete Idempotency-Key answers older than a day and sign-ins ended 90 days ago."""
    now = timezone.now()
    records, _ = IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_KEEP).delete()
    old = now - ENDED_SESSION_KEEP
    sessions, _ = (
        ApiSession.objects.filter(revoked_at__lt=old)
        | ApiSession.objects.filter(refresh_expires_at__lt=old)
    ).delete()
    return Forgotten(idempotency_records=records, sessions=sessions)
