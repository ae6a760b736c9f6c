"""Whole-page caching of the publicity site for anonymous visitors.

``AnonymousPageCacheMiddleware`` answers a GET from the cache before any URL is
resolved, so a cached page costs one cache read and no query. Only responses of
Wagtail pages are stored (``SitePage.serve`` marks them), and only for visitors
without a session: anyone logged in sees their own header and sign-up badges.

Entries carry a *site content version*. Publishing, unpublishing, moving or deleting a
page, saving the site settings, and any change to an activity or the organisation
tree bump it (``cms.signals``), which purges every cached page at once: an entry of
another version is a miss, and is overwritten in place. Entries also expire after
``CMS_PAGE_CACHE_SECONDS`` (5 minutes), the most the live figures (hours served,
places left) may lag. The version travels in the entry, not in the key, so one
lookup (a single MGET) fetches both, the version and the page: every anonymous GET
passes through here, pages or not, and the benchmark (issue 8) counted the second
round trip on each of them.

The footer's language switcher is a POST form with a CSRF token. A cached page must
not hand one visitor's token to the next, so the token is stored as a placeholder
and each hit gets a fresh token of its own (and the CSRF cookie to go with it). A
Content-Security-Policy nonce is kept the same way: each hit gets a new one, which the
CSP middleware (outside this one) then puts in the header.

The key holds only the query parameters some page type reads (``SitePage.query_params``:
page numbers and list filters), not empty, one value each; ``/?utm_source=x`` is ``/``.
``SitePage.serve`` gives the page just those, so what it renders is what the key says.
A page is stored only when it used every one of them as given (``query_used``):
``?page=999`` shows the last page and ``?category=nonsense`` an empty list, and neither
is stored. So strangers' query strings cannot fill the cache: a page has one entry per
real page number and filter, at most.
"""

import hashlib
import re
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.http import urlencode

VERSION_KEY = "cms:content-version"
CSRF_PLACEHOLDER = "__cms_csrf_token__"
NONCE_PLACEHOLDER = "__cms_csp_nonce__"
MAX_QUERY_STRING = 300
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Frame-Options", "Referrer-Policy")


def page_cache_seconds() -> int:
    return int(getattr(settings, "CMS_PAGE_CACHE_SECONDS", 300))


def content_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or "0"
    return version


def bump_content_version() -> str:
    """Purge every cached page: later requests look under a new version."""
    version = uuid.uuid4().hex
    cache.set(VERSION_KEY, version, None)
    return version


# Every query parameter some page type reads: each page type names its own when its
# class is made (cms.models.base.SitePage), so the cache needs no import of the pages.
_PAGE_QUERY_NAMES: set[str] = set()


def register_query_params(names) -> None:
    _PAGE_QUERY_NAMES.update(names)


def page_query_names() -> frozenset[str]:
    """Every query parameter that some page type of the site reads."""
    return frozenset(_PAGE_QUERY_NAMES)


def page_query(request, names=None) -> dict[str, str]:
    """The request's parameters among ``names`` (all pages' by default): set ones, last value."""
    names = page_query_names() if names is None else names
    return {name: request.GET[name] for name in sorted(names) if request.GET.get(name)}


def restrict_query(request, names) -> None:
    """Leave a page only the parameters it reads, as the cache key has them."""
    kept = page_query(request, names)
    query = QueryDict(mutable=True)
    query.update(kept)
    query._mutable = False
    request.GET = query
    request.META["QUERY_STRING"] = query.urlencode()
    request.cms_query_used = {}


def query_used(request, name: str, value) -> None:
    """The page read ``name`` and showed ``value`` (a real page number, a known filter)."""
    used = getattr(request, "cms_query_used", None)
    if used is not None:
        used[name] = str(value)


def page_cache_key(request, query: dict[str, str] | None = None) -> str | None:
    """The cache key for this request, or None when it must not be served from the cache."""
    if request.method not in ("GET", "HEAD") or page_cache_seconds() <= 0:
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return None  # logged in, or a message waiting to be shown
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
        return None
    try:
        host = request.get_host()
    except Exception:
        return None
    language = getattr(request, "LANGUAGE_CODE", "") or translation.get_language()
    query = page_query(request) if query is None else query
    url = f"{request.scheme}://{host}{request.path}?{urlencode(sorted(query.items()))}"
    digest = hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()[:40]
    return f"cms:page:{language}:{digest}"


def cached_entry(key: str) -> tuple[str, dict | None]:
    """The current content version and the entry under ``key`` if it is of that version."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or content_version()
    entry = found.get(key)
    if not isinstance(entry, dict) or entry.get("version") != version:
        return version, None
    return version, entry


def _entry(request, response, version: str) -> dict:
    content = response.content.decode(response.charset or "utf-8")
    content = _CSRF_INPUT.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", content)
    nonce = getattr(request, "_csp_nonce", None)  # set only if the page used one
    if nonce:
        content = content.replace(f'nonce="{nonce}"', f'nonce="{NONCE_PLACEHOLDER}"')
    headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
    return {"version": version, "content": content, "headers": headers}


def _response(request, entry):
    content = entry["content"]
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request))
    if NONCE_PLACEHOLDER in content:
        content = content.replace(NONCE_PLACEHOLDER, str(request.csp_nonce))
    response = HttpResponse(content)
    for name, value in entry["headers"].items():
        response[name] = value
    response["X-Cache"] = "HIT"
    return response


class AnonymousPageCacheMiddleware:
    """Serve and store anonymous GETs of Wagtail pages (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = page_query(request)
        key = page_cache_key(request, query)
        if key is not None:
            # The version read now tags what is stored below: a purge during this request
            # leaves the stored copy already stale.
            version, entry = cached_entry(key)
            if entry is not None:
                return _response(request, entry)
        response = self.get_response(request)
        if (
            key is not None
            and request.method == "GET"
            and getattr(request, "cms_cacheable", False)
            and getattr(request, "cms_query_used", None) == query
            and response.status_code == 200
            and not response.streaming
            and not getattr(response, "cookies", None)
        ):
            cache.set(key, _entry(request, response, version), page_cache_seconds())
            response["X-Cache"] = "MISS"
        return response
