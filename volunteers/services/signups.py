"""Signing up for activities, cancelling, and the waiting list.

The activity row is locked (``select_for_update``) before places are counted, so
two people taking the last place at once cannot both get it: the second waits for
the first to commit, counts again and lands on the waiting list. Sign-up and
cancellation lock in the same order (activity, then the sign-up row).
"""

import datetime
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, Forbidden
from core.jobs import queue_after_commit
from volunteers import permissions
from volunteers.models import Activity, Person, SignUp, User
from volunteers.selectors import activity_time_span

Status = SignUp.Status
TAKING_PLACES = (Status.CONFIRMED, Status.WAITLISTED)


class SignUpResult(NamedTuple):
    signup: SignUp
    warnings: list[str]


def _when(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), _("n月j日 H:i"))


def signup_refusal(
    activity: Activity, person: Person, *, now: datetime.datetime | None = None
) -> DomainError | None:
    """Why ``person`` may not sign up for ``activity`` now, or None. Pages use it to explain."""
    now = now or timezone.now()
    if activity.cancelled_at:
        return Conflict("cancelled", _("活动已取消，不能报名。"))
    if not activity.live:
        return Conflict("not_published", _("活动尚未发布，不能报名。"))
    if activity.finished_at or activity.ends_at <= now:
        return Conflict("finished", _("活动已结束，不能报名。"))
    if activity.signup_opens_at and now < activity.signup_opens_at:
        return Conflict(
            "not_open",
            _("报名尚未开始，将于 %(when)s 开始。") % {"when": _when(activity.signup_opens_at)},
        )
    if now > activity.signup_deadline:
        return Conflict(
            "closed",
            _("报名已截止（截止时间 %(when)s）。") % {"when": _when(activity.signup_deadline)},
        )
    if not permissions.in_audience(activity, person):
        return Forbidden("not_in_audience", permissions.audience_refusal_message(activity))
    return None


def cancel_refusal(signup: SignUp, *, now: datetime.datetime | None = None) -> DomainError | None:
    """Why this sign-up may not be cancelled now, or None."""
    now = now or timezone.now()
    activity = signup.activity
    if signup.status == Status.CANCELLED:
        return Conflict("already_cancelled", _("这条报名已经取消。"))
    if activity.cancelled_at:
        return Conflict("activity_cancelled", _("活动已取消，无需再取消报名。"))
    if now > activity.signup_deadline:
        return Conflict(
            "deadline_passed",
            _("已过取消报名的截止时间（%(when)s）。如不能参加，请联系活动组织者。")
            % {"when": _when(activity.signup_deadline)},
        )
    return None


def _overlap_warnings(activity: Activity, person: Person) -> list[str]:
    clashes = (
        SignUp.objects.filter(
            person=person,
            status=Status.CONFIRMED,
            activity__cancelled_at__isnull=True,
            activity__starts_at__lt=activity.ends_at,
            activity__ends_at__gt=activity.starts_at,
        )
        .exclude(activity=activity)
        .select_related("activity")
        .order_by("activity__starts_at")
    )
    return [
        _("该活动与您已报名的“%(title)s”（%(span)s）时间重叠，请确认能否同时参加。")
        % {"title": other.activity.title, "span": activity_time_span(other.activity)}
        for other in clashes
    ]


def _fill_free_places(activity: Activity, now: datetime.datetime) -> list[SignUp]:
    """Promote waitlisted people, first come first served, into free places.

    The caller holds the lock on the activity row. Each promoted person is told by
    SMS once the transaction commits.
    """
    waiting = (
        SignUp.objects.select_for_update()
        .filter(activity=activity, status=Status.WAITLISTED)
        .order_by("queued_at", "id")
    )
    if activity.capacity is not None:
        confirmed = SignUp.objects.filter(activity=activity, status=Status.CONFIRMED).count()
        free = activity.capacity - confirmed
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    for signup in promoted:
        signup.status = Status.CONFIRMED
        signup.promoted_at = now
        signup.save(update_fields=["status", "promoted_at"])
        # After commit, robust: an SMS gateway or the queue failing must not undo or break
        # the promotion. Queue away, the in-app notice is written here (one row).
        queue_after_commit("volunteers.tasks.notify_signup_promoted", signup.pk, run_here=True)
    return promoted


def _lock_activity(activity: Activity) -> Activity:
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("organisation", "audience_team")
        .get(pk=activity.pk)
    )


@transaction.atomic
def signup_create(
    *, activity: Activity, person: Person, now: datetime.datetime | None = None
) -> SignUpResult:
    """Sign ``person`` up; onto the waiting list when the activity is full."""
    now = now or timezone.now()
    activity = _lock_activity(activity)
    refusal = signup_refusal(activity, person, now=now)
    if refusal is not None:
        raise refusal
    existing = SignUp.objects.select_for_update().filter(activity=activity, person=person).first()
    if existing is not None and existing.status == Status.CONFIRMED:
        raise Conflict("already_signed_up", _("您已报名该活动。"))
    if existing is not None and existing.status == Status.WAITLISTED:
        raise Conflict("already_waitlisted", _("您已在该活动的候补名单中。"))
    # Places freed while nobody was waiting to take them (a raised capacity, say) go
    # to those already queued before this newcomer.
    _fill_free_places(activity, now)
    if activity.capacity is None:
        status = Status.CONFIRMED
    else:
        confirmed = SignUp.objects.filter(activity=activity, status=Status.CONFIRMED).count()
        status = Status.CONFIRMED if confirmed < activity.capacity else Status.WAITLISTED
    if existing is not None:
        # A cancelled sign-up comes back to life: the constraint allows one row per person.
        existing.status = status
        existing.queued_at = now
        existing.promoted_at = None
        existing.cancelled_at = None
        existing.save(update_fields=["status", "queued_at", "promoted_at", "cancelled_at"])
        signup = existing
    else:
        try:
            with transaction.atomic():
                signup = SignUp.objects.create(
                    activity=activity, person=person, status=status, queued_at=now
                )
        except IntegrityError:
            raise Conflict("already_signed_up", _("您已报名该活动。")) from None
    return SignUpResult(signup=signup, warnings=_overlap_warnings(activity, person))


@transaction.atomic
def signup_cancel(
    *, signup: SignUp, by: User | None, now: datetime.datetime | None = None
) -> SignUp:
    """Give up a place (or a place in the queue); the next person waiting moves up."""
    now = now or timezone.now()
    activity = _lock_activity(signup.activity)
    signup = (
        SignUp.objects.select_for_update(of=("self",)).select_related("person").get(pk=signup.pk)
    )
    signup.activity = activity
    is_own = by is not None and by.pk == signup.person.user_id
    if (
        by is not None
        and not is_own
        and not permissions.can(by, permissions.Action.PUBLISH, activity)
    ):
        raise Forbidden("forbidden", _("您无权取消他人的报名。"))
    refusal = cancel_refusal(signup, now=now)
    if refusal is not None:
        raise refusal
    was_confirmed = signup.status == Status.CONFIRMED
    signup.status = Status.CANCELLED
    signup.cancelled_at = now
    signup.save(update_fields=["status", "cancelled_at"])
    if was_confirmed:
        _fill_free_places(activity, now)
    return signup


@transaction.atomic
def signups_fill_free_places(*, activity: Activity) -> list[SignUp]:
    """After an editor raises the capacity: move waiting people into the new places."""
    activity = _lock_activity(activity)
    if activity.cancelled_at or not activity.live:
        return []
    return _fill_free_places(activity, timezone.now())
