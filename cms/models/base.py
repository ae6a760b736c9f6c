"""What every page of the publicity site shares: caching, sharing tags, search and listing."""

import re

from django.core.paginator import Paginator
from django.utils.html import strip_tags
from wagtail.models import Page

from cms import cache as page_cache
from cms.search import cjk_index_text

PER_PAGE = 12
_SPACES = re.compile(r"\s+")


def paginate(request, items, per_page: int = PER_PAGE):
    """Any ?page= (a word, a negative number, a huge one) gives a real page, never an error."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    if page.number > 1:
        page_cache.query_used(request, "page", page.number)
    return page


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class SitePage(Page):
    """Abstract base of the site's page types.

    ``serve`` marks anonymous responses as cacheable for ``cms.cache``'s middleware and
    leaves the page only the query parameters it declares in ``query_params``, the ones
    the cache keys its copies on; ``share_image`` and ``share_description`` feed the Open
    Graph tags.
    """

    # The image and text shown when the page is shared (WeChat, Open Graph).
    share_image_field = ""
    summary_field = "intro"
    # The query parameters the page reads (page numbers, filters): any other is dropped
    # before the page sees it, so a parameter read but not named here reads as absent.
    # Each value the page uses is reported with ``cms.cache.query_used``.
    query_params: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        page_cache.register_query_params(cls.query_params)

    def serve(self, request, *args, **kwargs):
        if not getattr(request, "is_preview", False):
            request.cms_cacheable = True
        page_cache.restrict_query(request, self.query_params)
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
