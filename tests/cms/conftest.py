"""The publicity site's fixtures: the small town of tests/conftest.py with the demo page tree."""

import pytest
from django.core.cache import cache

from cms import demo


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Generated pictures and their renditions go to a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def site_tree(town, django_capture_on_commit_callbacks):
    """The demo pages built on the test town (two communities, one squad, two teams)."""
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed_site()
    cache.clear()
    return demo


@pytest.fixture
def pages(site_tree):
    from types import SimpleNamespace

    from cms.models import (
        ActivityIndexPage,
        HomePage,
        HonourRollPage,
        NewsIndexPage,
        NewsPage,
        StoryIndexPage,
        StoryPage,
        TeamIndexPage,
        TeamPage,
    )

    return SimpleNamespace(
        home=HomePage.objects.get(),
        activities=ActivityIndexPage.objects.get(),
        news=NewsIndexPage.objects.get(),
        news_page=NewsPage.objects.live().get(slug="liyuan-traffic-morning"),
        teams=TeamIndexPage.objects.get(),
        squad=TeamPage.objects.get(slug="liyuan"),
        stories=StoryIndexPage.objects.get(),
        story=StoryPage.objects.get(slug="zhang-zhiqiang"),
        honour=HonourRollPage.objects.get(),
    )
