"""先进典型: stories of people who serve, and the honour roll (光荣榜)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms import cache as page_cache
from cms import selectors
from cms.blocks import BodyBlock
from cms.models.base import SitePage, paginate
from core.masking import public_names


class StoryIndexPage(SitePage):
    """先进典型: portraits of volunteers and party members, newest first."""

    intro = models.TextField(
        _("导语"), blank=True, max_length=300, help_text=_("列表上方的一段介绍。")
    )

    content_panels = [*SitePage.content_panels, FieldPanel("intro")]
    search_fields = [*SitePage.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.StoryPage"]
    max_count = 1
    query_params = ("page",)

    class Meta:
        verbose_name = _("先进典型栏目")
        verbose_name_plural = _("先进典型栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        stories = (
            StoryPage.objects.live()
            .public()
            .child_of(self)
            .select_related("portrait")
            .order_by("-date", "-id")
        )
        context["items"] = paginate(request, stories, 12)
        return context


class StoryPage(SitePage):
    """One person's story, told with their consent."""

    person_name = models.CharField(
        _("人物姓名"), max_length=20, help_text=_("公开报道须事先征得本人同意。")
    )
    person_role = models.CharField(
        _("身份"),
        max_length=60,
        blank=True,
        help_text=_("例如“梨园社区第3网格志愿者”“在职党员，敦煌市文化和旅游局”。"),
    )
    portrait = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("人物照片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("竖向照片，至少 600×750 像素；没有时显示姓氏头像。"),
    )
    quote = models.CharField(
        _("一句话"), max_length=120, blank=True, help_text=_("本人说的一句话，显示在列表卡片上。")
    )
    date = models.DateField(
        _("日期"), default=timezone.localdate, help_text=_("报道日期，列表按它从新到旧排序。")
    )
    intro = models.CharField(
        _("摘要"), max_length=200, help_text=_("一两句话概括，显示在列表和分享卡片上。")
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("正文"))

    content_panels = [
        *SitePage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("person_name"),
                FieldPanel("person_role"),
                FieldPanel("portrait"),
                FieldPanel("quote"),
            ],
            heading=_("人物"),
        ),
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [
        *SitePage.search_fields,
        index.SearchField("person_name"),
        index.SearchField("intro"),
        index.SearchField("search_tokens"),
    ]

    share_image_field = "portrait"
    parent_page_types = ["cms.StoryIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("先进典型")
        verbose_name_plural = _("先进典型")

    def initial(self) -> str:
        return (self.person_name or self.title or "?")[:1]


class HonourRollPage(SitePage):
    """光荣榜: the monthly rankings once they are published, with their notice period.

    One board at a time, the others one tap away: each tab is a plain link
    (``?board=volunteers-minutes``) and the server renders that board alone, so the page
    works without JavaScript and stays about two screens tall on a phone. ``board`` is
    one of the page's ``query_params``, so the page cache keeps one copy per board (and
    the plain page); an unknown value shows the first board and is not cached.
    """

    intro = models.TextField(
        _("导语"),
        blank=True,
        max_length=300,
        help_text=_("榜单上方的说明，例如评选依据和公示期。"),
    )
    objection_note = models.CharField(
        _("异议说明"),
        max_length=200,
        blank=True,
        help_text=_("公示期内如何提出异议，例如“公示期内可向所在社区党委反映”。"),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("榜单下方内容"))

    content_panels = [
        *SitePage.content_panels,
        FieldPanel("intro"),
        FieldPanel("objection_note"),
        FieldPanel("body"),
    ]
    search_fields = [*SitePage.search_fields, index.SearchField("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    query_params = ("board",)

    class Meta:
        verbose_name = _("光荣榜")
        verbose_name_plural = _("光荣榜")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        boards = selectors.published_boards(limit=20, names=public_names(request))
        wanted = request.GET.get("board", "")
        board = next((b for b in boards if b.key == wanted), None)
        if board is not None:
            page_cache.query_used(request, "board", board.key)
        context["boards"] = boards
        context["board"] = board or (boards[0] if boards else None)
        return context
