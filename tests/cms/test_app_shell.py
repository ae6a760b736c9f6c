"""Add to home screen: the manifest, the service worker, the offline page and robots.txt."""

import json
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_manifest_installs_the_site_full_screen_with_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "美丽沙州"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/me/")
    assert manifest["theme_color"] == "#b5472e"
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_every_page_links_the_manifest_and_registers_the_worker(client):
    html = client.get("/activities/").content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert "js/app.js" in html


def test_the_worker_precaches_the_shell_and_never_stores_pages(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    shell = json.loads(body.split("const SHELL = ", 1)[1].split(";", 1)[0])
    assert "/offline/" in shell
    assert any(url.endswith("site.css") for url in shell)
    # Pages go to the network (the offline page only when there is none); only /static/
    # responses are put in the cache.
    assert 'request.mode === "navigate"' in body
    assert body.count("cache.put(") == 1
    assert 'url.pathname.startsWith("/static/")' in body


def test_the_offline_page_holds_nothing_personal_even_when_fetched_signed_in(client, make_person):
    person = make_person(real_name="王小明")
    client.force_login(person.user)

    html = client.get("/offline/").content.decode()

    assert "网络不可用" in html
    assert "王小明" not in html
    assert "csrfmiddlewaretoken" not in html


def test_robots_txt_keeps_crawlers_out_of_the_admin_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /me/" not in lines  # a crawler is sent to the login page anyway
    assert "Disallow: /c/" not in lines  # so are check-in scans (and Lighthouse's SEO audit passes)
    assert lines[-1] == "Sitemap: http://testserver/sitemap.xml"


def test_every_page_a_volunteer_uses_describes_itself_once_and_may_be_indexed(client, make_person):
    # Lighthouse's SEO audit (make audit) wants a description on each page and no noindex;
    # the pages behind the login are never seen by a crawler anyway.
    def descriptions(path):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "noindex" not in html, path
        return re.findall(r'<meta name="description" content="([^"]+)">', html)

    assert descriptions("/activities/") == [
        "沙州镇正在招募的志愿活动：时间、地点、名额，在线报名，到场扫码签到。"
    ]
    client.force_login(make_person(real_name="王小明").user)
    for path, words in (("/me/", "服务时长"), ("/me/points/", "积分明细"), ("/shop/", "爱心超市")):
        found = descriptions(path)
        assert len(found) == 1 and words in found[0], (path, found)
    assert len(descriptions("/scan/")) == 1  # 扫一扫, a page of the check-in flow
