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

from points.models import Audience, PointsPolicy, PointsRule
from volunteers import permissions
from volunteers.admin_permissions import _active_role_holders, guard_object_urls, is_town_admin
from volunteers.models import Organisation

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
        FieldPanel("expires_after_years"),
    ]

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, policy_policy)


register_snippet(PointsRuleViewSet)
register_snippet(PointsPolicyViewSet)


# --- 爱心超市: each community's reward catalogue -------------------------------------------
#
# Whoever runs a community's shop (the shop action of the one rule: secretary, admin)
# keeps its catalogue; they see and change the rewards of their own subtree only.
# Stock is also changed by redemptions (a conditional UPDATE), so an edit never writes
# the number the editor loaded: it shows the stock read-only and applies a signed
# "增加/减少库存" through ``reward_restock`` (stock = stock + delta, in the database).

from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.utils.translation import gettext  # noqa: E402
from wagtail.admin.forms import WagtailAdminModelForm  # noqa: E402
from wagtail.admin.panels import ObjectList  # noqa: E402
from wagtail.admin.ui.tables import Column  # noqa: E402
from wagtail.snippets.views.snippets import EditView  # noqa: E402

from core.errors import DomainError  # noqa: E402
from points.models import Reward  # noqa: E402
from points.services.rewards import RESTOCK_LIMIT, SHOP_ACTION, reward_restock  # noqa: E402
from volunteers.admin_permissions import guard_object_urls as _guard  # noqa: E402

REWARD_ACTIONS = frozenset({"add", "change", "delete", "view"})


class RewardPolicy(BasePermissionPolicy):
    def user_has_permission(self, user, action):
        return action in REWARD_ACTIONS and permissions.can_anywhere(user, SHOP_ACTION)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if action not in REWARD_ACTIONS:
            return False
        if action == "delete" and instance.redemptions.exists():
            return False  # redemptions name it (PROTECT): take it off the shelf instead
        return permissions.can(user, SHOP_ACTION, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not any(action in REWARD_ACTIONS for action in actions):
            return Reward.objects.none()
        scope = permissions.scope_q(user, SHOP_ACTION, "community__path")
        return Reward.objects.all() if scope is None else Reward.objects.filter(scope)

    def users_with_any_permission(self, actions):
        if not any(action in REWARD_ACTIONS for action in actions):
            return get_user_model().objects.none()
        return _active_role_holders(permissions.roles_granting(SHOP_ACTION))


reward_policy = RewardPolicy(Reward)
register_permission_policy(Reward, reward_policy, exact_class=True)


REWARD_COLUMNS = frozenset(f.name for f in Reward._meta.concrete_fields if not f.primary_key)


class RewardAdminForm(WagtailAdminModelForm):
    # Only on the edit form; applied by ``RewardEditView`` through ``reward_restock``.
    stock_change = forms.IntegerField(
        label=gettext_lazy("增加/减少库存"),
        required=False,
        min_value=-RESTOCK_LIMIT,
        max_value=RESTOCK_LIMIT,
        help_text=gettext_lazy(
            "正数入库（新到 10 件填 10），负数减少（损坏 2 件填 -2），留空不变。"
            "保存时在当时的库存上增减，不会抵消这期间居民的兑换。"
        ),
    )

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        # ``editing`` comes from RewardEditView only: the add and copy views (the copy
        # form shows the original as its instance) type the starting stock as a number.
        self.editing = editing
        stock = self.fields.get("stock")
        if not editing:
            self.fields.pop("stock_change", None)
        elif stock is not None:
            # Redemptions change it while the form is open: shown, never written back.
            stock.disabled = True
            stock.help_text = gettext_lazy("当前可兑换的数量，随兑换和取消变化；请在下面增减。")
        field = self.fields.get("community")
        if field is not None:
            field.queryset = (
                permissions.organisations_in_scope(self.for_user, SHOP_ACTION)
                .filter(kind=Organisation.Kind.COMMUNITY)
                .order_by("path")
            )
            field.error_messages["invalid_choice"] = gettext_lazy("只能选择您管理的社区。")
            field.help_text = gettext_lazy("只能选择您管理的社区。")

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("available_from"), cleaned.get("available_until")
        if starts and ends and ends <= starts:
            self.add_error("available_until", gettext_lazy("截止兑换必须晚于开始兑换。"))
        if cleaned.get("price") == 0:
            self.add_error("price", gettext_lazy("所需积分至少为 1。"))
        # Too little stock for a negative change is for ``reward_restock`` to say, under
        # its UPDATE; RewardEditView shows its refusal on this field and rolls back.
        return cleaned

    def save(self, commit=True):
        if not self.editing or not commit:
            return super().save(commit=commit)
        instance = super().save(commit=False)
        # Only what the editor could change: never the (disabled) stock, which only
        # ``reward_restock`` and redemptions move.
        instance.save(
            update_fields=[
                name
                for name, field in self.fields.items()
                if name in REWARD_COLUMNS and not field.disabled
            ]
        )
        self._save_m2m()
        return instance


class RewardEditView(EditView):
    """The edit form's stock change goes through the service, in the same transaction."""

    restocked = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "editing": True}

    def save_instance(self):
        instance = super().save_instance()
        delta = self.form.cleaned_data.get("stock_change")
        if delta:
            self.restocked = reward_restock(reward=instance, delta=delta, by=self.request.user)
        return instance

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DomainError as exc:  # the save was rolled back with it
            form.add_error("stock_change" if exc.field == "stock_change" else None, exc.message)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def save_action(self):
        if self.restocked is not None and not self.expects_json_response:
            messages.info(
                self.request,
                gettext("库存已调整 %(delta)+d 件，现有 %(stock)d 件。")
                % {"delta": self.form.cleaned_data["stock_change"], "stock": self.restocked.stock},
            )
        return super().save_action()


class RewardViewSet(SnippetViewSet):
    model = Reward
    icon = "pick"
    menu_label = gettext_lazy("爱心超市")
    menu_name = "rewards"
    menu_order = 160
    add_to_admin_menu = True
    search_fields = ["name"]
    list_filter = ["active"]
    ordering = ["community__path", "price", "id"]
    copy_view_enabled = True
    edit_view_class = RewardEditView
    list_display = [
        "name",
        Column("community", label=gettext_lazy("所属社区"), accessor=lambda r: r.community.name),
        "price",
        "stock",
        "per_person_limit",
        "active",
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("community", widget=forms.Select),
            FieldPanel("name"),
            FieldPanel("description"),
            FieldPanel("image"),
            MultiFieldPanel(
                [
                    FieldPanel("price"),
                    FieldPanel("stock"),
                    FieldPanel("stock_change"),
                    FieldPanel("per_person_limit"),
                ],
                heading=gettext_lazy("积分与库存"),
            ),
            MultiFieldPanel(
                [FieldPanel("available_from"), FieldPanel("available_until"), FieldPanel("active")],
                heading=gettext_lazy("上架时间"),
            ),
        ],
        base_form_class=RewardAdminForm,
    )

    def get_queryset(self, request):
        scoped = reward_policy.instances_user_has_any_permission_for(request.user, ["change"])
        return scoped.select_related("community")

    def get_urlpatterns(self):
        return _guard(super().get_urlpatterns(), self.model, reward_policy)


register_snippet(RewardViewSet)
