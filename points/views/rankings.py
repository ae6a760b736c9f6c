"""我的积分 and the ranking page (排行榜): thin views over ``points.selectors.rankings``.

Both are for people who have logged in: "我的积分" is the person's own ledger,
and the ranking page shows full names of people the viewer may see under the one
permission rule (``permissions.people_visible_by_name``); everyone else reads as on
every public list (``core.masking.public_name`` and the site's setting: 李*芬 by
default). The ranking page's switches are plain GET links, so a junk query string
falls back to the defaults with a notice — a 200, never a 500.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from core.masking import public_name, public_names
from points.models import Measure, PersonTotal, PointsEntry, Population
from points.periods import ALL_TIME, PeriodKind, period_key, period_label
from points.ranking_choices import (
    MEASURE_CHOICES,
    PERIOD_CHOICES,
    PERSON_HOME,
    POPULATION_CHOICES,
    TAB_CHOICES,
    show_value,
)
from points.scopes import ancestor_paths
from points.selectors.explain import duration_text, entry_explanation
from points.selectors.rankings import (
    TOP,
    ranking_place,
    ranking_places,
    ranking_scope_options,
    ranking_top,
    team_ranking,
)
from points.stars import star_progress
from volunteers import permissions
from volunteers.models import Organisation
from volunteers.selectors import person_for_user

Kind = Organisation.Kind
HISTORY_PAGE = 20
# --- 我的积分 -----------------------------------------------------------------------------


@dataclass
class PlaceRow:
    organisation: Organisation
    month: object  # rankings.Place
    year: object


@never_cache  # personal data: not for a shared phone's back button or a proxy
@login_required
def my_points(request):
    """The person's balance, period totals, star level, places and explained history."""
    person = person_for_user(request.user, *PERSON_HOME)
    if person is None:
        return render(request, "points/my_points.html", {"person": None})
    keys = {kind: period_key(kind) for kind in PeriodKind.values}
    stored = {
        row.period: row
        for row in PersonTotal.objects.filter(person=person, period__in=list(keys.values()))
    }
    totals = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR, PeriodKind.ALL):
        row = stored.get(keys[kind])
        points, minutes = (row.points, row.minutes) if row else (0, 0)
        totals.append(
            {
                "label": PERIOD_CHOICES[kind],
                "period": period_label(keys[kind]),
                "points": points,
                "hours": show_value(minutes, Measure.MINUTES),
            }
        )
    all_time = stored.get(ALL_TIME)
    balance = all_time.balance if all_time else 0
    star = star_progress(all_time.minutes if all_time else 0)

    entries = (
        PointsEntry.objects.filter(person=person)
        .annotate(is_reversed=Exists(PointsEntry.objects.filter(reverses=OuterRef("pk"))))
        .order_by("-occurred_at", "-id")
    )
    page = Paginator(entries, HISTORY_PAGE).get_page(request.GET.get("page"))
    history = [
        {"entry": entry, "explanation": entry_explanation(entry)} for entry in page.object_list
    ]

    # My place in my grid, community and town, this month and this year.
    population = Population.PARTY_MEMBERS if person.is_party_member else Population.VOLUNTEERS
    base = person.home_grid or person.reported_community
    nodes = Organisation.objects.filter(kind__in=[Kind.GRID, Kind.COMMUNITY, Kind.TOWN])
    if base is not None:
        nodes = nodes.filter(path__in=sorted(ancestor_paths([base.path])))
    else:
        nodes = nodes.filter(depth=1)
    nodes = list(nodes.order_by("-depth"))  # grid first, town last
    month, year = keys[PeriodKind.MONTH], keys[PeriodKind.YEAR]
    values = {period: stored[period].points if period in stored else 0 for period in (month, year)}
    places = ranking_places(
        organisations=nodes, values=values, population=population, measure=Measure.POINTS
    )
    place_rows = [
        PlaceRow(node, places[(node.pk, month)], places[(node.pk, year)]) for node in nodes
    ]
    return render(
        request,
        "points/my_points.html",
        {
            "person": person,
            "balance": balance,
            "totals": totals,
            "star": star,
            "star_marks": "★" * star.level,
            "star_hours": show_value(star.minutes, Measure.MINUTES),
            "star_to_next": (duration_text(star.minutes_to_next) if star.minutes_to_next else ""),
            "page": page,
            "history": history,
            "place_rows": place_rows,
            "population_label": POPULATION_CHOICES[population],
            "month_label": period_label(month),
            "year_label": period_label(year),
        },
    )


