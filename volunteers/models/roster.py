"""Roster uploads awaiting or past confirmation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from volunteers.models.organisation import Organisation


class RosterImport(models.Model):
    """One uploaded roster: what was checked at preview, and what confirming imported."""

    class Kind(models.TextChoices):
        VOLUNTEERS = "volunteers", _("志愿者名册")
        PARTY_MEMBERS = "party_members", _("党员名册")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("待确认")
        IMPORTED = "imported", _("已导入")
        DISCARDED = "discarded", _("已放弃")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="roster_imports",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("管辖范围"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("上传人管理人员的范围；跨多个范围时为空。"),
    )
    kind = models.CharField(_("名册类型"), max_length=16, choices=Kind.choices)
    file_name = models.CharField(_("文件名"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PREVIEWED
    )
    # Good rows hold normalised values and an encrypted ID number, never the plain one.
    good_rows = models.JSONField(_("可导入的行"), default=list, blank=True)
    bad_rows = models.JSONField(_("有问题的行"), default=list, blank=True)
    skipped_rows = models.JSONField(_("确认时跳过的行"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    good_count = models.PositiveIntegerField(_("可导入行数"), default=0)
    bad_count = models.PositiveIntegerField(_("问题行数"), default=0)
    imported_count = models.PositiveIntegerField(_("已导入人数"), default=0)
    skipped_count = models.PositiveIntegerField(_("跳过行数"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["uploaded_by", "-created_at"], name="roster_import_uploader_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["volunteers", "party_members"]),
                name="roster_import_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["previewed", "imported", "discarded"]),
                name="roster_import_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="previewed", finished_at__isnull=True)
                | (~Q(status="previewed") & Q(finished_at__isnull=False)),
                name="roster_import_finished_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}（{self.get_status_display()}）"
