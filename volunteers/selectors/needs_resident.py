"""Reads of the resident's own side of the 需求清单: the grids they may submit for, and
我的微心愿 (their needs, each with its live claims and claimants).

The resident sees their claimants' names and phones whole: once a party member has
claimed, the two must talk to arrange the visit. What the public sees of the same need
is ``selectors.needs``' business, not this module's.
"""

from django.db.models import Prefetch, QuerySet

from volunteers.models import Claim, Need, Organisation, Person

# Enough for anyone's history (three submissions a day at most); older needs page on.
MY_NEEDS_PER_PAGE = 20


def community_grids(community: Organisation) -> QuerySet[Organisation]:
    """The open grids of ``community``, in tree order: what a resident may submit for
    (``need_submit`` refuses other communities; a grid closed since is not offered)."""
    return Organisation.objects.filter(
        kind=Organisation.Kind.GRID, closed_on__isnull=True, path__startswith=community.path
    ).order_by("path")


def resident_needs(person: Person) -> QuerySet[Need]:
    """The needs the person is the resident of, newest first, with their live claims
    (``need.live_claims``, oldest first, claimant loaded): three queries for a page."""
    live = (
        Claim.objects.filter(status__in=Claim.LIVE_STATUSES)
        .select_related("person", "unit")
        .order_by("claimed_at", "id")
    )
    return (
        Need.objects.filter(resident=person)
        .select_related("category", "grid")
        .prefetch_related(Prefetch("claims", queryset=live, to_attr="live_claims"))
        .order_by("-created_at", "-id")
    )
