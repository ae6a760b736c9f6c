"""全镇概况: the figures of the town (or one community) dashboard, chart by chart.

Every chart is a table first — a title, its columns and its rows — and the page draws
the chart, prints the table beneath it and writes the .xlsx sheet from that one table,
so the three can never disagree. Each chart is one or two aggregate queries over the
pre-aggregated totals or an indexed range, never a loop over people:

* service hours and participants per month: ``RankingValueCount`` (how many people of
  a ranking share one value) for the minutes ranking of each node and month —
  ``sum(value × people)`` is the node's minutes, ``sum(people)`` who served. Its rows
  grow with the distinct values of a month, not with the people in it;
* 报到率 and 服务率 of in-service party members: one GROUP BY over the members, with
  an EXISTS on their credited service in the community they reported to (the same
  test as the 双报到反馈 report, ``points.selectors.dual_report``);
* activities by category: one GROUP BY over the activities of the window;
* the ten teams with most hours: ``RankingValueCount`` summed per team node;
* 爱心超市 redemptions per month: one GROUP BY month over the redemptions.

A person tied to two communities (home grid in one, reported to the other) counts in
both, as in each community's ranking; the town's own figures count them once.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.spreadsheets import append_row, workbook_bytes
from points.models import Measure, PersonTotal, Population, RankingValueCount, Redemption
from points.periods import SHANGHAI, month_key
from points.selectors.dashboard_scope import (
    Chart,
    Scope,
    Series,
    Window,
    dashboard_scope,
    month_label,
    rate,
    under,
)
from points.selectors.rankings import competition_places
from points.selectors.tables import exported_at, hours
from volunteers.models import Activity, Organisation, Person

TOP_TEAMS = 10


# --- (a) service hours and participants per month ---------------------------------------


def minutes_by_node(
    node_ids: Sequence[int], periods: Sequence[str]
) -> dict[tuple[int, str], tuple[int, int]]:
    """{(node, period): (minutes, people who served)} from the per-value counts; one query."""
    rows = (
        RankingValueCount.objects.filter(
            organisation_id__in=list(node_ids),
            period__in=list(periods),
            population=Population.VOLUNTEERS,
            measure=Measure.MINUTES,
            value__gt=0,
        )
        .values("organisation_id", "period")
        .annotate(minutes=Sum(F("value") * F("people")), people=Sum("people"))
        .order_by()
    )
    return {
        (row["organisation_id"], row["period"]): (row["minutes"] or 0, row["people"] or 0)
        for row in rows
    }


def chart_service_by_month(scope: Scope, window: Window) -> tuple[Chart, Chart]:
    """Hours per month (stacked by community for a town) and who served; hours per part."""
    breakdown = scope.parts if scope.is_town else ()
    found = minutes_by_node([scope.root.pk, *(p.pk for p in scope.parts)], window.months)
    total_hours = _("合计（小时）")
    columns = [
        _("月份"),
        *(_("%(name)s（小时）") % {"name": p.name} for p in breakdown),
        total_hours,
        _("参与人数"),
    ]
    rows = []
    for month in window.months:
        minutes, people = found.get((scope.root.pk, month), (0, 0))
        parts = [hours(found.get((p.pk, month), (0, 0))[0]) for p in breakdown]
        rows.append([month_label(month), *parts, hours(minutes), people])
    last = len(columns) - 1
    if breakdown:
        series = [Series(i, "bar", stack=True) for i in range(1, len(breakdown) + 1)]
    else:
        series = [Series(last - 1, "bar")]
    monthly = Chart(
        "service",
        _("服务时长与参与人数（按月）"),
        columns,
        rows,
        [*series, Series(last, "line", axis=1)],
        note=_("参与人数：当月有认定服务时长的人数。一人同属两个社区时，在两个社区都计入。"),
    )
    per_part = []
    for index, part in enumerate(scope.parts):
        minutes = sum(found.get((part.pk, month), (0, 0))[0] for month in window.months)
        per_part.append((index, part.name, hours(minutes)))
    per_part.sort(key=lambda row: (-row[2], row[0]))
    places = competition_places([row[2] for row in per_part])
    by_part = Chart(
        "parts",
        _("各%(part)s服务时长") % {"part": scope.part_label},
        [_("名次"), scope.part_label, _("服务时长（小时）")],
        [[place, name, value] for place, (_i, name, value) in zip(places, per_part, strict=True)],
        [Series(2, "bar")],
        kind="horizontal",
        label_column=1,
    )
    return monthly, by_part


# --- (b) in-service party members: 报到率 and 服务率 --------------------------------------------


def _served(window: Window) -> Exists:
    """Credited service minutes in the window: the person's own totals (primary key)."""
    return Exists(
        PersonTotal.objects.filter(
            person=OuterRef("pk"), period__in=list(window.periods), minutes__gt=0
        )
    )


