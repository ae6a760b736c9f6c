"""活动: the editors' section page for the activities published in ``volunteers``.

There is one activity list, the Django view at /activities/ (filters, the visitor's
sign-up state, pagination; the activity pages and their sign-up live under it). This
page stays in the tree so that editors keep a 活动 section (its place in search and the
sitemap, the slug /huodong/ old links and posters carry), but serving it redirects to
/activities/ with the query string kept: /huodong/?when=week lands on
/activities/?when=week. The page cannot take the slug "activities" itself: the Django
views come before Wagtail's catch-all in the URLconf.
"""

from django.db import models
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms.blocks import BodyBlock
from cms.models.base import SitePage


class ActivityIndexPage(SitePage):
    """The 活动 section of the page tree; serving it leads to the one list, /activities/."""

    intro = models.TextField(
        _("导语"),
        blank=True,
        max_length=300,
        help_text=_("列表上方的一段话，例如怎样报名、怎样扫码签到。"),
    )
    body = StreamField(
        BodyBlock(),
        blank=True,
        verbose_name=_("列表下方内容"),
        help_text=_("可选：列表下方的说明、行动号召等。活动本身由各组织在“活动”中发布。"),
    )

    content_panels = [*SitePage.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*SitePage.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("活动栏目")
        verbose_name_plural = _("活动栏目")

    def serve(self, request, *args, **kwargs):
        """The one list is /activities/: go there, keeping the filters and the page."""
        return HttpResponsePermanentRedirect(self.list_url(request.META.get("QUERY_STRING", "")))

    @staticmethod
    def list_url(query: str = "") -> str:
        url = reverse("volunteers:activity_list")
        return f"{url}?{query}" if query else url

    def get_sitemap_urls(self, request=None):
        """The list's own address, on this page's site, rather than the redirect."""
        urls = super().get_sitemap_urls(request)
        _site_id, root_url, _path = self.get_url_parts(request) or (None, "", "")
        for entry in urls:
            entry["location"] = f"{root_url or ''}{self.list_url()}"
        return urls
