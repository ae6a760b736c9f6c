"""One way to page and search a staff list: 50 rows a page, the page's links keep the filters.

Every staff list that can grow (积分管理表, 双报到反馈, the 报到 and 异议 queues, an
activity's attendance, the 爱心超市 report) pages with ``page_of`` and reads its search
box with ``search_text``; ``site/templates/_pagination.html`` and ``_search.html`` (with
``{% load pagination %}``) draw them. A junk ``?page=`` (a word, 0, -3, a number past the
end) shows the first or the last page, never an error: a link kept from yesterday, when
the list was longer, still opens.
"""

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 50
SEARCH_MAX = 50  # characters of a search; a name, a volunteer number or four digits need far fewer


def page_of(
    request: HttpRequest,
    items: QuerySet[Any] | Sequence[Any],
    per_page: int | None = None,
    *,
    count: int | None = None,
) -> Page[Any]:
    """The ``?page=`` page of ``items`` (an ordered queryset or a list), ``PER_PAGE`` a page.

    ``count``: how many ``items`` there are, when the page has counted them already (say,
    in the aggregate its totals come from); it saves the paginator its COUNT query.
    """
    paginator = Paginator(items, per_page or PER_PAGE)
    if count is not None:
        paginator.count = count  # a cached_property: the paginator reads this one
    return paginator.get_page(request.GET.get("page"))


def search_text(request: HttpRequest, param: str = "q") -> str:
    """What was typed in the list's search box: trimmed, spaces collapsed, at most 50 characters.

    NUL and other control characters are dropped (PostgreSQL refuses NUL in a query), so
    pasted junk finds nothing instead of failing.
    """
    raw = request.GET.get(param, "")
    printable = "".join(c if c.isprintable() else " " for c in raw)
    return " ".join(printable.split())[:SEARCH_MAX]
