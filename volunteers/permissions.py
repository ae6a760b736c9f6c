"""The one permission rule, and the policies built on it.

A role on an organisation node applies to that node's whole subtree. Every
question of the form "may this user <action> X?" is answered here, by views,
the Wagtail admin, the API and tasks alike. The composite policies about
organisations, people and activities (who administers the town, whose scope is
above whose, who sees a name, who writes news for a community, who is an
activity's audience) live here too; those about points objects are in
``points.policies``, built on this rule.
"""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from volunteers.models import (
    Activity,
    Claim,
    Membership,
    Need,
    Organisation,
    Person,
    RotatingChair,
)

Role = Membership.Role


class Action:
    VIEW = "view"  # see the subtree's activities and people (personal data masked)
    PUBLISH = "publish"  # publish and edit activities
    CHECK_IN = "check_in"  # run check-in, confirm or correct attendance
    MANAGE_PEOPLE = "manage_people"  # import rosters, edit people, confirm 报到, see full phones
    ADJUST_POINTS = "adjust_points"  # adjust points with a reason, publish rankings
    MANAGE_ROLES = "manage_roles"  # grant and end roles, build the organisation tree
    ADMIT = "admit"  # approve or refuse join requests
    WRITE_NEWS = "write_news"  # write the community's news on the public site
    MANAGE_NEEDS = "manage_needs"  # record, approve, close needs (微心愿) and confirm claims
    # Act for an employer unit (单位联络人): offer its resources, run the projects of a
    # quarter it chairs (轮值主席), receive its 双报到反馈. Work done in the admin.
    REPRESENT_UNIT = "represent_unit"

    ALL = frozenset(
        {
            VIEW,
            PUBLISH,
            CHECK_IN,
            MANAGE_PEOPLE,
            ADJUST_POINTS,
            MANAGE_ROLES,
            ADMIT,
            WRITE_NEWS,
            MANAGE_NEEDS,
            REPRESENT_UNIT,
        }
    )
    # Holding any of these somewhere makes a person staff: they work in the admin.
    STAFF = ALL - {VIEW}


_ORGANISER = frozenset({Action.VIEW, Action.PUBLISH, Action.CHECK_IN, Action.ADMIT})

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.MEMBER: frozenset({Action.VIEW}),
    Role.LEADER: _ORGANISER | {Action.WRITE_NEWS},
    Role.DEPUTY: _ORGANISER | {Action.WRITE_NEWS},
    Role.SECRETARY: _ORGANISER
    | {Action.MANAGE_PEOPLE, Action.ADJUST_POINTS, Action.WRITE_NEWS, Action.MANAGE_NEEDS},
    Role.ADMIN: Action.ALL,
    Role.EDITOR: frozenset({Action.VIEW, Action.WRITE_NEWS}),
    # The grid's staff place newcomers in their grid and run its activities; the other
    # grid roles are the eyes and ears of the grid and see its people.
    # They also keep the grid's needs list (需求清单): record, approve, confirm.
    Role.GRID_HEAD: _ORGANISER | {Action.MANAGE_PEOPLE, Action.MANAGE_NEEDS},
    Role.GRID_WORKER: frozenset(
        {Action.VIEW, Action.CHECK_IN, Action.MANAGE_PEOPLE, Action.ADMIT, Action.MANAGE_NEEDS}
    ),
    Role.STREET_HEAD: frozenset({Action.VIEW}),
    Role.PARTY_HOUSEHOLD: frozenset({Action.VIEW}),
    Role.INFORMANT: frozenset({Action.VIEW}),
    Role.CONTACT: frozenset({Action.VIEW, Action.REPRESENT_UNIT}),
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
        # A squad based in a community (``Organisation.based_in``) is run by that
        # community's staff as well as by the detachment it hangs under: a role on the
        # community covers the squad's subtree too (the join adds it to the same query).
        rows = (
            Membership.objects.current()
            .filter(person__user=user)
            .values_list("role", "organisation__path", "organisation__based_here__path")
        )
        for role, path, based_here in rows:
            for action in ROLE_ACTIONS.get(role, ()):
                grants[action].add(path)
                if based_here:
                    grants[action].add(based_here)
    result = {action: outermost(paths) for action, paths in grants.items()}
    if user is not None:
        user._shazhou_grants = result
    return result


