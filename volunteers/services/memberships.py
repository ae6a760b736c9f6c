"""Granting and ending roles; every change is audited."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from volunteers import permissions
from volunteers.errors import DomainError
from volunteers.models import Membership, Organisation, Person

from .audit import audit_record


def _require_role_manager(by, organisation: Organisation) -> None:
    if by is not None and not permissions.can(by, permissions.Action.MANAGE_ROLES, organisation):
        raise DomainError("forbidden", _("您无权管理该组织的角色。"))


@transaction.atomic
def membership_grant(
    *, person: Person, organisation: Organisation, role: str, by=None
) -> Membership:
    """Give ``person`` ``role`` on ``organisation``; ``by=None`` means the system itself."""
    _require_role_manager(by, organisation)
    if role not in Membership.Role.values:
        raise DomainError("invalid_role", _("未知的角色。"), field="role")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person, organisation=organisation, role=role
            )
    except IntegrityError:
        raise DomainError("duplicate_role", _("该人员在此组织已有这个角色。")) from None
    audit_record(
        actor=by,
        action="membership.grant",
        target=membership,
        organisation=organisation,
        person_id=person.pk,
        role=role,
    )
    if person.user is not None:
        permissions.forget_grants(person.user)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, by=None) -> Membership:
    _require_role_manager(by, membership.organisation)
    if membership.end_date is not None:
        raise DomainError("already_ended", _("该角色已经结束。"))
    membership.end_date = timezone.localdate()
    membership.save(update_fields=["end_date"])
    audit_record(
        actor=by,
        action="membership.end",
        target=membership,
        organisation=membership.organisation,
        person_id=membership.person_id,
        role=membership.role,
    )
    if membership.person.user is not None:
        permissions.forget_grants(membership.person.user)
    return membership
