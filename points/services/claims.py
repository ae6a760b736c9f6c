"""Awarding hours and points for a confirmed claim on a resident's need (双项认领).

volunteers confirms a claim (``claim_confirm``) and sends ``claim_confirmed`` inside its
transaction; points credits the claim's minutes (a ``ServiceRecord`` of source claim, with
no activity) and its points (a ``PointsEntry`` keyed ``claim:<id>:service``) exactly once,
under the person's ledger lock, with the unique key in a savepoint as the last word.

The points follow the 双项认领 rule for the person's audience (``claim_rule_for``): per
completed claim plus the service time's points, rounded as the rule says
(``preview_points``), then the caps — the rule's daily and yearly caps over earlier claim
lines (``CLAIM_LINES``) and the audience policy's rubric caps — as for attendance. The
line keeps its figures (need, category, minutes, rule, cap), so "我的积分" explains it.

A unit's claim (单位认领, ``Claim.unit`` set) earns nothing here: the unit served, not the
contact who claimed for it, so no personal hours or points are written (``skipped=
"unit_claim"``); the unit's 双报到反馈 lists it instead (``points.selectors.dual_report``).

A reversed claim award stays reversed: the key is fixed, so a redelivered signal or a
second confirmation finds the line and writes nothing.
"""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from points.models import Kind, PointsEntry, PointsRule, ServiceRecord
from points.models.service import LIVE_STATUSES
from points.periods import SHANGHAI
from points.services.awards import (
    Award,
    PointsCalculation,
    calculation_figures,
    capped_points,
    preview_points,
)
from points.services.ledger import PersonLock, entry_append, person_lock
from points.services.rules import audience_of, claim_rule_for, policy_for
from volunteers.models import Claim
from volunteers.selectors.claims import claim_title

# The ledger lines a claims rule's daily and yearly caps count: every claim award and
# the reversals of those (a reversal keeps its original's ``source_ref``).
CLAIM_REF_PREFIX = "claim:"
CLAIM_LINES = Q(source_ref__startswith=CLAIM_REF_PREFIX)

# When a claim's service counts for its day, month and year: noon of the day served
# (the claimant reports a date, not a time), so no midnight puts it in another period.
SERVED_AT = datetime.time(12)


def claim_award_key(claim_id: int) -> str:
    return f"claim:{claim_id}:service"


def claim_service_time(claim: Claim) -> datetime.datetime:
    """Noon (Shazhou) of the day served; the confirmation time when no day was given."""
    if claim.served_on is not None:
        return datetime.datetime.combine(claim.served_on, SERVED_AT, tzinfo=SHANGHAI)
    return claim.confirmed_at or timezone.now()


def claim_explanation_data(
    claim: Claim,
    rule: PointsRule,
    calculation: PointsCalculation,
    *,
    awarded: int,
    cap: dict[str, Any] | None,
) -> dict[str, Any]:
    """The figures the line keeps, so its sentence stays true after the rule changes."""
    need = claim.need
    return {
        "source": "claim",
        "claim": claim.pk,
        # What was served: the need's public title, or "项目名：岗位" for a project's post
        # (the sentence reads 双项认领「…」 either way).
        "need": claim_title(claim),
        "post": claim.post_id,
        "category": need.category.name if need is not None else "",
        **calculation_figures(rule, calculation, awarded=awarded, cap=cap),
    }


def _existing(key: str) -> Award | None:
    entry = (
        PointsEntry.objects.filter(idempotency_key=key)
        .select_related("reversed_by", "service_record")
        .first()
    )
    if entry is None:
        return None
    if hasattr(entry, "reversed_by"):
        # A secretary reversed the points: confirming again must not undo that.
        return Award(
            record=entry.service_record,
            skipped="points_reversed",
            message=_("这次认领的积分已被冲正，不再重复计分。"),
        )
    return Award(entry=entry, record=entry.service_record, created=False)


def _claim_entry(lock: PersonLock, claim: Claim, *, record: ServiceRecord, key: str) -> PointsEntry:
    person = claim.person
    audience = audience_of(person)
    rule = claim_rule_for(audience=audience)
    calculation = preview_points(rule, record.minutes)
    amount, cap = capped_points(
        lock,
        base=calculation.base,
        rule=rule,
        policy=policy_for(audience),
        occurred_at=record.occurred_at,
        in_category=CLAIM_LINES,
    )
    return entry_append(
        lock,
        person=person,
        amount=amount,
        kind=Kind.SERVICE,
        category=rule.rubric_category,
        service_record=record,
        source_ref=f"{CLAIM_REF_PREFIX}{claim.pk}",
        idempotency_key=key,
        rule=rule,
        explanation=claim_explanation_data(claim, rule, calculation, awarded=amount, cap=cap),
        occurred_at=record.occurred_at,
        # No actor, as for attendance: the ledger's PROTECT would pin a resident's account.
        minutes=record.minutes,  # the hours count, like an attendance's
    )


def award_for_claim(claim: Claim) -> Award:
    """The body of ``points_award_for_claim``; the caller holds a ledger transaction."""
    claim = Claim.objects.select_related(
        "need__category", "post__project", "person", "confirmed_by"
    ).get(pk=claim.pk)
    if claim.status != Claim.Status.CONFIRMED:
        return Award(skipped="not_confirmed", message=_("认领尚未确认完成，不计服务时长和积分。"))
    if claim.unit_id is not None:
        return Award(
            skipped="unit_claim",
            message=_("单位认领由单位完成，不计个人服务时长和积分。"),
        )
    if not claim.minutes:
        raise Conflict("claim_minutes_missing", _("认领没有填写服务时长，不能计入。"))
    key = claim_award_key(claim.pk)
    found = _existing(key)
    if found is not None:
        return found
    # Not awarded yet: take the lock, then look again.
    lock = person_lock(claim.person_id)
    found = _existing(key)
    if found is not None:
        return found
    live = ServiceRecord.objects.filter(claim=claim, status__in=LIVE_STATUSES).first()
    if live is not None:
        return Award(
            record=live,
            skipped="already_credited",
            message=_("这次认领的服务时长已经计入，不重复计入。"),
        )
    occurred_at = claim_service_time(claim)
    try:
        # The lock makes a duplicate all but impossible; the unique key decides if not.
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                person=claim.person,
                claim=claim,
                source=ServiceRecord.Source.CLAIM,
                status=ServiceRecord.Status.APPROVED,
                minutes=claim.minutes,
                occurred_at=occurred_at,
                decided_by=claim.confirmed_by,
                decided_at=claim.confirmed_at,
            )
            entry = _claim_entry(lock, claim, record=record, key=key)
    except IntegrityError:
        written = PointsEntry.objects.filter(idempotency_key=key).first()
        if written is None:
            raise
        return Award(entry=written, record=written.service_record, created=False)
    return Award(entry=entry, record=record, created=True)
