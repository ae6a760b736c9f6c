"""Purge the page cache and rebuild the site chrome when what they show changes.

Handlers only schedule the work for after the transaction commits, so a
rolled-back change purges nothing. The work is cheap (a cache write; the chrome is
three queries), so a bulk change that schedules it many times costs little.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.cache import bump_content_version
from cms.chrome import refresh_chrome
from cms.models import NewsCategory, SiteSettings
from points.models import RankingSnapshot
from volunteers.models import Activity, Organisation


def _after_commit(func) -> None:
    transaction.on_commit(func)


def purge_pages() -> None:
    bump_content_version()


def purge_pages_and_chrome() -> None:
    bump_content_version()
    refresh_chrome()


def content_changed(**kwargs) -> None:
    _after_commit(purge_pages)


def pages_changed(**kwargs) -> None:
    _after_commit(purge_pages_and_chrome)


def page_deleted(sender, instance, **kwargs) -> None:
    if instance.live:
        _after_commit(purge_pages_and_chrome)


def connect() -> None:
    page_published.connect(pages_changed, dispatch_uid="cms_purge_published")
    page_unpublished.connect(pages_changed, dispatch_uid="cms_purge_unpublished")
    post_page_move.connect(pages_changed, dispatch_uid="cms_purge_moved")
    post_delete.connect(page_deleted, sender=Page, dispatch_uid="cms_purge_deleted")
    post_save.connect(pages_changed, sender=SiteSettings, dispatch_uid="cms_purge_settings")
    post_save.connect(pages_changed, sender=get_image_model(), dispatch_uid="cms_purge_image")
    # A newly published ranking snapshot changes the honour roll and the leaderboard block.
    post_save.connect(content_changed, sender=RankingSnapshot, dispatch_uid="cms_purge_snapshot")
    for model in (Activity, Organisation, NewsCategory):
        post_save.connect(content_changed, sender=model, dispatch_uid=f"cms_purge_{model.__name__}")
        post_delete.connect(
            content_changed, sender=model, dispatch_uid=f"cms_purge_del_{model.__name__}"
        )