# --- 排行榜 -------------------------------------------------------------------------------


def _choice(params, name: str, choices, default: str, invalid: list) -> str:
    value = params.get(name)
    if value is None or value == "":
        return default
    if value not in choices:
        invalid.append(name)
        return default
    return value


@never_cache
@login_required
def rankings(request):
    """排行榜: top 20 and my place, or the team rankings, for one scope × period × measure."""
    params, invalid = request.GET, []
    period_kind = _choice(params, "period", PERIOD_CHOICES, PeriodKind.MONTH, invalid)
    measure = _choice(params, "measure", MEASURE_CHOICES, Measure.POINTS, invalid)
    population = _choice(params, "population", POPULATION_CHOICES, Population.VOLUNTEERS, invalid)
    tab = _choice(params, "tab", TAB_CHOICES, "people", invalid)

    person = person_for_user(request.user, *PERSON_HOME)
    options = sorted(ranking_scope_options(request.user, person), key=lambda org: org.path)
    by_id = {org.pk: org for org in options}
    town = next((org for org in options if org.depth == 1), options[0] if options else None)
    scope = town
    raw_org = params.get("org")
    if raw_org:
        try:
            scope = by_id[int(raw_org)]
        except (ValueError, KeyError, OverflowError):
            invalid.append("org")  # junk, or a node the viewer may not see: the default
    if scope is None:
        return render(request, "points/rankings.html", {"no_scope": True}, status=200)
    period = period_key(period_kind)

    top, place, teams, names = [], None, [], "masked"
    if tab == "people":
        names = public_names(request)  # the site's setting, as on the honour roll
        rows = ranking_top(
            organisation=scope, period=period, population=population, measure=measure
        )
        visible = permissions.people_visible_by_name(
            request.user, person, [row.person_id for row in rows]
        )
        top = [
            {
                "place": row.place,
                "name": public_name(row.name, "full" if row.person_id in visible else names),
                "value": show_value(row.value, measure),
                "me": person is not None and row.person_id == person.pk,
            }
            for row in rows
        ]
        if person is not None:
            place = ranking_place(
                person=person,
                organisation=scope,
                period=period,
                population=population,
                measure=measure,
            )
    else:
        teams = [
            {
                "place": team.place,
                "name": team.organisation.name,
                "total": show_value(team.total, measure),
                "heads": team.heads,
                "per_head": show_value(team.per_head, measure),
            }
            for team in team_ranking(
                organisation=scope,
                period=period,
                population=population,
                measure=measure,
                per_head=tab == "teams_per_head",
            )
        ]

    state = {
        "org": scope.pk,
        "period": period_kind,
        "measure": measure,
        "population": population,
        "tab": tab,
    }

    def switches(name: str, choices: dict) -> list[dict]:
        return [
            {
                "label": label,
                "url": "?" + urlencode({**state, name: value}),
                "current": state[name] == value,
            }
            for value, label in choices.items()
        ]

    return render(
        request,
        "points/rankings.html",
        {
            "scope": scope,
            "scope_options": [
                {"org": org, "indent": "　" * (org.depth - 1), "current": org.pk == scope.pk}
                for org in options
            ],
            "state": state,
            "period_label": period_label(period),
            "measure_label": MEASURE_CHOICES[measure],
            "population_label": POPULATION_CHOICES[population],
            "tab_switches": switches("tab", TAB_CHOICES),
            "period_switches": switches("period", PERIOD_CHOICES),
            "measure_switches": switches("measure", MEASURE_CHOICES),
            "population_switches": switches("population", POPULATION_CHOICES),
            "tab": tab,
            "top": top,
            "top_size": TOP,
            "place": place,
            "place_value": show_value(place.value, measure) if place else "",
            "teams": teams,
            "person": person,
            "names_masked": names != "full",
            "invalid": invalid,
        },
    )
