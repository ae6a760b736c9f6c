"""The town-wide category lists in the Wagtail admin, for the town's administrators:
activity categories (活动类别), need categories (需求类别, with their matching keywords)
and the quarter's campaigns (提升行动, 四大提升行动)."""

from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.views.snippets import SnippetViewSet

from volunteers.admin_permissions import (
    campaign_policy,
    category_policy,
    guard_object_urls,
    need_category_policy,
)
from volunteers.models import ActivityCategory, Campaign, NeedCategory


class TownCategoryViewSet(SnippetViewSet):
    """A category list under 设置, sorted by hand; each object URL asks ``policy``."""

    policy = category_policy
    icon = "tag"
    add_to_settings_menu = True
    sort_order_field = "sort_order"
    ordering = ["sort_order", "id"]
    copy_view_enabled = False

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, self.policy)


class ActivityCategoryViewSet(TownCategoryViewSet):
    model = ActivityCategory
    menu_label = gettext_lazy("活动类别")
    menu_name = "activity-categories"
    list_display = ["name", "sort_order"]
    panels = [FieldPanel("name"), FieldPanel("sort_order")]


class NeedCategoryViewSet(TownCategoryViewSet):
    model = NeedCategory
    policy = need_category_policy
    menu_label = gettext_lazy("需求类别")
    menu_name = "need-categories"
    list_display = ["name", "keywords", "sort_order"]
    panels = [FieldPanel("name"), FieldPanel("keywords"), FieldPanel("sort_order")]


class CampaignViewSet(TownCategoryViewSet):
    """提升行动: activities, projects and needs are tagged with one; a campaign that ends is
    switched off (正在开展), which keeps it in past quarters' figures."""

    model = Campaign
    policy = campaign_policy
    icon = "pick"
    menu_label = gettext_lazy("提升行动")
    menu_name = "campaigns"
    list_display = ["name", "active", "sort_order"]
    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
        FieldPanel("active"),
    ]
