"""Published rankings (光荣榜) and the objections lodged during their notice period (公示).

A ``RankingSnapshot`` is last month's ranking of one scope, frozen when it is
published: one per (organisation, period, population, measure). Its rows hold
the place (competition ranking: 1, 2, 2, 4), the value and the name as they were
at publication, so a later correction to the ledger or a renamed person never
changes what was published. Like the ledger, nothing updates or deletes a
snapshot or a row: ``save()`` refuses an existing row, ``delete()`` refuses, and
so do the managers' ``update()`` and ``delete()``; every foreign key is PROTECT.
A mistake found in a published ranking is answered through an ``Objection`` and
corrected in the ledger, where next month's ranking picks it up.

An ``Objection`` is not frozen: it is lodged, then answered once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from points.models.ledger import AppendOnlyError
from points.models.totals import Measure, Population
from points.periods import PERIOD_KEY_LENGTH

FROZEN = "已公示的排行榜不能修改或删除。"


class FrozenQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(FROZEN)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(FROZEN)

    def delete(self):
        raise AppendOnlyError(FROZEN)

    delete.alters_data = True
    delete.queryset_only = True

    def _raw_delete(self, using):
        raise AppendOnlyError(FROZEN)


class FrozenModel(models.Model):
    """Written once, never changed or removed."""

    objects = FrozenQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError(FROZEN)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(FROZEN)


class RankingSnapshot(FrozenModel):
    """One scope's ranking for one month, frozen at publication (光荣榜)."""

    Measure = Measure

    organisation = models.ForeignKey(
        "volunteers.Organisation",
        verbose_name=_("范围"),
        on_delete=models.PROTECT,
        related_name="ranking_snapshots",
        db_index=False,  # the unique constraint leads with it
    )
    period = models.CharField(_("期间"), max_length=PERIOD_KEY_LENGTH)
    population = models.CharField(_("人群"), max_length=16, choices=Population.choices)
    measure = models.CharField(_("排名依据"), max_length=8, choices=Measure.choices)
    scope_name = models.CharField(_("范围名称"), max_length=100)
    people = models.PositiveIntegerField(_("上榜人数"), default=0)
    published_at = models.DateTimeField(_("公示时间"))
    notice_until = models.DateTimeField(_("公示截止"), help_text=_("此前可以提出异议。"))

    class Meta:
        verbose_name = _("已公示排行榜")
        verbose_name_plural = _("已公示排行榜")
        ordering = ["-period", "organisation_id", "population", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period", "population", "measure"],
                name="snapshot_one_per_scope_period",
            ),
            models.CheckConstraint(
                condition=Q(notice_until__gt=models.F("published_at")),
                name="snapshot_notice_after_publication",
            ),
        ]
        indexes = [
            # The honour roll: the newest month of one scope, population and measure.
            models.Index(fields=["population", "measure", "-period"], name="snapshot_newest_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.scope_name} {self.period} {self.get_population_display()} "
            f"{self.get_measure_display()}"
        )

    def notice_open(self, now=None) -> bool:
        return (now or timezone.now()) < self.notice_until

    @property
    def unit(self) -> str:
        return str(_("分")) if self.measure == Measure.POINTS else str(_("小时"))

    def shown_value(self, value: int) -> int:
        """Points as they are; minutes as whole hours (the board shows hours)."""
        return value if self.measure == Measure.POINTS else round(value / 60)


class RankingSnapshotRow(FrozenModel):
    """One place on a published ranking, with the name and value as they were then."""

    snapshot = models.ForeignKey(
        RankingSnapshot,
        verbose_name=_("排行榜"),
        on_delete=models.PROTECT,
        related_name="rows",
        db_index=False,  # the (snapshot, place) index leads with it
    )
    place = models.PositiveIntegerField(_("名次"))
    person = models.ForeignKey(
        "volunteers.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="ranking_rows",
    )
    value = models.IntegerField(_("数值"), help_text=_("积分，或服务时长（分钟）。"))
    display_name = models.CharField(_("姓名"), max_length=40)
    organisation_name = models.CharField(_("所在组织"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("排行榜名次")
        verbose_name_plural = _("排行榜名次")
        ordering = ["snapshot_id", "place", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "person"], name="snapshot_row_one_each"),
            models.CheckConstraint(condition=Q(place__gte=1), name="snapshot_row_place_positive"),
        ]
        indexes = [models.Index(fields=["snapshot", "place"], name="snapshot_row_place_idx")]

    def __str__(self) -> str:
        return f"{self.snapshot_id} #{self.place} {self.display_name} {self.value}"


class Objection(models.Model):
    """A person's objection to a published ranking, lodged during its notice period."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待答复")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    snapshot = models.ForeignKey(
        RankingSnapshot,
        verbose_name=_("排行榜"),
        on_delete=models.PROTECT,
        related_name="objections",
        db_index=False,  # the unique constraint leads with it
    )
    person = models.ForeignKey(
        "volunteers.Person",
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        related_name="ranking_objections",
    )
    text = models.TextField(_("异议内容"), max_length=500)
    lodged_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    answer = models.TextField(_("答复"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["lodged_at", "id"]
        constraints = [
            # One objection per person and ranking: everything they disagree with goes in it.
            models.UniqueConstraint(fields=["snapshot", "person"], name="objection_one_each"),
            models.CheckConstraint(
                condition=Q(status="pending", answered_at__isnull=True, answer="")
                | (~Q(status="pending") & Q(answered_at__isnull=False) & ~Q(answer="")),
                name="objection_answered_consistently",
            ),
        ]
        indexes = [
            models.Index(
                fields=["lodged_at"], name="objection_pending_idx", condition=Q(status="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.snapshot_id} ({self.get_status_display()})"

    @property
    def answered(self) -> bool:
        return self.status != self.Status.PENDING
