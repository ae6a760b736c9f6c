"""Each page type renders what a visitor expects; bad query strings and missing images never 500."""

import datetime

import pytest
from django.utils import timezone
from wagtail.images import get_image_model

from cms.models import NewsPage, SiteSettings, TeamPage
from volunteers.models import ActivityCategory
from volunteers.services.activities import activity_create
from volunteers.services.attendance import attendance_add_manual


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def coming(town, pages):
    """A published activity of 梨园社区 next week, with a cap of 10."""
    starts = timezone.now() + datetime.timedelta(days=7)
    return activity_create(
        organisation=town.team,
        title="阳关中路早高峰文明交通劝导",
        category=ActivityCategory.objects.get_or_create(name="文明交通劝导")[0],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        address="阳关中路与沙州路口",
        capacity=10,
    )


def test_home_shows_the_hero_live_figures_and_coming_activities(client, pages, coming):
    html = body(client.get("/"))

    assert "红马甲在身边" in html
    assert "沙州志愿服务数据" in html
    assert "注册志愿者" in html
    assert coming.title in html
    assert f'href="/activities/{coming.pk}/"' in html
    assert "剩余 10 / 10 个名额" in html
    assert "排行榜尚未公示" in html  # the leaderboard block before rankings exist
    assert "梨园志愿服务小分队" in html  # the squad card, linked to its page
    assert 'href="/duiwu/liyuan/"' in html


