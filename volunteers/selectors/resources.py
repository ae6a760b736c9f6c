"""资源清单's reads: a community's resources, the admin's list, a person's own, and the
resources a need's page suggests.

A resource fits a need when it is active, in the need's community, and either names the
need's category or holds one of the category's words (``category_terms``: its keywords
and its name) in its title or description — the same words that match people's skills.
"""

from functools import reduce
from operator import or_

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from volunteers import permissions
from volunteers.models import Need, Organisation, Person, Resource, User
from volunteers.selectors.needs_matching import category_terms

_RELATED = ("community", "organisation", "person", "category")


def filtered(
    resources: QuerySet[Resource],
    *,
    kind: str | None = None,
    category_id: int | None = None,
    search: str = "",
) -> QuerySet[Resource]:
    """``resources`` of a kind, a category, and holding ``search`` in a name or text."""
    if kind:
        resources = resources.filter(kind=kind)
    if category_id:
        resources = resources.filter(category_id=category_id)
    if search:
        resources = resources.filter(
            Q(title__icontains=search)
            | Q(description__icontains=search)
            | Q(organisation__name__icontains=search)
            | Q(person__real_name__icontains=search)
        )
    return resources


def community_resources(
    community: Organisation,
    *,
    kind: str | None = None,
    category_id: int | None = None,
    search: str = "",
    active_only: bool = True,
) -> QuerySet[Resource]:
    """``community``'s resources (the active ones unless told), filtered, newest first."""
    resources = Resource.objects.filter(community=community)
    if active_only:
        resources = resources.filter(active=True)
    resources = filtered(resources, kind=kind, category_id=category_id, search=search)
    return resources.select_related(*_RELATED).order_by("-created_at", "-id")


def resources_in_scope(user: User | AnonymousUser | None) -> QuerySet[Resource]:
    """The resources ``user`` reads in the admin (``permissions.resource_admin_q``)."""
    q = permissions.resource_admin_q(user)
    resources = Resource.objects.all() if q is None else Resource.objects.filter(q)
    return resources.select_related(*_RELATED)


def person_resources(person: Person) -> QuerySet[Resource]:
    """What ``person`` offers: the active first, then the newest."""
    return (
        Resource.objects.filter(person=person)
        .select_related("community", "category")
        .order_by("-active", "-created_at", "-id")
    )


def _holds(term: str) -> Q:
    # icontains: case-insensitive for Latin words, and Django escapes % and _.
    return Q(title__icontains=term) | Q(description__icontains=term)


def suggested_resources(need: Need) -> QuerySet[Resource]:
    """Active resources of the need's community that fit it: one query, unbounded.

    Those that name the need's category come first, then the newest.
    """
    fits = Q(category_id=need.category_id)
    terms = category_terms(need.category)
    if terms:
        fits |= reduce(or_, (_holds(term) for term in terms))
    return (
        Resource.objects.filter(fits, community_id=need.community_id, active=True)
        .annotate(
            category_first=Case(
                When(category_id=need.category_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("organisation", "person", "category")
        .order_by("category_first", "-created_at", "-id")
    )


def resource_suggestions(need: Need, *, limit: int = 10) -> list[Resource]:
    """Up to ``limit`` resources for ``need``'s page. ``need`` should come with its
    ``category`` (select_related), or reading it costs a query."""
    return list(suggested_resources(need)[:limit])
