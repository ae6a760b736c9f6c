"""The site chrome: what the header and footer of every page show.

Brand, logo, hotline, footer text, the WeChat QR and the URLs of the main sections
come from the site settings and the page tree. They are kept in the cache as plain
values (no expiry) and rebuilt whenever settings or pages change (``cms.signals``),
so drawing the header costs no query at all.

Only a Wagtail page (or the site search) may rebuild the chrome when the cache is
cold. Every other page — the activity pages, /me/, error pages rendered without a
request — uses the cached chrome when there is one and the built-in defaults when
there is not, and never adds a query of its own.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Subquery
from wagtail.models import Page, Site

from cms import models as cms_models
from cms.models import SiteSettings
from cms.selectors import relative_page_url

CHROME_KEY = "cms:chrome:v3"  # v2: the official-site marks; v3: one activity list

# Where the sections live in the demo tree; used until the chrome has been built once.
DEFAULT_URLS = {
    "home": "/",
    "activities": "/activities/",
    "news": "/dongtai/",
    "teams": "/duiwu/",
    "stories": "/xianjin/",
    "honour": "/guangrongbang/",
    "join": "/jiaru/",
}

DEFAULTS = {
    "brand_name": "美丽沙州",
    "brand_subtitle": "志愿服务 · 党员积分",
    "logo": None,
    "hotline": "",
    "hotline_hours": "",
    "footer_text": "有难找支部，服务找党员",
    "wechat_name": "聚焦沙州",
    "wechat_qr": None,
    "ranking_names": "masked",
    # The marks of an official Chinese site (主办单位, ICP 备案号, 公安备案号): empty, none shown.
    "sponsor": "",
    "icp_number": "",
    "police_number": "",
    "police_code": "",
    "urls": DEFAULT_URLS,
    "built": False,
}

# 活动 is not among them: the one activity list is the Django view at /activities/ (the
# Wagtail 活动栏目 page only redirects there), so DEFAULT_URLS["activities"] stands.
SECTION_TYPES = ("news", "teams", "stories", "honour")


def _prefetch_renditions(images_and_specs) -> None:
    """One query for the renditions of several images (the logo and the QR code)."""
    images = [image for image, _spec in images_and_specs if image is not None]
    if not images:
        return
    Rendition = images[0].get_rendition_model()
    specs = [spec for _image, spec in images_and_specs]
    found: dict[int, list] = {image.pk: [] for image in images}
    for rendition in Rendition.objects.filter(
        image_id__in=list(found), filter_spec__in=specs
    ).order_by("id"):
        found[rendition.image_id].append(rendition)
    for image in images:
        image.prefetched_renditions = found[image.pk]


def _rendition(image, spec: str):
    if image is None:
        return None
    try:
        rendition = image.get_rendition(spec)
    except Exception:  # a missing or broken file must not break every page
        return None
    return {
        "url": rendition.url,
        "width": rendition.width,
        "height": rendition.height,
        "alt": image.default_alt_text or image.title,
    }


def _relative_url(url_path: str | None, root) -> str:
    """A page's URL under the site root, from its url_path (no lookup of site root paths)."""
    return relative_page_url(url_path, root.url_path)


def build_chrome(site=None) -> dict:
    """Settings and section URLs in one query, the logo and QR renditions in another."""
    chrome = {**DEFAULTS, "urls": dict(DEFAULT_URLS), "built": True}
    if site is None:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        return chrome
    root = site.root_page
    models = {key: cms_models.SECTION_MODELS[key] for key in SECTION_TYPES}
    by_model = ContentType.objects.get_for_models(*models.values())  # cached after the first call
    # The first live page of each section type under the root, nearest the root.
    sections = {
        f"section_{key}": Subquery(
            Page.objects.live()
            .filter(path__startswith=root.path, content_type_id=by_model[model].pk)
            .order_by("path")
            .values("url_path")[:1]
        )
        for key, model in models.items()
    }
    settings = (
        SiteSettings.objects.filter(site=site)
        .select_related(*SiteSettings.select_related)
        .annotate(**sections)
        .first()
    )
    if settings is None:
        found = Page.objects.filter(pk=root.pk).annotate(**sections).values(*sections).first()
    else:
        found = {name: getattr(settings, name) for name in sections}
        logo_spec, qr_spec = "fill-96x96", "width-240"
        _prefetch_renditions([(settings.logo, logo_spec), (settings.wechat_qr, qr_spec)])
        chrome.update(
            brand_name=settings.brand_name or DEFAULTS["brand_name"],
            brand_subtitle=settings.brand_subtitle,
            hotline=settings.hotline.strip(),
            hotline_hours=settings.hotline_hours,
            footer_text=settings.footer_text,
            wechat_name=settings.wechat_name,
            ranking_names=settings.ranking_names,
            logo=_rendition(settings.logo, logo_spec),
            wechat_qr=_rendition(settings.wechat_qr, qr_spec),
            sponsor=settings.sponsor.strip(),
            icp_number=settings.icp_number.strip(),
            police_number=settings.police_number.strip(),
            # The 公安备案 search page takes the record's digits as its code.
            police_code="".join(filter(str.isdigit, settings.police_number)),
        )
        join = settings.join_page
        join_url = _relative_url(join.url_path, root) if join is not None and join.live else ""
        chrome["urls"]["join"] = join_url or "/accounts/signup/"
    for key in models:
        url = _relative_url((found or {}).get(f"section_{key}"), root)
        if url:
            chrome["urls"][key] = url
    return chrome


def site_chrome(*, may_query: bool, request=None) -> dict:
    chrome = cache.get(CHROME_KEY)
    if chrome is None:
        if not may_query:
            return DEFAULTS
        # Wagtail has already found the request's site while routing to the page.
        chrome = build_chrome(getattr(request, "_wagtail_site", None))
        cache.set(CHROME_KEY, chrome, None)
    return chrome


def ranking_names(request=None) -> str:
    """ "full" or "masked" (a site setting), from the cached chrome: no query when warm.

    Registered with ``core.masking`` at start-up (cms/apps.py): every public ranking,
    points' pages too, reads it through ``core.masking.public_names``.
    """
    return site_chrome(may_query=True)["ranking_names"]


def refresh_chrome() -> None:
    """Rebuild after settings or pages changed (called after the transaction commits)."""
    cache.set(CHROME_KEY, build_chrome(), None)


def current_section(chrome: dict, path: str) -> str:
    """The nav item a path belongs to: the longest section URL it starts with."""
    best, best_length = "", 0
    urls = dict(chrome["urls"])
    candidates = [(key, url) for key, url in urls.items() if key != "home" and url]
    for key, url in candidates:
        if path.startswith(url) and len(url) > best_length:
            best, best_length = key, len(url)
    if not best and path == urls.get("home", "/"):
        return "home"
    return best
