"""Matching (三单一卡): the people whose skills or service interests fit a need's category.

A category names its matching words (``NeedCategory.keywords``, space-separated, edited in
the admin); a person fits when their 技能特长 or 服务意向 holds any of them, or the
category's own name. Only people of the need's community are suggested: those who live
there (home grid under it) and the in-service party members who reported (报到) to it.
Party members come first, since they are the ones who claim (双项认领); then whoever
matches more of the words.

The staff's page lists ``need_suggestions`` (opting out of notifications does not hide
anyone from the staff, who may still phone them); the matching job tells those of them who
have an account and did not opt out (``volunteers.services.needs_matching``).
"""

from functools import reduce
from operator import add, or_

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from volunteers.models import Claim, Need, NeedCategory, Person


def category_terms(category: NeedCategory) -> list[str]:
    """The words a category matches on: its keywords and its name, each once, in order."""
    terms = [*category.keywords.split(), category.name.strip()]
    return list(dict.fromkeys(term for term in terms if term))


def _fits(term: str) -> Q:
    # icontains: case-insensitive for Latin words ("CPR", "ps"), and Django escapes % and _.
    return Q(skills__icontains=term) | Q(service_interests__icontains=term)


def suggested_people(need: Need) -> QuerySet[Person]:
    """Everyone who fits ``need``, best first, as one query (unbounded: slice it).

    Leaves out the resident the need is for and anyone already holding a live claim on it.
    """
    terms = category_terms(need.category)
    if not terms:
        return Person.objects.none()
    community = need.community
    # Home grid by path (the tree's materialised path: one indexed prefix match), or
    # reported here; reported_community is only ever set on in-service party members.
    in_community = Q(home_grid__path__startswith=community.path) | Q(
        reported_community_id=community.pk
    )
    claimed = Claim.objects.filter(
        need_id=need.pk, person_id=OuterRef("pk"), status__in=Claim.LIVE_STATUSES
    )
    queryset = (
        Person.objects.filter(in_community)
        .filter(reduce(or_, (_fits(term) for term in terms)))
        .exclude(Exists(claimed))
        .annotate(
            party_first=Case(
                When(political_status__in=Person.PARTY_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            # How many of the words fit: one CASE per word, summed in the same query.
            match_count=reduce(
                add,
                (Case(When(_fits(term), then=Value(1)), default=Value(0)) for term in terms),
            ),
        )
        .select_related("user", "home_grid")
        .order_by("party_first", "-match_count", "pk")
    )
    if need.resident_id is not None:
        queryset = queryset.exclude(pk=need.resident_id)
    return queryset


def need_suggestions(need: Need, *, limit: int = 10) -> list[Person]:
    """Up to ``limit`` people whose skills or interests fit ``need``: one query.

    ``need`` should come with its ``category`` and ``community`` (select_related), or
    reading them costs a query each.
    """
    return list(suggested_people(need)[:limit])


def matched_terms(person: Person, category: NeedCategory) -> list[str]:
    """Which of the category's words the person's skills or interests hold (for the
    staff's page to say why someone is suggested); no query."""
    text = f"{person.skills} {person.service_interests}".casefold()
    return [term for term in category_terms(category) if term.casefold() in text]
