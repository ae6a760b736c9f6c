"""Anonymous pages come from the cache and are purged when something they show changes."""

import datetime
import re

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
