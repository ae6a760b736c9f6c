"""志愿动态: news, with categories (a snippet) and free tags."""

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms import cache as page_cache
from cms import editorial
from cms.blocks import BodyBlock
from cms.models.base import SitePage, paginate, query_without_page
from cms.search import clean_query
from volunteers import permissions


class NewsCategory(models.Model):
    """A kind of news: 活动报道, 通知公告, 党建动态 … (edited under 片段)."""

    name = models.CharField(_("名称"), max_length=20, unique=True)
    slug = models.SlugField(
        _("网址名"),
        max_length=40,
        unique=True,
        allow_unicode=False,
        help_text=_("用于筛选链接的英文或拼音，例如 huodong-baodao。"),
    )
    sort_order = models.PositiveSmallIntegerField(
        _("排序"), default=0, help_text=_("数字小的排在前面。")
    )

    class Meta:
        verbose_name = _("动态分类")
        verbose_name_plural = _("动态分类")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.NewsPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class NewsIndexPage(SitePage):
    """志愿动态: the list of news, newest first, filtered by category or tag."""

    intro = models.TextField(
        _("导语"), blank=True, max_length=300, help_text=_("列表上方的一段介绍。")
    )

    content_panels = [*SitePage.content_panels, FieldPanel("intro")]
    search_fields = [*SitePage.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    max_count = 1
    query_params = ("category", "tag", "page")

    class Meta:
        verbose_name = _("志愿动态栏目")
        verbose_name_plural = _("志愿动态栏目")

    def news(self):
        return (
            NewsPage.objects.live()
            .public()
            .child_of(self)
            .select_related("category", "cover_image", "community")
            .order_by("-date", "-first_published_at", "-id")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        news = self.news()
        categories = list(NewsCategory.objects.all())
        category = tag = None
        wanted_category = request.GET.get("category", "")
        if wanted_category:
            category = next((c for c in categories if c.slug == wanted_category), None)
            news = news.filter(category=category) if category else news.none()
            if category:
                page_cache.query_used(request, "category", category.slug)
        wanted_tag = clean_query(request.GET.get("tag"))
        if wanted_tag:
            tag = Tag.objects.filter(name=wanted_tag).first()
            news = news.filter(tagged_items__tag=tag) if tag else news.none()
            if tag:
                page_cache.query_used(request, "tag", tag.name)
        context.update(
            items=paginate(request, news, 10),
            categories=categories,
            category=category,
            tag=tag,
            tag_name=wanted_tag,
            filtering=bool(wanted_category or wanted_tag),
            query=query_without_page(request),
        )
        return context


class NewsPageForm(WagtailAdminPageForm):
    """A community editor picks one of their own communities; a town editor any, or none."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None or permissions.is_town_editor(user) or "community" not in self.fields:
            return
        field = self.fields["community"]
        field.queryset = permissions.news_communities_for(user)
        field.required = True
        field.help_text = _("只能为您负责的社区撰写动态。")
        field.error_messages["invalid_choice"] = _("您不能为这个社区撰写动态。")

    def clean(self):
        # Checked here, not by ``required``: Wagtail saves drafts without required fields.
        cleaned_data = super().clean()
        user = self.for_user
        if (
            user is not None
            and "community" in self.fields
            and "community" not in self.errors
            and not permissions.may_write_news_for(user, cleaned_data.get("community"))
        ):
            self.add_error("community", _("请选择您负责的社区；全镇新闻由镇编辑撰写。"))
        return cleaned_data


class NewsPage(SitePage):
    """One piece of news: an activity report, a notice, a story from a community."""

    date = models.DateField(
        _("日期"), default=timezone.localdate, help_text=_("新闻发生或发布的日期，列表按它排序。")
    )
    intro = models.CharField(
        _("摘要"),
        max_length=200,
        help_text=_("一两句话概括，显示在列表、搜索结果和分享卡片上。"),
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("横向图片，宽度至少 1200 像素；没有时列表显示色块。"),
    )
    category = models.ForeignKey(
        NewsCategory,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="news",
        help_text=_("在“片段 → 动态分类”中维护分类。"),
    )
    community = models.ForeignKey(
        "volunteers.Organisation",
        verbose_name=_("所属社区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": "community"},
        help_text=_("新闻来自哪个社区；全镇新闻留空。"),
    )
    related_activity = models.ForeignKey(
        "volunteers.Activity",
        verbose_name=_("关联活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("活动报道可关联对应的活动，页面上会显示活动链接。"),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("正文"))
    tags = ClusterTaggableManager(
        through=NewsPageTag, blank=True, verbose_name=_("标签"), help_text=_("用逗号分隔。")
    )

    content_panels = [
        *SitePage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("date"),
                FieldPanel("category", widget=forms.Select),
                FieldPanel("community", widget=forms.Select),
                FieldPanel("tags"),
            ],
            heading=_("分类与日期"),
        ),
        FieldPanel("intro"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
        FieldPanel("related_activity"),
    ]
    search_fields = [
        *SitePage.search_fields,
        index.SearchField("intro"),
        index.SearchField("search_tokens"),
        index.FilterField("date"),
    ]

    base_form_class = NewsPageForm
    share_image_field = "cover_image"
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("志愿动态")
        verbose_name_plural = _("志愿动态")

    def permissions_for_user(self, user):
        return editorial.NewsPagePermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["page_tags"] = list(self.tags.all())
        context["more_news"] = (
            NewsPage.objects.live()
            .public()
            .sibling_of(self, inclusive=False)
            .order_by("-date", "-id")[:3]
        )
        activity = self.related_activity
        context["activity"] = activity if activity is not None and activity.live else None
        return context
