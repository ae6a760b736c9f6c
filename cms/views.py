"""The site search: pages through Wagtail's search backend, plus matching activities.

Any query string is accepted. The text is trimmed and stripped of control characters
(``cms.search.clean_query``), only letters, digits and Chinese characters reach the
search engine, and should the engine still refuse a query the page says nothing was
found rather than failing.
"""

import logging
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import DatabaseError
from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET
from wagtail.models import Page

from cms import selectors
from cms.search import cjk_query_terms, clean_query
from volunteers import selectors as volunteer_selectors

logger = logging.getLogger(__name__)
PER_PAGE = 10


def _search_pages(terms: list[str]):
    pages = Page.objects.live().public().filter(depth__gt=1)
    try:
        results = pages.search(" ".join(terms), operator="and", order_by_relevance=True)
        ids = [page.pk for page in results[:200]]
    except DatabaseError:  # pragma: no cover -- a backend that still chokes on the query
        logger.warning("search backend refused %r", terms, exc_info=True)
        ids = []
    return ids


def _search_activities(query: str, *, limit: int = 6):
    words = query.split()[:5]
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(address__icontains=word)
    activities = volunteer_selectors.activities_published(when=volunteer_selectors.UPCOMING)
    return selectors.decorate_activities(activities.filter(condition)[:limit])


@require_GET
def search(request):
    query = clean_query(request.GET.get("q"))
    terms = cjk_query_terms(query)
    page_ids = _search_pages(terms) if terms else []
    results = Paginator(page_ids, PER_PAGE).get_page(request.GET.get("page"))
    ordered = {pk: n for n, pk in enumerate(results.object_list)}
    found = Page.objects.filter(pk__in=list(ordered)).specific()
    results.object_list = sorted(found, key=lambda page: ordered[page.pk])
    activities = _search_activities(query) if terms and results.number == 1 else []
    return render(
        request,
        "search.html",
        {
            "query": query,
            "results": results,
            "activities": activities,
            "total": len(page_ids),
            "query_string": urlencode({"q": query}),
            "cms_chrome_may_query": True,
        },
    )
