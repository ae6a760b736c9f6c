"""三单一卡's other lists: resources (资源清单), joint projects (项目清单) with their posts, the
quarter's rotating chair (轮值主席), and the quarterly campaigns (四大提升行动) that
activities, projects and needs are tagged with.

A quarter is written the way ``core.quarters`` keys it: ``2026Q4``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from volunteers.models.organisation import Organisation
from volunteers.models.people import Person

quarter_key = RegexValidator(r"^\d{4}Q[1-4]$", _("季度应写成年份加季度，例如 2026Q4。"))


class Campaign(models.Model):
    """One of the quarter's campaigns (四大提升行动): an editable list."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    description = models.TextField(_("说明"), max_length=1000, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("正在开展"), default=True)

    class Meta:
        verbose_name = _("提升行动")
        verbose_name_plural = _("提升行动")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class RotatingChair(models.Model):
    """The 共建单位 that chairs a community's joint meeting for one quarter (轮值主席)."""

    community = models.ForeignKey(
        Organisation,
        verbose_name=_("社区"),
        on_delete=models.PROTECT,
        related_name="rotating_chairs",
        limit_choices_to={"kind": Organisation.Kind.COMMUNITY},
    )
    quarter = models.CharField(_("季度"), max_length=6, validators=[quarter_key])
    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("轮值主席单位"),
        on_delete=models.PROTECT,
        related_name="chairs_held",
        limit_choices_to={"kind": Organisation.Kind.UNIT},
    )
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    named_at = models.DateTimeField(_("指定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("轮值主席")
        verbose_name_plural = _("轮值主席")
        ordering = ["-quarter", "community_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "quarter"], name="one_chair_per_community_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community.name} {self.quarter}：{self.unit.name}"


class Project(models.Model):
    """A joint project of a community and its 共建单位 in a quarter (项目清单)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        OPEN = "open", _("进行中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    community = models.ForeignKey(
        Organisation,
        verbose_name=_("社区"),
        on_delete=models.PROTECT,
        related_name="projects",
        limit_choices_to={"kind": Organisation.Kind.COMMUNITY},
    )
    quarter = models.CharField(_("季度"), max_length=6, validators=[quarter_key])
    title = models.CharField(_("项目名称"), max_length=80)
    description = models.TextField(_("项目内容"), max_length=2000, blank=True)
    lead_unit = models.ForeignKey(
        Organisation,
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        related_name="projects_led",
        limit_choices_to={"kind": Organisation.Kind.UNIT},
    )
    partner_units = models.ManyToManyField(
        Organisation,
        verbose_name=_("参与单位"),
        related_name="projects_joined",
        blank=True,
        limit_choices_to={"kind": Organisation.Kind.UNIT},
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("提升行动"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
    )
    needs = models.ManyToManyField(
        "volunteers.Need", verbose_name=_("对应需求"), related_name="projects", blank=True
    )
    resources = models.ManyToManyField(
        "volunteers.Resource", verbose_name=_("使用资源"), related_name="projects", blank=True
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("共建项目")
        verbose_name_plural = _("项目清单")
        ordering = ["-quarter", "community_id", "id"]
        indexes = [models.Index(fields=["quarter", "community"], name="project_quarter_idx")]

    def __str__(self) -> str:
        return self.title


class ProjectPost(models.Model):
    """A post on a project that party members (or units) claim: 4 places for 周末法律咨询."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="posts"
    )
    title = models.CharField(_("岗位"), max_length=60)
    description = models.CharField(_("岗位说明"), max_length=300, blank=True)
    places = models.PositiveSmallIntegerField(
        _("名额"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # Live claims, changed only under the post's row lock (as a need's).
    claimed_places = models.PositiveSmallIntegerField(_("已认领"), default=0)
    deadline = models.DateField(_("认领截止"))

    class Meta:
        verbose_name = _("认领岗位")
        verbose_name_plural = _("认领岗位")
        ordering = ["project_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_places__lte=models.F("places")),
                name="post_claims_within_places",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.title}：{self.title}"

    @property
    def open_places(self) -> int:
        return max(0, self.places - self.claimed_places)


class Resource(models.Model):
    """What a unit, department, team or person offers (资源清单)."""

    class Kind(models.TextChoices):
        SKILL = "skill", _("技能")
        VENUE = "venue", _("场地")
        GOODS = "goods", _("物资")
        SERVICE = "service", _("服务")

    community = models.ForeignKey(
        Organisation,
        verbose_name=_("服务社区"),
        on_delete=models.PROTECT,
        related_name="resources_here",
        limit_choices_to={"kind": Organisation.Kind.COMMUNITY},
    )
    # Who offers it: an organisation (a 共建单位, a department, a team) or a person.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("提供单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("提供人"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="resources",
    )
    kind = models.CharField(_("资源类型"), max_length=10, choices=Kind.choices)
    category = models.ForeignKey(
        "volunteers.NeedCategory",
        verbose_name=_("对应需求类别"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
    )
    title = models.CharField(_("资源名称"), max_length=60)
    description = models.TextField(_("说明"), max_length=1000, blank=True)
    availability = models.CharField(
        _("可提供时间"), max_length=100, blank=True, help_text=_("例如 每周六上午、工作日晚上。")
    )
    contact = models.CharField(_("联系方式"), max_length=50, blank=True)
    active = models.BooleanField(_("可用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资源")
        verbose_name_plural = _("资源清单")
        ordering = ["community_id", "kind", "id"]
        indexes = [models.Index(fields=["community", "active"], name="resource_community_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, person__isnull=True)
                | Q(organisation__isnull=True, person__isnull=False),
                name="resource_one_provider",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def provider_name(self) -> str:
        provider = self.organisation or self.person
        return (
            provider.name
            if isinstance(provider, Organisation)
            else str(provider and provider.real_name)
        )
