"""三单一卡's needs list (需求清单, the 微心愿) and the claims on it (双项认领).

A resident's need is recorded by the grid's staff, or submitted by the resident from a
phone; the staff approve it (待审核 → 已公开) and the public sees its public title only.
An in-service party member claims it (a ``Claim``, first come, under a row lock on the
need), serves, reports the service done, and the grid staff or the resident confirm it:
then the claim's minutes and points are written by points (``volunteers.signals.
claim_confirmed``), and the person's claims of a quarter are their 双项认领卡.
"""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.models.notifications import private_storage
from volunteers.models.organisation import Organisation
from volunteers.models.people import Person


def _claim_photo_path(instance: "Claim", filename: str) -> str:
    # Taken in a resident's home: private storage, a random folder, served by a checked view.
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "jpg"
    return f"claims/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class NeedCategory(models.Model):
    """An editable list: 组织建设, 法律咨询与援助, 助困扶残与就业援助 …"""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    keywords = models.CharField(
        _("匹配关键词"),
        max_length=200,
        blank=True,
        help_text=_("用空格分隔；技能特长或服务意向含其中任一词的人员会被推荐。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("需求类别")
        verbose_name_plural = _("需求类别")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class NeedQuerySet(models.QuerySet["Need"]):
    def public(self) -> "NeedQuerySet":
        """What the 微心愿墙 shows: approved and not closed."""
        return self.filter(status__in=Need.PUBLIC_STATUSES)


class Need(models.Model):
    """One resident's need in a community and grid."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("物品类")
        SERVICE = "service", _("服务类")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        PUBLISHED = "published", _("已公开")
        CLAIMED = "claimed", _("已认领")
        DONE = "done", _("已完成")
        CLOSED = "closed", _("已关闭")

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.CLAIMED, Status.DONE)

    community = models.ForeignKey(
        Organisation,
        verbose_name=_("社区"),
        on_delete=models.PROTECT,
        related_name="needs_here",
        limit_choices_to={"kind": Organisation.Kind.COMMUNITY},
    )
    grid = models.ForeignKey(
        Organisation,
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="needs",
        limit_choices_to={"kind": Organisation.Kind.GRID},
    )
    kind = models.CharField(_("需求类型"), max_length=10, choices=Kind.choices)
    category = models.ForeignKey(
        NeedCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="needs"
    )
    title = models.CharField(_("需求"), max_length=60)
    public_title = models.CharField(
        _("公开标题"),
        max_length=60,
        help_text=_("微心愿墙上显示的标题，不含姓名、门牌号等个人信息。"),
    )
    description = models.TextField(_("详细说明"), max_length=1000, blank=True)
    campaign = models.ForeignKey(
        "volunteers.Campaign",
        verbose_name=_("提升行动"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
    )
    # The resident the need is for: a person with an account (who may then confirm it),
    # or only a name and a phone the grid staff wrote down.
    resident = models.ForeignKey(
        Person,
        verbose_name=_("需求人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    resident_name = models.CharField(_("需求人姓名"), max_length=50)
    resident_phone = models.CharField(_("联系电话"), max_length=11, blank=True)
    address = models.CharField(_("地址"), max_length=120, blank=True)
    places = models.PositiveSmallIntegerField(
        _("认领人数"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("需要几人（或几家单位）认领。"),
    )
    # Live claims (not withdrawn), changed only under the need's row lock.
    claimed_places = models.PositiveSmallIntegerField(_("已认领"), default=0)
    deadline = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    close_reason = models.CharField(_("关闭原因"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # Set when the matching job has told the people whose skills fit: at most once.
    matched_at = models.DateTimeField(_("已推荐"), null=True, blank=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("需求（微心愿）")
        verbose_name_plural = _("需求清单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"], name="need_wall_idx"),
            models.Index(fields=["grid", "status"], name="need_grid_status_idx"),
            models.Index(fields=["status", "deadline"], name="need_status_deadline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_places__lte=models.F("places")),
                name="need_claims_within_places",
            ),
        ]

    def __str__(self) -> str:
        return self.public_title or self.title

    @property
    def open_places(self) -> int:
        return max(0, self.places - self.claimed_places)

    def is_past_deadline(self, today: datetime.date) -> bool:
        return self.deadline < today


class Claim(models.Model):
    """A party member's claim on a need or on a project's post: one line of their 双项认领卡;
    or a unit's (``unit`` set), made by its 单位联络人, on the unit's 双报到反馈."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("已认领")
        REPORTED = "reported", _("待确认")
        CONFIRMED = "confirmed", _("已完成")
        WITHDRAWN = "withdrawn", _("已撤回")

    LIVE_STATUSES = (Status.CLAIMED, Status.REPORTED, Status.CONFIRMED)
    # Not yet served and confirmed: the claimant still needs the resident's contact.
    OPEN_STATUSES = (Status.CLAIMED, Status.REPORTED)

    need = models.ForeignKey(
        Need,
        verbose_name=_("需求"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
    )
    post = models.ForeignKey(
        "volunteers.ProjectPost",
        verbose_name=_("项目岗位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
    )
    # Who claimed it; for a unit's claim, the unit's contact who made it (and reports
    # the service done).
    person = models.ForeignKey(
        Person, verbose_name=_("认领人"), on_delete=models.PROTECT, related_name="claims"
    )
    # A 共建单位 claiming for the unit as a whole (单位认领, typically goods): the unit
    # served, not the person, so such a claim earns no personal hours or points and shows
    # on the unit's 双报到反馈 rather than on the person's card.
    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("认领单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unit_claims",
        limit_choices_to={"kind": Organisation.Kind.UNIT},
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.CLAIMED
    )
    claimed_at = models.DateTimeField(_("认领时间"), auto_now_add=True)
    # What the claimant reports when the service is done.
    minutes = models.PositiveIntegerField(
        _("服务时长（分钟）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    served_on = models.DateField(_("服务日期"), null=True, blank=True)
    note = models.CharField(_("完成情况"), max_length=300, blank=True)
    photo = models.ImageField(
        _("照片"), storage=private_storage, upload_to=_claim_photo_path, blank=True, max_length=200
    )
    reported_at = models.DateTimeField(_("提交完成时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("认领")
        verbose_name_plural = _("双项认领")
        ordering = ["-claimed_at", "-id"]
        indexes = [models.Index(fields=["person", "-claimed_at"], name="claim_card_idx")]
        constraints = [
            # One live personal claim per person, and one live unit claim per unit: a
            # contact may claim a need for themself and, besides, for their unit.
            models.UniqueConstraint(
                fields=["need", "person"],
                condition=Q(status__in=["claimed", "reported", "confirmed"], unit__isnull=True),
                name="claim_one_live_per_person",
            ),
            models.UniqueConstraint(
                fields=["post", "person"],
                condition=Q(status__in=["claimed", "reported", "confirmed"], unit__isnull=True),
                name="claim_one_live_post_per_person",
            ),
            models.UniqueConstraint(
                fields=["need", "unit"],
                condition=Q(status__in=["claimed", "reported", "confirmed"], unit__isnull=False),
                name="claim_one_live_per_unit",
            ),
            models.UniqueConstraint(
                fields=["post", "unit"],
                condition=Q(status__in=["claimed", "reported", "confirmed"], unit__isnull=False),
                name="claim_one_live_post_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(need__isnull=False, post__isnull=True)
                | Q(need__isnull=True, post__isnull=False),
                name="claim_need_or_post",
            ),
        ]

    def __str__(self) -> str:
        who = self.unit.name if self.unit is not None else self.person.real_name
        return f"{who} → {self.need or self.post}"
