from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.health import health

# One way in: the admin logins hand over to allauth's, with its SMS-code stage and its
# rate limits. A form posted to them logs nobody in.
one_way_in = RedirectView.as_view(pattern_name="account_login", query_string=True)

urlpatterns = [
    path("health/", health, name="health"),
    path("django-admin/login/", one_way_in),
    path("admin/login/", one_way_in),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    # The open API: /api/v1/ and its schema (api.main).
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # 登录设备 (/me/security/): the person's sign-ins from the API.
    path("", include("api.web_urls")),
    path("", include("volunteers.urls")),
    path("", include("points.urls")),
    # The publicity site's search, RSS feed and sitemap.xml (before Wagtail's catch-all).
    path("", include("cms.urls")),
]

if settings.BENCH_ENABLED:
    from config import bench

    # Only under BENCH=1 (bench/run.py's own servers); a 404 everywhere else.
    urlpatterns += [path("bench/bare", bench.bare, name="bench_bare")]
    # The audit's gunicorn stands in for nginx, which serves /media/ in production.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving catches everything else, so it comes last.
urlpatterns += [path("", include(wagtail_urls))]