def chart_in_service(scope: Scope, window: Window) -> Chart:
    """Per employer unit: in-service members, reported, served; two queries.

    A town counts every in-service member of its units; a community, those who
    reported to it (报到率 is then the units' business, not the community's). Served
    is read from the members' own period totals: service anywhere counts. Only in
    the community reported to, as the 双报到反馈 report counts, would take a join
    through every record's activity — 1.5 s for the town at 100,000 people.
    """
    members: QuerySet[Person] = Person.objects.filter(in_service=True)
    named: list[tuple[int | None, str]] = []
    if scope.is_town:
        units = Organisation.objects.filter(
            path__startswith=scope.root.path, kind=Organisation.Kind.UNIT
        )
        named = list(units.order_by("path").values_list("pk", "name"))
        members = members.filter(employer_unit_id__in=[pk for pk, _name in named])
    else:
        members = members.filter(reported_community=scope.root)
    counted = (
        members.values("employer_unit_id", "employer_unit__name", "employer_unit__path")
        .annotate(
            members=Count("pk"),
            reported=Count("pk", filter=Q(reported_community__isnull=False)),
            served=Count("pk", filter=Q(reported_community__isnull=False) & Q(_served(window))),
        )
        .order_by("employer_unit__path")
    )
    by_unit: dict[int | None, Any] = {row["employer_unit_id"]: row for row in counted}
    if not scope.is_town:
        named = [(pk, row["employer_unit__name"] or _("未填单位")) for pk, row in by_unit.items()]
    rows = []
    for pk, name in named:
        row = by_unit.get(pk) or {"members": 0, "reported": 0, "served": 0}
        reported, served = row["reported"], row["served"]
        if scope.is_town:
            rows.append(
                [
                    name,
                    row["members"],
                    reported,
                    rate(reported, row["members"]),
                    served,
                    rate(served, reported),
                ]
            )
        else:
            rows.append([name, reported, served, rate(served, reported)])
    percent: tuple[int, ...]
    if scope.is_town:
        columns = [_("在职单位"), _("在职党员"), _("已报到"), _("报到率"), _("有服务"), _("服务率")]
        series, percent = [Series(3), Series(5)], (3, 5)
    else:
        columns = [_("在职单位"), _("报到本社区"), _("有服务"), _("服务率")]
        series, percent = [Series(3)], (3,)
    return Chart(
        "in_service",
        _("在职党员报到率与服务率"),
        columns,
        rows,
        series,
        percent_columns=percent,
        note=_(
            "报到率＝已报到÷在职党员；服务率＝已报到的在职党员中期间内有认定服务时长的人数÷已报到"
            "（在报到社区的服务明细见双报到反馈）。"
        ),
    )


# --- (c) activities by category -----------------------------------------------------------


def chart_categories(scope: Scope, window: Window) -> Chart:
    """Published activities that began in the window (up to now), by category; one query."""
    end = min(window.end, timezone.now())
    counted = (
        Activity.objects.published()
        .filter(
            under(scope.paths, "organisation__path"),
            starts_at__gte=window.start,
            starts_at__lt=end,
        )
        .values("category_id", "category__name", "category__sort_order")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__sort_order", "category_id")
    )
    rows: list[list[Any]] = [[row["category__name"], row["n"]] for row in counted]
    return Chart(
        "categories",
        _("各类别活动场次"),
        [_("活动类别"), _("活动场次")],
        rows,
        [Series(1)],
        kind="pie",
        note=_("已发布、未取消、期间内已开始的活动。"),
    )


# --- (d) the ten teams with most hours ------------------------------------------------------


def chart_top_teams(scope: Scope, window: Window, *, limit: int = TOP_TEAMS) -> Chart:
    """The teams (志愿服务队) of the scope with most service hours; two queries."""
    teams = list(
        Organisation.objects.filter(under(scope.paths), kind=Organisation.Kind.TEAM)
        .only("pk", "name", "path")
        .order_by("path")
    )
    totals: dict[int, int] = defaultdict(int)
    found = minutes_by_node([t.pk for t in teams], window.periods)
    for (org_id, _period), (minutes, _people) in found.items():
        totals[org_id] += minutes
    ranked = sorted(
        ((index, team) for index, team in enumerate(teams) if totals[team.pk] > 0),
        key=lambda item: (-totals[item[1].pk], item[0]),  # ties stay in tree order
    )[:limit]
    values = [hours(totals[team.pk]) for _index, team in ranked]
    places = competition_places([totals[team.pk] for _index, team in ranked])
    return Chart(
        "teams",
        _("服务时长前十的志愿服务队"),
        [_("名次"), _("服务队"), _("服务时长（小时）")],
        [
            [place, team.name, value]
            for place, (_i, team), value in zip(places, ranked, values, strict=True)
        ],
        [Series(2)],
        kind="horizontal",
        label_column=1,
    )


