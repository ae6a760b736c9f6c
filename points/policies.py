"""Who may do what to points objects: back-fills, objections, a community's shop, the
delivered 双报到反馈.

Every answer is built on the one rule, ``volunteers.permissions.can`` (a role on an
organisation covers its subtree while it is current); services, views and the
Wagtail admin ask here and never grow a second idea of who may do what.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from points.models import Objection, RankingSnapshot, RankingSnapshotRow, ServiceRecord
from points.scopes import person_scopes
from volunteers import permissions
from volunteers.models import Membership, Organisation, Person, User

Action = permissions.Action
AnyUser = User | AnonymousUser | None  # whoever is asking, logged in or not

# Who runs a community's shop (爱心超市): the people who may adjust points there
# (secretary, admin).
SHOP_ACTION = Action.ADJUST_POINTS


def may_run_shop(user: AnyUser, community: Organisation) -> bool:
    return permissions.can(user, SHOP_ACTION, community)


def may_decide_backfill(user: AnyUser, record: ServiceRecord) -> bool:
    """A back-fill (补录) is decided by the town's administrator, or by someone above
    whoever entered it in the points chain who may adjust the person's points; never
    by the one who entered it."""
    if user is None or not user.is_authenticated or user.pk == record.entered_by_id:
        return False
    # Only back-fills are decided, and they name their activity; a claim's record has none.
    if record.activity is not None and permissions.administers_town_of(
        user, record.activity.organisation
    ):
        return True
    return permissions.can(
        user, Action.ADJUST_POINTS, record.person
    ) and permissions.oversees_points_scope_of(user, record.entered_by)


def may_object_to(person: Person, snapshot: RankingSnapshot) -> bool:
    """Does ``person`` appear in the snapshot, or rank in its scope and population?"""
    if RankingSnapshotRow.objects.filter(snapshot=snapshot, person=person).exists():
        return True
    return (snapshot.organisation_id, snapshot.population) in set(person_scopes(person.pk))


def may_answer_objection(user: AnyUser, objection: Objection) -> bool:
    """A secretary (or admin) whose scope covers the person who objected answers it."""
    return permissions.can(user, Action.ADJUST_POINTS, objection.person)


def objections_user_may_answer(user: AnyUser, queryset: QuerySet[Objection]) -> QuerySet[Objection]:
    """``queryset`` narrowed to the objections ``user`` may answer, as one subquery."""
    if permissions.is_superuser(user):
        return queryset
    people = permissions.people_in_scope(user, Action.ADJUST_POINTS).values("pk")
    return queryset.filter(person_id__in=people)


# --- 双报到反馈 (the quarterly feedback to employer units) -------------------------------


def contact_unit_ids(user: AnyUser) -> frozenset[int]:
    """The employer units where ``user`` is a current unit contact (单位联络人); cached on
    the user like the grants of the one rule."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached: frozenset[int] | None = getattr(user, "_shazhou_contact_units", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.current()
            .filter(person__user=user, role=Membership.Role.CONTACT)
            .values_list("organisation_id", flat=True)
        )
        user._shazhou_contact_units = cached  # type: ignore[attr-defined]
    return cached


def may_download_dual_report(user: AnyUser, unit: Organisation) -> bool:
    """A unit's delivered 双报到反馈 is for its contacts and for whoever manages the unit's
    people (its party secretary, the town): those who may open the report itself."""
    return unit.pk in contact_unit_ids(user) or permissions.can(user, Action.MANAGE_PEOPLE, unit)


def may_see_dual_report_deliveries(user: AnyUser) -> bool:
    """The list of deliveries is for staff who manage people somewhere and for contacts."""
    return permissions.can_anywhere(user, Action.MANAGE_PEOPLE) or bool(contact_unit_ids(user))


def dual_report_units_visible_to(user: AnyUser) -> QuerySet[Organisation]:
    """The employer units whose deliveries ``user`` sees: those they are a contact of,
    those in their MANAGE_PEOPLE scope, and those with in-service party members who
    reported to a community in it (a community secretary sees who was told about her
    community's 报到 members)."""
    units = Organisation.objects.filter(kind=Organisation.Kind.UNIT)
    if permissions.is_superuser(user):
        return units
    seen = Q(pk__in=contact_unit_ids(user))
    managed = permissions.scope_q(user, Action.MANAGE_PEOPLE)
    if managed is not None and permissions.can_anywhere(user, Action.MANAGE_PEOPLE):
        reported = permissions.scope_q(user, Action.MANAGE_PEOPLE, field="reported_community__path")
        serving = Person.objects.filter(
            reported, in_service=True, employer_unit__path__startswith=OuterRef("path")
        )
        seen |= managed | Q(Exists(serving))
    return units.filter(seen)