def outermost(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another of the paths: they add nothing."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def paths_at_and_above(path: str) -> list[str]:
    """The paths of the node and of every node above it (treebeard's fixed-width steps)."""
    step = Organisation.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def memberships_holding(action: str, organisation: Organisation) -> QuerySet[Membership]:
    """The current roles that give ``action`` on ``organisation``: the rule read backwards.

    A role on a node at or above it, or on the community that a squad above it is based
    in (``Organisation.based_in``), exactly as ``_grants`` reads them. One query: the
    nodes above are a handful of fixed-width path prefixes.
    """
    above = paths_at_and_above(organisation.path)
    based_in = Organisation.objects.filter(path__in=above, based_in__isnull=False)
    return Membership.objects.current().filter(
        Q(organisation__path__in=above) | Q(organisation__in=based_in.values("based_in")),
        role__in=roles_granting(action),
    )


def nearest_holders(action: str, organisation: Organisation, *, limit: int = 10) -> list[Person]:
    """Who holds ``action`` on the nearest node at or above ``organisation`` that has anyone.

    Whom to tell of something waiting for a decision there: a grid's staff before its
    community's, a team's leader before the squad's; at most ``limit`` people, so the
    town's administrators are not told of each of ten thousand requests.
    """
    memberships = list(
        memberships_holding(action, organisation)
        .filter(person__user__is_active=True)
        .select_related("person__user", "organisation")
        .order_by("-organisation__depth", "person_id")[:100]
    )
    if not memberships:
        return []
    nearest = memberships[0].organisation.depth
    people = {m.person_id: m.person for m in memberships if m.organisation.depth == nearest}
    return list(people.values())[:limit]


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
    if isinstance(obj, Need):
        return [obj.grid]  # the grid's staff, and its community's above it
    if isinstance(obj, Claim):
        # A claim on a project's post belongs to the project's community.
        return [obj.need.grid] if obj.need is not None else [obj.post.project.community]
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


# Whether a user is staff anywhere is kept a few minutes per user, so that the phone's tab
# bar (工作台) costs no query on most pages; a role granted or ended updates it at once
# (``services.memberships.sync_admin_access`` calls ``forget_staff_anywhere``).
STAFF_CACHE_SECONDS = 300


def _staff_cache_key(user_id: int) -> str:
    return f"permissions:staff-anywhere:{user_id}"


def forget_staff_anywhere(user_id: int | None) -> None:
    if user_id:
        cache.delete(_staff_cache_key(user_id))


def is_staff_anywhere(user) -> bool:
    """Holds any staff action on some node (``Action.STAFF``): the admin group's test."""
    if user is None or not user.is_authenticated:
        return False
    if is_superuser(user) or hasattr(user, "_shazhou_grants"):
        # Known in this request already: free.
        return any(can_anywhere(user, action) for action in Action.STAFF)
    key = _staff_cache_key(user.pk)
    staff = cache.get(key)
    if staff is None:
        staff = any(can_anywhere(user, action) for action in Action.STAFF)
        cache.set(key, staff, STAFF_CACHE_SECONDS)
    return bool(staff)


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


# --- Composite policies about organisations, people and activities -------------------


def administers_a_town(user) -> bool:
    """Manages roles at a root of the tree (the town), or is a superuser: town-wide lists
    (activity categories, points rules, job failures) are theirs to edit."""
    cached = getattr(user, "_shazhou_town_admin", None)
    if cached is None:
        cached = is_superuser(user) or (
            can_anywhere(user, Action.MANAGE_ROLES)
            and any(can(user, Action.MANAGE_ROLES, root) for root in Organisation.get_root_nodes())
        )
        if user is not None:
            user._shazhou_town_admin = cached
    return cached


def administers_town_of(user, organisation: Organisation) -> bool:
    """Does ``user`` manage the town that ``organisation`` lies in (the admin role on it)?"""
    town = (
        Organisation.objects.filter(
            kind=Organisation.Kind.TOWN, path__in=paths_at_and_above(organisation.path)
        )
        .order_by("depth")
        .first()
    )
    return town is not None and can(user, Action.MANAGE_ROLES, town)


def towns_administered_by(user) -> QuerySet[Organisation]:
    """The towns whose roles ``user`` manages (all of them for a superuser): the towns
    ``administers_town_of`` holds for, e.g. whose systems' API keys they keep."""
    towns = organisations_in_scope(user, Action.MANAGE_ROLES)
    return towns.filter(kind=Organisation.Kind.TOWN).order_by("path")


def administers_any_town(user) -> bool:
    """Does ``user`` administer some town? Kept on the user for the request: the admin
    sidebar asks on every page."""
    cached = getattr(user, "_shazhou_administers_any_town", None)
    if cached is None:
        cached = can_anywhere(user, Action.MANAGE_ROLES) and towns_administered_by(user).exists()
        user._shazhou_administers_any_town = cached
    return cached


def oversees_points_scope_of(user, other) -> bool:
    """Is every subtree where ``other`` may adjust points strictly inside ``user``'s?

    ``user`` is then above ``other`` (上级) in the points chain: the parent of each of
    ``other``'s outermost nodes is in ``user``'s scope.
    """
    if other is None:
        return False
    paths = organisations_in_scope(other, Action.ADJUST_POINTS).values_list("path", flat=True)
    tops = outermost(paths)
    step = Organisation.steplen
    if not tops or any(len(path) <= step for path in tops):
        return False  # no scope, or the root itself: nothing is strictly above it
    parents = Organisation.objects.filter(path__in={path[:-step] for path in tops})
    return all(can(user, Action.ADJUST_POINTS, parent) for parent in parents)


def people_visible_by_name(user, person: Person | None, person_ids: list[int]) -> set[int]:
    """Which of ``person_ids`` the viewer (``user``, whose record is ``person``) may see by
    full name: themselves and the people of their subtrees; everyone else reads masked."""
    visible = {person.pk} if person is not None else set()
    if not person_ids:
        return visible
    if is_superuser(user):
        return visible | set(person_ids)
    if not can_anywhere(user, Action.VIEW):
        return visible
    in_scope = people_in_scope(user, Action.VIEW).filter(pk__in=person_ids)
    return visible | set(in_scope.values_list("pk", flat=True))


# The audit log is read by those who manage people, roles or points: each reads the
# events of the organisations where they hold one of these (``selectors.audit_events_visible_to``).
AUDIT_READING_ACTIONS = (Action.MANAGE_PEOPLE, Action.MANAGE_ROLES, Action.ADJUST_POINTS)


def reads_audit_log(user) -> bool:
    """May ``user`` open the audit log at all (it shows only the events in their scope)?"""
    return any(can_anywhere(user, action) for action in AUDIT_READING_ACTIONS)


def reports_user_may_decide(user, queryset):
    """The 报到 (``CommunityReport``) rows ``user`` confirms or refuses: those to a
    community where they manage people."""
    q = scope_q(user, Action.MANAGE_PEOPLE, field="community__path")
    return queryset if q is None else queryset.filter(q)


def works_with_people(user) -> bool:
    """Does ``user`` look after people somewhere (edit them, give them roles, admit them)?
    They get the admin's 人员 pages, listing the people they may see."""
    return any(
        can_anywhere(user, action)
        for action in (Action.MANAGE_PEOPLE, Action.MANAGE_ROLES, Action.ADMIT)
    )


# --- 全镇概况 (the town and community dashboard) -------------------------------------

# The staff who manage the people of a town or a community see
# its figures — a town's administrator, a community's secretary or administrator. A grid's
# or a branch's staff manage people too, but only below a community: not theirs.
DASHBOARD_ACTION = Action.MANAGE_PEOPLE
DASHBOARD_KINDS = (Organisation.Kind.TOWN, Organisation.Kind.COMMUNITY)


def dashboard_organisations(user) -> QuerySet[Organisation]:
    """The towns and communities whose dashboard ``user`` may see, in tree order."""
    return (
        organisations_in_scope(user, DASHBOARD_ACTION)
        .filter(kind__in=DASHBOARD_KINDS)
        .order_by("path")
    )


def may_see_dashboard(user, organisation: Organisation | None = None) -> bool:
    """Of ``organisation``, or of any town or community when it is None."""
    if organisation is None:
        return can_anywhere(user, DASHBOARD_ACTION) and (dashboard_organisations(user).exists())
    return organisation.kind in DASHBOARD_KINDS and can(user, DASHBOARD_ACTION, organisation)


# Who writes news for which community. Town editors (this auth group, set up by
# ``cms.editorial``) write for the whole town; anyone else by the one rule.
TOWN_EDITORS = "镇编辑"


def is_town_editor(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.groups.filter(name=TOWN_EDITORS).exists())
    )


