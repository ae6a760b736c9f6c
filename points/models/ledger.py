"""The append-only points ledger.

A ``PointsEntry`` is never updated or deleted, by any path: ``save()`` refuses
an existing row, ``delete()`` refuses, the manager's ``update()``,
``bulk_update()`` and ``delete()`` refuse, the Django admin is read-only, and on
PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE from raw SQL as
well. Every foreign key is PROTECT: a SET NULL or CASCADE would be an UPDATE or
DELETE of a ledger row, which the trigger would refuse anyway.

A correction is a new entry of kind ``reversal`` whose ``reverses`` names the
entry it cancels; the one-to-one makes a second reversal impossible.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """Something tried to change or remove a ledger line. A programming error, not a refusal."""


class Kind(models.TextChoices):
    SERVICE = "service", _("服务")
    BONUS = "bonus", _("奖励")
    DEDUCTION = "deduction", _("扣分")
    REDEMPTION = "redemption", _("兑换")
    ADJUSTMENT = "adjustment", _("调整")
    REVERSAL = "reversal", _("冲正")
    EXPIRY = "expiry", _("过期")


class Category(models.TextChoices):
    """The party-member rubric's items (积分细则). Spending has no rubric item."""

    BASIC = "basic", _("基础积分")
    SERVICE = "service", _("服务积分")
    REWARD = "reward", _("奖励积分")
    DEDUCTION = "deduction", _("扣分")


# Kinds that earn or lose rubric points carry a category; spending (redemption,
# expiry) carries none, so it lowers the balance but not the ranking score.
SPENDING_KINDS = (Kind.REDEMPTION, Kind.EXPIRY)
SCORING_KINDS = (Kind.SERVICE, Kind.BONUS, Kind.DEDUCTION, Kind.ADJUSTMENT)


class PointsEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("积分流水只能追加，不能修改。")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("积分流水只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("积分流水只能追加，不能删除。")

    delete.alters_data = True
    delete.queryset_only = True

    def _raw_delete(self, using):
        raise AppendOnlyError("积分流水只能追加，不能删除。")

    def scoring(self):
        """Lines that count towards the ranking score (not spending)."""
        return self.exclude(category="")


class PointsEntry(models.Model):
    """One signed line of the append-only points ledger (积分流水)."""

    Kind = Kind
    Category = Category

    person = models.ForeignKey(
        "volunteers.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="points_entries",
        db_index=False,  # the (person, occurred_at) index leads with it
    )
    amount = models.IntegerField(_("积分"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    category = models.CharField(
        _("积分细则类别"),
        max_length=12,
        choices=Category.choices,
        blank=True,
        help_text=_("兑换、过期不属于积分细则，留空：它们只减少可用积分，不影响排名积分。"),
    )
    # Where it came from. Redemptions and adjustments name themselves in source_ref.
    attendance = models.ForeignKey(
        "volunteers.Attendance",
        verbose_name=_("出勤"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
        db_index=False,
    )
    activity = models.ForeignKey(
        "volunteers.Activity",
        verbose_name=_("活动"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
        db_index=False,
    )
    service_record = models.ForeignKey(
        "points.ServiceRecord",
        verbose_name=_("服务时长记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
        db_index=False,
    )
    source_ref = models.CharField(
        _("来源"), max_length=64, blank=True, help_text=_("例如 redemption:17、adjustment。")
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    rule = models.ForeignKey(
        "points.PointsRule",
        verbose_name=_("积分规则"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        db_index=False,
    )
    # What "我的积分" needs to explain the line, frozen when it was written:
    # category name, minutes, points per hour, the cap that applied and why.
    explanation = models.JSONField(_("计算说明"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"), help_text=_("决定计入哪一月、季、年。"))
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲正对象"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )

    objects = PointsEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["person", "occurred_at"], name="entry_person_time_idx"),
            # Partial indexes: most lines have only some of these sources.
            models.Index(
                fields=["attendance"],
                name="entry_attendance_idx",
                condition=Q(attendance__isnull=False),
            ),
            models.Index(
                fields=["activity"], name="entry_activity_idx", condition=Q(activity__isnull=False)
            ),
            models.Index(
                fields=["service_record"],
                name="entry_record_idx",
                condition=Q(service_record__isnull=False),
            ),
            models.Index(fields=["rule"], name="entry_rule_idx", condition=Q(rule__isnull=False)),
            models.Index(
                fields=["actor"], name="entry_actor_idx", condition=Q(actor__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["service", "bonus"]) | Q(amount__gte=0),
                name="entry_earning_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["deduction", "redemption", "expiry"]) | Q(amount__lt=0),
                name="entry_spending_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(amount=0), name="entry_adjustment_not_zero"
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="entry_reversal_names_original",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["redemption", "expiry"]) | Q(category=""),
                name="entry_spending_has_no_category",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["service", "bonus", "deduction", "adjustment"])
                | ~Q(category=""),
                name="entry_scoring_has_category",
            ),
            models.CheckConstraint(
                condition=~Q(category="deduction") | Q(amount__lte=0) | Q(kind="reversal"),
                name="entry_deduction_category_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.amount:+d} {self.get_kind_display()} {self.idempotency_key}"

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError("积分流水只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("积分流水只能追加，不能删除。")

    @property
    def counts_towards_score(self) -> bool:
        return bool(self.category)
