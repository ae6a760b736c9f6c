"""The publicity site in a real browser: each main page on a phone and on a desktop.

For each page and viewport: it loads with no console error, nothing is wider than the
screen (no sideways scrolling), axe-core finds no serious or critical accessibility
problem, and a full-page screenshot lands in var/screenshots/.

The demo town is seeded (60 residents, the whole page tree with its pictures). The live
server serves the generated pictures from a media folder of the test's own: Django only
serves media itself in DEBUG, so this module adds that one route in front of the
project's URLs.
"""

import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

from cms.models import NewsPage, TeamPage
from demo import town as demo

from .conftest import PHONE

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1440, "height": 900}


def serve_media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve_media),
    path("", include("config.urls")),
]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(__name__),
]


def restore_migration_data() -> None:
    """Put back the rows data migrations made, when a browser test before this one flushed them.

    Transactional tests end with a flush, which empties Wagtail's root page, the home page,
    the site and the activity categories. The project's own data migrations are re-run
    (they are idempotent); Wagtail's root page, locale and image collection are made the
    way Wagtail's migrations make them.
    """
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.utils.translation import get_supported_language_variant
    from wagtail.models import Collection, Locale, Page

    def migration(name: str):
        return importlib.import_module(name)

    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    if not Page.objects.filter(depth=1).exists():
        locale, _created = Locale.objects.get_or_create(
            language_code=get_supported_language_variant(settings.LANGUAGE_CODE)
        )
        Page.objects.create(
            title="Root",
            draft_title="Root",
            slug="root",
            content_type=ContentType.objects.get_for_model(Page),
            path="0001",
            depth=1,
            numchild=0,
            url_path="/",
            locale=locale,
        )
        migration("cms.migrations.0002_create_homepage").create_homepage(apps, None)
    migration("volunteers.migrations.0004_default_activity_categories").add_categories(apps, None)
    migration("volunteers.migrations.0005_admin_access_group").add_group(apps, None)
    migration("volunteers.migrations.0012_needs_and_claims").add_categories(apps, None)
    migration("points.migrations.0012_claims_service_and_rule").add_claim_rule(apps, None)


@pytest.fixture
def demo_site(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    restore_migration_data()
    demo.seed_demo_town(people=60)


def news_page() -> str:
    return NewsPage.objects.live().get(slug="liyuan-traffic-morning").url


def team_page() -> str:
    return TeamPage.objects.get(organisation__code=demo.DEMO_TEAM).url


PAGES = [
    ("home", lambda: "/", "红马甲在身边"),
    ("news", lambda: "/dongtai/", "志愿动态"),
    ("news-page", news_page, "早高峰路口的一抹红"),
    ("activities", lambda: "/activities/", "志愿活动"),
    ("team", team_page, "梨园文明交通劝导队"),
    ("honour-roll", lambda: "/guangrongbang/", "志愿者积分榜"),  # the demo publishes each month
]


def open_page(browser, viewport: dict, url: str):
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", is_mobile=viewport["width"] < 600
    )
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.goto(url, wait_until="load")
    return context, page


def serious_violations(page) -> list[str]:
    # Evaluated over the DevTools protocol: an injected inline <script> is what the site's
    # Content-Security-Policy refuses, and these pages are tested under it.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes']}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_renders_on_phone_and_desktop_and_passes_axe(
    browser, live_server, demo_site, shoot
):
    # One test walks every page: seeding the town takes longer than a page's checks, and a
    # browser test's data is flushed after each test.
    for name, where, heading in PAGES:
        url = live_server.url + where()
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            context, page = open_page(browser, viewport, url)
            try:
                assert heading in page.inner_text("main"), (label, name)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], f"{name} scrolls sideways on {label}: {width}px"
                # Pictures below the fold load lazily: scroll through so the screenshot has them.
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                page.wait_for_load_state("networkidle")
                shoot(page, f"{name}-{label}")
                assert page.console_errors == [], (name, label, page.console_errors)
                assert serious_violations(page) == [], (name, label)
            finally:
                context.close()


def test_the_phone_navigation_reaches_every_section(browser, live_server, demo_site, shoot):
    context, page = open_page(browser, PHONE, live_server.url + "/")
    try:
        nav = page.get_by_role("navigation", name="主导航")
        for label in ("活动", "志愿动态", "队伍", "光荣榜", "加入我们"):
            link = nav.get_by_role("link", name=label, exact=True)
            link.scroll_into_view_if_needed()
            assert link.is_visible(), label
        nav.get_by_role("link", name="光荣榜", exact=True).click()
        page.wait_for_load_state()
        assert page.url.endswith("/guangrongbang/")
        assert "志愿者积分榜" in page.inner_text("main")
        shoot(page, "honour-roll-from-nav")
    finally:
        context.close()


def test_the_english_chrome_fits_a_phone(browser, live_server, demo_site, shoot):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    try:
        for where in ("/", "/activities/", "/guangrongbang/"):
            page.goto(live_server.url + where)
            assert "Honour roll" in page.inner_text("header")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{where} scrolls sideways in English: {width}px"
        shoot(page, "honour-roll-english")
    finally:
        context.close()
