"""Reads of the staff side of the 需求清单: the needs a member of staff manages, and their to-dos.

Scope is the one rule: ``Action.MANAGE_NEEDS`` on the need's grid (the grid's staff, its
community's secretary and admins above), read as a filter on the grid's tree path, so a
list costs one query however many grids the viewer covers. The admin's list, the need's
page, the menu's badge and the dashboard's 微心愿待办 panel all read from here.
"""

import datetime
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from volunteers import permissions
from volunteers.models import AuditEvent, Claim, Need, User

Action = permissions.Action
Status = Need.Status

# A published need with open places and this many days or fewer to its deadline is
# flagged 临近截止 (issue 18: "unclaimed 3 days before its deadline").
CLOSING_SOON_DAYS = 3


def needs_in_scope(user: User) -> QuerySet[Need]:
    """Every need on a grid where ``user`` holds MANAGE_NEEDS (none for anyone else)."""
    scope = permissions.scope_q(user, Action.MANAGE_NEEDS, "grid__path")
    queryset = Need.objects.all()
    return queryset if scope is None else queryset.filter(scope)


def closing_soon_q(today: datetime.date | None = None) -> Q:
    """Published, places still open, and the deadline within ``CLOSING_SOON_DAYS``."""
    today = today or timezone.localdate()
    return Q(
        status=Status.PUBLISHED,
        claimed_places__lt=F("places"),
        deadline__gte=today,
        deadline__lte=today + datetime.timedelta(days=CLOSING_SOON_DAYS),
    )


def is_closing_soon(need: Need, today: datetime.date) -> bool:
    """``closing_soon_q`` for one need already read (no query)."""
    return (
        need.status == Status.PUBLISHED
        and need.open_places > 0
        and today <= need.deadline <= today + datetime.timedelta(days=CLOSING_SOON_DAYS)
    )


def reported_q() -> Q:
    """Needs with a claim whose service waits for the staff's confirmation (待确认)."""
    return Q(claims__status=Claim.Status.REPORTED)


class NeedTodo(NamedTuple):
    """What waits for a member of staff: 待审核 needs, 待确认 claims, needs closing soon."""

    pending: int
    reported: int
    closing_soon: int

    @property
    def any(self) -> bool:
        return bool(self.pending or self.reported or self.closing_soon)


def need_todo(user: User, *, today: datetime.date | None = None) -> NeedTodo:
    """``NeedTodo`` for the needs in ``user``'s scope: one query."""
    row = needs_in_scope(user).aggregate(
        pending=Count("id", filter=Q(status=Status.PENDING), distinct=True),
        closing_soon=Count("id", filter=closing_soon_q(today), distinct=True),
        reported=Count("claims", filter=Q(claims__status=Claim.Status.REPORTED), distinct=True),
    )
    return NeedTodo(
        pending=row["pending"], reported=row["reported"], closing_soon=row["closing_soon"]
    )


def needs_closing_soon(user: User, *, today: datetime.date | None = None) -> QuerySet[Need]:
    """The needs in scope flagged 临近截止, the nearest deadline first."""
    return (
        needs_in_scope(user)
        .filter(closing_soon_q(today))
        .select_related("grid", "category")
        .order_by("deadline", "id")
    )


def need_history(need: Need, claims: list[Claim], *, limit: int = 50) -> QuerySet[AuditEvent]:
    """The audit events about ``need`` and its ``claims``, oldest first: one query.

    The services audit the need (登记, 公开, 关闭) and each claim (认领, 提交, 确认, 撤回)
    by reference, so both are found by their type and key.
    """
    types = ContentType.objects.get_for_models(Need, Claim)  # cached after the first call
    about = Q(target_type=types[Need], target_id=str(need.pk))
    if claims:
        about |= Q(target_type=types[Claim], target_id__in=[str(c.pk) for c in claims])
    return (
        AuditEvent.objects.filter(about)
        .select_related("actor__person")
        .order_by("created_at", "id")[:limit]
    )
