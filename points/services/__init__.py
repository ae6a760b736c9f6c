"""Every write to the points domain: awards, reversals, adjustments, redemptions, back-fills.

Each function is keyword-only, runs in a transaction and raises
``core.errors.DomainError`` (with a code and a Chinese message) on refusal.
Ledger lines and totals are written only through ``points.services.ledger``; a
service that takes a person's ledger lock runs in ``ledger_atomic`` (a
``transaction.atomic`` that also writes the per-value ranking counts at its end).
"""

from volunteers.models import Attendance, Claim

from .awards import Award, award_for_attendance
from .bulk import ledger_bulk_append
from .claims import award_for_claim
from .corrections import (
    points_adjust,
    points_redeem,
    points_reverse,
    points_reverse_for_attendance,
)
from .ledger import ledger_atomic, scope_totals_rebuild
from .publication import objection_answer, objection_lodge, rankings_publish_month
from .records import (
    servicerecord_approve,
    servicerecord_backfill,
    servicerecord_reject,
    servicerecord_revoke,
)


@ledger_atomic()
def points_award_for_attendance(*, attendance: Attendance) -> Award:
    """Credit a closed attendance's hours and points, exactly once."""
    return award_for_attendance(attendance)


@ledger_atomic()
def points_award_for_claim(*, claim: Claim) -> Award:
    """Credit a confirmed claim's (双项认领) hours and points, exactly once."""
    return award_for_claim(claim)


__all__ = [
    "Award",
    "ledger_atomic",
    "ledger_bulk_append",
    "objection_answer",
    "objection_lodge",
    "points_adjust",
    "points_award_for_attendance",
    "points_award_for_claim",
    "points_redeem",
    "points_reverse",
    "points_reverse_for_attendance",
    "rankings_publish_month",
    "scope_totals_rebuild",
    "servicerecord_approve",
    "servicerecord_backfill",
    "servicerecord_reject",
    "servicerecord_revoke",
]
