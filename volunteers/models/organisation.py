"""The town's single organisation tree."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class Organisation(MP_Node):
    """One node of the town's single organisation tree."""

    class Kind(models.TextChoices):
        TOWN = "town", _("镇")
        COMMUNITY = "community", _("社区")
        GRID = "grid", _("网格")
        PARTY_COMMITTEE = "party_committee", _("社区大党委")
        PARTY_BRANCH = "party_branch", _("党支部")
        PARTY_GROUP = "party_group", _("党小组")
        DETACHMENT = "detachment", _("志愿服务支队")
        SQUAD = "squad", _("志愿服务小分队")
        TEAM = "team", _("志愿服务队")
        UNIT = "unit", _("在职单位")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, db_index=True)
    code = models.SlugField(
        _("编码"),
        max_length=64,
        unique=True,
        help_text=_("稳定的唯一编码，用于导入和对接，例如 liyuan-grid-03。"),
    )
    description = models.TextField(_("简介"), blank=True)
    based_in = models.ForeignKey(
        "self",
        verbose_name=_("所在社区"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="based_here",
        limit_choices_to={"kind": Kind.COMMUNITY},
        help_text=_(
            "志愿服务小分队扎根的社区：该社区的书记和管理员与支队一同管理这支小分队及其下的队伍。"
        ),
    )
    closed_on = models.DateField(
        _("撤销日期"),
        null=True,
        blank=True,
        help_text=_("组织撤销的日期；撤销后不再能添加下级、任命角色或发布活动。"),
    )

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        indexes = [models.Index(fields=["kind", "name"], name="org_kind_name_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def contains(self, other: "Organisation") -> bool:
        """True when ``other`` is this node or below it."""
        return other.path.startswith(self.path)
