"""爱心超市 in the Wagtail admin: each community's reward catalogue.

Whoever runs a community's shop (the shop action of the one rule: secretary, admin)
keeps its catalogue; they see and change the rewards of their own subtree only.
Items are added and changed through ``reward_create`` / ``reward_update``. Stock is
also changed by redemptions (a conditional UPDATE), so an edit never writes the
number the editor loaded: it shows the stock read-only and applies a signed
"增加/减少库存" through ``reward_restock`` (stock = stock + delta, in the database).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext, gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.models import CopyViewMixin
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet

from points.models import Reward
from points.policies import SHOP_ACTION
from points.services.rewards import RESTOCK_LIMIT, reward_create, reward_restock, reward_update
from volunteers import permissions
from volunteers.admin_permissions import _active_role_holders, guard_object_urls
from volunteers.admin_views.writes import RefusalOnTheForm, form_values
from volunteers.models import Organisation

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
        stock = self.fields.get("stock")
        if not editing:
            self.fields.pop("stock_change", None)
        elif stock is not None:
            # Redemptions change it while the form is open: shown, never written back
            # (``form_values`` leaves a disabled field out).
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


class RewardCreateView(RefusalOnTheForm, CreateView):
    def save_instance(self):
        return reward_create(**form_values(self.form), by=self.request.user)


class RewardCopyView(CopyViewMixin, RewardCreateView):
    pass


class RewardEditView(RefusalOnTheForm, EditView):
    """The details and the stock change are saved in one transaction: a refused change
    (too little stock, read under its UPDATE) rolls the details back with it."""

    restocked = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "editing": True}

    def save_instance(self):
        reward = reward_update(reward=self.object, by=self.request.user, **form_values(self.form))
        delta = self.form.cleaned_data.get("stock_change")
        if delta:
            self.restocked = reward_restock(reward=reward, delta=delta, by=self.request.user)
        return reward

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
    add_view_class = RewardCreateView
    copy_view_class = RewardCopyView
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
            FieldPanel("pickup_place"),
        ],
        base_form_class=RewardAdminForm,
    )

    def get_queryset(self, request):
        scoped = reward_policy.instances_user_has_any_permission_for(request.user, ["change"])
        return scoped.select_related("community")

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, reward_policy)
