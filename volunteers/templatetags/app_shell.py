"""``{% load app_shell %}``: the phone's bottom tab bar (site/templates/_tab_bar.html).

The tab bar is drawn for signed-in people only. Its fifth place is 工作台 for staff — a
person who holds any staff action somewhere (``permissions.Action.STAFF``, the same
test that puts them in the admin group) — and 首页 for everyone else; the brand in the
header still leads home. Which tab is current follows the path, so exactly one tab (or
none, on pages that belong to no tab) carries ``aria-current``.
"""

from django import template
from django.urls import reverse

from volunteers import permissions

register = template.Library()

# The paths of the volunteers' check-in landing: a scan lands there, so it is 扫一扫's.
SCAN_LANDING_PREFIX = "/c/"


def current_tab(path: str, *, home: str = "/") -> str:
    """The tab a path belongs to: home, activities, scan, points, me or ""."""
    points = reverse("points:my_points")
    scan = reverse("volunteers:scan_activity")
    if path == home:
        return "home"
    if path.startswith(reverse("volunteers:activity_list")):
        return "activities"
    if path.startswith(scan) or path.startswith(SCAN_LANDING_PREFIX):
        return "scan"
    if path.startswith(points):
        return "points"
    if path.startswith(reverse("volunteers:me")):
        return "me"
    return ""


@register.simple_tag(takes_context=True)
def app_tabs(context) -> dict:
    """What the tab bar needs: the current tab, whether 工作台 replaces 首页, and the URLs."""
    request = context.get("request")
    user = getattr(request, "user", None)
    chrome = context.get("chrome") or {}
    home = (chrome.get("urls") or {}).get("home", "/")
    path = getattr(request, "path", "") or ""
    return {
        "current": current_tab(path, home=home),
        "staff": permissions.is_staff_anywhere(user),
        "home": home,
        "activities": reverse("volunteers:activity_list"),
        "scan": reverse("volunteers:scan_activity"),
        "points": reverse("points:my_points"),
        "me": reverse("volunteers:me"),
        "workbench": reverse("volunteers:me") + "#workbench",
    }
