"""``/robots.txt``: crawl the publicity site, not the admin; where the sitemap is.

Personal pages (/me/ …) need no rule: a crawler is sent to the login page, which is
itself fine to index. Without this file every visit to the site logged a 404 for it.
"""

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

DISALLOWED = ("/admin/", "/django-admin/", "/accounts/", "/c/")


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('cms:sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
