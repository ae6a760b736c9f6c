"""在职党员报到: an in-service party member reports to a community; its secretary decides.

A person has at most one pending report (a partial unique constraint decides, not a
prior SELECT). Confirming moves ``Person.reported_community``; earlier reports, to
this community or another, stay as they were, so the history is never rewritten.
"""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from volunteers import permissions
from volunteers.models import CommunityReport, Notification, Organisation, Person, User
from volunteers.services.audit import audit_record
from volunteers.services.notifications import notify

Status = CommunityReport.Status
Via = CommunityReport.Via
NOTE_MAX_LENGTH = 200


def _when(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def not_in_service_message() -> str:
    """What a person who is not an in-service party member is told, here and on the pages."""
    return _(
        "在职党员报到只面向在职党员。您的人员信息中没有登记为在职党员；"
        "如果信息有误，请联系所在党支部或社区更正。"
    )


def _require_in_service(person: Person) -> None:
    if not person.in_service:
        raise Forbidden("not_in_service", not_in_service_message())


def _require_secretary(by: User, report: CommunityReport) -> None:
    if not permissions.can(by, permissions.Action.MANAGE_PEOPLE, report.community):
        raise Forbidden(
            "forbidden",
            _("只有%(community)s的书记（管理员）可以处理向该社区的报到。")
            % {"community": report.community.name},
        )


def _lock_pending(report: CommunityReport) -> CommunityReport:
    locked = (
        CommunityReport.objects.select_for_update()
        .select_related("person", "community")
        .get(pk=report.pk)
    )
    if locked.status != Status.PENDING:
        raise Conflict(
            "not_pending",
            _("这条报到申请已经处理过了（%(status)s）。") % {"status": locked.get_status_display()},
        )
    return locked


@transaction.atomic
def report_apply(
    *,
    person: Person,
    community: Organisation,
    via: str,
    at: datetime.datetime | None = None,
) -> CommunityReport:
    """An in-service party member asks to report to ``community``; its secretary decides.

    ``at`` back-dates the application (the demo seed); people always apply now.
    """
    if community.kind != Organisation.Kind.COMMUNITY:
        raise Invalid("not_community", _("只能向社区报到。"), field="community")
    if via not in Via.values:
        raise Invalid("bad_via", _("未知的报到方式。"))
    # Lock the person so two taps on a poor signal queue up here rather than race.
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require_in_service(person)
    pending = (
        CommunityReport.objects.filter(person=person, status=Status.PENDING)
        .select_related("community")
        .first()
    )
    if pending is not None:
        raise Conflict(
            "pending_exists",
            _(
                "您已于%(when)s向%(community)s提交报到申请，正在等待社区确认，"
                "不能重复提交。如需更换社区，请先联系该社区处理。"
            )
            % {"when": _when(pending.applied_at), "community": pending.community.name},
        )
    if person.reported_community_id == community.pk:
        raise Conflict(
            "already_reported",
            _("您已经向%(community)s报到%(since)s，不需要重复报到。")
            % {
                "community": community.name,
                "since": _("（%(when)s）") % {"when": _when(person.reported_at)}
                if person.reported_at
                else "",
            },
        )
    try:
        with transaction.atomic():
            return CommunityReport.objects.create(
                person=person,
                community=community,
                via=via,
                status=Status.PENDING,
                applied_at=at or timezone.now(),
            )
    except IntegrityError:
        # Another request for the same person got there first; theirs stands.
        raise Conflict("pending_exists", _("您已经提交了报到申请，正在等待社区确认。")) from None


@transaction.atomic
def report_confirm(
    *, report: CommunityReport, by: User, at: datetime.datetime | None = None
) -> CommunityReport:
    """The community's secretary confirms: the person now serves in that community."""
    _require_secretary(by, report)
    report = _lock_pending(report)
    person = Person.objects.select_for_update().get(pk=report.person_id)
    if not person.in_service:
        raise Conflict(
            "not_in_service",
            _("%(name)s 现在没有登记为在职党员，不能确认报到。请核实后退回，并说明原因。")
            % {"name": person.real_name},
        )
    decided_at = at or timezone.now()
    if decided_at < report.applied_at:
        decided_at = report.applied_at
    previous = person.reported_community_id
    report.status = Status.CONFIRMED
    report.decided_at = decided_at
    report.decided_by = by
    report.save(update_fields=["status", "decided_at", "decided_by"])
    person.reported_community = report.community
    person.reported_at = decided_at
    person.save(update_fields=["reported_community", "reported_at", "updated_at"])
    audit_record(
        actor=by,
        action="report.confirm",
        target=report,
        organisation=report.community,
        report_id=report.pk,
        person_id=person.pk,
        previous_community_id=previous,
    )
    report.person = person
    notify(
        person=person,
        kind=Notification.Kind.COMMUNITY_REPORT,
        key=f"report:{report.pk}:confirmed",
        title=_("报到已确认：%(community)s") % {"community": report.community.name},
        body=_("您向%(community)s的报到已确认。今后在该社区参加的志愿服务计入双报到反馈。")
        % {"community": report.community.name},
        url=reverse("volunteers:my_report"),
    )
    return report


@transaction.atomic
def report_reject(
    *, report: CommunityReport, by: User, note: str, at: datetime.datetime | None = None
) -> CommunityReport:
    """The secretary turns a report down, saying why; the person sees the note."""
    _require_secretary(by, report)
    note = " ".join((note or "").split())
    if not note:
        raise Invalid("missing_note", _("请填写不通过的原因，党员会看到这条说明。"), field="note")
    if len(note) > NOTE_MAX_LENGTH:
        raise Invalid(
            "note_too_long",
            _("原因最多 %(n)d 个字。") % {"n": NOTE_MAX_LENGTH},
            field="note",
        )
    report = _lock_pending(report)
    report.status = Status.REJECTED
    report.decided_at = max(at or timezone.now(), report.applied_at)
    report.decided_by = by
    report.note = note
    report.save(update_fields=["status", "decided_at", "decided_by", "note"])
    audit_record(
        actor=by,
        action="report.reject",
        target=report,
        organisation=report.community,
        report_id=report.pk,
        person_id=report.person_id,
        note=note,
    )
    notify(
        person=report.person,
        kind=Notification.Kind.COMMUNITY_REPORT,
        key=f"report:{report.pk}:rejected",
        title=_("报到未通过：%(community)s") % {"community": report.community.name},
        body=_("您向%(community)s的报到没有通过。原因：%(note)s")
        % {"community": report.community.name, "note": note},
        url=reverse("volunteers:my_report"),
    )
    return report
