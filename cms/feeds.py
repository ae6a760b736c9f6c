"""RSS for 志愿动态: the latest published news."""

import datetime

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _

from cms.chrome import site_chrome
from cms.models import NewsIndexPage, NewsPage


class NewsFeed(Feed):
    feed_type = Rss201rev2Feed

    def title(self):
        return _("%(brand)s · 志愿动态") % {"brand": site_chrome(may_query=True)["brand_name"]}

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return None

    def link(self):
        index = NewsIndexPage.objects.live().public().first()
        return (index.get_full_url(self.request) if index else None) or "/"

    def description(self):
        return _("沙州镇志愿服务、在职党员报到和社区活动的最新消息。")

    def items(self):
        return (
            NewsPage.objects.live()
            .public()
            .select_related("category")
            .order_by("-date", "-first_published_at", "-id")[:20]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.intro

    def item_link(self, item):
        return item.get_full_url(self.request) or "/"

    def item_pubdate(self, item):
        return timezone.make_aware(datetime.datetime.combine(item.date, datetime.time(9, 0)))

    def item_updateddate(self, item):
        return item.last_published_at

    def item_categories(self, item):
        return [item.category.name] if item.category_id else []
