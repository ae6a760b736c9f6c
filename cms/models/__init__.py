"""The publicity site's models: page types, the news category snippet, site settings."""

from .activities import ActivityIndexPage
from .base import SitePage
from .news import NewsCategory, NewsIndexPage, NewsPage, NewsPageTag
from .pages import HomePage, StandardPage
from .site_settings import RankingNames, SiteSettings
from .stories import HonourRollPage, StoryIndexPage, StoryPage
from .teams import TeamIndexPage, TeamPage

# The section pages the navigation links to, by nav key.
SECTION_MODELS = {
    "activities": ActivityIndexPage,
    "news": NewsIndexPage,
    "teams": TeamIndexPage,
    "stories": StoryIndexPage,
    "honour": HonourRollPage,
}

__all__ = [
    "SECTION_MODELS",
    "ActivityIndexPage",
    "HomePage",
    "HonourRollPage",
    "NewsCategory",
    "NewsIndexPage",
    "NewsPage",
    "NewsPageTag",
    "RankingNames",
    "SitePage",
    "SiteSettings",
    "StandardPage",
    "StoryIndexPage",
    "StoryPage",
    "TeamIndexPage",
    "TeamPage",
]
