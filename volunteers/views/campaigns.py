"""四大提升行动 on the public site: the campaigns with a quarter's figures, one campaign's
page, and the quarterly report (.xlsx) for staff.

Thin on purpose: every figure and list is ``selectors.campaigns``'s. Only public things
are shown: published activities, projects, and the public titles of needs met (never a
resident's name or address). A ``?quarter=`` that cannot be read shows this quarter and
says so; the report, which someone will file, refuses it with a 400 instead.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.downloads import xlsx_response
from core.errors import Forbidden, Invalid
from core.quarters import Quarter
from core.refusals import refusal_response
from volunteers import permissions
from volunteers.campaign_report import build_campaign_report, campaign_report_filename
from volunteers.models import Campaign
from volunteers.selectors.campaigns import (
    campaign_activities,
    campaign_figures,
    campaign_needs_met,
    campaign_projects,
)

# The detail page lists this many of each; the report has them all.
LISTED = 50


def _quarter_asked(query: QueryDict) -> tuple[Quarter, bool]:
    """(the quarter, whether ``?quarter=`` was given but could not be used)."""
    current = Quarter.current()
    key = query.get("quarter", "")
    if not key:
        return current, False
    try:
        quarter = Quarter.parse(key)
    except ValueError:
        return current, True
    if quarter > current:
        return current, True  # nothing to show yet
    return quarter, False


def _quarter_nav(url: str, quarter: Quarter) -> dict[str, str]:
    current = Quarter.current()
    return {
        "previous_url": f"{url}?quarter={quarter.previous.key}",
        "next_url": f"{url}?quarter={quarter.next.key}" if quarter < current else "",
    }


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The running campaigns, each with the quarter's figures."""
    quarter, ignored = _quarter_asked(request.GET)
    figures = campaign_figures(quarter, Campaign.objects.filter(active=True))
    url = reverse("volunteers:campaign_list")
    return render(
        request,
        "volunteers/campaigns/list.html",
        {
            "quarter": quarter,
            "figures": figures,
            "ignored": ignored,
            "is_staff": permissions.is_staff_anywhere(request.user),
            "report_url": f"{reverse('volunteers:campaign_report')}?quarter={quarter.key}",
            **_quarter_nav(url, quarter),
        },
    )


@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise Http404
    quarter, ignored = _quarter_asked(request.GET)
    url = reverse("volunteers:campaign_detail", args=[campaign.pk])
    return render(
        request,
        "volunteers/campaigns/detail.html",
        {
            "campaign": campaign,
            "quarter": quarter,
            "figures": campaign_figures(quarter, [campaign])[0],
            "activities": list(campaign_activities(campaign, quarter)[:LISTED]),
            "projects": list(campaign_projects(campaign, quarter)[:LISTED]),
            "needs": list(campaign_needs_met(campaign, quarter)[:LISTED]),
            "ignored": ignored,
            **_quarter_nav(url, quarter),
        },
    )


@login_required
@require_GET
def campaign_report(request: HttpRequest) -> HttpResponse:
    """The quarter's report for staff: a summary row per campaign and the activities."""
    if not permissions.is_staff_anywhere(request.user):
        refused = Forbidden("not_staff", _("提升行动季度报表只提供给各级工作人员下载。"))
        return refusal_response(request, refused, title=_("没有下载权限"))
    key = request.GET.get("quarter", "") or Quarter.current().key
    try:
        quarter = Quarter.parse(key)
    except ValueError:
        bad = Invalid("bad_quarter", _("季度应写成年份加季度，例如 2026Q4。"), field="quarter")
        return refusal_response(request, bad, title=_("季度有误"), links="back")
    return xlsx_response(build_campaign_report(quarter), campaign_report_filename(quarter))
