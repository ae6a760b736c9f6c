"""Join requests: a newcomer asks to be placed in a grid or to join a team."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from volunteers.models.organisation import Organisation
from volunteers.models.people import Person


class JoinRequest(models.Model):
    """One person asking one organisation (a grid as their home, or a team) to take them.

    A newcomer's choice of grid and teams becomes one request per organisation, so each
    is decided by the people who run that organisation: the grid's or its community's
    staff for a grid, the team's leader (or those above) for a team.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REFUSED = "refused", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    person = models.ForeignKey(
        Person, verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="join_requests"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("申请加入"),
        on_delete=models.PROTECT,
        related_name="join_requests",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    note = models.CharField(_("申请说明"), max_length=200, blank=True)
    reason = models.CharField(_("处理说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("加入申请")
        verbose_name_plural = _("加入申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"],
                condition=Q(status="pending"),
                name="join_request_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["status", "organisation"], name="join_status_org_idx")]

    def __str__(self) -> str:
        return f"{self.person.real_name} → {self.organisation.name}"
