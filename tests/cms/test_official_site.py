"""The marks of an official Chinese site, and page addresses on the site's real host.

The footer shows 主办单位, the ICP 备案号 (linking to the MIIT record) and the 公安备案号
(linking to the MPS record) from 站点设置, and nothing when they are empty. The default
Wagtail Site follows SITE_URL after `migrate` and `seed_demo`, so the canonical, Open
Graph and sitemap addresses name it instead of http://localhost/.
"""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from wagtail.models import Site

from cms.models import SiteSettings
from cms.sites import follow_site_url_after_migrate, host_and_port, site_follow_site_url
from demo import site as demo

MIIT = '<a href="https://beian.miit.gov.cn/" target="_blank" rel="noopener noreferrer">'
MPS = "https://beian.mps.gov.cn/#/query/webSearch?code=62098202000000"


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_footer_shows_the_sponsor_and_both_records(client, pages):
    page = html(client.get("/"))
    assert "主办单位：中共敦煌市沙州镇委员会　敦煌市沙州镇人民政府" in page
    assert f"{MIIT}陇ICP备2026000000号-1</a>" in page
    assert (
        f'<a href="{MPS}" target="_blank" rel="noopener noreferrer">甘公网安备62098202000000号</a>'
        in page
    )


def test_pages_outside_wagtail_show_them_from_the_cached_chrome(client, pages, make_activity):
    client.get("/")  # a Wagtail page builds the chrome
    page = html(client.get(make_activity().get_absolute_url()))
    assert "陇ICP备2026000000号-1" in page
    assert MPS in page


def test_empty_marks_show_nothing(client, pages, django_capture_on_commit_callbacks):
    settings = SiteSettings.objects.get()
    settings.sponsor = settings.icp_number = settings.police_number = ""
    with django_capture_on_commit_callbacks(execute=True):
        settings.save()  # rebuilds the cached chrome after the commit
    page = html(client.get("/"))
    assert "主办单位" not in page
    assert "beian." not in page
    assert "© " in page  # the rest of the footer is still there


def test_the_settings_refuse_a_number_that_is_not_a_record(pages):
    from django.core.exceptions import ValidationError

    settings = SiteSettings.objects.get()
    settings.icp_number = "12345"
    settings.police_number = "甘公网安备123号"
    with pytest.raises(ValidationError) as refusal:
        settings.full_clean()
    assert set(refusal.value.message_dict) == {"icp_number", "police_number"}
    assert "陇ICP备2026000000号-1" in refusal.value.message_dict["icp_number"][0]


# --- The Site follows SITE_URL ------------------------------------------------------------


@pytest.mark.parametrize(
    ("site_url", "expected"),
    [
        ("https://shazhou.example.cn", ("shazhou.example.cn", 443)),
        ("http://Shazhou.Example.cn/", ("shazhou.example.cn", 80)),
        ("http://127.0.0.1:8000", ("127.0.0.1", 8000)),
    ],
)
def test_host_and_port_come_from_the_address(site_url, expected):
    assert host_and_port(site_url.rstrip("/")) == expected


def test_nothing_changes_without_site_url(db, settings):
    settings.SITE_URL = ""
    assert site_follow_site_url() is False
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("localhost", 80)


@override_settings(SITE_URL="https://shazhou.example.cn")
def test_after_migrate_canonical_og_and_sitemap_name_the_real_host(client, pages):
    follow_site_url_after_migrate(sender=None)
    cache.clear()

    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_url) == (
        "shazhou.example.cn",
        443,
        "https://shazhou.example.cn",
    )
    home = html(client.get("/"))
    assert '<link rel="canonical" href="https://shazhou.example.cn/">' in home
    assert '<meta property="og:url" content="https://shazhou.example.cn/">' in home
    story = html(client.get("/xianjin/zhang-zhiqiang/"))
    assert (
        '<link rel="canonical" href="https://shazhou.example.cn/xianjin/zhang-zhiqiang/">' in story
    )
    sitemap = html(client.get("/sitemap.xml"))
    assert "<loc>https://shazhou.example.cn/</loc>" in sitemap
    assert "<loc>https://shazhou.example.cn/xianjin/zhang-zhiqiang/</loc>" in sitemap
    assert "localhost" not in sitemap
    # Run again: already following, nothing written.
    assert site_follow_site_url() is False


@override_settings(SITE_URL="http://127.0.0.1:8000")
def test_migrate_itself_sets_the_host_and_port(db):
    call_command("migrate", verbosity=0, interactive=False)
    site = Site.objects.get(is_default_site=True)
    assert site.root_url == "http://127.0.0.1:8000"


@override_settings(SITE_URL="https://shazhou.example.cn")
def test_seed_demo_sets_the_host_too(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed_site()
    assert Site.objects.get(is_default_site=True).root_url == "https://shazhou.example.cn"
