"""What every page of the publicity site shares: caching, sharing tags, search and listing."""

import re

from django.core.paginator import Paginator
from django.utils.html import strip_tags
from wagtail.models import Page

from cms.search import cjk_index_text

PER_PAGE = 12
_SPACES = re.compile(r"\s+")


def paginate(request, items, per_page: int = PER_PAGE):
    """Any ?page= (a word, a negative number, a huge one) gives a real page, never an error."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class SitePage(Page):
    """Abstract base of the site's page types.

    ``serve`` marks anonymous responses as cacheable for ``cms.cache``'s middleware;
    ``share_image`` and ``share_description`` feed the Open Graph tags.
    """

    # The image and text shown when the page is shared (WeChat, Open Graph).
    share_image_field = ""
    summary_field = "intro"

    class Meta:
        abstract = True

    def serve(self, request, *args, **kwargs):
        if not getattr(request, "is_preview", False):
            request.cms_cacheable = True
        return super().serve(request, *args, **kwargs)

    def share_image(self):
        return getattr(self, self.share_image_field, None) if self.share_image_field else None

    def share_description(self) -> str:
        text = self.search_description or getattr(self, self.summary_field, "") or ""
        return _SPACES.sub(" ", strip_tags(str(text))).strip()[:160]

    def body_text(self) -> str:
        """The body's plain text, for search and descriptions."""
        body = getattr(self, "body", None)
        if not body:
            return ""
        parts = []
        for block in body:
            parts.extend(str(part) for part in block.block.get_searchable_content(block.value))
        return _SPACES.sub(" ", strip_tags(" ".join(parts))).strip()

    def search_tokens(self) -> str:
        """Chinese text split into single characters and pairs, so that search finds words."""
        intro = getattr(self, self.summary_field, "") or ""
        return cjk_index_text(" ".join([self.title, str(intro), self.body_text()]))