# --- (e) 爱心超市 redemptions per month -------------------------------------------------------


def chart_redemptions(scope: Scope, window: Window) -> Chart:
    """Redemptions not cancelled, per month, at the shops of the scope; one query."""
    counted = (
        Redemption.objects.filter(
            reward__community__path__startswith=scope.root.path,
            created_at__gte=window.start,
            created_at__lt=window.end,
        )
        .exclude(status=Redemption.Status.CANCELLED)
        .annotate(month=TruncMonth("created_at", tzinfo=SHANGHAI))
        .values("month")
        .annotate(n=Count("pk"), spent=Sum("price"))
        .order_by()
    )
    by_month = {month_key(row["month"]): (row["n"], row["spent"] or 0) for row in counted}
    rows: list[list[Any]] = [[month_label(m), *by_month.get(m, (0, 0))] for m in window.months]
    return Chart(
        "redemptions",
        _("爱心超市兑换（按月）"),
        [_("月份"), _("兑换件数"), _("所用积分")],
        rows,
        [Series(1), Series(2, "line", axis=1)],
        note=_("不含已取消的兑换。"),
    )


# --- The whole dashboard ------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    value: str


@dataclass
class Dashboard:
    scope: Scope
    window: Window
    charts: list[Chart]
    figures: list[Figure]

    def charts_json(self) -> dict[str, Any]:
        return {"charts": [chart.as_json() for chart in self.charts]}


def _headline(charts: dict[str, Chart], scope: Scope) -> list[Figure]:
    monthly = charts["service"].rows
    total = round(sum(row[-2] for row in monthly), 1)
    mean_people = round(sum(row[-1] for row in monthly) / len(monthly)) if monthly else 0
    activities = sum(row[1] for row in charts["categories"].rows)
    units = charts["in_service"].rows
    figures = [
        Figure(_("服务时长（小时）"), str(total)),
        Figure(_("月均参与人数"), str(mean_people)),
        Figure(_("活动场次"), str(activities)),
    ]
    rates: tuple[tuple[str, float | None], ...]
    if scope.is_town:
        members, reported, served = (sum(r[i] for r in units) for i in (1, 2, 4))
        rates = ((_("报到率"), rate(reported, members)), (_("服务率"), rate(served, reported)))
    else:
        reported, served = (sum(r[i] for r in units) for i in (1, 2))
        rates = ((_("在职党员服务率"), rate(served, reported)),)
    figures += [Figure(label, "—" if v is None else f"{v}%") for label, v in rates]
    figures.append(
        Figure(_("爱心超市兑换（件）"), str(sum(r[1] for r in charts["redemptions"].rows)))
    )
    return figures


def dashboard_build(root: Organisation, window: Window) -> Dashboard:
    """Every chart of the dashboard of ``root`` (a town or a community)."""
    scope = dashboard_scope(root)
    monthly, by_part = chart_service_by_month(scope, window)
    charts = [
        monthly,
        by_part,
        chart_in_service(scope, window),
        chart_categories(scope, window),
        chart_top_teams(scope, window),
        chart_redemptions(scope, window),
    ]
    return Dashboard(scope, window, charts, _headline({c.key: c for c in charts}, scope))


def dashboard_xlsx(dashboard: Dashboard) -> bytes:
    """One sheet per chart with the table's figures (numbers as numbers), and 说明."""
    workbook = Workbook(write_only=True)
    for chart in dashboard.charts:
        sheet = workbook.create_sheet(chart.title[:31])
        for index in range(1, len(chart.columns) + 1):
            width = 24 if index - 1 == chart.label_column else 12
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        append_row(sheet, chart.columns, font=Font(bold=True))
        for row in chart.rows:
            append_row(sheet, row)
    notes = workbook.create_sheet(_("说明"))
    about = [
        (_("组织"), dashboard.scope.root.name),
        (_("期间"), dashboard.window.label),
        (_("导出时间"), exported_at()),
        *((figure.label, figure.value) for figure in dashboard.figures),
        *((chart.title, chart.note) for chart in dashboard.charts if chart.note),
        (_("说明"), _("报到率、服务率为百分数。")),
    ]
    for label, value in about:
        append_row(notes, [str(label), str(value)])
    return workbook_bytes(workbook)
