"""Reads that pages share: activity lists, places left, a person's place on an activity."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.identity import VOLUNTEER_NUMBER_PREFIX
from volunteers import permissions
from volunteers.models import (
    Activity,
    ActivityCategory,
    Attendance,
    AuditEvent,
    JoinRequest,
    Organisation,
    Person,
    ScanAttempt,
    SignUp,
    User,
)

SignUpStatus = SignUp.Status


def activity_time_span(activity: Activity) -> str:
    """“5月3日 09:00–11:30”, or with both dates when it runs past midnight (Shanghai time)."""
    start = timezone.localtime(activity.starts_at)
    end = timezone.localtime(activity.ends_at)
    # The format strings are translated: “5月3日 09:00” reads “3 May, 09:00” in English.
    end_format = "H:i" if start.date() == end.date() else _("n月j日 H:i")
    return f"{date_format(start, _('n月j日 H:i'))}–{date_format(end, end_format)}"


def with_signup_counts(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Annotate ``confirmed_count`` and ``waitlist_count`` in the same query."""
    return queryset.annotate(
        confirmed_count=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED)),
        waitlist_count=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED)),
    )


UPCOMING = "upcoming"
PAST = "past"


def activities_published(
    *,
    when: str = "",
    category: ActivityCategory | None = None,
    community: Organisation | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Activity]:
    """Published activities with counts: upcoming (soonest first), then past (latest first)."""
    now = now or timezone.now()
    queryset = Activity.objects.published().select_related("organisation", "category")
    if when == UPCOMING:
        queryset = queryset.filter(ends_at__gte=now).order_by("starts_at", "id")
    elif when == PAST:
        queryset = queryset.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    else:
        is_past = Case(When(ends_at__lt=now, then=Value(1)), default=Value(0))
        queryset = queryset.annotate(is_past=is_past).order_by(
            "is_past",
            # Within the upcoming block the soonest comes first; the past block is all
            # NULL here and falls through to the latest first.
            Case(When(is_past=0, then=F("starts_at"))).asc(),
            F("starts_at").desc(),
            "id",
        )
    if category is not None:
        queryset = queryset.filter(category=category)
    if community is not None:
        queryset = queryset.filter(organisation__path__startswith=community.path)
    return with_signup_counts(queryset)


def activity_public(pk: int) -> Activity | None:
    """One activity as the public sees it (published or cancelled, never a draft), with counts."""
    queryset = Activity.objects.filter(pk=pk, live=True).select_related(
        "organisation", "category", "audience_team", "cover_image"
    )
    return with_signup_counts(queryset).first()


def signup_counts(activity: Activity) -> tuple[int, int]:
    """(confirmed, waitlisted), from the annotation when the activity carries one."""
    if hasattr(activity, "confirmed_count"):
        return activity.confirmed_count, activity.waitlist_count
    counts = SignUp.objects.filter(activity=activity).aggregate(
        confirmed=Count("pk", filter=Q(status=SignUpStatus.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=SignUpStatus.WAITLISTED)),
    )
    return counts["confirmed"], counts["waitlisted"]


def places_left(activity: Activity) -> int | None:
    """Free places, or None when the activity has no limit."""
    if activity.capacity is None:
        return None
    confirmed, _waitlisted = signup_counts(activity)
    return max(0, activity.capacity - confirmed)


def person_for_user(user: User | AnonymousUser | None, *related: str) -> Person | None:
    """The user's person, ``related`` in the same query; None if anonymous or not linked."""
    if user is None or not user.is_authenticated or user.pk is None:
        return None
    queryset = Person.objects.select_related(*related) if related else Person.objects
    try:
        # get(), not first(): one person per user, and no ORDER BY to build and run on
        # a lookup every signed-in scan makes (README, Performance).
        return queryset.get(user=user)
    except Person.DoesNotExist:
        return None


def person_signup(activity: Activity, person: Person | None) -> SignUp | None:
    if person is None:
        return None
    return SignUp.objects.filter(activity=activity, person=person).first()


