"""Attendance, every scan (accepted or refused), and 在职党员报到."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from volunteers.models.activities import Activity
from volunteers.models.organisation import Organisation
from volunteers.models.people import Person


class Method(models.TextChoices):
    """How a check-in or check-out was recorded."""

    ACTIVITY_QR = "activity_qr", _("扫活动码")
    PERSONAL_CODE = "personal_code", _("扫个人码")
    MANUAL = "manual", _("手工补录")
    AUTOMATIC = "automatic", _("自动签退")


class Attendance(models.Model):
    """One person at one activity. The unique constraint, not a prior SELECT, keeps it one."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="attendances"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="attendances"
    )
    checked_in_at = models.DateTimeField(_("签到时间"))
    check_in_method = models.CharField(_("签到方式"), max_length=16, choices=Method.choices)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    check_out_method = models.CharField(
        _("签退方式"), max_length=16, choices=Method.choices, blank=True
    )
    minutes_served = models.PositiveIntegerField(_("服务时长（分钟）"), null=True, blank=True)
    auto_closed = models.BooleanField(_("系统自动签退"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A removed check-in is kept (and audited) rather than deleted, so points can be reversed.
    removed_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    removed_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    finalised_at = models.DateTimeField(_("核定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        ordering = ["checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "activity"], name="attendance_once_per_person_activity"
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=F("checked_in_at")),
                name="attendance_out_after_in",
            ),
        ]
        indexes = [
            models.Index(fields=["activity", "checked_in_at"], name="attendance_activity_idx"),
            models.Index(
                fields=["checked_out_at"],
                name="attendance_open_idx",
                condition=Q(checked_out_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.real_name} · {self.activity.title}"

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None and self.removed_at is None


class ScanAttempt(models.Model):
    """Every scan or typed code, accepted or refused, with the reason."""

    class Reason(models.TextChoices):
        OK = "ok", _("成功")
        ALREADY = "already", _("已签到")
        EXPIRED = "expired", _("二维码已过期")
        FORGED = "forged", _("二维码无效")
        WRONG_PURPOSE = "wrong_purpose", _("二维码用途不符")
        NOT_PUBLISHED = "not_published", _("活动未发布")
        CANCELLED = "cancelled", _("活动已取消")
        OUTSIDE_WINDOW = "outside_window", _("不在签到时间内")
        NOT_IN_AUDIENCE = "not_in_audience", _("不在参加对象范围内")
        NOT_SIGNED_UP = "not_signed_up", _("未报名")
        OUTSIDE_GEOFENCE = "outside_geofence", _("不在活动地点范围内")
        NOT_CHECKED_IN = "not_checked_in", _("尚未签到")
        REMOVED = "removed", _("签到已被撤销")
        NO_PERSON = "no_person", _("账号未关联人员")
        UNKNOWN_CODE = "unknown_code", _("签到码无效")
        RATE_LIMITED = "rate_limited", _("操作太频繁")

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("活动"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scan_attempts",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scan_attempts",
    )
    purpose = models.CharField(_("用途"), max_length=12)
    method = models.CharField(_("方式"), max_length=16, choices=Method.choices)
    accepted = models.BooleanField(_("通过"))
    reason = models.CharField(_("结果"), max_length=20, choices=Reason.choices)
    scanned_at = models.DateTimeField(_("扫码时间"), db_index=True)
    ip_address = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("终端"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("扫码人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("扫码记录")
        verbose_name_plural = _("扫码记录")
        ordering = ["-scanned_at", "-id"]
        indexes = [
            models.Index(fields=["activity", "scanned_at"], name="scan_activity_idx"),
            models.Index(fields=["reason", "scanned_at"], name="scan_reason_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scanned_at:%H:%M:%S} {self.get_reason_display()}"


class CommunityReport(models.Model):
    """An in-service party member reporting (报到) to the community they live in."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("未通过")

    class Via(models.TextChoices):
        POSTER = "poster", _("扫报到码")
        SELF = "self", _("本人申请")

    person = models.ForeignKey(
        Person,
        verbose_name=_("党员"),
        on_delete=models.CASCADE,
        related_name="community_reports",
    )
    community = models.ForeignKey(
        Organisation,
        verbose_name=_("报到社区"),
        on_delete=models.PROTECT,
        related_name="community_reports",
        limit_choices_to={"kind": Organisation.Kind.COMMUNITY},
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    via = models.CharField(_("方式"), max_length=8, choices=Via.choices)
    applied_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("在职党员报到")
        verbose_name_plural = _("在职党员报到")
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="pending"),
                name="report_one_pending_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.real_name} → {self.community.name}（{self.get_status_display()}）"
