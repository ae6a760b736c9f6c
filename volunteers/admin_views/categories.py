"""The activity category list in the Wagtail admin: the town's, for its administrators."""

from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.views.snippets import SnippetViewSet

from volunteers.admin_permissions import category_policy, guard_object_urls
from volunteers.models import ActivityCategory


class ActivityCategoryViewSet(SnippetViewSet):
    model = ActivityCategory
    icon = "tag"
    menu_label = gettext_lazy("活动类别")
    menu_name = "activity-categories"
    add_to_settings_menu = True
    list_display = ["name", "sort_order"]
    sort_order_field = "sort_order"
    ordering = ["sort_order", "id"]
    copy_view_enabled = False
    panels = [FieldPanel("name"), FieldPanel("sort_order")]

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, category_policy)
