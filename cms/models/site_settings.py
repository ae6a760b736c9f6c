"""Site-wide values editors change in 设置 → 站点设置, read by the header and footer."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


class RankingNames(models.TextChoices):
    MASKED = "masked", _("隐去中间字（李*芬）")
    FULL = "full", _("显示全名")


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """Brand, contact points and the public-ranking privacy choice."""

    brand_name = models.CharField(
        _("品牌名称"),
        max_length=20,
        default="美丽沙州",
        help_text=_("页眉、页脚和分享卡片上显示的名称。"),
    )
    brand_subtitle = models.CharField(
        _("品牌副标题"),
        max_length=30,
        blank=True,
        default="志愿服务 · 党员积分",
        help_text=_("品牌名下方的小字；手机上会隐藏。"),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("标志"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("正方形图片，至少 192×192 像素；留空则使用默认的沙山图标。"),
    )
    hotline = models.CharField(
        _("民情呼叫热线"),
        max_length=30,
        blank=True,
        help_text=_("社区民情呼叫热线号码，显示在页脚，手机上可点击拨打。"),
    )
    hotline_hours = models.CharField(
        _("热线接听时间"),
        max_length=40,
        blank=True,
        help_text=_("例如“每天 8:00–20:00”。"),
    )
    footer_text = models.TextField(
        _("页脚文字"),
        blank=True,
        default="有难找支部，服务找党员",
        help_text=_("页脚的一两句话，例如口号；主办单位请填在“主办单位与备案”中。"),
    )
    wechat_name = models.CharField(
        _("微信公众号名称"),
        max_length=30,
        blank=True,
        default="聚焦沙州",
        help_text=_("页脚二维码旁显示的公众号名称。"),
    )
    wechat_qr = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("公众号二维码"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("“聚焦沙州”公众号的二维码图片，显示在页脚。"),
    )
    sponsor = models.CharField(
        _("主办单位"),
        max_length=120,
        blank=True,
        help_text=_(
            "显示在页脚，例如“中共敦煌市沙州镇委员会　敦煌市沙州镇人民政府”；留空则不显示。"
        ),
    )
    icp_number = models.CharField(
        _("ICP 备案号"),
        max_length=40,
        blank=True,
        validators=[
            RegexValidator(
                r"ICP[备证]\d+号", _("请按备案系统的写法填写，例如“陇ICP备2026000000号-1”。")
            )
        ],
        help_text=_(
            "例如“陇ICP备2026000000号-1”，页脚链接到工业和信息化部备案系统；留空则不显示。"
        ),
    )
    police_number = models.CharField(
        _("公安备案号"),
        max_length=40,
        blank=True,
        validators=[
            RegexValidator(
                r"公网安备\s*\d{14}号",
                _("请按备案系统的写法填写，例如“甘公网安备62098202000000号”。"),
            )
        ],
        help_text=_(
            "例如“甘公网安备62098202000000号”，页脚链接到全国互联网安全管理服务平台；留空则不显示。"
        ),
    )
    join_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("“加入我们”页面"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("导航栏“加入我们”指向的页面；留空则指向注册页。"),
    )
    ranking_names = models.CharField(
        _("排行榜姓名显示"),
        max_length=8,
        choices=RankingNames.choices,
        default=RankingNames.MASKED,
        help_text=_("公开的排行榜和光荣榜上，姓名显示全名还是隐去中间字。"),
    )

    select_related = ["logo", "wechat_qr", "join_page"]

    panels = [
        MultiFieldPanel(
            [FieldPanel("brand_name"), FieldPanel("brand_subtitle"), FieldPanel("logo")],
            heading=_("品牌"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("hotline"),
                FieldPanel("hotline_hours"),
                FieldPanel("wechat_name"),
                FieldPanel("wechat_qr"),
                FieldPanel("footer_text"),
            ],
            heading=_("联系方式与页脚"),
        ),
        MultiFieldPanel(
            [FieldPanel("sponsor"), FieldPanel("icp_number"), FieldPanel("police_number")],
            heading=_("主办单位与备案"),
        ),
        MultiFieldPanel([FieldPanel("join_page")], heading=_("导航")),
        MultiFieldPanel([FieldPanel("ranking_names")], heading=_("隐私")),
    ]

    class Meta:
        verbose_name = _("站点设置")
        verbose_name_plural = _("站点设置")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
