"""Add to home screen: the web app manifest, the service worker and its offline page.

The manifest and the worker are served from the site's root (a worker controls only the
paths under its own URL) and name the static files by their hashed URLs, so a new
release is a new cache. The worker keeps the app shell — the offline page, the site's
CSS and JS, the icons — and static files as they are fetched; it never stores a page's
HTML or any JSON, so nothing personal stays on a shared phone after logout.
"""

import hashlib
import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from cms.chrome import site_chrome

THEME_COLOUR = "#b5472e"
BACKGROUND_COLOUR = "#fbf7f2"
# What a phone needs to draw the offline page and the header without the network.
SHELL_STATIC = (
    "css/site.css",
    "js/app.js",
    "img/icon-192.png",
)
ICONS = (
    ("img/icon-192.png", "192x192", "any"),
    ("img/icon-512.png", "512x512", "any"),
    ("img/icon-maskable-512.png", "512x512", "maskable"),
)


@require_GET
@cache_control(public=True, max_age=3600)
def manifest(request):
    chrome = site_chrome(may_query=False, request=request)
    name = chrome["brand_name"]
    data = {
        "name": name,
        "short_name": name,
        "description": _("沙州镇志愿服务与党员积分：报名活动、扫码签到、查看服务时长和积分。"),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("volunteers:me") + "?source=homescreen",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


def shell_urls() -> list[str]:
    return [reverse("cms:offline"), *(static(path) for path in SHELL_STATIC)]


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    urls = shell_urls()
    version = hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12]
    body = render(
        request,
        "cms/service_worker.js",
        {"version": version, "shell": json.dumps(urls), "offline": reverse("cms:offline")},
        content_type="text/javascript; charset=utf-8",
    ).content
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(public=True, max_age=3600)
def offline(request):
    return render(request, "cms/offline.html")
