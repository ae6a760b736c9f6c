"""Which organisation nodes and populations a person ranks under.

A person ranks under every node at or above their home grid, party branch,
employer unit, reported community (在职党员报到) and the organisation of each
open membership (end date not set) — the nodes ``permissions.people_in_scope``
reaches them through, restricted to current ties so the answer does not change
with the passage of time, only with a save. Everyone is in the ``volunteers``
population; party members (including probationary ones) are also in
``party_members``.
"""

from collections.abc import Iterable

from django.db.models import Q

from points.models import Population
from volunteers.models import Membership, Organisation, Person

STEPLEN = Organisation.steplen

PERSON_LINK_FIELDS = ("home_grid", "party_branch", "employer_unit", "reported_community")
# Person fields whose change moves the person to other scopes or populations.
SCOPE_FIELDS = frozenset({*PERSON_LINK_FIELDS, "political_status"})


def ancestor_paths(paths: Iterable[str]) -> set[str]:
    """Every node at or above each path, as paths (treebeard's fixed-width steps)."""
    found: set[str] = set()
    for path in paths:
        for end in range(STEPLEN, len(path) + 1, STEPLEN):
            found.add(path[:end])
    return found


def populations_for(political_status: str) -> tuple[str, ...]:
    if political_status in Person.PARTY_STATUSES:
        return (Population.VOLUNTEERS, Population.PARTY_MEMBERS)
    return (Population.VOLUNTEERS,)


def scope_pairs(
    linked_paths: Iterable[str], political_status: str, ids_by_path: dict[str, int]
) -> list[tuple[int, str]]:
    """The (organisation id, population) pairs for a person linked to ``linked_paths``."""
    org_ids = {ids_by_path[p] for p in ancestor_paths(linked_paths) if p in ids_by_path}
    populations = populations_for(political_status)
    return sorted((org_id, population) for org_id in org_ids for population in populations)


def person_scopes(person_id: int) -> list[tuple[int, str]]:
    """(organisation id, population) pairs the person's totals are copied to, sorted."""
    row = (
        Person.objects.filter(pk=person_id)
        .values("political_status", *(f"{f}_id" for f in PERSON_LINK_FIELDS))
        .get()
    )
    linked = [row[f"{f}_id"] for f in PERSON_LINK_FIELDS if row[f"{f}_id"] is not None]
    paths = set(
        Organisation.objects.filter(
            Q(pk__in=linked)
            | Q(
                pk__in=Membership.objects.current()
                .filter(person_id=person_id)
                .values("organisation")
            )
        ).values_list("path", flat=True)
    )
    wanted = ancestor_paths(paths)
    ids_by_path = (
        dict(Organisation.objects.filter(path__in=wanted).values_list("path", "pk"))
        if wanted
        else {}
    )
    return scope_pairs(paths, row["political_status"], ids_by_path)


def scopes_for_people(person_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """``person_scopes`` for many people at once (four queries whatever their number)."""
    person_ids = sorted(set(person_ids))
    if not person_ids:
        return {}
    ids_by_path = dict(Organisation.objects.values_list("path", "pk"))
    path_by_id = {pk: path for path, pk in ids_by_path.items()}
    linked: dict[int, set[int]] = {pid: set() for pid in person_ids}
    status: dict[int, str] = {}
    for start in range(0, len(person_ids), 10_000):
        chunk = person_ids[start : start + 10_000]
        rows = Person.objects.filter(pk__in=chunk).values_list(
            "pk", "political_status", *(f"{f}_id" for f in PERSON_LINK_FIELDS)
        )
        for pk, political_status, *links in rows:
            status[pk] = political_status
            linked[pk].update(org for org in links if org is not None)
        memberships = (
            Membership.objects.current()
            .filter(person_id__in=chunk)
            .values_list("person_id", "organisation_id")
        )
        for pid, org in memberships:
            linked[pid].add(org)
    return {
        pid: scope_pairs(
            [path_by_id[org] for org in orgs if org in path_by_id], status[pid], ids_by_path
        )
        for pid, orgs in linked.items()
        if pid in status
    }


def people_linked_under(path: str) -> set[int]:
    """Everyone whose scopes pass through the subtree at ``path``: linked to a node in it
    by one of ``PERSON_LINK_FIELDS`` or by a current membership."""
    linked = Q()
    for field in PERSON_LINK_FIELDS:
        linked |= Q(**{f"{field}__path__startswith": path})
    people = set(Person.objects.filter(linked).values_list("pk", flat=True))
    people.update(
        Membership.objects.current()
        .filter(organisation__path__startswith=path)
        .values_list("person_id", flat=True)
    )
    return people
