"""sitemap.xml: every live public page (Wagtail's sitemap) plus the published activities."""

from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from wagtail.contrib.sitemaps import Sitemap as PageSitemap
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Site

from volunteers.models import Activity


class ActivitySitemap(Sitemap):
    """Activity pages (Django views), on the same host as Wagtail's pages."""

    changefreq = "daily"
    limit = 5000

    def __init__(self, request=None):
        self.request = request

    def items(self):
        return Activity.objects.published().only("id", "updated_at").order_by("-starts_at", "-id")

    def lastmod(self, item):
        return item.updated_at

    def location(self, item):
        return item.get_absolute_url()

    def get_urls(self, page=1, site=None, protocol=None):
        wagtail_site = Site.find_for_request(self.request) if self.request else None
        if wagtail_site is not None:
            root = urlsplit(wagtail_site.root_url)
            protocol = root.scheme
            site = _Domain(root.netloc)
        return super().get_urls(page=page, site=site, protocol=protocol)


class _Domain:
    def __init__(self, domain: str):
        self.domain = domain


def sitemap(request):
    """sitemap.xml: Wagtail's pages, then the activities, all on the Wagtail site's host."""
    return wagtail_sitemap(
        request, sitemaps={"pages": PageSitemap, "activities": ActivitySitemap(request)}
    )
