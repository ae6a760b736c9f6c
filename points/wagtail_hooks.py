"""The points app in the Wagtail admin: what is registered; the views are in ``admin_views``.

The points rules and audience policies, for town administrators (``admin_views.rules``);
each community's 爱心超市 catalogue, for whoever runs its shop (``admin_views.rewards``).
Also points' answers to volunteers' hooks: the admin person page's points panel and the
figures card at the top of /me/ (``views.me_card``).
"""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from points.admin_views.dashboard import dashboard_menu_item
from points.admin_views.people import add_points_panel
from points.admin_views.rewards import RewardViewSet, reward_policy
from points.admin_views.rules import (
    PointsPolicyViewSet,
    PointsRuleViewSet,
    policy_policy,
    rule_policy,
)
from points.models import PointsPolicy, PointsRule, Reward
from points.views.me_card import add_me_card

# Policies first: Wagtail looks them up as soon as a view set registers.
register_permission_policy(PointsRule, rule_policy, exact_class=True)
register_permission_policy(PointsPolicy, policy_policy, exact_class=True)
register_permission_policy(Reward, reward_policy, exact_class=True)

register_snippet(PointsRuleViewSet)
register_snippet(PointsPolicyViewSet)
register_snippet(RewardViewSet)

# The points section of the admin's person page (volunteers asks through this hook).
hooks.register("construct_person_page_panels", add_points_panel)

# The points card at the top of /me/ (volunteers asks through this hook, too).
hooks.register("construct_me_page_panels", add_me_card)

# 全镇概况: the dashboard (a site page) for town and community staff.
hooks.register("register_admin_menu_item", dashboard_menu_item)
