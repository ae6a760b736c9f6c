"""Anonymous pages come from the cache and are purged when something they show changes."""

import datetime
import random
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.utils import timezone

from cms.models import NewsPage
from volunteers.models import ActivityCategory
from volunteers.services.activities import activity_create

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_the_uncached_home_page_makes_at_most_15_queries(
    client, pages, django_assert_max_num_queries
):
    client.get("/")  # renditions are made once, on the first visit ever
    cache.clear()  # no cached page, no cached chrome, no cached figures

    with django_assert_max_num_queries(15):
        response = client.get("/")

    assert response.status_code == 200
    assert response["X-Cache"] == "MISS"
    assert "红马甲在身边" in response.content.decode()


def test_a_cached_page_is_served_without_touching_the_database(
    client, pages, django_assert_num_queries
):
    first = client.get("/dongtai/")
    with django_assert_num_queries(0):
        second = client.get("/dongtai/")

    assert second["X-Cache"] == "HIT"
    assert second.content.decode().count("志愿动态") == first.content.decode().count("志愿动态")


def test_each_visitor_gets_a_csrf_token_of_their_own_from_the_cache(client, pages):
    from django.test import Client

    client.get("/")
    stranger = Client()
    hit = stranger.get("/")

    assert hit["X-Cache"] == "HIT"
    token = CSRF.search(hit.content.decode()).group(1)
    assert token != "__cms_csrf_token__"
    assert "csrftoken" in hit.cookies
    # The token works: the language switcher in the footer posts with it.
    stranger = Client(enforce_csrf_checks=True)
    hit = stranger.get("/")
    token = CSRF.search(hit.content.decode()).group(1)
    switched = stranger.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302


def test_publishing_purges_the_cached_pages(client, pages, django_capture_on_commit_callbacks):
    client.get("/dongtai/")
    page = NewsPage(
        title="党员志愿者奉献日：认领居民微心愿",
        intro="每月第一个周六，党员亮身份、做表率。",
        date=timezone.localdate(),
    )
    pages.news.add_child(instance=page)
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()

    response = client.get("/dongtai/")
    assert response["X-Cache"] == "MISS"
    assert "认领居民微心愿" in response.content.decode()


def test_unpublishing_purges_the_cached_pages(client, pages, django_capture_on_commit_callbacks):
    assert "沙尘暴预警" in client.get("/dongtai/").content.decode()
    page = NewsPage.objects.get(slug="danghe-cleanup-postponed")
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()

    assert "沙尘暴预警" not in client.get("/dongtai/").content.decode()


def test_a_new_activity_purges_the_cached_pages(
    client, pages, town, django_capture_on_commit_callbacks
):
    client.get("/")
    starts = timezone.now() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        activity_create(
            organisation=town.liyuan,
            title="梨园社区便民义诊",
            category=ActivityCategory.objects.get_or_create(name="党员义务服务")[0],
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            address="梨园社区文化广场",
        )
    assert "梨园社区便民义诊" in client.get("/").content.decode()


def test_logged_in_people_are_never_served_from_the_cache(client, pages, make_person):
    client.get("/")
    person = make_person(real_name="陈小燕")
    client.force_login(person.user)

    response = client.get("/")

    assert "X-Cache" not in response
    assert "退出" in response.content.decode()


def test_django_views_are_not_cached(client, pages):
    client.get("/activities/")
    assert "X-Cache" not in client.get("/activities/")


@pytest.mark.parametrize("path", ["/", "/dongtai/"])
def test_each_language_has_its_own_cached_copy(client, pages, path):
    client.get(path)
    client.cookies["django_language"] = "en"
    english = client.get(path)
    assert english["X-Cache"] == "MISS"
    assert '<html lang="en">' in english.content.decode()


def stored_pages() -> int:
    """How many page entries the cache holds, in local memory or in Redis."""
    store = getattr(cache, "_cache", None)
    if isinstance(store, dict):  # LocMemCache
        return sum(":cms:page:" in key for key in store)
    return len(store.get_client(write=False).keys("*:cms:page:*"))


def test_unknown_query_parameters_share_the_pages_one_cache_entry(client, pages):
    rng = random.Random(8)
    responses = [
        client.get("/dongtai/", {f"utm_{rng.randrange(10**6)}": str(rng.random())})
        for _ in range(50)
    ]

    assert Counter(r["X-Cache"] for r in responses) == {"MISS": 1, "HIT": 49}
    assert stored_pages() == 1
    body = responses[-1].content.decode()
    assert "沙尘暴预警" in body and "早高峰路口的一抹红" in body  # the whole list
    assert "utm_" not in body  # no stranger's parameters in its links for the next visitor


def test_page_numbers_past_the_last_page_are_not_stored(client, pages):
    first = client.get("/dongtai/")
    junk = [client.get("/dongtai/", {"page": page}) for page in [*range(2, 40), "abc", "-1"]]

    assert first["X-Cache"] == "MISS"
    assert all("X-Cache" not in r for r in junk)  # each shows page 1; none gets an entry
    assert "沙尘暴预警" in junk[-1].content.decode()
    assert stored_pages() == 1


def test_a_real_filter_has_its_own_cached_page(client, pages):
    everything = client.get("/dongtai/")
    notices = client.get("/dongtai/", {"category": "tongzhi-gonggao"})
    again = client.get("/dongtai/", {"category": "tongzhi-gonggao", "from": "singlemessage"})
    unknown = client.get("/dongtai/", {"category": "no-such-category"})

    assert (everything["X-Cache"], notices["X-Cache"], again["X-Cache"]) == ("MISS",) * 2 + ("HIT",)
    for response in (notices, again):
        body = response.content.decode()
        assert "沙尘暴预警" in body and "早高峰路口的一抹红" not in body
    assert "早高峰路口的一抹红" in everything.content.decode()
    assert "X-Cache" not in unknown  # an unknown category is shown, never stored
    assert stored_pages() == 2


def test_an_empty_filter_form_is_the_unfiltered_page(client, pages):
    client.get("/dongtai/")
    submitted = client.get("/dongtai/", {"category": "", "tag": ""})

    assert submitted["X-Cache"] == "HIT"


def test_an_inline_script_on_a_cached_page_gets_a_fresh_nonce_each_time(client, pages, settings):
    script = '<script nonce="{{ request.csp_nonce }}">window.x = 1;</script>'
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    ("django.template.loaders.locmem.Loader", {"cms/news_index_page.html": script}),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]
    nonces = []
    for expected in ("MISS", "HIT", "HIT"):
        response = client.get("/dongtai/")
        assert response["X-Cache"] == expected
        nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3
