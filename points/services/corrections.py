"""Reversals, manual adjustments and redemptions."""

import datetime
import uuid

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from points.models import Category, Kind, PointsEntry, ServiceRecord
from points.services.awards import RUBRIC_EARNING, _usage
from points.services.ledger import (
    PersonLock,
    entry_append,
    ledger_atomic,
    person_lock,
    totals_apply,
)
from points.services.rules import audience_of, policy_for
from volunteers import permissions
from volunteers.models import Attendance, Organisation, Person, User
from volunteers.services.audit import audit_record

MAX_ADJUSTMENT = 10_000


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("missing_reason", _("请填写原因。"), field="reason")
    return reason[:200]


def require_adjuster(by: User, person: Person) -> None:
    if not permissions.can(by, permissions.Action.ADJUST_POINTS, person):
        raise Forbidden("forbidden", _("您无权调整该人员的积分。"))


def _audit_org(person: Person) -> Organisation | None:
    return person.party_branch or person.home_grid or person.reported_community


# --- Reversal -----------------------------------------------------------------------


def _reversible(entry: PointsEntry) -> PointsEntry:
    """``entry`` as stored, if it may be reversed; a DomainError saying why not."""
    entry = PointsEntry.objects.get(pk=entry.pk)
    if entry.kind == Kind.REVERSAL:
        raise Conflict("reversal_of_reversal", _("冲正记录不能再冲正。"))
    if PointsEntry.objects.filter(reverses=entry).exists():
        raise Conflict("already_reversed", _("这笔积分已经冲正过，不能重复冲正。"))
    return entry


def entry_reverse(
    lock: PersonLock, entry: PointsEntry, *, reason: str, by: User | None = None
) -> PointsEntry:
    """Append the reversal of ``entry``; the caller holds the person's lock."""
    entry = _reversible(entry)
    try:
        return entry_append(
            lock,
            amount=-entry.amount,
            kind=Kind.REVERSAL,
            category=entry.category,
            attendance_id=entry.attendance_id,
            activity_id=entry.activity_id,
            service_record_id=entry.service_record_id,
            source_ref=entry.source_ref,
            idempotency_key=f"reversal:{entry.pk}",
            reason=reason,
            actor=by,
            rule_id=entry.rule_id,
            explanation={"reverses": entry.pk, "original": entry.explanation},
            occurred_at=entry.occurred_at,  # it undoes the same month, quarter and year
            reverses=entry,
        )
    except IntegrityError:
        raise Conflict("already_reversed", _("这笔积分已经冲正过，不能重复冲正。")) from None


@ledger_atomic()
def points_reverse(
    *, entry: PointsEntry, reason: str, by: User, confirm_negative: bool = False
) -> PointsEntry:
    """Cancel a ledger line with a reversal that names it; once only.

    A reversal that would take the person's balance below zero (they have spent the
    points meanwhile) is the truth and stays possible, but only when the one reversing
    confirms it, having seen the balance it leaves; the audit line says so. Automatic
    reversals (an attendance removed) need no confirmation: 我的积分 and the points
    table show a negative balance plainly.
    """
    person = Person.objects.get(pk=entry.person_id)
    require_adjuster(by, person)
    reason = require_reason(reason)
    lock = person_lock(person.pk)
    entry = _reversible(entry)
    after = lock.balance - entry.amount
    goes_negative = entry.amount > 0 and after < 0
    allowed = policy_for(audience_of(person)).allow_negative_balance if goes_negative else True
    if goes_negative and not confirm_negative and not allowed:
        raise Conflict(
            "would_go_negative",
            _(
                "冲正后%(name)s的可用积分将为 %(after)d 分（现有 %(balance)d 分，"
                "其余已兑换或使用）。请核实后勾选确认，再冲正。"
            )
            % {"name": person.real_name, "after": after, "balance": lock.balance},
            field="confirm_negative",
        )
    reversal = entry_reverse(lock, entry, reason=reason, by=by)
    audit_record(
        actor=by,
        action="points.reverse",
        target=person,
        organisation=_audit_org(person),
        person_id=person.pk,
        entry_id=entry.pk,
        reversal_id=reversal.pk,
        amount=reversal.amount,
        reason=reason,
        balance_after=after,
        negative_confirmed=goes_negative,
    )
    return reversal


def record_revoke(lock: PersonLock, record: ServiceRecord, *, reason: str) -> ServiceRecord:
    """Take back an approved record's minutes; the caller holds the person's lock."""
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if record.status != ServiceRecord.Status.APPROVED:
        raise Conflict("not_approved", _("只有已认定的服务时长可以撤销。"))
    record.status = ServiceRecord.Status.REVOKED
    record.revoked_at = timezone.now()
    record.revoked_reason = reason[:200]
    record.save(update_fields=["status", "revoked_at", "revoked_reason"])
    totals_apply(lock, occurred_at=record.occurred_at, minutes=-record.minutes)
    return record


@ledger_atomic()
def points_reverse_for_attendance(
    *, attendance: Attendance, reason: str, by: User | None = None
) -> int:
    """A removed attendance: reverse its points and revoke its hours. Returns lines reversed.

    The caller (``attendance_remove``) has checked that ``by`` may manage the check-in.
    """
    awards = PointsEntry.objects.filter(
        attendance_id=attendance.pk, reversed_by__isnull=True
    ).exclude(kind=Kind.REVERSAL)
    records = ServiceRecord.objects.filter(
        attendance_id=attendance.pk, status=ServiceRecord.Status.APPROVED
    )
    if not awards.exists() and not records.exists():
        return 0  # never awarded: nothing to take back
    lock = person_lock(attendance.person_id)
    reversed_count = 0
    for entry in awards.order_by("pk"):
        entry_reverse(lock, entry, reason=reason, by=by)
        reversed_count += 1
    for record in records.order_by("pk"):
        record_revoke(lock, record, reason=reason)
    return reversed_count


