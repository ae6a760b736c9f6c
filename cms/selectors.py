"""Reads the publicity site shares: live figures, activity lists, teams and their numbers.

Everything here reads the database the volunteers app writes (verified check-ins,
published activities, the organisation tree); nothing is typed in by an editor.
Each function costs a fixed number of queries whatever the size of the town, so
the home page stays cheap when it is rendered without the page cache.
"""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.core.cache import cache
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.masking import mask_name
from points.models import RankingSnapshot, RankingSnapshotRow
from points.periods import period_label
from volunteers import selectors as volunteer_selectors
from volunteers.models import (
    Activity,
    ActivityCategory,
    Attendance,
    Membership,
    Organisation,
    Person,
)

Kind = Organisation.Kind
STEPLEN = Organisation.steplen
STATS_SECONDS = 300  # live figures may lag a check-in by at most five minutes


# --- Town statistics -----------------------------------------------------------------------


@dataclass(frozen=True)
class TownStatistics:
    volunteers: int
    party_members: int
    hours_this_year: int
    activities_this_month: int
    year: int
    month: int


def _start_of_year(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _start_of_month(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(start: datetime.datetime) -> datetime.datetime:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month)


def served_minutes(queryset: QuerySet[Attendance]) -> QuerySet[Attendance]:
    """Attendances that count as service: not withdrawn, with minutes recorded.

    POINTS HOOK: once ``points`` credits service (``ServiceRecord``, approved minutes),
    the public figures should read those instead of raw attendance minutes.
    """
    return queryset.filter(removed_at__isnull=True, minutes_served__isnull=False)


def _scalar(queryset: QuerySet, aggregate) -> Subquery:
    """``aggregate`` over the whole queryset, as a subquery returning one value."""
    grouped = queryset.order_by().annotate(_one=Value(1)).values("_one")
    return Subquery(grouped.annotate(value=aggregate).values("value"))


def town_statistics(*, now: datetime.datetime | None = None) -> TownStatistics:
    """Volunteers, party members, hours served this year, activities this month (1 query)."""
    now = now or timezone.now()
    year_start = _start_of_year(now)
    month_start = _start_of_month(now)
    key = f"cms:stats:town:{month_start:%Y-%m}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    # One query: the two sums come in as scalar subqueries beside the people counts.
    minutes = _scalar(
        served_minutes(Attendance.objects.filter(checked_in_at__gte=year_start)),
        Sum("minutes_served"),
    )
    activities = _scalar(
        Activity.objects.published().filter(
            starts_at__gte=month_start, starts_at__lt=_next_month(month_start)
        ),
        Count("id"),
    )
    row = Person.objects.aggregate(
        total=Count("id"),
        party=Count("id", filter=Q(political_status__in=Person.PARTY_STATUSES)),
        minutes=Max(minutes),
        activities=Max(activities),
    )
    stats = TownStatistics(
        volunteers=row["total"] or 0,
        party_members=row["party"] or 0,
        hours_this_year=round((row["minutes"] or 0) / 60),
        activities_this_month=row["activities"] or 0,
        year=year_start.year,
        month=month_start.month,
    )
    cache.set(key, stats, STATS_SECONDS)
    return stats


# --- Activities ----------------------------------------------------------------------------


def decorate_activities(activities) -> list[Activity]:
    """Add the time span and places left each card shows (no queries: counts are annotated)."""
    activities = list(activities)
    for activity in activities:
        activity.time_span = volunteer_selectors.activity_time_span(activity)
        activity.places_left = volunteer_selectors.places_left(activity)
    return activities


def upcoming_activities(
    *,
    limit: int = 4,
    community_code: str = "",
    category_name: str = "",
    now: datetime.datetime | None = None,
) -> list[Activity]:
    """The next published activities, soonest first, optionally for one community or category."""
    community = category = None
    if community_code:
        community = Organisation.objects.filter(code=community_code).first()
        if community is None:
            return []
    if category_name:
        category = ActivityCategory.objects.filter(name=category_name).first()
        if category is None:
            return []
    queryset = volunteer_selectors.activities_published(
        when=volunteer_selectors.UPCOMING, community=community, category=category, now=now
    )
    return decorate_activities(queryset[: max(1, min(limit, 24))])


def recent_activities(
    organisation: Organisation, *, limit: int = 5, now: datetime.datetime | None = None
) -> list[Activity]:
    """Finished activities of a subtree, latest first, with headcount and hours served."""
    now = now or timezone.now()
    served = Q(attendances__removed_at__isnull=True, attendances__minutes_served__isnull=False)
    queryset = (
        Activity.objects.published()
        .filter(organisation__path__startswith=organisation.path, ends_at__lt=now)
        .select_related("organisation", "category")
        .annotate(
            headcount=Count("attendances", filter=served),
            minutes=Sum("attendances__minutes_served", filter=served),
        )
        .order_by("-starts_at", "-id")[:limit]
    )
    activities = list(queryset)
    for activity in activities:
        activity.time_span = volunteer_selectors.activity_time_span(activity)
        activity.hours = round((activity.minutes or 0) / 60, 1)
    return activities


# --- Teams ---------------------------------------------------------------------------------


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


def detachments() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Kind.DETACHMENT).order_by("path")


