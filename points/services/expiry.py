"""Yearly points expiry, where the audience's policy sets a validity (积分有效期).

Points earned in year E stay spendable until the end of year E + N (N =
``PointsPolicy.expires_after_years``); on 1 January of year E + N + 1 whatever
of them is unspent expires. Spending is first in, first out: every debit ever
(redemptions, deductions, reversals, earlier expiries) is taken from the oldest
points first, so the part of year E and before still unspent is

    credits up to the end of E − all debits, but never more than the balance.

One ``expiry`` line per person and year, with the key ``expiry:<person>:<E>``:
running the job again, or after a crash half-way, expires nothing twice.
"""

import datetime

from django.db.models import Q, Sum
from django.utils import timezone

from points.models import Audience, Kind, PersonTotal, PointsEntry, PointsPolicy
from points.periods import ALL_TIME, period_bounds
from points.services.ledger import entry_append, ledger_atomic, person_lock
from volunteers.models import Person


def expiry_key(person_id: int, year: int) -> str:
    return f"expiry:{person_id}:{year}"


def expiring_amount(person_id: int, *, year: int, balance: int) -> int:
    """Points earned in ``year`` or before and still unspent (FIFO); never above the balance."""
    _start, end = period_bounds(f"{year:04d}")
    sums = PointsEntry.objects.filter(person_id=person_id).aggregate(
        old_credits=Sum("amount", filter=Q(amount__gt=0, occurred_at__lt=end)),
        debits=Sum("amount", filter=Q(amount__lt=0)),
    )
    unspent_old = (sums["old_credits"] or 0) + (sums["debits"] or 0)
    return max(0, min(unspent_old, balance))


@ledger_atomic()
def points_expire_for_year(
    *, person: Person, year: int, now: datetime.datetime | None = None
) -> PointsEntry | None:
    """Expire the person's unspent points of ``year`` and before; None when nothing expires."""
    key = expiry_key(person.pk, year)
    lock = person_lock(person.pk)
    existing = PointsEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    amount = expiring_amount(person.pk, year=year, balance=lock.balance)
    if amount <= 0:
        return None
    return entry_append(
        lock,
        amount=-amount,
        kind=Kind.EXPIRY,
        category="",
        source_ref=f"expiry:{year}",
        idempotency_key=key,
        reason=f"{year}年及以前获得的积分已过有效期",
        explanation={"expired_year": year},
        occurred_at=now or timezone.now(),
    )


def points_expire_due(*, today: datetime.date | None = None) -> int:
    """Run every audience's expiry due on ``today`` (1 January); returns lines written."""
    today = today or timezone.localdate()
    written = 0
    for policy in PointsPolicy.objects.filter(expires_after_years__isnull=False):
        if policy.expires_after_years is None:  # filtered out above; tells the type checker
            continue
        year = today.year - policy.expires_after_years - 1
        party = Q(person__political_status__in=Person.PARTY_STATUSES)
        holders = PersonTotal.objects.filter(period=ALL_TIME, balance__gt=0).filter(
            party if policy.audience == Audience.PARTY_MEMBERS else ~party
        )
        for person_id in holders.values_list("person_id", flat=True).iterator(chunk_size=1000):
            if PointsEntry.objects.filter(idempotency_key=expiry_key(person_id, year)).exists():
                continue
            person = Person.objects.get(pk=person_id)
            # One transaction per person: a job lost half-way keeps what it wrote.
            if points_expire_for_year(person=person, year=year) is not None:
                written += 1
    return written
