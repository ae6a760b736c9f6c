"""Login accounts, people, their roles, and the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.identity import validate_mainland_mobile
from core.masking import mask_phone
from volunteers.models.organisation import Organisation


class User(AbstractUser):
    """The login account. Everything about the real person lives on ``Person``."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        person = getattr(self, "person", None)
        return person.real_name if person else self.get_username()

    # The admin names people by get_full_name() (Wagtail's get_user_display_name): the
    # avatar menu, "由 张志强 编辑" on revisions, workflow and the log. The person is a
    # reverse one-to-one: read once, then cached on this instance, absent or not.
    def get_full_name(self) -> str:
        person = getattr(self, "person", None)
        return person.real_name if person else super().get_full_name()

    def get_short_name(self) -> str:
        person = getattr(self, "person", None)
        return person.real_name if person else super().get_short_name()


class Person(models.Model):
    """A real person: volunteer, party member, or both."""

    class PoliticalStatus(models.TextChoices):
        MASSES = "masses", _("群众")
        LEAGUE_MEMBER = "league_member", _("共青团员")
        PROBATIONARY_MEMBER = "probationary_member", _("中共预备党员")
        PARTY_MEMBER = "party_member", _("中共党员")

    PARTY_STATUSES = (PoliticalStatus.PROBATIONARY_MEMBER, PoliticalStatus.PARTY_MEMBER)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    real_name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(
        _("手机号"), max_length=11, unique=True, validators=[validate_mainland_mobile]
    )
    phone_verified = models.BooleanField(_("手机号已验证"), default=False)
    volunteer_number = models.CharField(_("志愿者编号"), max_length=12, unique=True, editable=False)
    political_status = models.CharField(
        _("政治面貌"),
        max_length=24,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    home_grid = models.ForeignKey(
        Organisation,
        verbose_name=_("所属网格"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        limit_choices_to={"kind": Organisation.Kind.GRID},
    )
    skills = models.CharField(_("技能特长"), max_length=200, blank=True)
    service_interests = models.CharField(
        _("服务意向"),
        max_length=200,
        blank=True,
        help_text=_("愿意参加的服务，例如 文明交通劝导、助老助残、法律咨询。"),
    )
    # 三单一卡's matching: a published need whose category fits the skills or interests
    # above is suggested to the community's staff and told to the person, unless they opt out.
    need_suggestions = models.BooleanField(
        _("接收微心愿推荐"),
        default=True,
        help_text=_("社区有与您的技能特长或服务意向相符的微心愿时通知您。"),
    )
    date_joined = models.DateField(_("加入日期"), default=timezone.localdate)

    # Party members only.
    party_branch = models.ForeignKey(
        Organisation,
        verbose_name=_("所在党支部"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_members",
        limit_choices_to={"kind": Organisation.Kind.PARTY_BRANCH},
    )
    employer_unit = models.ForeignKey(
        Organisation,
        verbose_name=_("在职单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        limit_choices_to={"kind": Organisation.Kind.UNIT},
    )
    in_service = models.BooleanField(_("在职党员"), default=False)
    reported_community = models.ForeignKey(
        Organisation,
        verbose_name=_("报到社区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_party_members",
        limit_choices_to={"kind": Organisation.Kind.COMMUNITY},
    )
    reported_at = models.DateTimeField(_("报到时间"), null=True, blank=True)

    # The ID number is never stored in plain text; see identity.protect_id_number.
    id_number_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    id_number_encrypted = models.TextField(blank=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["political_status"], name="person_political_idx"),
            models.Index(fields=["real_name"], name="person_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_service=False)
                | Q(political_status__in=["probationary_member", "party_member"]),
                name="person_in_service_is_party_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.real_name}（{self.volunteer_number}）"

    @property
    def is_party_member(self) -> bool:
        return self.political_status in self.PARTY_STATUSES

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class UnverifiedPhone(models.Model):
    """The phone a new account signed up with, until the SMS code proves it.

    Until then the account holds nothing: no ``Person``, no roster entry, no role, and
    the number is not reserved (several unproven sign-ups may name it; the one whose
    owner enters the code gets it). Proving the phone turns this into the ``Person``
    (``person_attach_account``); accounts left unproven for a day are removed
    (``volunteers.tasks.remove_unverified_signups``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="unverified_phone",
    )
    phone = models.CharField(_("手机号"), max_length=11, db_index=True)
    real_name = models.CharField(_("姓名"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("待验证的手机号")
        verbose_name_plural = _("待验证的手机号")

    def __str__(self) -> str:
        return mask_phone(self.phone)


def current_membership_q(*, on=None, prefix: str = "") -> Q:
    """The one definition of a current membership: begun on or before ``on`` (default
    today in Shazhou) and not ended: no end date, or one after ``on``. The end date is
    the first day the role no longer holds. ``prefix`` filters through a relation
    (``"memberships__"`` from an organisation or a person).

    Roles begin and end only through the services, dated the day they are made, so a
    membership stops being current by a write, never by the calendar alone: the
    rankings' pre-aggregated scopes (points.scopes) stay right without a nightly job.
    """
    on = on or timezone.localdate()
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": on})
    )


class MembershipQuerySet(models.QuerySet):
    def current(self, *, on=None) -> "MembershipQuerySet":
        """Memberships that hold on ``on`` (default today); see ``current_membership_q``."""
        return self.filter(current_membership_q(on=on))


class Membership(models.Model):
    """A person's role on one organisation node, for a span of dates."""

    class Role(models.TextChoices):
        MEMBER = "member", _("成员")
        LEADER = "leader", _("队长")
        DEPUTY = "deputy", _("副队长")
        SECRETARY = "secretary", _("书记")
        ADMIN = "admin", _("管理员")
        EDITOR = "editor", _("编辑")
        # The roles of the grid (网格化管理) the town really has.
        GRID_HEAD = "grid_head", _("网格长")
        GRID_WORKER = "grid_worker", _("专职网格员")
        STREET_HEAD = "street_head", _("街巷长")
        PARTY_HOUSEHOLD = "party_household", _("网格党员中心户")
        INFORMANT = "informant", _("兼职信息员")
        # On an employer unit (在职单位): receives its 双报到反馈.
        CONTACT = "contact", _("单位联络人")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("组织"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    start_date = models.DateField(_("开始日期"), default=timezone.localdate)
    end_date = models.DateField(
        _("结束日期"),
        null=True,
        blank=True,
        help_text=_("角色终止的日期；当天起不再有效。"),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("成员关系")
        verbose_name_plural = _("成员关系")
        indexes = [
            models.Index(fields=["organisation", "role"], name="membership_org_role_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "role"],
                condition=Q(end_date__isnull=True),
                name="membership_one_open_role",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.real_name} · {self.organisation.name} · {self.get_role_display()}"

    @property
    def is_active(self) -> bool:
        """Current today, by the same definition as ``Membership.objects.current()``."""
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date > today)


class AuditEvent(models.Model):
    """Append-only record of who changed what: roles, imports, adjustments, overrides.

    ``target`` is the object's name as it read then; ``target_type`` and ``target_id``
    point at the object itself (still there or not), and ``person`` at the person it
    concerns, so the log can be read per object and per person.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("事件"), max_length=64)
    target = models.CharField(_("对象"), max_length=200)
    target_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("对象类型"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("相关人员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("组织"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    extra = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["action", "created_at"], name="audit_action_time_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"
