"""Search finds Chinese words in pages and activities; the feed and the sitemap list the site."""

import datetime

import pytest
from django.utils import timezone

from volunteers.models import ActivityCategory
from volunteers.services.activities import activity_create


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("三单一卡", "“三单一卡”让群众需求和党员资源对上号"),
        ("草方格", "防风固沙：红马甲在鸣沙山脚下扎草方格"),
        ("反诈", "桥北社区反诈宣传进广场"),
        ("张志强", "路口站了八年的“红马甲队长”"),
        ("在职党员 报到", "在职党员义务服务周：下班后回社区“报到”"),
    ],
)
def test_search_finds_chinese_words_inside_pages(client, pages, query, found):
    html = text(client.get("/search/", {"q": query}))
    assert found in html


def test_search_says_so_when_nothing_matches(client, pages):
    html = text(client.get("/search/", {"q": "火星移民"}))
    assert "没有找到与“火星移民”相关的页面" in html


def test_search_lists_matching_coming_activities(client, pages, town):
    starts = timezone.now() + datetime.timedelta(days=3)
    activity = activity_create(
        organisation=town.team,
        title="阳关中路早高峰文明交通劝导",
        category=ActivityCategory.objects.get_or_create(name="文明交通劝导")[0],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        address="阳关中路与沙州路口",
    )
    html = text(client.get("/search/", {"q": "阳关中路"}))
    assert "相关活动" in html
    assert f'href="/activities/{activity.pk}/"' in html


@pytest.mark.parametrize(
    "query",
    [
        {"q": ""},
        {"q": "   "},
        {"q": '"红马甲'},
        {"q": "AND OR NOT ( ) * ^ : -"},
        {"q": "\x01红马甲\x1f"},  # NUL is a 400 for every page: tests/test_nul_input.py
        {"q": "红" * 5000},
        {"q": "'; DROP TABLE wagtailcore_page; --"},
        {"q": "红马甲", "page": "abc"},
        {"q": "红马甲", "page": "-1"},
        {"q": "红马甲", "page": "999999999999999999999"},
        {"q": ["红马甲", "党员"]},
        {},
    ],
)
def test_search_takes_any_query_string(client, pages, query):
    assert client.get("/search/", query).status_code == 200


def test_search_results_are_paginated(client, pages):
    html = text(client.get("/search/", {"q": "社区"}))
    assert "找到" in html


def test_the_news_feed_lists_the_latest_news(client, pages):
    response = client.get("/feeds/news/")
    body = text(response)
    assert response["Content-Type"].startswith("application/rss+xml")
    assert "<title>美丽沙州 · 志愿动态</title>" in body
    assert "梨园文明交通劝导队：早高峰路口的一抹红" in body
    assert "http://localhost/dongtai/liyuan-traffic-morning/" in body


def test_the_sitemap_lists_pages_and_published_activities(client, pages, make_activity):
    activity = make_activity()
    body = text(client.get("/sitemap.xml"))
    assert "<loc>http://localhost/dongtai/liyuan-traffic-morning/</loc>" in body
    # The 活动 section is listed at the one activity list, not at its redirect.
    assert "<loc>http://localhost/activities/</loc>" in body
    assert "/huodong/" not in body
    assert f"<loc>http://localhost/activities/{activity.pk}/</loc>" in body


def test_pages_carry_open_graph_tags_for_sharing(client, pages):
    html = text(client.get("/xianjin/zhang-zhiqiang/"))
    assert '<meta property="og:title" content="路口站了八年的“红马甲队长”">' in html
    assert '<meta property="og:site_name" content="美丽沙州">' in html
    assert 'property="og:description" content="从 2016 年到现在' in html
    assert '<meta property="og:image" content="http://localhost/media/images/' in html
    assert 'type="application/rss+xml"' in html
