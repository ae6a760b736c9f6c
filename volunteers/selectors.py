"""Reads that pages share: activity lists, places left, a person's place on an activity."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.formats import date_format

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
    end_format = "H:i" if start.date() == end.date() else "n月j日 H:i"
    return f"{date_format(start, 'n月j日 H:i')}–{date_format(end, end_format)}"


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


def person_upcoming_signups(person: Person | None, *, limit: int = 5) -> QuerySet[SignUp]:
    if person is None:
        return SignUp.objects.none()
    return (
        SignUp.objects.filter(
            person=person,
            status__in=[SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED],
            activity__ends_at__gte=timezone.now(),
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