# --- Adjustment -----------------------------------------------------------------------


def _check_amount(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise Invalid("bad_amount", _("积分必须是整数。"), field="amount")
    if amount == 0:
        raise Invalid("bad_amount", _("调整的积分不能为 0。"), field="amount")
    if abs(amount) > MAX_ADJUSTMENT:
        raise Invalid(
            "bad_amount",
            _("单次调整不能超过 %(max)d 分。") % {"max": MAX_ADJUSTMENT},
            field="amount",
        )
    return amount


def _check_rubric_room(
    lock: PersonLock, person: Person, *, amount: int, category: str, at: datetime.datetime
) -> None:
    """Refuse a positive adjustment that would pass the audience's yearly rubric caps."""
    if amount <= 0 or category not in RUBRIC_EARNING:
        return
    policy = policy_for(audience_of(person))
    item_cap, total_cap = policy.item_cap(category), policy.yearly_total_cap
    if item_cap is None and total_cap is None:
        return
    used = _usage(lock, occurred_at=at, in_category=None, rubric=category)
    label = Category(category).label
    if item_cap is not None and used["year_item"] + amount > item_cap:
        raise Invalid(
            "over_cap",
            _(
                "超过本年度%(label)s上限（%(cap)d 分）：今年已得 %(used)d 分，"
                "最多还能加 %(room)d 分。"
            )
            % {
                "label": label,
                "cap": item_cap,
                "used": used["year_item"],
                "room": max(0, item_cap - used["year_item"]),
            },
            field="amount",
        )
    if total_cap is not None and used["year_rubric"] + amount > total_cap:
        raise Invalid(
            "over_cap",
            _("超过年度积分上限（%(cap)d 分）：今年已得 %(used)d 分，最多还能加 %(room)d 分。")
            % {
                "cap": total_cap,
                "used": used["year_rubric"],
                "room": max(0, total_cap - used["year_rubric"]),
            },
            field="amount",
        )


def _check_balance(lock: PersonLock, person: Person, amount: int) -> None:
    if amount >= 0 or lock.balance + amount >= 0:
        return
    if policy_for(audience_of(person)).allow_negative_balance:
        return
    raise Invalid(
        "negative_balance",
        _("可用积分不足：当前 %(balance)d 分，扣减 %(amount)d 分后将为负数。")
        % {"balance": lock.balance, "amount": -amount},
        field="amount",
    )


@ledger_atomic()
def points_adjust(
    *,
    person: Person,
    amount: int,
    category: str,
    reason: str,
    by: User,
    occurred_at: datetime.datetime | None = None,
    idempotency_key: str | None = None,
) -> PointsEntry:
    """A secretary adds or deducts points with a reason; audited."""
    require_adjuster(by, person)
    reason = require_reason(reason)
    amount = _check_amount(amount)
    if category not in Category.values:
        raise Invalid("bad_category", _("请选择积分类别。"), field="category")
    if category == Category.DEDUCTION and amount > 0:
        raise Invalid("bad_amount", _("扣分必须是负数。"), field="amount")
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now:
        raise Invalid("future", _("不能登记未来日期的积分。"), field="occurred_at")
    key = idempotency_key or f"adjustment:{uuid.uuid4().hex}"
    person = Person.objects.select_related("party_branch", "home_grid", "reported_community").get(
        pk=person.pk
    )
    lock = person_lock(person.pk)
    existing = PointsEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.person_id != person.pk or existing.amount != amount:
            raise Conflict("key_reused", _("这次提交已处理过，请刷新页面后重试。"))
        return existing  # a double-submitted form
    _check_rubric_room(lock, person, amount=amount, category=category, at=occurred_at)
    _check_balance(lock, person, amount)
    entry = entry_append(
        lock,
        amount=amount,
        kind=Kind.DEDUCTION if category == Category.DEDUCTION else Kind.ADJUSTMENT,
        category=category,
        source_ref="adjustment",
        idempotency_key=key,
        reason=reason,
        actor=by,
        explanation={"category": category},
        occurred_at=occurred_at,
    )
    audit_record(
        actor=by,
        action="points.adjust",
        target=person,
        organisation=_audit_org(person),
        person_id=person.pk,
        entry_id=entry.pk,
        amount=amount,
        category=category,
        reason=reason,
    )
    return entry


# --- Redemption -------------------------------------------------------------------------


@ledger_atomic()
def points_redeem(
    *,
    person: Person,
    amount: int,
    idempotency_key: str,
    reason: str = "",
    source_ref: str = "",
    by: User | None = None,
) -> PointsEntry:
    """Spend ``amount`` points (爱心超市); refused when the balance is short. Idempotent by key."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise Invalid("bad_amount", _("兑换所需积分必须是正整数。"), field="amount")
    if not idempotency_key:
        raise ValueError("points_redeem needs an idempotency key")
    lock = person_lock(person.pk)
    existing = PointsEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.person_id != person.pk or existing.amount != -amount:
            raise Conflict("key_reused", _("这次兑换已处理过，请刷新页面后重试。"))
        return existing
    if lock.balance < amount:
        raise Conflict(
            "insufficient_balance",
            _("可用积分不足：当前 %(balance)d 分，需要 %(amount)d 分。")
            % {"balance": lock.balance, "amount": amount},
        )
    return entry_append(
        lock,
        amount=-amount,
        kind=Kind.REDEMPTION,
        category="",
        source_ref=source_ref[:64],
        idempotency_key=idempotency_key,
        reason=(reason or "").strip()[:200],
        actor=by if by is not None and by.is_authenticated else None,
        occurred_at=timezone.now(),
    )
