"""Points rules and audience policies in the Wagtail admin, for town administrators only.

The rules are the town's: who may edit them is the same question as who may
edit the activity category list, ``volunteers.permissions.administers_a_town``.
A rule that has produced ledger lines cannot be deleted (they name it), and the
default rule and the default 双项认领 rule cannot be deleted at all; editing a rule
changes future awards only, because each line keeps the figures it was computed with.

Every add, change and removal goes through ``points.services.rules``, which writes
the audit record (what changed, old → new) as well as Wagtail's history.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.views.snippets import CreateView, DeleteView, EditView, SnippetViewSet

from core.errors import DomainError
from points.models import PointsPolicy, PointsRule
from points.services.rules import (
    policy_update,
    rule_create,
    rule_deletable,
    rule_delete,
    rule_update,
)
from volunteers import permissions
from volunteers.admin_permissions import _active_role_holders, guard_object_urls
from volunteers.admin_views.writes import RefusalOnTheForm, form_values
from volunteers.models import Organisation

ACTIONS = frozenset({"add", "change", "delete", "view"})


class TownAdminPolicy(BasePermissionPolicy):
    """Town administrators add, change and view; deletion only where nothing depends on it."""

    def user_has_permission(self, user, action):
        return action in ACTIONS and permissions.administers_a_town(user)

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
        return rule_deletable(instance)


class PolicyPolicy(TownAdminPolicy):
    def user_has_permission(self, user, action):
        # One policy per audience exists from the start: edit them, do not add or remove.
        return action in {"change", "view"} and permissions.administers_a_town(user)


rule_policy = RulePolicy(PointsRule)
policy_policy = PolicyPolicy(PointsPolicy)


# --- Saving through the services ----------------------------------------------------------


class RuleCreateView(RefusalOnTheForm, CreateView):
    def save_instance(self):
        return rule_create(by=self.request.user, **form_values(self.form))


class RuleEditView(RefusalOnTheForm, EditView):
    def save_instance(self):
        return rule_update(rule=self.object, by=self.request.user, **form_values(self.form))


class RuleDeleteView(DeleteView):
    def delete_action(self):
        rule_delete(rule=self.object, by=self.request.user)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DomainError as error:  # the policy hides the button; a forged post lands here
            messages.error(self.request, error.message)
            return redirect(self.get_success_url())


class PolicyEditView(RefusalOnTheForm, EditView):
    def save_instance(self):
        return policy_update(policy=self.object, by=self.request.user, **form_values(self.form))


# --- The view sets ---------------------------------------------------------------------------


class PointsRuleViewSet(SnippetViewSet):
    model = PointsRule
    icon = "pick"
    menu_label = gettext_lazy("积分规则")
    menu_name = "points-rules"
    add_to_settings_menu = True
    add_view_class = RuleCreateView
    edit_view_class = RuleEditView
    delete_view_class = RuleDeleteView
    list_display = [
        "name",
        "for_claims",
        "category",
        "audience",
        "points_per_attendance",
        "points_per_hour",
        "rounding_unit",
        "rounding_mode",
        "daily_cap",
        "yearly_cap",
    ]
    list_filter = ["for_claims", "audience", "category"]
    copy_view_enabled = False
    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [FieldPanel("for_claims"), FieldPanel("category"), FieldPanel("audience")],
            heading=gettext_lazy("适用范围"),
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
            [FieldPanel("rounding_unit"), FieldPanel("rounding_mode")],
            heading=gettext_lazy("时长取整"),
            help_text=gettext_lazy(
                "只影响今后的计分：已记入的积分流水保持原样，每一行都写明它当时的取整方式。"
            ),
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
    edit_view_class = PolicyEditView
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
        FieldPanel("expires_after_years"),
    ]

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, policy_policy)
