"""Granting and ending roles; every change is audited."""

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


def _require_role_manager(by: User | None, organisation: Organisation) -> None:
    if by is not None and not permissions.can(by, permissions.Action.MANAGE_ROLES, organisation):
        raise Forbidden("forbidden", _("您无权管理该组织的角色。"))


@transaction.atomic
def membership_grant(
    *, person: Person, organisation: Organisation, role: str, by: User | None = None
) -> Membership:
    """Give ``person`` ``role`` on ``organisation``; ``by=None`` means the system itself."""
    _require_role_manager(by, organisation)
    if role not in Membership.Role.values:
        raise Invalid("invalid_role", _("未知的角色。"), field="role")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person, organisation=organisation, role=role
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
    )
    if person.user is not None:
        sync_admin_access(person.user)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, by: User | None = None) -> Membership:
    _require_role_manager(by, membership.organisation)
    if membership.end_date is not None:
        raise Conflict("already_ended", _("该角色已经结束。"))
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
        sync_admin_access(membership.person.user)
    return membership
