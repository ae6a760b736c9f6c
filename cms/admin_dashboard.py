"""The staff dashboard on the admin's home page (工作台): what waits for this person today.

Wagtail's home shows a site summary ("10 Pages / 21 Images") that tells staff nothing; in
its place come panels of work, each scoped by the one rule (``volunteers.permissions``,
points objects by ``points.policies``) and each shown only to those who hold the action
it is about:

- today's and tomorrow's activities they publish or run check-in for, with links to the
  check-in screen, the attendance list and the editor (PUBLISH / CHECK_IN);
- 报到 waiting for confirmation (MANAGE_PEOPLE, ``reports_user_may_decide``);
- join requests waiting for a decision (ADMIT);
- 微心愿待办: needs to approve, claims to confirm, needs closing unclaimed (MANAGE_NEEDS);
- objections to a published ranking they answer (``objections_user_may_answer``);
- rewards of a 爱心超市 they run that are running out (``may_run_shop``'s action).

Wagtail's own workflow panels ("awaiting your review", "your pages in a workflow") stay.
Each panel costs at most two queries: its rows (a few, joined) and their count.
"""

import datetime
from collections.abc import Mapping
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from points.models import Objection, Reward
from points.policies import SHOP_ACTION, objections_user_may_answer
from volunteers import permissions
from volunteers.models import Activity, CommunityReport, JoinRequest
from volunteers.selectors import join_requests_to_decide
from volunteers.selectors.needs_admin import (
    CLOSING_SOON_DAYS,
    NeedTodo,
    need_todo,
    needs_closing_soon,
)

Action = permissions.Action

# How many rows a panel lists; the count says how many there are in all.
ROWS = 6
# A reward with this many left or fewer is "running out" (库存不足).
LOW_STOCK = 5

# Wagtail sorts the panels by order: today's activities lead, the queues follow, and
# Wagtail's moderation panels (100, 210) and the editor's recent edits come after.
_ORDER_ACTIVITIES = 50
_ORDER_QUEUES = 60


class StaffPanel(Component):
    """A dashboard panel for those who hold ``actions`` somewhere; empty otherwise."""

    actions: tuple[str, ...] = ()
    order = _ORDER_QUEUES
    heading = ""
    empty_text = ""
    link_text = ""

    def __init__(self, user) -> None:
        self.user = user

    def is_shown(self) -> bool:
        return any(permissions.can_anywhere(self.user, action) for action in self.actions)

    def rows(self) -> QuerySet:
        raise NotImplementedError

    def link(self) -> str:
        return ""

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict:
        rows = list(self.rows()[:ROWS])
        total = len(rows) if len(rows) < ROWS else self.rows().count()
        return {
            "panel": self,
            "rows": rows,
            "total": total,
            "more": total - len(rows),
            "link": self.link(),
        }

    def render_html(self, parent_context: Mapping[str, Any] | None = None) -> str:
        return super().render_html(parent_context) if self.is_shown() else ""


def _in_scope(user, actions: tuple[str, ...], field: str) -> Q | None:
    """Rows whose ``field`` path lies in the user's scope for any of ``actions``; None: all."""
    filters: list[Q] = []
    for action in actions:
        scope = permissions.scope_q(user, action, field=field)
        if scope is None:
            return None
        filters.append(scope)
    return reduce(or_, filters)


def activity_window(now: datetime.datetime | None = None) -> tuple[datetime.datetime, ...]:
    """Today's midnight and the day after tomorrow's, in Shazhou."""
    today = timezone.localdate(now)
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=2), datetime.time.min)
    )
    return start, end


class ActivitiesPanel(StaffPanel):
    """Activities running today or tomorrow that the user publishes or checks people in
    at: those under way count too, so an organiser on site finds the check-in screen."""

    actions = (Action.PUBLISH, Action.CHECK_IN)
    order = _ORDER_ACTIVITIES
    template_name = "cms/admin/dashboard/activities.html"
    heading = _("今明两天的活动")
    empty_text = _("今天和明天没有您负责的活动。")

    def rows(self) -> QuerySet[Activity]:
        start, end = activity_window()
        queryset = (
            Activity.objects.filter(starts_at__lt=end, ends_at__gte=start)
            .filter(cancelled_at__isnull=True)
            .select_related("organisation")
            .order_by("starts_at", "id")
        )
        scope = _in_scope(self.user, self.actions, "organisation__path")
        return queryset if scope is None else queryset.filter(scope)

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict:
        context = super().get_context_data(parent_context)
        today = timezone.localdate()
        rows = []
        for activity in context["rows"]:
            runs_check_in = permissions.can(self.user, Action.CHECK_IN, activity)
            rows.append(
                {
                    "activity": activity,
                    "today": timezone.localtime(activity.starts_at).date() <= today,
                    # Check-in opens only on a published activity; a draft shows its editor.
                    "checkin": runs_check_in and activity.status == Activity.Status.PUBLISHED,
                    "attendance": runs_check_in and activity.status != Activity.Status.DRAFT,
                    "edit": permissions.can(self.user, Action.PUBLISH, activity),
                }
            )
        context["activities"] = rows
        return context

    def link(self) -> str:
        return reverse("wagtailsnippets_volunteers_activity:list")


