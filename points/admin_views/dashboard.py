"""The 全镇概况 entry of the Wagtail admin's menu: the page itself is ``points.views.dashboard``."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem

from volunteers import permissions


class DashboardMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return permissions.may_see_dashboard(request.user)


def dashboard_menu_item() -> MenuItem:
    return DashboardMenuItem(
        gettext_lazy("全镇概况"),
        reverse_lazy("points:dashboard"),
        name="dashboard",
        icon_name="table",
        order=150,
    )
