"""Activities and people's places on them."""

import datetime
from typing import Self

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import DraftStateMixin, PreviewableMixin, RevisionMixin

from volunteers.models.organisation import Organisation
from volunteers.models.people import Person


class ActivityCategory(models.Model):
    """An editable list: 文明交通劝导, 社区治安联防, 弱势群体帮扶 …"""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("活动类别")
        verbose_name_plural = _("活动类别")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class ActivityQuerySet(models.QuerySet):
    def published(self) -> Self:
        """Visible to the public: live and not cancelled."""
        return self.filter(live=True, cancelled_at__isnull=True)

    def upcoming(self, now: datetime.datetime | None = None) -> Self:
        return self.published().filter(ends_at__gte=now or timezone.now())


class Activity(PreviewableMixin, DraftStateMixin, RevisionMixin, models.Model):
    """Something a person can sign up for and attend, published by an organisation."""

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("所有人")
        SUBTREE = "subtree", _("本组织成员")
        PARTY_MEMBERS = "party_members", _("仅党员")
        TEAM = "team", _("指定队伍")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CANCELLED = "cancelled", _("已取消")
        FINISHED = "finished", _("已结束")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("发布组织"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    title = models.CharField(_("标题"), max_length=120)
    # 三单一卡: the joint project it is part of, and the quarter's campaign it serves.
    project = models.ForeignKey(
        "volunteers.Project",
        verbose_name=_("所属共建项目"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    campaign = models.ForeignKey(
        "volunteers.Campaign",
        verbose_name=_("提升行动"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    category = models.ForeignKey(
        ActivityCategory,
        verbose_name=_("类别"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    description = models.TextField(_("活动介绍"), blank=True)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面图"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("地点"), max_length=200)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    geofence_radius_m = models.PositiveIntegerField(
        _("签到范围（米）"),
        null=True,
        blank=True,
        help_text=_("填写后，扫码签到时须在活动地点这个距离以内。留空则不限位置。"),
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    signup_opens_at = models.DateTimeField(_("报名开始"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(
        _("报名截止"),
        null=True,
        blank=True,
        help_text=_("也是取消报名的截止时间；留空则为活动开始时。"),
    )
    capacity = models.PositiveIntegerField(
        _("名额"), null=True, blank=True, help_text=_("留空表示不限名额。")
    )
    audience = models.CharField(
        _("参加对象"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    audience_team = models.ForeignKey(
        Organisation,
        verbose_name=_("指定队伍"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.TEAM},
        help_text=_("参加对象为“指定队伍”时必填。"),
    )
    signup_required = models.BooleanField(_("须先报名"), default=True)
    checkout_required = models.BooleanField(_("须签退"), default=False)
    min_share_percent = models.PositiveSmallIntegerField(
        _("最低出勤比例（%）"),
        default=60,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("在场时间达到活动时长的这个比例，才计入时长和积分。"),
    )
    checkin_opens_minutes = models.PositiveSmallIntegerField(
        _("提前签到（分钟）"), default=30, help_text=_("活动开始前多少分钟起可以签到。")
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    finished_at = models.DateTimeField(_("结束确认时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="activity")

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["live", "starts_at"], name="activity_live_start_idx"),
            models.Index(fields=["organisation", "starts_at"], name="activity_org_start_idx"),
            models.Index(fields=["ends_at"], name="activity_end_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(min_share_percent__lte=100), name="activity_share_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="activity_capacity_positive",
            ),
            models.CheckConstraint(
                condition=~Q(audience="team") | Q(audience_team__isnull=False),
                name="activity_team_audience_names_team",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/activities/{self.pk}/"

    def clean(self) -> None:
        """The rules every write keeps: the admin's form, the services and the API meet them.

        A rule comparing two values waits until both are filled in (a draft may leave one
        empty). A team named for another audience is dropped, not refused: the editor
        picked it, then changed the audience.
        """
        super().clean()
        errors: dict[str, list[ValidationError]] = {}

        def refuse(field: str, message: str, code: str) -> None:
            errors.setdefault(field, []).append(ValidationError(message, code=code))

        starts, ends = self.starts_at, self.ends_at
        opens, closes = self.signup_opens_at, self.signup_closes_at
        if starts and ends and ends <= starts:
            refuse("ends_at", _("结束时间必须晚于开始时间。"), "bad_times")
        if opens and closes and closes <= opens:
            refuse(
                "signup_closes_at", _("报名截止必须晚于报名开始。"), "signup_closes_before_opening"
            )
        if ends and closes and closes > ends:
            refuse("signup_closes_at", _("报名截止不能晚于活动结束。"), "signup_closes_after_end")
        if self.capacity == 0:
            refuse("capacity", _("名额至少为 1；不限名额请留空。"), "no_places")
        if self.audience == self.Audience.TEAM and not self.audience_team_id:
            refuse("audience_team", _("参加对象为“指定队伍”时，请选择队伍。"), "team_missing")
        if self.audience != self.Audience.TEAM and self.audience_team_id:
            self.audience_team = None
        if self.organisation_id and self.organisation.closed_on is not None:
            refuse(
                "organisation",
                _("“%(org)s”已撤销，不能再以它的名义发布活动。") % {"org": self.organisation.name},
                "organisation_closed",
            )
        if self.geofence_radius_m and (self.latitude is None or self.longitude is None):
            refuse(
                "geofence_radius_m",
                _("设置签到范围时，请同时填写活动地点的经纬度。"),
                "geofence_without_place",
            )
        if errors:
            raise ValidationError(errors)

    @property
    def revisions(self):
        return self._revisions

    # Set on the row by a service (``activity_cancel``, ``activity_finish``) or once at
    # creation, never by the editor: they belong to the activity, not to a revision.
    ROW_FIELDS = ("cancelled_at", "cancel_reason", "finished_at", "created_by", "created_at")

    def with_content_json(self, content):
        """The revision's content on this (live) object's lifecycle.

        Wagtail rebuilds the object from every field in the revision's JSON when it
        publishes a revision, shows the latest draft in the form, or saves a draft of an
        activity never published. A draft saved before a cancellation or finishing (or
        an older revision) holds ``cancelled_at=None``: restored, it would quietly bring
        a cancelled activity back to life, open for sign-ups, or unfinish a finished one.
        So these fields always come from ``self`` — the object as stored — as Wagtail
        itself keeps ``live`` and ``first_published_at``.
        """
        obj = super().with_content_json(content)
        for name in self.ROW_FIELDS:
            attname = self._meta.get_field(name).attname  # ``created_by_id``: no query
            setattr(obj, attname, getattr(self, attname))
        return obj

    @property
    def status(self) -> str:
        if self.cancelled_at:
            return self.Status.CANCELLED
        if self.finished_at:
            return self.Status.FINISHED
        return self.Status.PUBLISHED if self.live else self.Status.DRAFT

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def required_minutes(self) -> int:
        """The fewest minutes of service that count: the minimum share, rounded up.
        The one rule behind the award, the check-out page and the activity page."""
        return -(-self.duration_minutes * self.min_share_percent // 100)

    @property
    def checkin_opens_at(self) -> datetime.datetime:
        return self.starts_at - datetime.timedelta(minutes=self.checkin_opens_minutes)

    @property
    def signup_deadline(self) -> datetime.datetime:
        return self.signup_closes_at or self.starts_at

    def get_preview_template(self, request, mode_name):
        return "volunteers/activity_detail.html"

    def get_preview_context(self, request, mode_name):
        return {"activity": self, "preview": True}


class SignUp(models.Model):
    """A person's place on an activity, or on its waiting list."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已报名")
        WAITLISTED = "waitlisted", _("候补中")
        CANCELLED = "cancelled", _("已取消")

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    # Waiting-list order: when the person (re)joined.
    queued_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    promoted_at = models.DateTimeField(_("转正时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="signup_once_per_activity"),
        ]
        indexes = [
            models.Index(fields=["activity", "status", "queued_at"], name="signup_queue_idx"),
            models.Index(fields=["person", "status"], name="signup_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person.real_name} · {self.activity.title} · {self.get_status_display()}"