def waitlist_position(signup: SignUp) -> int | None:
    """1 for the first person waiting; None unless the sign-up is waitlisted."""
    if signup.status != SignUpStatus.WAITLISTED:
        return None
    ahead = SignUp.objects.filter(
        activity_id=signup.activity_id, status=SignUpStatus.WAITLISTED
    ).filter(Q(queued_at__lt=signup.queued_at) | Q(queued_at=signup.queued_at, id__lt=signup.id))
    return ahead.count() + 1


def person_signup_statuses(person: Person | None, activity_ids: Iterable[int]) -> dict[int, str]:
    """activity id → the person's live sign-up status, for badges on a list page."""
    if person is None or not activity_ids:
        return {}
    rows = SignUp.objects.filter(
        person=person, activity_id__in=list(activity_ids), status__in=SignUpStatus.values
    ).exclude(status=SignUpStatus.CANCELLED)
    return dict(rows.values_list("activity_id", "status"))


def person_activity_marks(person: Person | None, activity_ids: Iterable[int]) -> dict[int, str]:
    """activity id → the person's mark for a list card, in one query: ``checked_out``,
    ``checked_in`` (a standing attendance), else their live sign-up's status."""
    ids = list(activity_ids)
    if person is None or not ids:
        return {}
    signup = (
        SignUp.objects.filter(activity=OuterRef("pk"), person=person)
        .exclude(status=SignUpStatus.CANCELLED)
        .values("status")[:1]
    )
    attended = Attendance.objects.filter(
        activity=OuterRef("pk"), person=person, removed_at__isnull=True
    )
    rows = (
        Activity.objects.filter(pk__in=ids)
        .annotate(
            signup_status=Subquery(signup),
            checked_in=Exists(attended),
            checked_out=Exists(attended.filter(checked_out_at__isnull=False)),
        )
        .values_list("pk", "signup_status", "checked_in", "checked_out")
    )
    marks: dict[int, str] = {}
    for pk, status, checked_in, checked_out in rows:
        mark = "checked_out" if checked_out else "checked_in" if checked_in else status
        if mark:
            marks[pk] = mark
    return marks


def communities() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Organisation.Kind.COMMUNITY).order_by("path")


def activity_categories() -> QuerySet[ActivityCategory]:
    return ActivityCategory.objects.all()


# --- Check-in: the organiser's screen, scanner and attendance list ---------------------------
# (Appended as its own block: imports kept here so the block above stays untouched.)


def activity_attendances(activity: Activity) -> QuerySet[Attendance]:
    """Everyone recorded at the activity, removed check-ins included (they are flagged)."""
    return (
        Attendance.objects.filter(activity=activity)
        .select_related("person")
        .order_by("checked_in_at", "id")
    )


def activity_checkin_counts(activity: Activity) -> dict[str, int]:
    """How many are checked in and how many of them have checked out, removed ones not
    counted; and how many records there are, removed ones too (the attendance list's pages).
    """
    standing = Q(removed_at__isnull=True)
    counts = Attendance.objects.filter(activity=activity).aggregate(
        recorded=Count("id"),
        checked_in=Count("id", filter=standing),
        checked_out=Count("id", filter=standing & Q(checked_out_at__isnull=False)),
    )
    return {
        "in": counts["checked_in"] or 0,
        "out": counts["checked_out"] or 0,
        "recorded": counts["recorded"] or 0,
    }


def activity_no_shows(activity: Activity) -> QuerySet[SignUp]:
    """Confirmed sign-ups with no standing check-in (a removed check-in counts as absent)."""
    standing = Attendance.objects.filter(
        activity=activity, person=OuterRef("person"), removed_at__isnull=True
    )
    return (
        SignUp.objects.filter(activity=activity, status=SignUpStatus.CONFIRMED)
        .filter(~Exists(standing))
        .select_related("person")
        .order_by("queued_at", "id")
    )


def activity_refused_scans(activity: Activity, *, limit: int = 20) -> QuerySet[ScanAttempt]:
    """The latest refused scans at the activity, newest first, so an organiser sees why."""
    return (
        ScanAttempt.objects.filter(activity=activity, accepted=False)
        .select_related("person")
        .order_by("-scanned_at", "-id")[:limit]
    )


