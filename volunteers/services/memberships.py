"""Granting and ending roles; every change is audited."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from volunteers import permissions
from volunteers.models import Membership, Organisation, Person, User
from volunteers.services.audit import audit_record

# Staff (holders of a role granting more than VIEW: leader, secretary, admin, editor,
# grid head, grid worker…) need Wagtail's access_admin permission to work in the admin.
# They get it by membership of this group, which follows their roles: granted and ended
# here, in the same transaction.
# The group carries only admin access and image upload/choose; what they may see and
# change inside the admin is decided by volunteers.permissions, not by the group.
ADMIN_GROUP_NAME = "组织管理员"


def admin_access_group() -> Group:
    group, created = Group.objects.get_or_create(name=ADMIN_GROUP_NAME)
    if created:  # the data migration normally makes it; a flushed test database does not
        content_type, _created = ContentType.objects.get_or_create(
            app_label="wagtailadmin", model="admin"
        )
        access, _created = Permission.objects.get_or_create(
            content_type=content_type,
            codename="access_admin",
            defaults={"name": "Can access Wagtail admin"},
        )
        group.permissions.add(access)
    return group


def sync_admin_access(user: User | None) -> bool:
    """Put ``user`` in the admin group exactly when a current role makes them staff."""
    if user is None or user.pk is None:
        return False
    permissions.forget_grants(user)
    permissions.forget_staff_anywhere(user.pk)  # the tab bar's 工作台 follows at once
    needs = user.is_active and any(
        permissions.can_anywhere(user, action) for action in permissions.Action.STAFF
    )
    group = admin_access_group()
    if needs:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    # Django caches a user's permissions on the object; this one has just changed.
    for cache_name in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache_name, None)
    return needs


def sync_admin_access_all() -> int:
    """Re-sync everyone who holds a publishing role or is in the group (after bulk imports)."""
    User = get_user_model()
    staff_roles = {
        role for action in permissions.Action.STAFF for role in permissions.roles_granting(action)
    }
    role_holders = Membership.objects.filter(
        role__in=staff_roles, person__user__isnull=False
    ).values("person__user")
    users = User.objects.filter(Q(pk__in=role_holders) | Q(groups__name=ADMIN_GROUP_NAME))
    return sum(sync_admin_access(user) for user in users.distinct())


# Which roles fit which kind of node. A grid's five roles are the town's grid system;
# a unit's contact receives its 双报到反馈; leaders lead the volunteer side and party
# groups (组长); secretaries the party side, communities and the town.
_GRID_ROLES = (
    Membership.Role.GRID_HEAD,
    Membership.Role.GRID_WORKER,
    Membership.Role.STREET_HEAD,
    Membership.Role.PARTY_HOUSEHOLD,
    Membership.Role.INFORMANT,
)
_Kind = Organisation.Kind
ROLE_KINDS: dict[str, frozenset[str] | None] = {
    Membership.Role.MEMBER: None,  # anywhere
    Membership.Role.ADMIN: None,
    Membership.Role.LEADER: frozenset(
        {_Kind.TEAM, _Kind.SQUAD, _Kind.DETACHMENT, _Kind.PARTY_GROUP}
    ),
    Membership.Role.DEPUTY: frozenset(
        {_Kind.TEAM, _Kind.SQUAD, _Kind.DETACHMENT, _Kind.PARTY_GROUP}
    ),
    Membership.Role.SECRETARY: frozenset(
        {_Kind.COMMUNITY, _Kind.PARTY_COMMITTEE, _Kind.PARTY_BRANCH, _Kind.TOWN}
    ),
    Membership.Role.EDITOR: frozenset({_Kind.COMMUNITY, _Kind.TOWN}),
    Membership.Role.CONTACT: frozenset({_Kind.UNIT}),
    **{role: frozenset({_Kind.GRID}) for role in _GRID_ROLES},
}


def role_fits(role: str, kind: str) -> bool:
    """May a ``role`` be held on a node of ``kind``?"""
    kinds = ROLE_KINDS.get(role)
    return kinds is None or kind in kinds


def roles_for_kind(kind: str) -> list[tuple[str, str]]:
    """The (value, label) role choices that fit a node of ``kind``."""
    return [
        (value, str(label)) for value, label in Membership.Role.choices if role_fits(value, kind)
    ]


def _require_role_manager(by: User | None, organisation: Organisation) -> None:
    if by is not None and not permissions.can(by, permissions.Action.MANAGE_ROLES, organisation):
        raise Forbidden("forbidden", _("您无权管理该组织的角色。"))


def _check_role_fits(role: str, organisation: Organisation) -> None:
    if not role_fits(role, organisation.kind):
        raise Invalid(
            "role_kind",
            _("%(kind)s“%(org)s”不能设%(role)s。")
            % {
                "kind": organisation.get_kind_display(),
                "org": organisation.name,
                "role": Membership.Role(role).label,
            },
            field="role",
        )


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise Invalid("reason_too_long", _("原因最多 200 个字。"), field="reason")
    return reason


@transaction.atomic
def membership_grant(
    *,
    person: Person,
    organisation: Organisation,
    role: str,
    by: User | None = None,
    start_date: datetime.date | None = None,
    reason: str = "",
) -> Membership:
    """Give ``person`` ``role`` on ``organisation`` from ``start_date`` (default today).

    ``by=None`` means the system itself (the demo seed, fixtures): it is trusted with the
    role-kind table, which is for people appointing in the admin.
    """
    _require_role_manager(by, organisation)
    if role not in Membership.Role.values:
        raise Invalid("invalid_role", _("未知的角色。"), field="role")
    if by is not None:
        _check_role_fits(role, organisation)
    if organisation.is_closed:
        raise Conflict(
            "organisation_closed",
            _("“%(org)s”已撤销，不能再任命角色。") % {"org": organisation.name},
            field="organisation",
        )
    today = timezone.localdate()
    start_date = start_date or today
    # A role becomes current by a write, never by the calendar (current_membership_q).
    if start_date > today:
        raise Invalid("start_in_future", _("开始日期不能晚于今天。"), field="start_date")
    reason = _clean_reason(reason)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person, organisation=organisation, role=role, start_date=start_date
            )
    except IntegrityError:
        raise Conflict("duplicate_role", _("该人员在此组织已有这个角色。")) from None
    audit_record(
        actor=by,
        action="membership.grant",
        target=membership,
        organisation=organisation,
        person_id=person.pk,
        role=role,
        start_date=start_date.isoformat(),
        reason=reason,
    )
    if person.user is not None:
        sync_admin_access(person.user)
    return membership


@transaction.atomic
def membership_end(
    *,
    membership: Membership,
    by: User | None = None,
    end_date: datetime.date | None = None,
    reason: str = "",
) -> Membership:
    """End a role on ``end_date`` (default today; the first day it no longer holds)."""
    _require_role_manager(by, membership.organisation)
    # Lock the row: two people ending the same role at once end it once.
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.end_date is not None:
        raise Conflict("already_ended", _("该角色已经结束。"))
    today = timezone.localdate()
    end_date = end_date or today
    if end_date < locked.start_date:
        raise Invalid("end_before_start", _("结束日期不能早于开始日期。"), field="end_date")
    if end_date > today:
        raise Invalid("end_in_future", _("结束日期不能晚于今天。"), field="end_date")
    reason = _clean_reason(reason)
    membership.end_date = end_date
    membership.save(update_fields=["end_date"])
    audit_record(
        actor=by,
        action="membership.end",
        target=membership,
        organisation=membership.organisation,
        person_id=membership.person_id,
        role=membership.role,
        end_date=end_date.isoformat(),
        reason=reason,
    )
    if membership.person.user is not None:
        sync_admin_access(membership.person.user)
    return membership
