"""``/robots.txt``: crawl the publicity site, not the admin; where the sitemap is.

Personal pages (/me/ …) and the check-in pages behind a QR code (/c/…) need no rule: a
crawler is anonymous, so it is sent to the login page (under /accounts/, not crawled), and
a check-in address is only ever in a QR code, never linked. They carry no ``noindex``
either: Lighthouse's SEO audit of the signed-in pages (``make audit``) counts it against
them. Without this file every visit to the site logged a 404 for it.
"""

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

DISALLOWED = ("/admin/", "/django-admin/", "/accounts/")


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('cms:sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