def may_write_news_for(user, community: Organisation | None) -> bool:
    """Town editors write for the whole town; anyone else only for a community where they
    write news, by the one rule (an editor's, leader's or secretary's role on it or above)."""
    if is_town_editor(user):
        return True
    return community is not None and can(user, Action.WRITE_NEWS, community)


def news_communities_for(user) -> QuerySet[Organisation]:
    """The communities ``user`` may write news for."""
    communities = Organisation.objects.filter(kind=Organisation.Kind.COMMUNITY)
    if is_town_editor(user):
        return communities
    return communities.filter(pk__in=organisations_in_scope(user, Action.WRITE_NEWS).values("pk"))


def in_audience(activity: Activity, person: Person) -> bool:
    """Is ``person`` among those ``activity`` is for (its 参加对象)?"""
    Audience = Activity.Audience
    if activity.audience == Audience.EVERYONE:
        return True
    if activity.audience == Audience.PARTY_MEMBERS:
        return person.is_party_member
    if activity.audience == Audience.TEAM:
        return (
            person.memberships.current().filter(organisation_id=activity.audience_team_id).exists()
        )
    # SUBTREE: the person belongs somewhere under the publishing organisation.
    root = activity.organisation.path
    return any(node.path.startswith(root) for node in organisations_of(person))


