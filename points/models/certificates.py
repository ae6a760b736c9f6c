"""志愿服务记录证明: numbered certificates whose facts are frozen when issued."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

# Only revocation may change an issued certificate; everything it states stays as issued.
REVOCATION_FIELDS = frozenset({"revoked_at", "revoked_by", "revoked_reason"})


class ImmutableCertificateError(RuntimeError):
    """Something tried to change what an issued certificate states. A programming error."""


class Certificate(models.Model):
    """One issued service-record certificate (志愿服务记录证明)."""

    number = models.CharField(_("证明编号"), max_length=32, unique=True)
    person = models.ForeignKey(
        "volunteers.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issuing_organisation = models.ForeignKey(
        "volunteers.Organisation",
        verbose_name=_("出具单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_on = models.DateField(_("出具日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出具人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the certificate states, frozen at issue: name, masked ID number, volunteer
    # number, minutes by year and by activity, the issuing organisation's name. A later
    # change to the person or their hours never changes an issued certificate.
    facts = models.JSONField(_("证明内容"))
    total_minutes = models.PositiveIntegerField(_("累计服务时长（分钟）"))
    created_at = models.DateTimeField(_("出具时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"], name="certificate_person_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if not fields or not set(fields) <= REVOCATION_FIELDS:
                raise ImmutableCertificateError("证明出具后内容不能修改，只能撤销。")
        super().save(*args, **kwargs)

    @property
    def organisation(self):
        return self.issuing_organisation

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 1)


@register_setting(icon="doc-full")
class CertificateSettings(BaseSiteSetting):
    """Who signs the 志愿服务记录证明 and the seal stamped beside the name (设置 → 证明出具).

    A site setting rather than a field of each Organisation: the platform's certificates
    are stamped by the one body that holds the seal (the town's volunteer detachment, say),
    the seal is uploaded once where the other site settings live, and ``points`` owns it
    without a change to ``volunteers``. Both values are frozen into each certificate's
    facts when it is issued, so a later change never alters an issued certificate.
    """

    issuer_name = models.CharField(
        _("出具单位"),
        max_length=60,
        blank=True,
        help_text=_(
            "加盖公章的单位，例如“敦煌市沙州镇志愿服务支队”；留空则由志愿者所在的社区出具。"
        ),
    )
    seal = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("公章图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "出具单位的公章：透明背景的正方形 PNG，至少 400×400 像素，盖在证明的出具单位处；"
            "留空则不盖章。"
        ),
    )

    select_related = ["seal"]
    panels = [FieldPanel("issuer_name"), FieldPanel("seal")]

    class Meta:
        verbose_name = _("证明出具")
        verbose_name_plural = _("证明出具")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
