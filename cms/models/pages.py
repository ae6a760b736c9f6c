"""The front page and the plain content pages (品牌介绍, 四支队伍, 三单一卡, 如何加入)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms import selectors
from cms.blocks import BodyBlock
from cms.models.base import SitePage

SECTION_TYPES = [
    "cms.NewsIndexPage",
    "cms.ActivityIndexPage",
    "cms.TeamIndexPage",
    "cms.StoryIndexPage",
    "cms.HonourRollPage",
    "cms.StandardPage",
]


class HomePage(SitePage):
    """The site's front page, the root of the public page tree."""

    tagline = models.CharField(
        _("标语"),
        max_length=120,
        blank=True,
        help_text=_("显示在品牌名下方的一句话，例如“红马甲在身边”。"),
    )
    intro = models.TextField(_("导语"), blank=True, help_text=_("首页横幅下的简短介绍。"))
    body = StreamField(
        BodyBlock(),
        blank=True,
        verbose_name=_("首页内容"),
        help_text=_("横幅、实时数据、近期活动、队伍和光荣榜等板块，可自由排序。"),
    )

    content_panels = [
        *SitePage.content_panels,
        FieldPanel("tagline"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [
        *SitePage.search_fields,
        index.SearchField("intro"),
        index.SearchField("search_tokens"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = SECTION_TYPES
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def has_hero(self) -> bool:
        return any(block.block_type == "hero" for block in self.body)

    def opens_with_hero(self) -> bool:
        return bool(self.body) and self.body[0].block_type == "hero"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # 微心愿 需求 n · 已认领 m · 已完成 k under the banner: from the needs themselves.
        context["need_counts"] = selectors.need_statistics()
        return context


class StandardPage(SitePage):
    """A page of text and pictures: the brand, 四支队伍, 三单一卡, how to join."""

    intro = models.TextField(
        _("导语"),
        blank=True,
        max_length=300,
        help_text=_("标题下的一段概述，也用作搜索结果和分享卡片的摘要。"),
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("题图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("横向图片，宽度至少 1200 像素；也用作分享图。"),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("正文"))

    content_panels = [
        *SitePage.content_panels,
        FieldPanel("intro"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *SitePage.search_fields,
        index.SearchField("intro"),
        index.SearchField("search_tokens"),
    ]

    share_image_field = "cover_image"
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("普通页面")
        verbose_name_plural = _("普通页面")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["subpages"] = self.get_children().live().public().specific()
        return context