def community_choices() -> list[tuple[str, str]]:
    return list(
        Organisation.objects.filter(kind=Kind.COMMUNITY)
        .order_by("path")
        .values_list("code", "name")
    )


def ranking_scope_choices() -> list[tuple[str, str]]:
    """The nodes a public ranking can be drawn for: the town, its communities and squads."""
    kinds = (Kind.TOWN, Kind.COMMUNITY, Kind.DETACHMENT, Kind.SQUAD)
    return list(
        Organisation.objects.filter(kind__in=kinds).order_by("path").values_list("code", "name")
    )


def category_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in ActivityCategory.objects.values_list("name", flat=True)]


# --- Rankings (光荣榜) -----------------------------------------------------------------------
#
# The honour roll and the leaderboard block show published, frozen ranking snapshots
# (``points.models.RankingSnapshot``, written on the 1st of each month by
# ``points.services.publication``). They render ``Board`` only. Names are masked here
# according to the site setting, never in the template.


@dataclass(frozen=True)
class RankRow:
    rank: int
    name: str
    organisation: str
    value: int
    unit: str  # "分" or "小时"


@dataclass(frozen=True)
class Board:
    title: str
    scope: str
    period_label: str
    measure_label: str
    published_at: datetime.datetime | None
    notice_until: datetime.date | None = None  # the last day of 公示, while it runs
    rows: list[RankRow] = field(default_factory=list)
    snapshot_id: int | None = None  # the published snapshot, for its page and objections


BOARD_TITLES = {
    ("volunteers", "points"): _("志愿者积分榜"),
    ("volunteers", "minutes"): _("志愿服务时长榜"),
    ("party_members", "points"): _("党员积分榜"),
    ("party_members", "minutes"): _("党员服务时长榜"),
}
BOARD_ORDER = [("volunteers", "points"), ("volunteers", "minutes")]
BOARD_ORDER += [("party_members", "points"), ("party_members", "minutes")]


def published_boards(
    *,
    scope_code: str = "",
    population: str = "",
    period: str = "",
    measure: str = "",
    limit: int = 10,
    names: str = "masked",
) -> list[Board]:
    """The newest published month's rankings of one scope (default: the town); 1 query.

    ``period`` is a period kind: only months are published, so any other kind has no
    boards. Empty ``population`` or ``measure`` means every one. Snapshots with nobody
    on them are left out.
    """
    if period not in ("", "month"):
        return []
    matching = RankingSnapshot.objects.filter(people__gt=0)
    if scope_code:
        matching = matching.filter(organisation__code=scope_code)
    else:
        matching = matching.filter(organisation__kind=Kind.TOWN, organisation__depth=1)
    if population:
        matching = matching.filter(population=population)
    if measure:
        matching = matching.filter(measure=measure)
    newest = matching.order_by("-period").values("period")[:1]
    limit = max(1, min(limit, 100))
    # One query: the top rows of the newest month's snapshots, each with its snapshot.
    rows = (
        RankingSnapshotRow.objects.filter(
            snapshot__in=matching.filter(period=Subquery(newest)), place__lte=limit
        )
        .select_related("snapshot")
        .order_by("snapshot_id", "place", "person_id")
    )
    snapshots: dict[int, object] = {}
    rows_by_snapshot: dict[int, list] = {}
    for row in rows:
        snapshots.setdefault(row.snapshot_id, row.snapshot)
        kept = rows_by_snapshot.setdefault(row.snapshot_id, [])
        if len(kept) < limit:
            kept.append(row)
    newest_snapshots = sorted(
        snapshots.values(), key=lambda s: BOARD_ORDER.index((s.population, s.measure))
    )
    now = timezone.now()
    boards = []
    for snapshot in newest_snapshots:
        open_until = None
        if snapshot.notice_open(now):
            open_until = timezone.localtime(
                snapshot.notice_until - datetime.timedelta(microseconds=1)
            ).date()
        boards.append(
            Board(
                title=str(BOARD_TITLES[(snapshot.population, snapshot.measure)]),
                scope=snapshot.scope_name,
                period_label=period_label(snapshot.period),
                measure_label=snapshot.get_measure_display(),
                published_at=snapshot.published_at,
                notice_until=open_until,
                rows=[
                    RankRow(
                        rank=row.place,
                        name=row.display_name if names == "full" else mask_name(row.display_name),
                        organisation=row.organisation_name,
                        value=snapshot.shown_value(row.value),
                        unit=snapshot.unit,
                    )
                    for row in rows_by_snapshot[snapshot.pk]
                ],
                snapshot_id=snapshot.pk,
            )
        )
    return boards
