"""Admin registration: the news category list, edited by town editors; the staff dashboard."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms import admin_dashboard, need_story_admin
from cms.models import NewsCategory


class NewsCategoryViewSet(SnippetViewSet):
    model = NewsCategory
    icon = "tag"
    menu_label = _("动态分类")
    menu_order = 300
    add_to_admin_menu = False
    list_display = ["name", "slug", "sort_order"]
    list_export = ["name", "slug", "sort_order"]
    ordering = ["sort_order", "id"]
    search_fields = ["name"]
    copy_view_enabled = False


register_snippet(NewsCategoryViewSet)


# The admin's home is the staff dashboard (工作台): panels of work in the user's scope in
# place of Wagtail's page and image counts, and a help menu without links to wagtail.org.
hooks.register("construct_homepage_panels", admin_dashboard.staff_dashboard_panels)
# After the apps that add the counts (hooks of the default order 0 run first).
hooks.register("construct_homepage_summary_items", admin_dashboard.no_site_summary, order=100)
hooks.register("construct_help_menu", admin_dashboard.no_external_help)
hooks.register("construct_main_menu", admin_dashboard.sidebar_shows_real_name)

# 写成志愿动态: a met need's admin page offers its story draft to the community's writers.
hooks.register("register_admin_urls", need_story_admin.admin_urls)
hooks.register("register_need_admin_actions", need_story_admin.need_story_actions)
