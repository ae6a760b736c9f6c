"""The demo's publicity site: the whole page tree, written for Shazhou, and a second run of
`seed_demo` that adds nothing."""

import re

from django.apps import apps
from django.core.management import call_command
from wagtail.images import get_image_model
from wagtail.models import Page, WorkflowState

from cms import editorial
from cms.models import (
    HomePage,
    NewsPage,
    SiteSettings,
    StandardPage,
    StoryPage,
    TeamPage,
)
from demo import site as demo

from .conftest import PEOPLE


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_the_whole_tree_is_built_under_the_home_page():
    home = HomePage.objects.get()
    urls = set(Page.objects.live().descendant_of(home).values_list("url_path", flat=True))
    for section in ("huodong", "dongtai", "duiwu", "xianjin", "guangrongbang"):
        assert f"/home/{section}/" in urls
    for standard in ("pinpai", "sizhi-duiwu", "sandan-yika", "jiaru"):
        assert StandardPage.objects.filter(slug=standard, live=True).exists(), standard
    assert NewsPage.objects.live().count() == len(demo.NEWS)
    assert StoryPage.objects.live().count() == len(demo.STORIES)
    # Every squad of the tree has its page; the demo team's page sits under its squad's.
    assert TeamPage.objects.filter(organisation__kind="squad").count() == 8
    traffic = TeamPage.objects.get(organisation__code="team-liyuan-traffic")
    assert traffic.get_parent().specific.organisation.code == "squad-liyuan"
    assert [block.block_type for block in home.body][:3] == [
        "hero",
        "town_statistics",
        "upcoming_activities",
    ]


def test_the_content_is_written_for_shazhou():
    text = " ".join(
        page.specific.search_tokens() + " " + page.title
        for page in Page.objects.live().filter(depth__gt=2)
    )
    for word in ("沙州", "红马甲", "文明交通劝导", "在职党员", "三单一卡", "四支队伍"):
        assert word in text, word
    assert not re.search(r"lorem|ipsum", text, re.IGNORECASE)


def test_pictures_are_made_locally_and_described():
    # The site's own pictures; the 爱心超市 goods (demo/shop.py) are drawn the same way.
    # The drawn seal of 证明出具 is checked with the settings below.
    images = get_image_model().objects.exclude(title__startswith="爱心超市")
    images = images.exclude(title__endswith="公章（演示）")
    assert images.count() == len(demo.PICTURES)
    for image in get_image_model().objects.all():
        assert image.description, image.title
        assert image.width > 0 and image.file.size > 1000
    news = NewsPage.objects.live().first()
    assert news.cover_image is not None


def test_site_settings_and_the_editorial_workflow_are_set_up():
    settings = SiteSettings.objects.get()
    assert settings.hotline and settings.wechat_name == "聚焦沙州"
    assert settings.logo is not None and settings.wechat_qr is not None
    assert settings.join_page.slug == "jiaru"
    assert settings.ranking_names == "masked"
    assert settings.sponsor and settings.icp_number and settings.police_number
    certificates = apps.get_model("points", "CertificateSettings").objects.get()
    assert certificates.issuer_name == "沙州镇志愿服务支队"
    assert certificates.seal.title == "沙州镇志愿服务支队公章（演示）"

    secretary_groups = set(
        apps.get_model("volunteers", "User")
        .objects.get(username="secretary")
        .groups.values_list("name", flat=True)
    )
    assert editorial.COMMUNITY_EDITORS in secretary_groups
    submitted = NewsPage.objects.get(slug=demo.SUBMITTED_SLUG)
    assert not submitted.live
    state = WorkflowState.objects.get(object_id=str(submitted.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by.username == "secretary"


def test_a_second_seed_changes_nothing():
    counts = table_counts()
    revisions = list(apps.get_model("wagtailcore", "Revision").objects.values_list("pk", flat=True))

    assert demo.seed_site() == 0
    call_command("seed_demo", people=PEOPLE, verbosity=0)

    assert table_counts() == counts
    assert (
        list(apps.get_model("wagtailcore", "Revision").objects.values_list("pk", flat=True))
        == revisions
    )


def test_an_edited_page_is_not_overwritten():
    page = StandardPage.objects.get(slug="jiaru")
    page.title = "怎样成为红马甲"
    page.save()

    demo.seed_site()

    assert StandardPage.objects.get(slug="jiaru").title == "怎样成为红马甲"


def test_every_seeded_page_renders(client):
    for page in Page.objects.live().filter(depth__gt=1).specific():
        response = client.get(page.url, follow=True)
        assert response.status_code == 200, page.url
        if page.url == "/huodong/":  # the 活动 section page leads to the one activity list
            assert response.redirect_chain == [("/activities/", 301)]
