"""The default Wagtail Site follows ``settings.SITE_URL``.

Wagtail builds every absolute page address (canonical and Open Graph tags, the sitemap,
the feed) from its ``Site``: ``hostname`` and ``port``, with the scheme implied by the
port (443 → https, 80 → http, anything else → http with the port). A fresh database has
``localhost:80``, so a share card in WeChat would point at ``http://localhost/``.

``site_follow_site_url`` sets the default site's hostname and port from ``SITE_URL``. It
runs after every ``migrate`` (a ``post_migrate`` handler, connected in ``cms.apps``) and
from ``seed_demo``; it changes nothing when ``SITE_URL`` is empty or already followed.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS
from wagtail.models import Site

from cms.cache import bump_content_version

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"https": 443, "http": 80}


def host_and_port(site_url: str) -> tuple[str, int]:
    """``https://shazhou.example.cn`` → (``shazhou.example.cn``, 443)."""
    parts = urlsplit(site_url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ImproperlyConfigured(
            f"SITE_URL={site_url!r} 不是一个网址：应形如 https://shazhou.example.cn"
        )
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    if parts.scheme == "https" and port != 443:
        # Wagtail writes https only for port 443; any other port comes out as http://.
        logger.warning("SITE_URL %s: Wagtail 只在 443 端口生成 https 地址", site_url)
    return parts.hostname.lower(), port


def site_follow_site_url(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Give the default Site SITE_URL's hostname and port; True when something changed."""
    site_url = getattr(settings, "SITE_URL", "") or ""
    if not site_url:
        return False
    hostname, port = host_and_port(site_url)
    sites = Site.objects.using(using)
    site = sites.filter(is_default_site=True).first()
    if site is None or (site.hostname, site.port) == (hostname, port):
        return False
    if sites.filter(hostname=hostname, port=port).exclude(pk=site.pk).exists():
        logger.warning("另一个站点已使用 %s:%s，默认站点保持不变", hostname, port)
        return False
    site.hostname, site.port = hostname, port
    site.save(using=using, update_fields=["hostname", "port"])  # clears Wagtail's root paths
    bump_content_version()  # cached pages carry the old address in their canonical tags
    return True


def follow_site_url_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: runs once per ``migrate`` (connected for the cms app only)."""
    if site_follow_site_url(using=using):
        logger.debug("默认站点地址已设为 %s", settings.SITE_URL)
