"""What the job infrastructure records: a background job that failed, or an item it skipped.

Staff read these in the Wagtail admin (volunteers.admin_views.job_failures); the jobs of
every app write them through ``core.jobs``.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobFailure(models.Model):
    """A background job that failed, or an item a job could not process and skipped."""

    class Outcome(models.TextChoices):
        FAILED = "failed", _("失败")
        SKIPPED = "skipped", _("已跳过")

    task_name = models.CharField(_("任务"), max_length=200)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=8, choices=Outcome.choices, default=Outcome.FAILED
    )
    # Skips of the same item are recorded once (e.g. "reminder:17:24h:cancelled").
    key = models.CharField(_("标识"), max_length=160, null=True, blank=True, unique=True)
    args = models.TextField(_("参数"), blank=True)
    error = models.TextField(_("原因"), blank=True)
    traceback = models.TextField(_("调用栈（节选）"), blank=True)
    failed_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("后台任务记录")
        verbose_name_plural = _("后台任务记录")
        ordering = ["-failed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task_name} · {self.get_outcome_display()}"
