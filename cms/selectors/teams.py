"""Teams and their numbers: members and hours of an organisation and of its children."""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Substr
from django.utils import timezone

from cms.selectors.statistics import served_minutes
from volunteers.models import (
    Activity,
    Attendance,
    Membership,
    Organisation,
)

Kind = Organisation.Kind
STEPLEN = Organisation.steplen


@dataclass
class OrganisationFigures:
    """One squad or team as the public sees it: how many serve, and how much."""

    organisation: Organisation
    members: int = 0
    minutes: int = 0
    activities: int = 0
    url: str = ""  # its TeamPage, when an editor has made one
    children: int = 0

    @property
    def hours(self) -> int:
        return round(self.minutes / 60)

    @property
    def name(self) -> str:
        return self.organisation.name


def _figures_by_prefix(
    parent_path: str, prefix_length: int, *, activities: bool = True
) -> dict[str, dict[str, int]]:
    """Members, minutes (and activities) per subtree of depth ``prefix_length`` (1 query).

    The grouped counts of each table come back together as one UNION ALL, each row
    tagged with what it counts, so a page showing team figures pays one round trip.
    """
    today = timezone.localdate()
    members = (
        Membership.objects.current(on=today)
        .filter(organisation__path__startswith=parent_path)
        .annotate(prefix=Substr("organisation__path", 1, prefix_length))
        .order_by()
        .values("prefix")
        .annotate(n=Count("person", distinct=True), what=Value("members"))
        .values_list("what", "prefix", "n")
    )
    minutes = (
        served_minutes(Attendance.objects.filter(activity__live=True))
        .filter(activity__organisation__path__startswith=parent_path)
        .annotate(prefix=Substr("activity__organisation__path", 1, prefix_length))
        .order_by()
        .values("prefix")
        .annotate(n=Sum("minutes_served"), what=Value("minutes"))
        .values_list("what", "prefix", "n")
    )
    parts = [minutes]
    if activities:
        parts.append(
            Activity.objects.published()
            .filter(organisation__path__startswith=parent_path)
            .annotate(prefix=Substr("organisation__path", 1, prefix_length))
            .order_by()
            .values("prefix")
            .annotate(n=Count("id"), what=Value("activities"))
            .values_list("what", "prefix", "n")
        )
    figures: dict[str, dict[str, int]] = {}
    for what, path, value in members.union(*parts, all=True):
        figures.setdefault(path, {})[what] = value or 0
    return figures


def organisation_figures(organisation: Organisation) -> OrganisationFigures:
    """The figures of one squad or team, its whole subtree included (3 queries)."""
    found = _figures_by_prefix(organisation.path, len(organisation.path)).get(organisation.path, {})
    return OrganisationFigures(
        organisation=organisation,
        members=found.get("members", 0),
        minutes=found.get("minutes", 0),
        activities=found.get("activities", 0),
        children=organisation.numchild,
    )


def children_figures(
    parent: Organisation, *, urls: dict[int, str] | None = None
) -> list[OrganisationFigures]:
    """Each child of ``parent`` (squads of a detachment, teams of a squad) with its figures."""
    children = list(parent.get_children().order_by("path"))
    if not children:
        return []
    figures = _figures_by_prefix(parent.path, len(parent.path) + STEPLEN)
    urls = urls or {}
    return [
        OrganisationFigures(
            organisation=child,
            members=figures.get(child.path, {}).get("members", 0),
            minutes=figures.get(child.path, {}).get("minutes", 0),
            activities=figures.get(child.path, {}).get("activities", 0),
            url=urls.get(child.pk, ""),
            children=child.numchild,
        )
        for child in children
    ]


def squads_figures(*, site_root_path: str = "") -> list[OrganisationFigures]:
    """Every squad with its members, hours and page, for the home page's cards (3 queries).

    Squads sit at one depth under the detachment, so their figures come from one
    grouped query per table, whatever the number of squads and teams; the URL of each
    squad's page comes along with the squads as a subquery.
    """
    # The page model by its label, as foreign keys name models: the page models use
    # these selectors, so importing them here would close a circle.
    TeamPage = apps.get_model("cms", "TeamPage")
    pages = TeamPage.objects.live().filter(organisation=OuterRef("pk")).order_by("path")
    squads = list(
        Organisation.objects.filter(kind=Kind.SQUAD)
        .annotate(page_url_path=Subquery(pages.values("url_path")[:1]))
        .order_by("path")
    )
    if not squads:
        return []
    figures: dict[str, dict[str, int]] = {}
    for parent_path in sorted({squad.path[:-STEPLEN] for squad in squads}):
        figures.update(
            _figures_by_prefix(parent_path, len(parent_path) + STEPLEN, activities=False)
        )
    return [
        OrganisationFigures(
            organisation=squad,
            members=figures.get(squad.path, {}).get("members", 0),
            minutes=figures.get(squad.path, {}).get("minutes", 0),
            url=relative_page_url(squad.page_url_path, site_root_path),
            children=squad.numchild,
        )
        for squad in squads
    ]


def relative_page_url(url_path: str | None, site_root_path: str) -> str:
    """/home/duiwu/liyuan/ under the root /home/ → /duiwu/liyuan/ ("" when not under it)."""
    if not url_path or not site_root_path or not url_path.startswith(site_root_path):
        return ""
    return "/" + url_path[len(site_root_path) :]
