"""Template tags of the publicity site: the header and footer chrome, sharing, names."""

from django import template
from wagtail.models import Page, Site

from cms import chrome as site_chrome_module
from cms.selectors import relative_page_url
from core.masking import public_name as shown_name

register = template.Library()


@register.simple_tag(takes_context=True)
def site_chrome(context) -> dict:
    """The header and footer values; only Wagtail pages and search may read the database."""
    may_query = isinstance(context.get("page"), Page) or bool(context.get("cms_chrome_may_query"))
    request = context.get("request")
    chrome = site_chrome_module.site_chrome(may_query=may_query, request=request)
    path = getattr(request, "path", "") if request is not None else ""
    return {**chrome, "current": site_chrome_module.current_section(chrome, path) if path else ""}


@register.filter
def public_name(name: str, mode: str = "masked") -> str:
    """A name as a public ranking shows it: in full, or with the middle hidden."""
    return shown_name(name, mode)


@register.filter
def hours(minutes) -> int:
    try:
        return round((minutes or 0) / 60)
    except TypeError:
        return 0


def _root_url(request) -> str:
    """The site's own address (Wagtail's Site: hostname and port), as sitemaps use it."""
    site = Site.find_for_request(request) if request is not None else None
    if site is not None:
        return site.root_url
    return request.build_absolute_uri("/").rstrip("/") if request is not None else ""


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url or ""
    return _root_url(context.get("request")) + url


@register.filter
def thousands(value) -> str:
    """12345 → 12,345 (the same in Chinese and English)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.simple_tag(takes_context=True)
def link_href(context, link) -> str:
    """The address a LinkBlock points to, without looking up the site's root paths."""
    if not link:
        return ""
    return link.href_for(context.get("request"))


@register.simple_tag(takes_context=True)
def page_address(context, page) -> str:
    """The page's full address on the site's own host, for canonical and Open Graph tags."""
    request = context.get("request")
    site = getattr(request, "_wagtail_site", None)
    path = relative_page_url(page.url_path, site.root_page.url_path) if site else ""
    if not path:
        return page.get_full_url(request) or ""
    return _root_url(request) + path
