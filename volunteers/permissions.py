"""The one permission rule.

A role on an organisation node applies to that node's whole subtree. Every
question of the form "may this user <action> X?" is answered here, by views,
the Wagtail admin, the API and tasks alike.
"""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from volunteers.models import Membership, Organisation, Person

Role = Membership.Role


class Action:
    VIEW = "view"  # see the subtree's activities and people (personal data masked)
    PUBLISH = "publish"  # publish and edit activities
    CHECK_IN = "check_in"  # run check-in, confirm or correct attendance
    MANAGE_PEOPLE = "manage_people"  # import rosters, edit people, confirm 报到, see full phones
    ADJUST_POINTS = "adjust_points"  # adjust points with a reason, publish rankings
    MANAGE_ROLES = "manage_roles"  # grant and end roles

    ALL = frozenset({VIEW, PUBLISH, CHECK_IN, MANAGE_PEOPLE, ADJUST_POINTS, MANAGE_ROLES})


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.MEMBER: frozenset({Action.VIEW}),
    Role.LEADER: frozenset({Action.VIEW, Action.PUBLISH, Action.CHECK_IN}),
    Role.DEPUTY: frozenset({Action.VIEW, Action.PUBLISH, Action.CHECK_IN}),
    Role.SECRETARY: frozenset(
        {
            Action.VIEW,
            Action.PUBLISH,
            Action.CHECK_IN,
            Action.MANAGE_PEOPLE,
            Action.ADJUST_POINTS,
        }
    ),
    Role.ADMIN: Action.ALL,
}


def roles_granting(action: str) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


def _grants(user) -> dict[str, tuple[str, ...]]:
    """Map each action to the tree paths where the user holds it; cached on the user."""
    cached = getattr(user, "_shazhou_grants", None)
    if cached is not None:
        return cached
    grants: dict[str, set[str]] = {action: set() for action in Action.ALL}
    if user is not None and user.is_authenticated and user.is_active:
        rows = (
            Membership.objects.current()
            .filter(person__user=user)
            .values_list("role", "organisation__path")
        )
        for role, path in rows:
            for action in ROLE_ACTIONS.get(role, ()):
                grants[action].add(path)
    result = {action: _outermost(paths) for action, paths in grants.items()}
    if user is not None:
        user._shazhou_grants = result
    return result


def _outermost(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another granted path: they add nothing."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def forget_grants(user) -> None:
    """Call after changing a user's roles within the same request."""
    if user is not None and hasattr(user, "_shazhou_grants"):
        del user._shazhou_grants


def is_superuser(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_superuser)


def organisations_of(obj) -> list[Organisation]:
    """The organisation nodes an object belongs to, for the subtree test."""
    if isinstance(obj, Organisation):
        return [obj]
    if isinstance(obj, Person):
        nodes = [
            obj.home_grid,
            obj.party_branch,
            obj.employer_unit,
            obj.reported_community,
        ]
        # Only current roles tie a person to a node: a team left in 2021 does not.
        nodes += [m.organisation for m in obj.memberships.current().select_related("organisation")]
        return [n for n in nodes if n is not None]
    organisation = getattr(obj, "organisation", None)
    if isinstance(organisation, Organisation):
        return [organisation]
    raise TypeError(f"No organisation is known for {type(obj).__name__}")


def can(user, action: str, obj) -> bool:
    """May ``user`` do ``action`` to ``obj``? The one rule: a role covers its subtree."""
    if action not in Action.ALL:
        raise ValueError(f"Unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_superuser(user):
        return True
    if action == Action.VIEW and isinstance(obj, Person) and obj.user_id == user.pk:
        return True  # everyone sees their own record
    granted = _grants(user)[action]
    if not granted:
        return False
    return any(node.path.startswith(path) for node in organisations_of(obj) for path in granted)


def can_anywhere(user, action: str) -> bool:
    """Does the user hold ``action`` on any node? Decides whether to show a menu entry."""
    return is_superuser(user) or bool(_grants(user)[action])


def scope_q(user, action: str, field: str = "path") -> Q | None:
    """A filter on ``field`` (a tree path) matching the user's subtrees; None means all."""
    if is_superuser(user):
        return None
    granted = _grants(user)[action]
    if not granted:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": path}) for path in granted))


def organisations_in_scope(user, action: str) -> QuerySet[Organisation]:
    q = scope_q(user, action)
    qs = Organisation.objects.all()
    return qs if q is None else qs.filter(q)


def people_in_scope(user, action: str) -> QuerySet[Person]:
    """People the user may ``action``: anyone attached to a node in their subtrees."""
    if is_superuser(user):
        return Person.objects.all()
    granted = _grants(user)[action]
    if not granted:
        return Person.objects.none()
    fields = ["home_grid__path", "party_branch__path", "employer_unit__path"]
    fields.append("reported_community__path")
    q = reduce(or_, (Q(**{f"{f}__startswith": p}) for f in fields for p in granted))
    under = reduce(or_, (Q(organisation__path__startswith=p) for p in granted))
    members = Membership.objects.current().filter(under).values("person_id")
    return Person.objects.filter(q | Q(pk__in=members))
