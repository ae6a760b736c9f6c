"""Points rules and audience policies in the Wagtail admin, for town administrators only.

The rules are the town's: who may edit them is the same question as who may
edit the activity category list, answered by ``volunteers.admin_permissions``.
A rule that has produced ledger lines cannot be deleted (they name it), and the
default rule cannot be deleted at all; editing a rule changes future awards
only, because each line keeps the figures it was computed with.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from volunteers import permissions
from volunteers.admin_permissions import _active_role_holders, guard_object_urls, is_town_admin
from volunteers.models import Organisation

from .models import Audience, PointsPolicy, PointsRule

ACTIONS = frozenset({"add", "change", "delete", "view"})


class TownAdminPolicy(BasePermissionPolicy):
    """Town administrators add, change and view; deletion only where nothing depends on it."""

    def user_has_permission(self, user, action):
        return action in ACTIONS and is_town_admin(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and not self.deletable(instance):
            return False
        return self.user_has_permission(user, action)

    def deletable(self, instance) -> bool:
        return True

    def users_with_any_permission(self, actions):
        if not any(action in ACTIONS for action in actions):
            return get_user_model().objects.none()
        roots = Organisation.get_root_nodes()
        return _active_role_holders(
            permissions.roles_granting(permissions.Action.MANAGE_ROLES), roots
        )


class RulePolicy(TownAdminPolicy):
    def deletable(self, instance) -> bool:
        is_default = instance.category_id is None and instance.audience == Audience.ANYONE
        return not is_default and not instance.entries.exists()


class PolicyPolicy(TownAdminPolicy):
    def user_has_permission(self, user, action):
        # One policy per audience exists from the start: edit them, do not add or remove.
        return action in {"change", "view"} and is_town_admin(user)


rule_policy = RulePolicy(PointsRule)
policy_policy = PolicyPolicy(PointsPolicy)
register_permission_policy(PointsRule, rule_policy, exact_class=True)
register_permission_policy(PointsPolicy, policy_policy, exact_class=True)


class PointsRuleViewSet(SnippetViewSet):
    model = PointsRule
    icon = "pick"
    menu_label = gettext_lazy("积分规则")
    menu_name = "points-rules"
    add_to_settings_menu = True
    list_display = [
        "name",
        "category",
        "audience",
        "points_per_attendance",
        "points_per_hour",
        "daily_cap",
        "yearly_cap",
    ]
    list_filter = ["audience", "category"]
    copy_view_enabled = False
    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [FieldPanel("category"), FieldPanel("audience")], heading=gettext_lazy("适用范围")
        ),
        MultiFieldPanel(
            [
                FieldPanel("points_per_attendance"),
                FieldPanel("points_per_hour"),
                FieldPanel("rubric_category"),
            ],
            heading=gettext_lazy("计分"),
        ),
        MultiFieldPanel(
            [FieldPanel("daily_cap"), FieldPanel("yearly_cap")], heading=gettext_lazy("上限")
        ),
    ]

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, rule_policy)


class PointsPolicyViewSet(SnippetViewSet):
    model = PointsPolicy
    icon = "list-ul"
    menu_label = gettext_lazy("积分细则")
    menu_name = "points-policies"
    add_to_settings_menu = True
    list_display = ["audience", "yearly_total_cap", "basic_cap", "service_cap", "reward_cap"]
    copy_view_enabled = False
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("yearly_total_cap"),
                FieldPanel("basic_cap"),
                FieldPanel("service_cap"),
                FieldPanel("reward_cap"),
            ],
            heading=gettext_lazy("年度上限"),
        ),
        FieldPanel("allow_negative_balance"),
    ]

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, policy_policy)


register_snippet(PointsRuleViewSet)
register_snippet(PointsPolicyViewSet)
