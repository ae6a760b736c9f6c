"""Accounts: sign-ups whose phone was never proven are removed."""

from celery import shared_task

from core.jobs import WRITES
from volunteers.services.accounts import unverified_accounts_remove


@shared_task(name="volunteers.tasks.remove_unverified_signups", **WRITES)
def remove_unverified_signups() -> int:
    """Remove sign-ups whose phone was never proven within a day (they hold nothing)."""
    return unverified_accounts_remove()
