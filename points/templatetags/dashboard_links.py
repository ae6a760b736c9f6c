"""``{% load dashboard_links %}``: whether to offer 全镇概况, for pages of the lower layers.

/me/ (volunteers) lists the staff's tools; it cannot import points, so its template
asks here: ``{% if request.user|may_see_dashboard %}``.
"""

from django import template

from points import policies

register = template.Library()


@register.filter
def may_see_dashboard(user) -> bool:
    return policies.may_see_dashboard(user)