def test_town_figures_come_from_the_database(
    client, pages, town, make_person, make_activity, person_with_role
):
    leader = person_with_role("leader", town.team, real_name="张志强")
    activity = make_activity(
        organisation=town.team,
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    for n in range(3):
        person = make_person(real_name=f"志愿者{n}", with_user=False)
        attendance_add_manual(
            activity=activity,
            person=person,
            by=leader.user,
            reason="手机没电，现场登记",
            checked_in_at=activity.starts_at,
            checked_out_at=activity.ends_at,
        )
    html = body(client.get("/"))

    # Three people served the whole two hours: six hours this year.
    assert '<span class="stats__number">6</span>' in html
    assert '<span class="stats__number">4</span>' in html  # three volunteers and the leader


def test_the_activity_section_is_the_one_activity_list(client, pages, coming, town):
    """/huodong/ (the Wagtail 活动栏目) leads to /activities/, filters and page kept."""
    response = client.get("/huodong/")
    assert response.status_code == 301
    assert response["Location"] == "/activities/"

    query = {"when": "week", "community": town.qiaobei.pk, "page": "2"}
    filtered = client.get("/huodong/", query)
    assert filtered.status_code == 301
    assert filtered["Location"] == f"/activities/?when=week&community={town.qiaobei.pk}&page=2"

    html = body(client.get("/huodong/", follow=True))
    assert coming.title in html
    assert f'href="/activities/{coming.pk}/"' in html
    assert 'name="community"' in html and 'name="category"' in html
    other = body(client.get("/huodong/", {"community": town.qiaobei.pk}, follow=True))
    assert coming.title not in other
    assert "没有符合条件的活动" in other


def test_the_activity_list_lights_up_one_item_of_the_navigation(client, pages, coming):
    client.get("/")  # a Wagtail page builds the chrome
    html = body(client.get("/activities/"))
    start = html.index('class="section-nav"')
    nav = html[start : html.index("</nav>", start)]
    assert nav.count('aria-current="page"') == 1
    assert 'href="/activities/" aria-current="page">活动</a>' in nav
    assert 'href="/huodong/"' not in html


@pytest.mark.parametrize(
    "query",
    [
        {"when": "yesterday", "category": "abc", "community": "-1", "page": "x"},
        {"page": "99999"},
        {"page": "-3"},
        {"community": "1 OR 1=1"},
        {"category": "\x01"},  # NUL is refused before any page (tests/test_nul_input.py)
        {"when": ["upcoming", "past"]},
    ],
)
def test_activity_filters_take_any_query_string(client, pages, coming, query):
    assert client.get("/huodong/", query, follow=True).status_code == 200


def test_news_index_filters_by_category_and_tag(client, pages):
    html = body(client.get("/dongtai/"))
    assert "梨园文明交通劝导队：早高峰路口的一抹红" in html
    assert "桥北社区反诈宣传进广场" in html

    notices = body(client.get("/dongtai/", {"category": "tongzhi-gonggao"}))
    assert "沙尘暴预警" in notices
    assert "早高峰路口的一抹红" not in notices

    tagged = body(client.get("/dongtai/", {"tag": "三单一卡"}))
    assert "“三单一卡”让群众需求和党员资源对上号" in tagged
    assert "沙尘暴预警" not in tagged


@pytest.mark.parametrize(
    "query",
    [
        {"category": "no-such"},
        {"tag": "不存在的标签"},
        {"tag": "\x01\x1f"},
        {"tag": "x" * 5000},
        {"page": "abc"},
        {"page": "0"},
        {"page": "1e9"},
    ],
)
def test_news_index_takes_any_query_string(client, pages, query):
    assert client.get("/dongtai/", query).status_code == 200


def test_a_news_page_shows_its_story_tags_and_activity_link(client, pages):
    html = body(client.get(pages.news_page.url))
    assert "每周一早上八点" in html  # the summary
    assert "路口站久了" in html  # the quote block
    assert "#文明交通劝导" in html
    assert '<meta property="og:type" content="article">' in html
    assert 'property="og:image"' in html
    assert '<link rel="canonical" href="http://localhost/dongtai/liyuan-traffic-morning/">' in html


def test_the_team_section_draws_squads_and_teams_from_the_tree(client, pages, town, make_person):
    from volunteers.services.memberships import membership_grant

    for n in range(4):
        membership_grant(
            person=make_person(real_name=f"队员{n}", with_user=False),
            organisation=town.team,
            role="member",
        )
    index = body(client.get("/duiwu/"))
    assert "沙州镇志愿服务支队" in index
    assert "梨园志愿服务小分队" in index

    squad = body(client.get("/duiwu/liyuan/"))
    assert "文明交通劝导队" in squad and "敬老助残服务队" in squad
    assert "<dd>4</dd>" in squad  # members, counted from open memberships
    assert "还没有已完成的服务记录" in squad


def test_stories_list_people_and_link_to_their_pages(client, pages):
    html = body(client.get("/xianjin/"))
    assert "张志强" in html and "梨园文明交通劝导队队长" in html
    story = body(client.get(pages.story.url))
    assert "路口站了八年" in story


def test_the_honour_roll_says_it_is_not_published_yet(client, pages):
    html = body(client.get("/guangrongbang/"))
    assert "本月光荣榜尚未公示" in html
    assert "积分怎么来" in html


def test_a_deleted_image_leaves_the_pages_standing(client, pages):
    get_image_model().objects.all().delete()
    for url in ("/", "/dongtai/", pages.news_page.url, "/xianjin/", pages.story.url, "/duiwu/"):
        assert client.get(url).status_code == 200, url
    html = body(client.get("/dongtai/"))
    assert "news-card__placeholder" in html


def test_an_image_whose_file_is_gone_still_renders(client, pages, settings):
    import shutil
    from pathlib import Path

    shutil.rmtree(Path(settings.MEDIA_ROOT) / "original_images")
    for url in ("/", pages.news_page.url, pages.story.url):
        assert client.get(url).status_code == 200, url


def test_a_team_page_without_activities_has_empty_states(client, pages, town):
    page = TeamPage.objects.get(organisation__code="squad-liyuan")
    html = body(client.get(page.url))
    assert "暂时没有即将开展的活动" in html


def test_unpublished_news_is_not_shown(client, pages):
    NewsPage.objects.filter(slug="qiaobei-anti-fraud").update(live=False)
    assert client.get("/dongtai/qiaobei-anti-fraud/").status_code == 404


def test_site_settings_fill_the_header_and_footer(
    client, pages, django_capture_on_commit_callbacks
):
    html = body(client.get("/"))
    assert "0937-8822345" in html
    assert 'href="tel:09378822345"' in html
    assert "微信公众号“聚焦沙州”二维码" in html
    assert 'class="brand__mark brand__logo"' in html

    settings = SiteSettings.objects.get()
    settings.brand_name = "沙州红马甲"
    settings.hotline = "0937-1234567"
    with django_capture_on_commit_callbacks(execute=True):
        settings.save()
    html = body(client.get("/"))
    assert "沙州红马甲" in html
    assert "0937-1234567" in html


def test_every_page_has_the_sections_in_its_navigation(client, pages):
    html = body(client.get("/dongtai/"))
    for label, url in (
        ("首页", "/"),
        ("活动", "/activities/"),
        ("志愿动态", "/dongtai/"),
        ("队伍", "/duiwu/"),
        ("光荣榜", "/guangrongbang/"),
        ("加入我们", "/jiaru/"),
    ):
        assert f'href="{url}"' in html, label
    assert 'href="/dongtai/" aria-current="page">志愿动态</a>' in html


def test_django_pages_share_the_chrome_without_a_query_of_their_own(
    client, pages, django_assert_max_num_queries
):
    client.get("/")  # a Wagtail page builds the chrome once
    with django_assert_max_num_queries(4):  # the activity list's own queries
        html = body(client.get("/activities/"))
    assert "0937-8822345" in html
    assert 'href="/activities/" aria-current="page">活动</a>' in html
