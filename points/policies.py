"""Who may do what to points objects: back-fills, objections, a community's shop.

Every answer is built on the one rule, ``volunteers.permissions.can`` (a role on an
organisation covers its subtree while it is current); services, views and the
Wagtail admin ask here and never grow a second idea of who may do what.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from points.models import Objection, RankingSnapshot, RankingSnapshotRow, ServiceRecord
from points.scopes import person_scopes
from volunteers import permissions
from volunteers.models import Organisation, Person, User

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
    if permissions.administers_town_of(user, record.activity.organisation):
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
