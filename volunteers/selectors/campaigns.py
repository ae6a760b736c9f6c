"""四大提升行动: what each campaign did in a quarter, for its public page and the report.

A campaign's figures for a quarter come from what is tagged with it:

* 活动数: tagged activities that are public (published, not cancelled) starting in it;
* 服务时长 and 参与人数: the finalised, not removed attendances of those activities
  (``Attendance.minutes_served``: volunteers may not read points' service records);
* 满足需求数: tagged needs that became 已完成 in the quarter;
* 项目数: tagged projects of the quarter that were not cancelled.

``campaign_figures`` answers every campaign at once in four grouped queries (one per
figure), so the list page and the report cost the same however many campaigns there are.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from core.quarters import Quarter
from volunteers.models import Activity, Attendance, Campaign, Need, Project


@dataclass(frozen=True)
class CampaignFigures:
    campaign: Campaign
    activities: int = 0
    minutes: int = 0
    participants: int = 0
    needs_met: int = 0
    projects: int = 0

    @property
    def hours(self) -> float:
        """Service hours to one decimal, as the activity reports and the card print them."""
        return round(self.minutes / 60, 1)


def _bounds(quarter: Quarter) -> tuple[datetime.datetime, datetime.datetime]:
    return quarter.bounds()


def public_activities_q(quarter: Quarter, prefix: str = "") -> Q:
    """Public activities starting in the quarter (``prefix`` reaches them from a relation)."""
    start, end = _bounds(quarter)
    return Q(
        **{
            f"{prefix}live": True,
            f"{prefix}cancelled_at__isnull": True,
            f"{prefix}starts_at__gte": start,
            f"{prefix}starts_at__lt": end,
        }
    )


def needs_met_q(quarter: Quarter) -> Q:
    start, end = _bounds(quarter)
    return Q(status=Need.Status.DONE, completed_at__gte=start, completed_at__lt=end)


def projects_q(quarter: Quarter) -> Q:
    return Q(quarter=quarter.key) & ~Q(status=Project.Status.CANCELLED)


def campaign_figures(
    quarter: Quarter, campaigns: Iterable[Campaign] | None = None
) -> list[CampaignFigures]:
    """Each campaign's figures for the quarter, in the campaigns' order (all when None)."""
    chosen = list(Campaign.objects.all() if campaigns is None else campaigns)
    if not chosen:
        return []
    ids = [c.pk for c in chosen]
    activities = dict(
        Activity.objects.filter(public_activities_q(quarter), campaign_id__in=ids)
        .values_list("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    service = {
        row["activity__campaign_id"]: row
        for row in Attendance.objects.filter(
            public_activities_q(quarter, prefix="activity__"),
            activity__campaign_id__in=ids,
            finalised_at__isnull=False,
            removed_at__isnull=True,
        )
        .values("activity__campaign_id")
        .annotate(minutes=Sum("minutes_served"), people=Count("person_id", distinct=True))
        .order_by()
    }
    needs = dict(
        Need.objects.filter(needs_met_q(quarter), campaign_id__in=ids)
        .values_list("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    projects = dict(
        Project.objects.filter(projects_q(quarter), campaign_id__in=ids)
        .values_list("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    figures = []
    for campaign in chosen:
        row = service.get(campaign.pk)
        figures.append(
            CampaignFigures(
                campaign=campaign,
                activities=activities.get(campaign.pk, 0),
                minutes=(row["minutes"] or 0) if row else 0,
                participants=(row["people"] or 0) if row else 0,
                needs_met=needs.get(campaign.pk, 0),
                projects=projects.get(campaign.pk, 0),
            )
        )
    return figures


def campaign_activities(campaign: Campaign, quarter: Quarter) -> QuerySet[Activity]:
    """The campaign's public activities of the quarter, soonest first."""
    return (
        Activity.objects.filter(public_activities_q(quarter), campaign=campaign)
        .select_related("organisation")
        .order_by("starts_at", "id")
    )


def campaign_projects(campaign: Campaign, quarter: Quarter) -> QuerySet[Project]:
    return (
        Project.objects.filter(projects_q(quarter), campaign=campaign)
        .select_related("community", "lead_unit")
        .order_by("community__path", "id")
    )


def campaign_needs_met(campaign: Campaign, quarter: Quarter) -> QuerySet[Need]:
    """Needs met: only what the wall shows of them (public title, category, community)."""
    return (
        Need.objects.filter(needs_met_q(quarter), campaign=campaign)
        .select_related("category", "community")
        .only("pk", "public_title", "completed_at", "category__name", "community__name")
        .order_by("-completed_at", "-id")
    )


def report_activities(quarter: Quarter) -> QuerySet[Activity]:
    """The report's second sheet: every tagged public activity of the quarter with its
    service minutes and participants (one query)."""
    served = Q(attendances__finalised_at__isnull=False, attendances__removed_at__isnull=True)
    return (
        Activity.objects.filter(public_activities_q(quarter), campaign__isnull=False)
        .select_related("campaign", "organisation", "project")
        .annotate(
            served_minutes=Sum("attendances__minutes_served", filter=served),
            participants=Count("attendances__person", filter=served, distinct=True),
        )
        .order_by("campaign__sort_order", "campaign_id", "starts_at", "id")
    )
