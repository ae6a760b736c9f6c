"""In-app notifications, each person's channel preferences and background exports.

A ``Notification`` is written once per event: its idempotency key is unique, so
the second ``notify()`` for the same event (a task delivered twice, a sweep run
again) finds the row and sends nothing. Email and SMS delivery is recorded on
the row itself (``email_sent_at``, ``sms_sent_at``), claimed before sending, so
a redelivered delivery task does not send twice either.
"""

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.models.people import Person


class Notification(models.Model):
    """One message to one person, shown in 消息中心 and optionally sent by email or SMS."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("活动提醒")
        PROMOTED = "promoted", _("候补转正")
        CANCELLED = "cancelled", _("活动取消")
        EXPORT = "export", _("导出完成")
        REPORT_DRAFT = "report_draft", _("活动报道草稿")
        POINTS = "points", _("积分")
        JOIN = "join", _("加入申请")
        COMMUNITY_REPORT = "report", _("报到")
        DUAL_REPORT = "dual_report", _("双报到反馈")
        NEED = "need", _("微心愿")
        OTHER = "other", _("其他")

    recipient = models.ForeignKey(
        Person,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # the (recipient, created_at) index leads with it
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=160, unique=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    sms_sent_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # The header badge counts unread rows only: a small partial index.
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Which channels a person wants besides the in-app list (always on)."""

    person = models.OneToOneField(
        Person,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(
        _("邮件"), default=True, help_text=_("发送到账号登记的邮箱；没有邮箱时不发送。")
    )
    sms = models.BooleanField(_("短信"), default=True, help_text=_("发送到登记的手机号。"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("消息接收设置")
        verbose_name_plural = _("消息接收设置")

    def __str__(self) -> str:
        return str(self.person)


class PrivateStorage(FileSystemStorage):
    """Exports hold personal data: kept outside MEDIA_ROOT, served only by a checked view."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _private_storage


def _export_path(instance, filename: str) -> str:
    # A random folder: the file name alone must not let anyone guess another export.
    return f"exports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}/{filename}"


class ExportJob(models.Model):
    """A large .xlsx built in the background and offered on 我的导出."""

    class Kind(models.TextChoices):
        ROSTER = "roster", _("名册")
        ATTENDANCE = "attendance", _("签到名单")

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")  # its file was deleted after the retention period

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
        db_index=False,  # the (requested_by, created_at) index leads with it
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    title = models.CharField(_("名称"), max_length=120)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(
        _("文件"), storage=private_storage, upload_to=_export_path, blank=True, max_length=300
    )
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="exportjob_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title