def audience_refusal_message(activity: Activity) -> str:
    """What someone outside ``activity``'s audience is told, at sign-up and at check-in."""
    Audience = Activity.Audience
    who = {
        Audience.SUBTREE: _("%(org)s的成员") % {"org": activity.organisation.name},
        Audience.PARTY_MEMBERS: _("党员"),
        Audience.TEAM: activity.audience_team.name if activity.audience_team else "",
    }.get(activity.audience, "")
    return _("本活动仅限%(who)s参加。") % {"who": who}


# --- 项目清单 (joint projects, issue 18) ---------------------------------------------


def may_name_chair(user, community: Organisation) -> bool:
    """Who names a community's 轮值主席 unit for a quarter: whoever manages needs on the
    community itself (its secretary and admins, and the town's above); a grid's staff
    hold it only on their grid."""
    return community.kind == Organisation.Kind.COMMUNITY and can(
        user, Action.MANAGE_NEEDS, community
    )


def chair_unit_ids_contacted_by(user) -> set[int]:
    """The units ``user`` acts for (``Action.REPRESENT_UNIT``: their current 单位联络人)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    return set(
        Membership.objects.current()
        .filter(person__user=user, role__in=roles_granting(Action.REPRESENT_UNIT))
        .values_list("organisation_id", flat=True)
    )


def may_claim_for_unit(user, unit: Organisation | None) -> bool:
    """单位认领: a current 单位联络人 of ``unit`` (or of a unit above it) claims a need or
    a project's post on the unit's behalf; ``unit`` must be an open unit."""
    return (
        unit is not None
        and unit.kind == Organisation.Kind.UNIT
        and not unit.is_closed
        and can(user, Action.REPRESENT_UNIT, unit)
    )


def units_represented_by(user) -> list[Organisation]:
    """The open units ``user`` may claim for (the pages' 以单位名义认领 buttons). No query
    when the user holds no contact role: their grants are read once per request anyway."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    paths = _grants(user)[Action.REPRESENT_UNIT]
    if not paths:
        return []
    units = Organisation.objects.filter(
        path__in=paths, kind=Organisation.Kind.UNIT, closed_on__isnull=True
    )
    return list(units.order_by("path"))


def may_manage_projects(user, community: Organisation, quarter: str) -> bool:
    """Create and manage ``community``'s projects of ``quarter``: the community's staff
    (``may_name_chair``), or a current contact of the unit chairing it that quarter —
    the chair's role is the quarter's, so last quarter's chair manages nothing now."""
    if may_name_chair(user, community):
        return True
    units = chair_unit_ids_contacted_by(user)
    return (
        bool(units)
        and RotatingChair.objects.filter(
            community=community, quarter=quarter, unit_id__in=units
        ).exists()
    )


def manages_projects_anywhere(user) -> bool:
    """Shows the admin's 项目清单: community staff somewhere, or a chair unit's contact."""
    if is_superuser(user):
        return True
    if (
        organisations_in_scope(user, Action.MANAGE_NEEDS)
        .filter(kind=Organisation.Kind.COMMUNITY)
        .exists()
    ):
        return True
    units = chair_unit_ids_contacted_by(user)
    return bool(units) and RotatingChair.objects.filter(unit_id__in=units).exists()


def project_scope_q(user) -> Q | None:
    """The projects ``user`` manages (None: all): in communities where they are staff, or
    of the community and quarter their unit chairs."""
    if is_superuser(user):
        return None
    staff = scope_q(user, Action.MANAGE_NEEDS, field="community__path")
    q = Q(pk__in=[]) if staff is None else staff
    # Community-level only: a grid's staff hold MANAGE_NEEDS on grid paths, which no
    # community path starts with, so the filter above leaves them out by itself.
    units = chair_unit_ids_contacted_by(user)
    for chair in RotatingChair.objects.filter(unit_id__in=units).values("community_id", "quarter"):
        q |= Q(community_id=chair["community_id"], quarter=chair["quarter"])
    return q


# --- 资源清单 (resources, issue 18) --------------------------------------------------


def keeps_resources_of(user, community: Organisation) -> bool:
    """Adds, edits and retires any provider's resources in ``community``: whoever manages
    needs on the community itself (its secretary and admins, the town's above). A grid's
    staff hold MANAGE_NEEDS only on their grid: they read the list, not keep it."""
    return community.kind == Organisation.Kind.COMMUNITY and can(
        user, Action.MANAGE_NEEDS, community
    )


def contacts_for(user, organisation: Organisation) -> bool:
    """Is ``user`` a current 单位联络人 of ``organisation`` or of a unit above it (a
    unit's department)? Whether the unit is 共建 with a community is not recorded yet:
    any unit's contact offers its resources to any community."""
    units = chair_unit_ids_contacted_by(user)
    return (
        bool(units)
        and Organisation.objects.filter(
            pk__in=units, path__in=paths_at_and_above(organisation.path)
        ).exists()
    )


def own_resource_communities(person: Person) -> QuerySet[Organisation]:
    """Where a person offers their own resources: the community of their home grid, and
    the one they reported to (在职党员报到)."""
    q = Q(pk=person.reported_community_id) if person.reported_community_id else Q(pk__in=[])
    if person.home_grid_id is not None:
        q |= Q(path__in=paths_at_and_above(person.home_grid.path))
    return Organisation.objects.filter(q, kind=Organisation.Kind.COMMUNITY)


def may_offer_resource(
    user,
    *,
    community: Organisation,
    organisation: Organisation | None = None,
    person: Person | None = None,
) -> bool:
    """May ``user`` add a resource of this provider to ``community``'s 资源清单? The
    community's staff for anyone; a unit's contact for the unit; a person for themselves,
    in their own communities."""
    if keeps_resources_of(user, community):
        return True
    if organisation is not None:
        return contacts_for(user, organisation)
    if person is not None and user is not None and user.is_authenticated:
        return (
            person.user_id == user.pk
            and own_resource_communities(person).filter(pk=community.pk).exists()
        )
    return False


def may_change_resource(user, resource) -> bool:
    """Edit or retire: as adding, except that a person keeps their own resources even
    after moving away (so they can retire them)."""
    if keeps_resources_of(user, resource.community):
        return True
    if resource.organisation is not None:
        return contacts_for(user, resource.organisation)
    return bool(user is not None and user.is_authenticated and resource.person.user_id == user.pk)


def reads_resources_anywhere(user) -> bool:
    """Shows the admin's 资源清单: whoever manages needs somewhere, or a unit's contact."""
    return can_anywhere(user, Action.MANAGE_NEEDS) or bool(chair_unit_ids_contacted_by(user))


def resource_admin_q(user) -> Q | None:
    """The resources ``user`` reads in the admin (None: all). Those of the communities
    where they manage needs — on the community, above it, or on one of its grids (a
    grid's staff look for help too) — and their units' own."""
    if is_superuser(user):
        return None
    q = Q(pk__in=[])
    granted = _grants(user)[Action.MANAGE_NEEDS]
    if granted:
        above = {path for node in granted for path in paths_at_and_above(node)}
        q |= Q(community__path__in=above)
        q |= reduce(or_, (Q(community__path__startswith=path) for path in granted))
    units = chair_unit_ids_contacted_by(user)
    if units:
        paths = Organisation.objects.filter(pk__in=units).values_list("path", flat=True)
        q |= reduce(or_, (Q(organisation__path__startswith=path) for path in paths), Q(pk__in=[]))
    return q
