"""The publicity site's fixtures: the small town of tests/conftest.py with the demo page tree."""

import pytest
import time_machine
from django.core.cache import cache

from demo import site as demo

from ..clock import shazhou_at


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


@pytest.fixture(autouse=True)
def _at_noon(request):
    """The site shows figures for this month and this year: every test here runs from noon
    of the run's day in Shazhou (the clock ticks on from there), so none can straddle a
    midnight into another period. A test that needs another hour travels there itself."""
    if request.node.get_closest_marker("time_machine"):
        yield
        return
    with time_machine.travel(shazhou_at(hour=12), tick=True):
        yield
