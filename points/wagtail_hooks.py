"""The points app in the Wagtail admin: what is registered; the views are in ``admin_views``.

The points rules and audience policies, for town administrators (``admin_views.rules``);
each community's 爱心超市 catalogue, for whoever runs its shop (``admin_views.rewards``).
"""

from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from points.admin_views.rewards import RewardViewSet, reward_policy
from points.admin_views.rules import (
    PointsPolicyViewSet,
    PointsRuleViewSet,
    policy_policy,
    rule_policy,
)
from points.models import PointsPolicy, PointsRule, Reward

# Policies first: Wagtail looks them up as soon as a view set registers.
register_permission_policy(PointsRule, rule_policy, exact_class=True)
register_permission_policy(PointsPolicy, policy_policy, exact_class=True)
register_permission_policy(Reward, reward_policy, exact_class=True)

register_snippet(PointsRuleViewSet)
register_snippet(PointsPolicyViewSet)
register_snippet(RewardViewSet)
