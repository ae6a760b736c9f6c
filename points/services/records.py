"""Back-filled service hours (补录): entered by a secretary, decided by a higher role."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from points.models import ServiceRecord
from points.policies import may_decide_backfill
from points.services.awards import award_for_record, meets_share, required_minutes
from points.services.corrections import (
    entry_reverse,
    record_revoke,
    require_adjuster,
    require_reason,
)
from points.services.ledger import ledger_atomic, person_lock
from volunteers.models import Activity, Attendance, Person, User
from volunteers.services.audit import audit_record

Status = ServiceRecord.Status


def _check_minutes(minutes: object, activity: Activity) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise Invalid("bad_minutes", _("服务时长必须是正整数（分钟）。"), field="minutes")
    if minutes > activity.duration_minutes:
        raise Invalid(
            "too_long",
            _("补录时长 %(minutes)d 分钟超过了活动时长（%(duration)d 分钟）。")
            % {"minutes": minutes, "duration": activity.duration_minutes},
            field="minutes",
        )
    if not meets_share(activity, minutes):
        raise Invalid(
            "below_share",
            _("服务时长须达到活动时长的 %(share)d%%（至少 %(needed)d 分钟）才能计入。")
            % {"share": activity.min_share_percent, "needed": required_minutes(activity)},
            field="minutes",
        )
    return minutes


@transaction.atomic
def servicerecord_backfill(
    *, person: Person, activity: Activity, minutes: int, reason: str, by: User
) -> ServiceRecord:
    """A secretary records service that was not checked in; it waits for approval."""
    require_adjuster(by, person)
    reason = require_reason(reason)
    if activity.cancelled_at is not None:
        raise Conflict("cancelled", _("活动已取消，不能补录。"))
    if activity.ends_at > timezone.now():
        raise Conflict("not_over", _("活动结束后才能补录服务时长。"))
    minutes = _check_minutes(minutes, activity)
    if Attendance.objects.filter(
        person=person, activity=activity, removed_at__isnull=True
    ).exists():
        raise Conflict(
            "has_attendance", _("该人员在本活动已有签到记录，时长按签到核定，无需补录。")
        )
    try:
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                person=person,
                activity=activity,
                source=ServiceRecord.Source.BACKFILL,
                status=Status.PENDING,
                minutes=minutes,
                occurred_at=activity.starts_at,
                reason=reason,
                entered_by=by,
            )
    except IntegrityError:
        raise Conflict(
            "already_recorded", _("该人员在本活动已有服务时长记录（或待审核的补录）。")
        ) from None
    audit_record(
        actor=by,
        action="servicerecord.backfill",
        target=record,
        organisation=activity.organisation,
        person_id=person.pk,
        activity_id=activity.pk,
        record_id=record.pk,
        minutes=minutes,
        reason=reason,
    )
    return record


def _backfill_activity(record: ServiceRecord) -> Activity:
    """The activity of a record these services decide or revoke: always a back-fill (only a
    back-fill is ever pending, and revoking here refuses any other source), which names its
    activity by the model's record_source_matches_origin check constraint."""
    assert record.activity is not None  # noqa: S101 -- the check constraint guarantees it
    return record.activity


def _lock_pending(record: ServiceRecord, by: User) -> ServiceRecord:
    record = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("activity__organisation", "activity__category", "person", "entered_by")
        .get(pk=record.pk)
    )
    if record.entered_by_id is not None and by is not None and record.entered_by_id == by.pk:
        raise Forbidden("own_record", _("不能审核自己录入的补录。"))
    if not may_decide_backfill(by, record):
        raise Forbidden(
            "forbidden", _("补录须由录入人的上级组织（或镇管理员）审核，您无权审核这条记录。")
        )
    if record.status != Status.PENDING:
        raise Conflict(
            "not_pending",
            _("这条补录已处理（%(status)s）。") % {"status": record.get_status_display()},
        )
    return record


@ledger_atomic()
def servicerecord_approve(*, record: ServiceRecord, by: User) -> ServiceRecord:
    """Credit a back-fill's minutes and award its points."""
    lock = person_lock(record.person_id)
    record = _lock_pending(record, by)
    record.status = Status.APPROVED
    record.decided_by = by
    record.decided_at = timezone.now()
    record.save(update_fields=["status", "decided_by", "decided_at"])
    entry = award_for_record(lock, record, by=by)
    audit_record(
        actor=by,
        action="servicerecord.approve",
        target=record,
        organisation=_backfill_activity(record).organisation,
        person_id=record.person_id,
        record_id=record.pk,
        minutes=record.minutes,
        entry_id=entry.pk,
        points=entry.amount,
    )
    return record


@transaction.atomic
def servicerecord_reject(*, record: ServiceRecord, by: User, note: str = "") -> ServiceRecord:
    """Turn a back-fill down; nothing is credited."""
    record = _lock_pending(record, by)
    record.status = Status.REJECTED
    record.decided_by = by
    record.decided_at = timezone.now()
    record.decision_note = (note or "").strip()[:200]
    record.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=by,
        action="servicerecord.reject",
        target=record,
        organisation=_backfill_activity(record).organisation,
        person_id=record.person_id,
        record_id=record.pk,
        note=record.decision_note,
    )
    return record


@ledger_atomic()
def servicerecord_revoke(*, record: ServiceRecord, reason: str, by: User) -> ServiceRecord:
    """Take back an approved back-fill found to be wrong: its minutes and its points."""
    person = Person.objects.get(pk=record.person_id)
    require_adjuster(by, person)
    reason = require_reason(reason)
    if record.source != ServiceRecord.Source.BACKFILL:
        raise Conflict("from_attendance", _("签到得来的时长请通过撤销签到来更正。"))
    lock = person_lock(person.pk)
    record = record_revoke(lock, record, reason=reason)
    for entry in record.points_entries.filter(reversed_by__isnull=True, reverses__isnull=True):
        entry_reverse(lock, entry, reason=reason, by=by)
    audit_record(
        actor=by,
        action="servicerecord.revoke",
        target=record,
        organisation=_backfill_activity(record).organisation,
        person_id=person.pk,
        record_id=record.pk,
        reason=reason,
    )
    return record
