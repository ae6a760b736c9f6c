"""The blocks every page body is built from, and the one body ``StreamBlock``.

Two families: editorial blocks (hero, rich text, image, quote, call to action) that
hold what an editor typed, and live blocks (town statistics, upcoming activities,
team cards, leaderboard) that hold only a few options and read the database each
time they render — the numbers on the site come from verified check-ins, not from
hand-typed figures. Each block has an icon, a template under
``site/templates/cms/blocks/``, a preview value and a description for the block
picker.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageBlock
from wagtail.models import Site

from cms import selectors
from core.masking import public_names

PREVIEW_TEMPLATE = "cms/block_preview.html"

link_validator = RegexValidator(
    r"^(/|https?://)",
    _("请输入以 / 开头的站内地址，或以 http:// / https:// 开头的完整网址。"),
)


def _preview_image():
    return get_image_model().objects.order_by("id").first()


class OptionBlock(blocks.ChoiceBlock):
    """A choice among rows of the database (communities, categories, ranking scopes).

    Wagtail's ChoiceBlock checks a stored value against its choices every time a page
    is loaded, which for database-backed choices is a query per block on every render.
    The choices only matter in the editor's form; a stored value is used as it is, and
    one that no longer exists simply matches nothing.
    """

    def to_python(self, value):
        return value or ""

    def bulk_to_python(self, values):
        return [value or "" for value in values]


# --- Links ---------------------------------------------------------------------------------


class LinkValue(blocks.StructValue):
    def href(self) -> str:
        page = self.get("page")
        if page is not None and page.live:
            return page.url or ""
        return self.get("url") or ""

    def href_for(self, request) -> str:
        """Like ``href``, reading the URL off the page's path under the request's site root."""
        page = self.get("page")
        site = getattr(request, "_wagtail_site", None)
        if page is not None and page.live and site is not None:
            url = selectors.relative_page_url(page.url_path, site.root_page.url_path)
            if url:
                return url
        return self.href()


class LinkBlock(blocks.StructBlock):
    """A page of this site, or an address (站内 /activities/ or a full https:// URL)."""

    page = blocks.PageChooserBlock(
        required=False, label=_("站内页面"), help_text=_("选择本站的一个页面。")
    )
    url = blocks.CharBlock(
        required=False,
        max_length=300,
        label=_("或网址"),
        validators=[link_validator],
        help_text=_("没有选择页面时使用，例如 /activities/ 或 https://…"),
    )

    class Meta:
        value_class = LinkValue
        icon = "link"
        label = _("链接")

    def clean(self, value):
        value = super().clean(value)
        if self.required and not value.get("page") and not value.get("url"):
            raise StructBlockValidationError(
                block_errors={"page": ValidationError(_("请选择一个页面或填写网址。"))}
            )
        return value


# --- Editorial blocks ----------------------------------------------------------------------


class HeroBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        max_length=40, label=_("大标题"), help_text=_("一句话，手机上最多两行。")
    )
    text = blocks.TextBlock(
        required=False, max_length=160, label=_("说明"), help_text=_("标题下的一两句介绍。")
    )
    image = ImageBlock(required=False, label=_("背景图"))
    button_text = blocks.CharBlock(
        required=False, max_length=16, label=_("按钮文字"), help_text=_("例如“报名参加活动”。")
    )
    button_link = LinkBlock(required=False, label=_("按钮链接"))

    class Meta:
        icon = "image"
        label = _("横幅")
        template = "cms/blocks/hero.html"
        preview_template = PREVIEW_TEMPLATE
        description = _("页面顶部的大标题横幅，可配背景图和一个醒目的按钮。")
        preview_value = {
            "heading": "红马甲在身边",
            "text": "沙州镇志愿服务：找活动、扫码签到、查积分、看光荣榜。",
            "button_text": "找个活动参加",
            "button_link": {"url": "/activities/"},
        }


class RichTextBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "features", ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]
        )
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("正文")
        template = "cms/blocks/rich_text.html"
        preview_template = PREVIEW_TEMPLATE
        description = _("段落、小标题、列表和链接。")
        preview_value = (
            "<h2>什么是“三单一卡”</h2><p>社区列出<b>需求清单</b>，单位和党员亮出<b>资源清单</b>，"
            "双方对接形成<b>项目清单</b>，在职党员用<b>双项认领卡</b>认领服务。</p>"
        )


class ImageWithCaptionBlock(blocks.StructBlock):
    image = ImageBlock(label=_("图片"))
    caption = blocks.CharBlock(
        required=False, max_length=120, label=_("图注"), help_text=_("显示在图片下方的说明。")
    )

    class Meta:
        icon = "image"
        label = _("图片")
        template = "cms/blocks/image.html"
        preview_template = PREVIEW_TEMPLATE
        description = _("一张图片，可加图注；请为图片填写替代文字，方便读屏软件朗读。")

    def get_preview_value(self):
        image = _preview_image()
        return self.normalize(
            {
                "image": {"image": image, "alt_text": "志愿者在路口劝导", "decorative": False},
                "caption": "梨园文明交通劝导队在阳关中路与沙州路口劝导行人走斑马线。",
            }
        )


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(max_length=300, label=_("引语"))
    author = blocks.CharBlock(required=False, max_length=40, label=_("说话人"))
    role = blocks.CharBlock(
        required=False,
        max_length=60,
        label=_("身份"),
        help_text=_("例如“梨园社区第3网格志愿者”。"),
    )

    class Meta:
        icon = "openquote"
        label = _("引语")
        template = "cms/blocks/quote.html"
        preview_template = PREVIEW_TEMPLATE
        description = _("一段醒目的引语，附说话人和身份。")
        preview_value = {
            "text": "穿上红马甲，就是沙州的一张名片。",
            "author": "陈小燕",
            "role": "梨园社区第3网格志愿者",
        }


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=40, label=_("标题"))
    text = blocks.TextBlock(required=False, max_length=200, label=_("说明"))
    button_text = blocks.CharBlock(max_length=16, label=_("按钮文字"))
    link = LinkBlock(label=_("按钮链接"))
    tone = blocks.ChoiceBlock(
        choices=[("vest", _("红马甲红")), ("green", _("石绿")), ("sand", _("沙色"))],
        default="vest",
        label=_("配色"),
    )

    class Meta:
        icon = "pick"
        label = _("行动号召")
        template = "cms/blocks/call_to_action.html"
        preview_template = PREVIEW_TEMPLATE
        description = _("一块带按钮的色块，引导读者报名、注册或了解更多。")
        preview_value = {
            "heading": "加入红马甲",
            "text": "用手机号注册，选好所在网格，就能报名身边的志愿活动。",
            "button_text": "立即注册",
            "link": {"url": "/accounts/signup/"},
            "tone": "vest",
        }


# --- Live blocks: they read the database each time ------------------------------------------


class TownStatisticsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        required=False, max_length=40, default="沙州志愿服务数据", label=_("标题")
    )
    note = blocks.CharBlock(
        required=False,
        max_length=120,
        label=_("脚注"),
        help_text=_("数字来自扫码签到记录，自动更新，无需手工填写。"),
    )

    class Meta:
        icon = "table"
        label = _("全镇数据")
        template = "cms/blocks/town_statistics.html"
        preview_template = PREVIEW_TEMPLATE
        description = _("实时数据：注册志愿者、党员人数、今年服务时长、本月活动数。")
        preview_value = {"heading": "沙州志愿服务数据", "note": "数据来自扫码签到，每五分钟更新。"}

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["stats"] = selectors.town_statistics()
        return context


class UpcomingActivitiesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, max_length=40, default="近期活动", label=_("标题"))
    count = blocks.IntegerBlock(
        default=4, min_value=1, max_value=12, label=_("显示几个"), help_text=_("1 到 12 个。")
    )
    community = OptionBlock(
        choices=selectors.community_choices,
        required=False,
        label=_("只显示某个社区"),
        help_text=_("留空显示全镇的活动。"),
    )
    category = OptionBlock(
        choices=selectors.category_choices,
        required=False,
        label=_("只显示某类活动"),
        help_text=_("留空显示所有类别。"),
    )

    class Meta:
        icon = "date"
        label = _("近期活动")
        template = "cms/blocks/upcoming_activities.html"
        preview_template = PREVIEW_TEMPLATE
        description = _("实时列出即将开始的已发布活动，附剩余名额，点进去即可报名。")
        preview_value = {"heading": "近期活动", "count": 3}

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["activities"] = selectors.upcoming_activities(
            limit=value.get("count") or 4,
            community_code=value.get("community") or "",
            category_name=value.get("category") or "",
        )
        return context


class TeamCardsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        required=False, max_length=40, default="志愿服务队伍", label=_("标题")
    )
    count = blocks.IntegerBlock(
        default=8, min_value=1, max_value=24, label=_("最多显示几支"), help_text=_("1 到 24。")
    )

    class Meta:
        icon = "group"
        label = _("队伍卡片")
        template = "cms/blocks/team_cards.html"
        preview_template = PREVIEW_TEMPLATE
        description = _("志愿服务支队下的各小分队：队员人数、服务时长，链接到队伍页面。")
        preview_value = {"heading": "志愿服务队伍", "count": 4}

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        request = (parent_context or {}).get("request")
        site = getattr(request, "_wagtail_site", None)
        root_path = site.root_page.url_path if site is not None else _default_root_path()
        cards = selectors.squads_figures(site_root_path=root_path)
        context["cards"] = cards[: value.get("count") or 8]
        return context


def _default_root_path() -> str:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page.url_path if site is not None else ""


SCOPE_HELP = _("排名范围：全镇、某个社区或某支小分队。")


class LeaderboardBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, max_length=40, default="光荣榜", label=_("标题"))
    scope = OptionBlock(
        choices=selectors.ranking_scope_choices,
        required=False,
        label=_("范围"),
        help_text=SCOPE_HELP,
    )
    population = blocks.ChoiceBlock(
        choices=[("volunteers", _("志愿者")), ("party_members", _("党员"))],
        default="volunteers",
        label=_("人群"),
    )
    period = blocks.ChoiceBlock(
        choices=[
            ("month", _("月度")),
            ("quarter", _("季度")),
            ("year", _("年度")),
            ("all", _("累计")),
        ],
        default="month",
        label=_("期间"),
    )
    measure = blocks.ChoiceBlock(
        choices=[("points", _("积分")), ("minutes", _("服务时长"))],
        default="points",
        label=_("按什么排"),
    )
    top_n = blocks.IntegerBlock(
        default=10, min_value=3, max_value=50, label=_("显示前几名"), help_text=_("3 到 50。")
    )

    class Meta:
        icon = "pick"
        label = _("排行榜")
        template = "cms/blocks/leaderboard.html"
        preview_template = PREVIEW_TEMPLATE
        description = _(
            "已公示的积分或服务时长排行；尚未公示时显示提示。姓名按站点设置显示或隐去。"
        )
        preview_value = {
            "heading": "本月光荣榜",
            "population": "volunteers",
            "period": "month",
            "measure": "points",
            "top_n": 10,
        }

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        request = (parent_context or {}).get("request")
        boards = selectors.published_boards(
            scope_code=value.get("scope") or "",
            population=value.get("population") or "volunteers",
            period=value.get("period") or "month",
            measure=value.get("measure") or "points",
            limit=value.get("top_n") or 10,
            names=public_names(request),
        )
        context["board"] = boards[0] if boards else None
        return context


# --- The body ------------------------------------------------------------------------------


class BodyBlock(blocks.StreamBlock):
    """The one body every page type uses."""

    hero = HeroBlock()
    rich_text = RichTextBlock()
    image = ImageWithCaptionBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    town_statistics = TownStatisticsBlock()
    upcoming_activities = UpcomingActivitiesBlock()
    team_cards = TeamCardsBlock()
    leaderboard = LeaderboardBlock()

    class Meta:
        block_counts = {"hero": {"max_num": 1}}
