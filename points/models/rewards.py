"""爱心超市: each community's reward catalogue and the redemptions made from it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Reward(models.Model):
    """One item on a community's love-supermarket shelf (爱心超市商品)."""

    community = models.ForeignKey(
        "volunteers.Organisation",
        verbose_name=_("所属社区"),
        on_delete=models.PROTECT,
        related_name="rewards",
        limit_choices_to={"kind": "community"},
        help_text=_("哪个社区的爱心超市提供这件商品，由该社区的书记（管理员）发放。"),
    )
    name = models.CharField(_("商品名称"), max_length=60)
    description = models.CharField(
        _("说明"), max_length=200, blank=True, help_text=_("规格、品牌等，例如 “5 千克装”。")
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("图片"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    price = models.PositiveIntegerField(_("所需积分"), help_text=_("兑换一件需要的积分。"))
    # Changed by the redemption services with a conditional UPDATE (never read-modify-write),
    # so two people taking the last one cannot both succeed.
    stock = models.PositiveIntegerField(_("库存"), default=0)
    per_person_limit = models.PositiveIntegerField(
        _("每人限兑"),
        default=1,
        help_text=_("每人最多兑换几件（已取消的不计）；0 表示不限。"),
    )
    available_from = models.DateTimeField(
        _("开始兑换"), null=True, blank=True, help_text=_("留空表示立即可兑换。")
    )
    available_until = models.DateTimeField(
        _("截止兑换"), null=True, blank=True, help_text=_("留空表示长期有效。")
    )
    active = models.BooleanField(
        _("上架"), default=True, help_text=_("下架后居民看不到也不能兑换。")
    )
    pickup_place = models.CharField(
        _("领取地点和时间"),
        max_length=200,
        blank=True,
        help_text=_(
            "兑换后到哪里、什么时候领取，例如 “梨园社区党群服务中心一楼，周一至周五 9:00–18:00”。"
            "留空则显示“××社区爱心超市”。"
        ),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("爱心超市商品")
        verbose_name_plural = _("爱心超市商品")
        ordering = ["community", "price", "id"]
        indexes = [models.Index(fields=["community", "active", "price"], name="reward_shelf_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="reward_price_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_not_negative"),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_until__gt=models.F("available_from")),
                name="reward_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The rules every write keeps. The constraints below hold them in the database;
        this says them on the field, in words an editor reads."""
        super().clean()
        errors: dict[str, ValidationError] = {}
        starts, ends = self.available_from, self.available_until
        if starts and ends and ends <= starts:
            errors["available_until"] = ValidationError(
                _("截止兑换必须晚于开始兑换。"), code="bad_window"
            )
        if self.price == 0:
            errors["price"] = ValidationError(_("所需积分至少为 1。"), code="free_reward")
        if errors:
            raise ValidationError(errors)

    @property
    def organisation(self):
        """For ``permissions.can``: a reward belongs to its community's subtree."""
        return self.community

    @property
    def pickup_text(self) -> str:
        """Where (and when) to collect it: the editor's words, else the community's shop."""
        if self.pickup_place:
            return self.pickup_place
        return gettext("%(community)s爱心超市") % {"community": self.community.name}

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return (self.available_from is None or self.available_from <= at) and (
            self.available_until is None or at < self.available_until
        )


class Redemption(models.Model):
    """A person's redemption of one reward: points spent, goods waiting or handed over (兑换)."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("待领取")
        HANDED_OVER = "handed_over", _("已领取")
        CANCELLED = "cancelled", _("已取消")

    reward = models.ForeignKey(
        Reward, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="redemptions"
    )
    person = models.ForeignKey(
        "volunteers.Person",
        verbose_name=_("兑换人"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    code = models.CharField(_("兑换码"), max_length=12, unique=True)
    price = models.PositiveIntegerField(_("所需积分"), help_text=_("兑换时的价格，之后不再改变。"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RESERVED
    )
    entry = models.OneToOneField(
        "points.PointsEntry",
        verbose_name=_("兑换流水"),
        on_delete=models.PROTECT,
        related_name="redemption",
    )
    created_at = models.DateTimeField(_("兑换时间"), default=timezone.now)
    handed_over_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取消人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("兑换")
        verbose_name_plural = _("兑换")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-created_at"], name="redemption_person_idx"),
            models.Index(fields=["reward", "person"], name="redemption_limit_idx"),
            models.Index(fields=["created_at"], name="redemption_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="handed_over", handed_over_at__isnull=False)
                | (~Q(status="handed_over") & Q(handed_over_at__isnull=True)),
                name="redemption_handed_over_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="redemption_cancelled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} {self.reward_id} {self.get_status_display()}"

    @property
    def organisation(self):
        return self.reward.community

    @property
    def display_code(self) -> str:
        """Two groups of four, easier to read out and type: ``K7Q4-XMPR``."""
        return f"{self.code[:4]}-{self.code[4:]}" if len(self.code) == 8 else self.code
