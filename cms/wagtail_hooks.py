"""Admin registration: the news category list, edited by town editors."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

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
