"""Service hours (服务时长): minutes credited to a person."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LIVE_STATUSES = ("pending", "approved")


class ServiceRecord(models.Model):
    """Minutes credited from a finalised attendance (诚信时长), an approved back-fill (补录)
    or a confirmed claim on a resident's need (双项认领, which has no activity).

    Records are not a ledger: a back-fill moves from pending to approved or
    rejected, and a credited record is revoked (never deleted) when its attendance
    is removed. Only approved minutes count, and the person's totals change in the
    same transaction as the status.
    """

    class Source(models.TextChoices):
        ATTENDANCE = "attendance", _("签到出勤")
        BACKFILL = "backfill", _("补录")
        CLAIM = "claim", _("双项认领")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已认定")
        REJECTED = "rejected", _("未通过")
        REVOKED = "revoked", _("已撤销")

    person = models.ForeignKey(
        "volunteers.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="service_records",
        db_index=False,  # the (person, occurred_at) index leads with it
    )
    # Attendance and back-fill records name their activity; a claim's has none.
    activity = models.ForeignKey(
        "volunteers.Activity",
        verbose_name=_("活动"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
    )
    attendance = models.ForeignKey(
        "volunteers.Attendance",
        verbose_name=_("出勤"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
    )
    claim = models.ForeignKey(
        "volunteers.Claim",
        verbose_name=_("认领"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
    )
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    minutes = models.PositiveIntegerField(_("时长（分钟）"))
    occurred_at = models.DateTimeField(_("服务时间"), help_text=_("决定计入哪一月、季、年。"))
    reason = models.CharField(_("补录原因"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("服务时长")
        verbose_name_plural = _("服务时长")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["person", "occurred_at"], name="record_person_time_idx"),
            models.Index(
                fields=["status", "created_at"],
                name="record_pending_idx",
                condition=Q(status="pending"),
            ),
        ]
        constraints = [
            # One live record per attendance, and per person and activity: a removed
            # attendance's record is revoked, so a re-added one can be credited again.
            models.UniqueConstraint(
                fields=["attendance"],
                condition=Q(status__in=LIVE_STATUSES),
                name="record_one_live_per_attendance",
            ),
            models.UniqueConstraint(
                fields=["person", "activity"],
                condition=Q(status__in=LIVE_STATUSES),
                name="record_one_live_per_activity",
            ),
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(status__in=LIVE_STATUSES),
                name="record_one_live_per_claim",
            ),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="record_minutes_positive"),
            # Each source names what it came from, and only that: an attendance (and its
            # activity), an activity alone (a back-fill), or a claim alone.
            models.CheckConstraint(
                condition=Q(
                    source="attendance",
                    attendance__isnull=False,
                    activity__isnull=False,
                    claim__isnull=True,
                )
                | Q(
                    source="backfill",
                    attendance__isnull=True,
                    activity__isnull=False,
                    claim__isnull=True,
                )
                | Q(
                    source="claim",
                    claim__isnull=False,
                    attendance__isnull=True,
                    activity__isnull=True,
                ),
                name="record_source_matches_origin",
            ),
            # Attendance and claims are credited when they happen: never pending or rejected.
            models.CheckConstraint(
                condition=~Q(source__in=["attendance", "claim"])
                | ~Q(status__in=["pending", "rejected"]),
                name="record_attendance_is_credited",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.minutes}分钟 {self.get_status_display()}"

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)
