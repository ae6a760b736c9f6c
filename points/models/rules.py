"""The rules that turn service into points, editable by town admins.

``PointsRule`` says how many points an attendance earns, per activity category
and audience, and caps what one person can earn in a day and a year in that
category. ``PointsPolicy`` holds what is per audience rather than per category:
the party-member rubric's yearly caps (e.g. a 100-point year, with a cap on each
item) and whether a balance may go below zero.

Service time earns ``points_per_hour`` pro rata: the rule's rounding unit and mode say
how minutes become points (``points.services.awards.preview_points``). The default, for
new rules and the town's default rule, prorates by the minute and rounds the points to
the nearest whole point (1小时58分钟 at 1分/小时 ≈ 1.97, so 2分); a unit of 60 minutes
rounded down is the old per-hour floor.

The most specific rule wins: (category, audience), (category, anyone),
(no category, audience), (no category, anyone). Migration 0003 creates the last
one, the default rule; if it is ever missing the services recreate it.

Claims on residents' needs (双项认领) have no activity and so no activity category:
they are scored only by rules marked ``for_claims`` (no category; audience as above),
and activities only by the others. Migration 0012 creates the town's 双项认领 rule.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from points.models.ledger import Category


class Audience(models.TextChoices):
    ANYONE = "anyone", _("所有人")
    VOLUNTEERS = "volunteers", _("志愿者（非党员）")
    PARTY_MEMBERS = "party_members", _("党员")


class Rounding(models.TextChoices):
    """How service time (by the rule's unit) and then points (to a whole point) are rounded."""

    NEAREST = "nearest", _("就近取整（四舍五入）")
    DOWN = "down", _("向下取整（不足的部分不计）")
    UP = "up", _("向上取整（不足的部分按一个单位计）")


ROUNDING_UNITS = [
    (1, _("1 分钟（按分钟折算）")),
    (15, _("15 分钟")),
    (30, _("30 分钟")),
    (60, _("1 小时")),
]


DEFAULT_RULE_NAME = "默认规则"
CLAIM_RULE_NAME = "双项认领"


class PointsRule(models.Model):
    """Points for attending, per activity category and audience; or for claims (双项认领)."""

    name = models.CharField(_("名称"), max_length=60)
    category = models.ForeignKey(
        "volunteers.ActivityCategory",
        verbose_name=_("活动类别"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_rules",
        help_text=_("留空表示适用于所有类别。"),
    )
    audience = models.CharField(
        _("适用对象"), max_length=16, choices=Audience.choices, default=Audience.ANYONE
    )
    for_claims = models.BooleanField(
        _("适用于双项认领"),
        default=False,
        help_text=_(
            "勾选后这条规则只用于认领完成的居民需求（双项认领），不用于活动，也不能选活动类别；"
            "“每次出勤积分”即每完成一次认领所得。"
        ),
    )
    points_per_attendance = models.PositiveIntegerField(
        _("每次出勤积分"),
        default=0,
        help_text=_("达到最低出勤比例即得，与时长无关；双项认领规则中为每完成一次认领所得。"),
    )
    points_per_hour = models.PositiveIntegerField(
        _("每小时积分"),
        default=1,
        help_text=_("按服务时长折算，取整见“时长取整单位”和“取整方式”。"),
    )
    rounding_unit = models.PositiveSmallIntegerField(
        _("时长取整单位"),
        choices=ROUNDING_UNITS,
        default=1,
        help_text=_(
            "服务时长先按这个单位取整，再乘以每小时积分。选“1 分钟”即按分钟折算，"
            "不取整时长；选“30 分钟”则 1小时58分钟 计为 2小时（就近）。"
        ),
    )
    rounding_mode = models.CharField(
        _("取整方式"),
        max_length=8,
        choices=Rounding.choices,
        default=Rounding.NEAREST,
        help_text=_(
            "时长按单位取整、积分取整到 1 分都用这种方式。例：服务 1小时58分钟、每小时 1 分，"
            "按分钟折算约 1.97 分：就近取整计 2 分，向下取整计 1 分。"
        ),
    )
    daily_cap = models.PositiveIntegerField(
        _("本类别每日上限"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("同一人一天内在本类别活动中（双项认领规则：在认领中）最多得多少分；留空不限。"),
    )
    yearly_cap = models.PositiveIntegerField(
        _("本类别每年上限"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("同一人一年内在本类别活动中（双项认领规则：在认领中）最多得多少分；留空不限。"),
    )
    rubric_category = models.CharField(
        _("计入积分细则"),
        max_length=12,
        choices=[(c.value, c.label) for c in Category if c != Category.DEDUCTION],
        default=Category.SERVICE,
    )
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["category__sort_order", "audience", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "audience"],
                condition=Q(category__isnull=False),
                name="rule_one_per_category_audience",
            ),
            models.UniqueConstraint(
                fields=["audience", "for_claims"],
                condition=Q(category__isnull=True),
                name="rule_one_general_per_audience",
            ),
            # A claim has no activity category: a claims rule naming one would never apply.
            models.CheckConstraint(
                condition=Q(for_claims=False) | Q(category__isnull=True),
                name="rule_claims_have_no_category",
                violation_error_message=_("双项认领规则适用于所有认领，不能选活动类别。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PointsPolicy(models.Model):
    """Per-audience limits: the yearly rubric caps and whether a balance may go negative."""

    audience = models.CharField(
        _("适用对象"),
        max_length=16,
        choices=[(a.value, a.label) for a in Audience if a != Audience.ANYONE],
        unique=True,
    )
    yearly_total_cap = models.PositiveIntegerField(
        _("年度积分上限"),
        null=True,
        blank=True,
        help_text=_("一年内基础、服务、奖励积分合计最多多少分（扣分不占额度）；留空不限。"),
    )
    basic_cap = models.PositiveIntegerField(_("基础积分年度上限"), null=True, blank=True)
    service_cap = models.PositiveIntegerField(_("服务积分年度上限"), null=True, blank=True)
    reward_cap = models.PositiveIntegerField(_("奖励积分年度上限"), null=True, blank=True)
    allow_negative_balance = models.BooleanField(
        _("允许余额为负"), default=False, help_text=_("不允许时，扣分和调整不能使可用积分低于零。")
    )
    expires_after_years = models.PositiveSmallIntegerField(
        _("积分有效期（年）"),
        null=True,
        blank=True,
        help_text=_(
            "留空表示积分不过期。填 1 表示某年获得的积分可用到次年年底，"
            "之后未用完的部分在元旦自动过期（先得先用）。"
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分细则")
        verbose_name_plural = _("积分细则")

    def __str__(self) -> str:
        return str(self.get_audience_display())

    def item_cap(self, category: str) -> int | None:
        return {
            Category.BASIC: self.basic_cap,
            Category.SERVICE: self.service_cap,
            Category.REWARD: self.reward_cap,
        }.get(category)
