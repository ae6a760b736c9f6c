"""Reads of the 项目清单: the public list of a quarter's projects, one project's page, and
the admin's list of the projects a user manages.

The public sees projects under way or done (进行中, 已完成); a draft (筹备中) or a
cancelled one is the staff's alone. A few queries whatever the number of projects: the
posts, partner units and campaigns come prefetched, the chairs in one query.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from volunteers import permissions
from volunteers.models import (
    Activity,
    Claim,
    Organisation,
    Person,
    Project,
    ProjectPost,
    RotatingChair,
    User,
)

Status = Project.Status
PUBLIC_STATUSES = (Status.OPEN, Status.DONE)


@dataclass
class CommunityProjects:
    """One community's projects of the quarter, with the unit chairing it."""

    community: Organisation
    chair: Organisation | None
    projects: list[Project] = field(default_factory=list)


def _with_parts(projects: QuerySet[Project]) -> QuerySet[Project]:
    return projects.select_related("community", "lead_unit", "campaign").prefetch_related(
        Prefetch("posts", queryset=ProjectPost.objects.order_by("deadline", "id")),
        Prefetch("partner_units", queryset=Organisation.objects.only("pk", "name")),
    )


def chairs_of(quarter: str, communities: list[Organisation]) -> dict[int, Organisation]:
    """Community id → the unit chairing it in ``quarter``: one query."""
    rows = RotatingChair.objects.filter(quarter=quarter, community__in=communities).select_related(
        "unit"
    )
    return {row.community_id: row.unit for row in rows}


def public_projects(
    quarter: str, community: Organisation | None, communities: list[Organisation]
) -> list[CommunityProjects]:
    """The quarter's public projects grouped by community (those with a project or a chair)."""
    projects = Project.objects.filter(quarter=quarter, status__in=PUBLIC_STATUSES)
    shown = communities if community is None else [community]
    projects = projects.filter(community__in=shown).order_by("community__path", "id")
    chairs = chairs_of(quarter, shown)
    groups = {c.pk: CommunityProjects(community=c, chair=chairs.get(c.pk)) for c in shown}
    for project in _with_parts(projects):
        groups[project.community_id].projects.append(project)
    return [g for g in groups.values() if g.projects or g.chair is not None]


def public_project(pk: int) -> Project | None:
    return _with_parts(Project.objects.filter(pk=pk, status__in=PUBLIC_STATUSES)).first()


def project_activities(project: Project) -> QuerySet[Activity]:
    """The project's published activities, soonest first."""
    return (
        Activity.objects.published()
        .filter(project=project)
        .select_related("organisation")
        .order_by("starts_at", "id")
    )


def my_post_claims(person: Person | None, project: Project) -> dict[int, Claim]:
    """Post id → ``person``'s own live claim on a post of ``project`` (not one they made
    for a unit: that is the unit's, ``selectors.claims.units_holding_posts``)."""
    if person is None:
        return {}
    claims = Claim.objects.filter(
        person=person, post__project=project, status__in=Claim.LIVE_STATUSES, unit__isnull=True
    )
    return {claim.post_id: claim for claim in claims if claim.post_id is not None}


def projects_managed_by(user: User) -> QuerySet[Project]:
    """The projects ``user`` manages (``permissions.project_scope_q``)."""
    q = permissions.project_scope_q(user)
    projects = Project.objects.all() if q is None else Project.objects.filter(q)
    return projects.select_related("community", "lead_unit", "campaign")
