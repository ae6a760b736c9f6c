"""Editors can open every page type, the site settings and the category list in the admin."""

import pytest
from django.urls import reverse
from wagtail.models import Page

from cms.models import SiteSettings


@pytest.fixture
def editor(admin_client, pages):
    return admin_client


def test_every_seeded_page_opens_in_the_editor(editor):
    for page in Page.objects.filter(depth__gt=1):
        response = editor.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
        assert response.status_code == 200, page.url_path


@pytest.mark.parametrize(
    ("model", "parent"),
    [
        ("newspage", "news"),
        ("teampage", "teams"),
        ("teampage", "squad"),
        ("storypage", "stories"),
        ("standardpage", "home"),
    ],
)
def test_new_pages_can_be_started_where_the_tree_allows(editor, pages, model, parent):
    parent_page = getattr(pages, parent)
    response = editor.get(reverse("wagtailadmin_pages:add", args=("cms", model, parent_page.pk)))
    assert response.status_code == 200


def test_the_tree_refuses_a_page_in_the_wrong_place(editor, pages):
    response = editor.get(
        reverse("wagtailadmin_pages:add", args=("cms", "newspage", pages.home.pk))
    )
    assert response.status_code in (302, 403)


def test_site_settings_and_news_categories_are_editable(editor, pages):
    settings = SiteSettings.objects.get()
    url = reverse("wagtailsettings:edit", args=("cms", "sitesettings", settings.site_id))
    html = editor.get(url).content.decode()
    assert "民情呼叫热线" in html and "排行榜姓名显示" in html
    categories = editor.get(reverse("wagtailsnippets_cms_newscategory:list"))
    assert "活动报道" in categories.content.decode()