class ReportsPanel(StaffPanel):
    """在职党员报到 waiting for the community's confirmation."""

    actions = (Action.MANAGE_PEOPLE,)
    template_name = "cms/admin/dashboard/reports.html"
    heading = _("待确认的报到")
    empty_text = _("没有待确认的在职党员报到。")
    link_text = _("去确认报到")

    def rows(self) -> QuerySet[CommunityReport]:
        pending = CommunityReport.objects.filter(status=CommunityReport.Status.PENDING)
        return (
            permissions.reports_user_may_decide(self.user, pending)
            .select_related("person", "community")
            .order_by("applied_at", "id")
        )

    def link(self) -> str:
        return reverse("volunteers:report_queue")


class JoinRequestsPanel(StaffPanel):
    """Newcomers asking to join a grid or a team the user admits people to."""

    actions = (Action.ADMIT,)
    template_name = "cms/admin/dashboard/join_requests.html"
    heading = _("待审核的加入申请")
    empty_text = _("没有待审核的加入申请。")
    link_text = _("去审核申请")

    def rows(self) -> QuerySet[JoinRequest]:
        return join_requests_to_decide(self.user)

    def link(self) -> str:
        return reverse("join_requests_admin")


class NeedsPanel(StaffPanel):
    """微心愿待办: how many needs wait for approval and claims for confirmation, and the
    needs closing within a few days with places still open (each linked to its page)."""

    actions = (Action.MANAGE_NEEDS,)
    template_name = "cms/admin/dashboard/needs.html"
    heading = _("微心愿待办")
    empty_text = format_lazy(_("没有 {n} 天内截止仍未认领满的需求。"), n=CLOSING_SOON_DAYS)
    link_text = _("查看临近截止的需求")

    def rows(self) -> QuerySet:
        return needs_closing_soon(self.user)

    def link(self) -> str:
        return reverse("needs_admin") + "?status=soon"

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict:
        # Two queries: the counts (the closing ones among them) and the first rows.
        todo: NeedTodo = need_todo(self.user)
        rows = list(self.rows()[:ROWS]) if todo.closing_soon else []
        index = reverse("needs_admin")
        return {
            "panel": self,
            "rows": rows,
            "total": todo.closing_soon,
            "more": todo.closing_soon - len(rows),
            "link": self.link(),
            "todo": todo,
            "pending_url": f"{index}?status=pending",
            "reported_url": f"{index}?status=reported",
        }


class ObjectionsPanel(StaffPanel):
    """Objections to a published ranking, lodged by people whose points the user adjusts."""

    actions = (Action.ADJUST_POINTS,)
    template_name = "cms/admin/dashboard/objections.html"
    heading = _("待答复的公示异议")
    empty_text = _("没有待答复的公示异议。")
    link_text = _("去答复异议")

    def rows(self) -> QuerySet[Objection]:
        pending = Objection.objects.filter(status=Objection.Status.PENDING)
        return (
            objections_user_may_answer(self.user, pending)
            .select_related("person", "snapshot")
            .order_by("lodged_at", "id")
        )

    def link(self) -> str:
        return reverse("points:objection_queue")


class LowStockPanel(StaffPanel):
    """Rewards on the shelf of a 爱心超市 the user runs with few (or none) left."""

    actions = (SHOP_ACTION,)
    template_name = "cms/admin/dashboard/low_stock.html"
    heading = _("爱心超市库存不足")
    link_text = _("管理商品")

    empty_text = format_lazy(_("上架商品的库存都多于 {n} 件。"), n=LOW_STOCK)

    def rows(self) -> QuerySet[Reward]:
        queryset = Reward.objects.filter(active=True, stock__lte=LOW_STOCK)
        scope = permissions.scope_q(self.user, SHOP_ACTION, field="community__path")
        if scope is not None:
            queryset = queryset.filter(scope)
        return queryset.select_related("community").order_by("stock", "community__path", "id")

    def link(self) -> str:
        return reverse("wagtailsnippets_points_reward:list")


PANELS = (
    ActivitiesPanel,
    ReportsPanel,
    JoinRequestsPanel,
    NeedsPanel,
    ObjectionsPanel,
    LowStockPanel,
)


def staff_dashboard_panels(request, panels: list) -> None:
    """``construct_homepage_panels``: ours beside Wagtail's, which stay (its moderation
    panels, and recent edits and locked pages for those who edit pages)."""
    panels.extend(panel(request.user) for panel in PANELS)


def no_site_summary(request, summary_items: list) -> None:
    """``construct_homepage_summary_items``: no page, image or document counts."""
    summary_items.clear()


# Wagtail's help menu links to its English release notes and editor guide on
# guide.wagtail.org; the admin sends no one off the site.
EXTERNAL_HELP_ITEMS = ("editor-guide", "whats-new-in-wagtail-")


def no_external_help(request, menu_items: list) -> None:
    """``construct_help_menu``: keep the keyboard shortcuts, drop the links to wagtail.org."""
    menu_items[:] = [
        item for item in menu_items if not str(item.name).startswith(EXTERNAL_HELP_ITEMS)
    ]


def sidebar_shows_real_name(request, menu_items: list) -> None:
    """``construct_main_menu``: the sidebar's account menu names the user by
    ``user.first_name`` (Wagtail reads the field, not get_full_name()); give it the real
    name for this request only. Nothing saves it: the person's name stays on ``Person``."""
    user = request.user
    if user.is_authenticated and not user.first_name:
        user.first_name = user.get_full_name()