def activities_to_run(
    user: User | AnonymousUser, *, now: datetime.datetime | None = None
) -> QuerySet[Activity]:
    """Published activities the user may run check-in for, from today on (the organiser's list)."""
    now = now or timezone.now()
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    queryset = Activity.objects.published().filter(
        ends_at__gte=start_of_today, starts_at__lt=now + datetime.timedelta(days=7)
    )
    scope = permissions.scope_q(user, permissions.Action.CHECK_IN, "organisation__path")
    if scope is not None:
        queryset = queryset.filter(scope)
    return queryset.order_by("starts_at")


def activity_to_run_today(
    user: User | AnonymousUser, *, now: datetime.datetime | None = None
) -> Activity | None:
    """The organiser's activity of the moment: the one under way (the earliest started),
    else the next to start today; None when nothing is left to run today."""
    now = now or timezone.now()
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        activities_to_run(user, now=now)
        .filter(ends_at__gte=now, starts_at__lt=start_of_today + datetime.timedelta(days=1))
        .first()
    )


def _waitlisted_ahead() -> Subquery:
    """How many wait ahead of the outer sign-up on its activity's waiting list (queued
    earlier, ties by id): its place is this + 1. One subquery for 我的 and the activity page."""
    return Subquery(
        SignUp.objects.filter(activity_id=OuterRef("activity_id"), status=SignUpStatus.WAITLISTED)
        .filter(
            Q(queued_at__lt=OuterRef("queued_at"))
            | Q(queued_at=OuterRef("queued_at"), id__lt=OuterRef("id"))
        )
        .order_by()
        .values("activity_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def person_upcoming_signups(person: Person | None, *, limit: int = 5) -> QuerySet[SignUp]:
    """The person's places on activities not yet over, soonest first, each with
    ``waitlist_place`` (1 for the first waiting; None when confirmed), in one query."""
    if person is None:
        return SignUp.objects.none()
    ahead = _waitlisted_ahead()
    return (
        SignUp.objects.filter(
            person=person,
            status__in=[SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED],
            activity__ends_at__gte=timezone.now(),
        )
        .annotate(
            waitlist_place=Case(
                When(
                    status=SignUpStatus.WAITLISTED,
                    then=Coalesce(ahead, 0) + 1,
                ),
                default=None,
                output_field=IntegerField(),
            )
        )
        .select_related("activity")
        .order_by("activity__starts_at")[:limit]
    )


# --- Join requests (加入申请): the staff's queue, the newcomer's own list --------------------


def join_requests_in_scope(user: User | AnonymousUser) -> QuerySet[JoinRequest]:
    """Join requests to organisations where ``user`` admits people, applicant and place joined."""
    queryset = JoinRequest.objects.select_related("person", "organisation", "decided_by__person")
    scope = permissions.scope_q(user, permissions.Action.ADMIT, field="organisation__path")
    return queryset if scope is None else queryset.filter(scope)


def join_requests_to_decide(user: User | AnonymousUser) -> QuerySet[JoinRequest]:
    """The pending requests ``user`` may approve or refuse, oldest first."""
    return (
        join_requests_in_scope(user)
        .filter(status=JoinRequest.Status.PENDING)
        .order_by("created_at", "id")
    )


def person_join_requests(person: Person | None) -> QuerySet[JoinRequest]:
    """The person's own requests, newest first."""
    if person is None:
        return JoinRequest.objects.none()
    return person.join_requests.select_related("organisation").order_by("-created_at", "-id")


# --- The audit log (审计日志): who may read which events -------------------------------


def audit_events_visible_to(user: User | AnonymousUser) -> QuerySet[AuditEvent]:
    """The audit events ``user`` may read, newest first, by the one rule.

    Those of the organisations where they manage people, roles or points, and those
    about the people they manage; events tied to neither (points rules, say) belong to
    the whole town and are its administrators' only.
    """
    queryset = AuditEvent.objects.select_related(
        "actor__person", "person", "organisation", "target_type"
    ).order_by("-created_at", "-id")
    if permissions.is_superuser(user):
        return queryset
    visible = Q(pk__in=[])
    for action in permissions.AUDIT_READING_ACTIONS:
        scope = permissions.scope_q(user, action, field="organisation__path")
        if scope is not None:
            visible |= scope
    if permissions.can_anywhere(user, permissions.Action.MANAGE_PEOPLE):
        people = permissions.people_in_scope(user, permissions.Action.MANAGE_PEOPLE)
        visible |= Q(person__in=people.values("pk"))
    if permissions.administers_a_town(user):
        visible |= Q(organisation__isnull=True, person__isnull=True)
    return queryset.filter(visible)


# --- Finding people on a staff list: a name, a volunteer number, a phone's last four ---------


def people_matching(text: str, *, via: str = "") -> Q:
    """Whom a staff list's search box finds; ``via`` leads to the person (``"person__"``).

    A name containing ``text``; a volunteer number typed whole, with or without its ``SZ``;
    or, for four digits, the last four of a phone (staff see phones masked as 138****5678,
    so the last four is what they can read out). Nothing typed matches everyone.
    """
    text = text.strip()
    if not text:
        return Q()
    found = Q(**{f"{via}real_name__icontains": text})
    number = text.upper()
    if number.isascii() and number.isalnum():
        if not number.startswith(VOLUNTEER_NUMBER_PREFIX):
            number = VOLUNTEER_NUMBER_PREFIX + number
        found |= Q(**{f"{via}volunteer_number": number})
    if text.isdigit() and len(text) == 4:
        found |= Q(**{f"{via}phone__endswith": text})
    return found


# --- The activity page's one status for its viewer (可报名 … 已签退 · 本次计 2.3 小时) -----------


class ActivityStateCode:
    """What an activity is to the person looking at it; the page shows one of these."""

    CANCELLED = "cancelled"  # 已取消
    FINISHED = "finished"  # 已结束 (and the viewer has no attendance)
    CHECKED_OUT = "checked_out"  # 已签退 · 本次计 2.3 小时
    CHECKED_IN = "checked_in"  # 进行中 · 已签到 13:50
    REMOVED = "removed"  # the organiser withdrew the viewer's check-in
    RUNNING = "running"  # 进行中, the viewer not checked in
    SIGNED_UP = "signed_up"  # 已报名
    WAITLISTED = "waitlisted"  # 候补第 n 位
    OPEN = "open"  # 可报名 (or 名额已满 · 可候补)
    NOT_OPEN = "not_open"  # 报名未开始
    CLOSED = "closed"  # 报名已截止
    NOT_IN_AUDIENCE = "not_in_audience"  # 不可报名: the activity is for others


class ActivityAction:
    """The one thing the page offers for a state; the template turns it into a button or link."""

    NONE = ""
    LOGIN = "login"  # 登录后报名, back to the page
    PROFILE = "profile"  # signed in without a person: 查看我的资料
    SIGN_UP = "sign_up"  # 我要报名 / 报名候补
    CANCEL = "cancel"  # 取消报名 / 取消候补
    CHECK_IN = "check_in"  # 扫码签到 (the scene's QR, or 我的签到码 shown to the organiser)
    CHECK_OUT = "check_out"  # 扫码签退


@dataclass(frozen=True)
class ActivityState:
    """One status for one viewer: a code, a short label for the badge, a sentence, an action.

    ``tone`` is the badge's colour (ok, warn, info, danger, muted); the label says the same
    in words, so nothing rests on colour alone. ``action_label`` is the button's text.
    """

    code: str
    label: str
    tone: str
    detail: str = ""
    action: str = ActivityAction.NONE
    action_label: str = ""
    signup: SignUp | None = None
    attendance: Attendance | None = None
    waitlist_position: int | None = None
    scan_open: bool = False  # signed up and check-in is open: 扫码签到 beside the action


def _local_when(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), _("n月j日 H:i"))


def _local_hhmm(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "H:i")


def _hours(minutes: int) -> str:
    """Minutes as hours with one decimal: 138 → “2.3”."""
    return f"{minutes / 60:.1f}"


def _viewer_signup(activity: Activity, person: Person) -> SignUp | None:
    """The person's live sign-up with its place in the queue (``ahead``), in one query."""
    ahead = _waitlisted_ahead()
    return (
        SignUp.objects.filter(activity=activity, person=person)
        .exclude(status=SignUpStatus.CANCELLED)
        .annotate(ahead=Coalesce(ahead, 0))
        .first()
    )


def _attendance_state(
    activity: Activity, attendance: Attendance, now: datetime.datetime
) -> ActivityState:
    Code = ActivityStateCode
    if attendance.removed_at is not None:
        return ActivityState(
            Code.REMOVED,
            _("签到已撤销"),
            "danger",
            _("组织者撤销了您的签到记录，如有疑问请联系活动组织者。"),
            attendance=attendance,
        )
    checked_in = _local_hhmm(attendance.checked_in_at)
    if attendance.checked_out_at is not None:
        minutes = attendance.minutes_served or 0
        times = _("签到 %(in)s，签退 %(out)s。") % {
            "in": checked_in,
            "out": _local_hhmm(attendance.checked_out_at),
        }
        if attendance.auto_closed:
            times = _("签到 %(in)s，未签退，系统按活动结束时间 %(out)s 自动签退。") % {
                "in": checked_in,
                "out": _local_hhmm(attendance.checked_out_at),
            }
        needed = activity.required_minutes
        if minutes < needed:
            return ActivityState(
                Code.CHECKED_OUT,
                _("已签退 · 本次服务 %(hours)s 小时") % {"hours": _hours(minutes)},
                "warn",
                times
                + _("不足活动时长的 %(share)d%%（%(needed)d 分钟），本次不计服务时长和积分。")
                % {"share": activity.min_share_percent, "needed": needed},
                attendance=attendance,
            )
        return ActivityState(
            Code.CHECKED_OUT,
            _("已签退 · 本次计 %(hours)s 小时") % {"hours": _hours(minutes)},
            "ok",
            times
            + (
                _("已计入服务时长和积分。")
                if attendance.finalised_at
                else _("服务时长和积分在活动结束核定后到账。")
            ),
            attendance=attendance,
        )
    if now < activity.starts_at:
        label = _("已签到 %(time)s") % {"time": checked_in}
        detail = _("活动 %(when)s 开始。") % {"when": _local_when(activity.starts_at)}
    elif now <= activity.ends_at:
        label = _("进行中 · 已签到 %(time)s") % {"time": checked_in}
        detail = ""
    else:
        label = _("已结束 · 已签到 %(time)s") % {"time": checked_in}
        detail = _("未签退的，系统按活动结束时间自动签退。")
        return ActivityState(Code.CHECKED_IN, label, "ok", detail, attendance=attendance)
    if activity.checkout_required:
        detail += _("本活动须签退：离开时请扫描现场的签退码。")
    else:
        detail += _("离开时可扫描现场的签退码签退；未签退的按活动结束时间计。")
    return ActivityState(
        Code.CHECKED_IN,
        label,
        "ok",
        detail,
        ActivityAction.CHECK_OUT,
        _("扫码签退"),
        attendance=attendance,
    )


def activity_state_for(
    activity: Activity,
    person: Person | None,
    now: datetime.datetime | None = None,
    *,
    signed_in: bool | None = None,
) -> ActivityState:
    """The activity's one status for its viewer and the action that goes with it.

    ``person`` is None for an anonymous visitor, and for a signed-in account with no
    person yet (``signed_in=True``). Reads: the viewer's sign-up with its waiting-list
    place (one query) and their attendance (one query); the audience check only when
    the viewer could sign up now. The sign-up rules are those of
    ``services.signups.signup_refusal`` and ``cancel_refusal``, which the writes apply.
    """
    now = now or timezone.now()
    signed_in = person is not None if signed_in is None else signed_in
    Code, Action = ActivityStateCode, ActivityAction
    if activity.cancelled_at:
        return ActivityState(
            Code.CANCELLED, _("已取消"), "danger", activity.cancel_reason or _("本活动已取消。")
        )
    signup = _viewer_signup(activity, person) if person is not None else None
    attendance = (
        Attendance.objects.filter(activity=activity, person=person).first()
        if person is not None
        else None
    )
    if attendance is not None:
        return _attendance_state(activity, attendance, now)
    if activity.finished_at or now > activity.ends_at:
        return ActivityState(Code.FINISHED, _("已结束"), "muted", signup=signup)

    running = now >= activity.starts_at
    deadline = activity.signup_deadline
    cancel_detail = ""
    may_cancel = now <= deadline
    if not may_cancel:
        cancel_detail = _("已过取消报名的截止时间（%(when)s）。如不能参加，请联系活动组织者。") % {
            "when": _local_when(deadline)
        }
    if signup is not None and signup.status == SignUpStatus.WAITLISTED:
        position = getattr(signup, "ahead", 0) + 1
        return ActivityState(
            Code.WAITLISTED,
            _("候补第 %(n)d 位") % {"n": position},
            "warn",
            cancel_detail or _("有人取消时自动转正并短信通知您。"),
            Action.CANCEL if may_cancel else Action.NONE,
            _("取消候补"),
            signup=signup,
            waitlist_position=position,
        )
    checkin_hint = _("到场后扫描现场签到码签到。")
    if now >= activity.checkin_opens_at:
        checkin_hint = _("现在可以扫描现场签到码签到。")
    if signup is not None:  # confirmed
        if running:
            return ActivityState(
                Code.RUNNING,
                _("进行中"),
                "info",
                _("您已报名，请扫描现场签到码签到。"),
                Action.CHECK_IN,
                _("扫码签到"),
                signup=signup,
            )
        promoted = _("您已由候补转为正式报名。") if signup.promoted_at else ""
        return ActivityState(
            Code.SIGNED_UP,
            _("已报名"),
            "ok",
            promoted + (cancel_detail or checkin_hint),
            Action.CANCEL if may_cancel else Action.NONE,
            _("取消报名"),
            signup=signup,
            scan_open=now >= activity.checkin_opens_at,
        )

    # No sign-up: may the viewer take part, and how?
    if running and not activity.signup_required:
        return ActivityState(
            Code.RUNNING,
            _("进行中"),
            "info",
            _("本活动无需报名，到场扫描现场签到码签到即可。"),
            Action.CHECK_IN,
            _("扫码签到"),
        )
    if activity.signup_opens_at and now < activity.signup_opens_at:
        return ActivityState(
            Code.NOT_OPEN,
            _("报名未开始"),
            "info",
            _("报名尚未开始，将于 %(when)s 开始。")
            % {"when": _local_when(activity.signup_opens_at)},
        )
    if now > deadline:
        if running:
            return ActivityState(
                Code.RUNNING, _("进行中"), "info", _("本活动须报名参加，报名已截止。")
            )
        detail = _("报名已截止（截止时间 %(when)s）。") % {"when": _local_when(deadline)}
        if not activity.signup_required:
            detail += _("本活动无需报名，到场扫码签到即可。")
        return ActivityState(Code.CLOSED, _("报名已截止"), "muted", detail)

    full = places_left(activity) == 0
    label = _("名额已满 · 可候补") if full else _("可报名")
    tone = "warn" if full else "ok"
    button = _("报名候补") if full else _("我要报名")
    detail = _("名额已满，报名后进入候补名单。") if full else ""
    if running:
        label = _("进行中 · 可候补") if full else _("进行中 · 可报名")
    if not signed_in:
        return ActivityState(Code.OPEN, label, tone, detail, Action.LOGIN, _("登录后报名"))
    if person is None:
        return ActivityState(
            Code.OPEN,
            label,
            tone,
            _("您的账号还没有登记人员信息，完善个人资料后才能报名。"),
            Action.PROFILE,
            _("查看我的资料"),
        )
    if not permissions.in_audience(activity, person):
        return ActivityState(
            Code.NOT_IN_AUDIENCE,
            _("不可报名"),
            "muted",
            permissions.audience_refusal_message(activity),
        )
    return ActivityState(Code.OPEN, label, tone, detail, Action.SIGN_UP, button)
