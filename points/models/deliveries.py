"""双报到反馈, delivered: one .xlsx a quarter for each employer unit, sent to its contacts.

A ``DualReportDelivery`` records that a unit's quarterly feedback was built and who was
told: its file (kept on the private storage, never public: a checked view serves it),
the figures in it, and the unit contacts (单位联络人) it went to. One per unit and
quarter, held by a unique constraint, so the quarterly job never sends a quarter twice
however often it runs. A unit without contacts is recorded too, with no recipients,
so the community secretary sees it was left unsent and why.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from points.periods import PERIOD_KEY_LENGTH, period_label
from volunteers.models.notifications import private_storage


def _delivery_path(instance: "DualReportDelivery", filename: str) -> str:
    # A random folder: the file name alone must not let anyone guess another unit's file.
    return f"dual-report/{instance.quarter}/{uuid.uuid4().hex}/{filename}"


class DualReportDelivery(models.Model):
    """One unit's 双报到反馈 of one quarter, built and sent to its contacts."""

    unit = models.ForeignKey(
        "volunteers.Organisation",
        verbose_name=_("在职单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    quarter = models.CharField(_("季度"), max_length=PERIOD_KEY_LENGTH)
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    recipients = models.ManyToManyField(
        "volunteers.Person",
        verbose_name=_("接收的联络人"),
        related_name="+",
        blank=True,
    )
    file = models.FileField(
        _("文件"), storage=private_storage, upload_to=_delivery_path, max_length=300
    )
    rows = models.PositiveIntegerField(_("在职党员人数"), default=0)
    points = models.IntegerField(_("社区服务积分"), default=0)
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"), default=0)

    class Meta:
        verbose_name = _("双报到反馈发送记录")
        verbose_name_plural = _("双报到反馈发送记录")
        ordering = ["-quarter", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "quarter"], name="dual_report_once_a_quarter"),
        ]
        indexes = [models.Index(fields=["quarter", "unit"], name="dual_report_quarter_idx")]

    def __str__(self) -> str:
        return f"{self.unit.name} {period_label(self.quarter)}"
