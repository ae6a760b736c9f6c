"""Reads of the 微心愿墙 (需求清单): the public wall, its figures, one need, and who sees what.

The wall is public: anyone may read a need's public title, type, category, place,
deadline and how many places are still open. What identifies the resident (the need's
own title, their name, phone and address) is shown only to those who act on it: the
grid's staff (``Action.MANAGE_NEEDS``), a party member holding a live claim on it, and
the resident themself. ``need_visibility`` is the one place that decides, and it hands
the page the values to show, so a template never reads ``need.resident_name`` itself.
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from core.masking import mask_phone
from volunteers import permissions
from volunteers.models import Claim, Need, Organisation, Person, User
from volunteers.selectors import person_for_user

# What the wall's card and the need's page show of its relations: one join, no N+1.
_CARD_RELATED = ("community", "grid", "category")


def needs_on_wall(
    *, community: Organisation | None = None, status: str | None = None
) -> QuerySet[Need]:
    """Public needs (已公开, 已认领, 已完成), newest first; ``status`` must be one of those.

    A ``status`` outside ``Need.PUBLIC_STATUSES`` (待审核, 已关闭) matches nothing: the
    wall never lists what the public may not see, whatever the filter asks.
    """
    queryset = Need.objects.public().select_related(*_CARD_RELATED)
    if community is not None:
        queryset = queryset.filter(community=community)
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


class NeedCounts(NamedTuple):
    """The wall's figures.

    ``needs``: every public need (已公开 + 已认领 + 已完成; pending and closed ones are
    not counted). ``claimed``: those whose places are all taken and whose service is
    under way (status 已认领), not yet confirmed done. ``done``: those confirmed
    done (已完成). So ``needs - claimed - done`` is what still waits for a claimant.
    """

    needs: int
    claimed: int
    done: int

    @property
    def open(self) -> int:
        return self.needs - self.claimed - self.done


def need_count_filters() -> dict[str, Q]:
    """What each of ``NeedCounts``' figures counts, by field name: the one definition, which
    the home page's figures (``cms.selectors.town_statistics``) count with too."""
    return {
        "needs": Q(status__in=Need.PUBLIC_STATUSES),
        "claimed": Q(status=Need.Status.CLAIMED),
        "done": Q(status=Need.Status.DONE),
    }


def need_counts(community: Organisation | None = None) -> NeedCounts:
    """``NeedCounts`` of the town, or of one community: one query."""
    queryset = Need.objects.public()
    if community is not None:
        queryset = queryset.filter(community=community)
    row = queryset.aggregate(
        **{name: Count("id", filter=q) for name, q in need_count_filters().items()}
    )
    return NeedCounts(**row)


def need_public(pk: int) -> Need | None:
    """One need as the public may open it (已公开, 已认领, 已完成), or None."""
    return Need.objects.public().select_related(*_CARD_RELATED).filter(pk=pk).first()


def need_any(pk: int) -> Need | None:
    """One need whatever its status, for ``need_visibility`` to decide who may open it."""
    return Need.objects.select_related(*_CARD_RELATED).filter(pk=pk).first()


# Who the viewer is to the need, from the least to the most trusted.
PUBLIC = "public"
SIGNED_IN = "signed_in"
RESIDENT = "resident"
CLAIMANT = "claimant"
STAFF = "staff"


@dataclass(frozen=True)
class NeedVisibility:
    """What one viewer may see of one need: the values themselves, None where hidden.

    ``may_open``: a public need, or one the viewer is staff for or is the resident of
    (a pending need the resident submitted, say); anyone else gets a 404.
    ``my_claim``: the viewer's own live claim on it (认领中, 待确认, 已完成), if any.
    ``my_unit_claims``: the live claims the viewer made on it for a unit (单位认领); an
    open one makes them a claimant too (they deliver, so they call the resident).
    """

    need: Need
    viewer: str
    may_open: bool
    description: str | None
    title: str | None
    resident_name: str | None
    resident_phone: str | None
    address: str | None
    my_claim: Claim | None
    my_unit_claims: tuple[Claim, ...] = ()

    @property
    def heading(self) -> str:
        """The page's heading: the need's own title for those who act on it."""
        return self.title or self.need.public_title


def _live_claims(need: Need, person: Person | None) -> list[Claim]:
    """The person's live claims on the need: their own, and any made for a unit."""
    if person is None:
        return []
    return list(
        Claim.objects.filter(need=need, person=person, status__in=Claim.LIVE_STATUSES)
        .select_related("unit")
        .order_by("-claimed_at", "-id")
    )


def _is_resident(need: Need, user: User | AnonymousUser | None, person: Person | None) -> bool:
    """The resident the need is for, or whoever submitted it from their phone (for a
    neighbour, say): they typed what it says, and follow it from 待审核 on."""
    if person is not None and need.resident_id is not None and need.resident_id == person.pk:
        return True
    return user is not None and user.is_authenticated and need.submitted_by_id == user.pk


def need_visibility(
    user: User | AnonymousUser | None,
    need: Need,
    *,
    person: Person | None = None,
) -> NeedVisibility:
    """What ``user`` may see of ``need`` (see the module docstring for the rule): 2 queries
    for a signed-in viewer (their live claim; their roles, once a request), none for the public.

    ``person``: the user's ``Person`` when the caller has it already (saves a query);
    otherwise it is looked up. Phones are shown whole to staff and to a claimant, who
    must call the resident; the resident sees their own masked, like every other page
    that is not a manager's.
    """
    signed_in = user is not None and user.is_authenticated
    if signed_in and person is None:
        person = person_for_user(user)
    claims = _live_claims(need, person)
    my_claim = next((claim for claim in claims if claim.unit_id is None), None)
    if signed_in and permissions.can(user, permissions.Action.MANAGE_NEEDS, need):
        viewer = STAFF
    elif any(claim.status in Claim.OPEN_STATUSES for claim in claims):
        viewer = CLAIMANT  # once served and confirmed, the resident's details close again
    elif _is_resident(need, user, person):
        viewer = RESIDENT
    elif signed_in:
        viewer = SIGNED_IN
    else:
        viewer = PUBLIC
    insider = viewer in (STAFF, CLAIMANT, RESIDENT)
    phone = need.resident_phone
    if phone and viewer == RESIDENT:
        phone = mask_phone(phone)
    return NeedVisibility(
        need=need,
        viewer=viewer,
        may_open=need.status in Need.PUBLIC_STATUSES or viewer in (STAFF, RESIDENT),
        description=need.description if viewer != PUBLIC else None,
        title=need.title if insider else None,
        resident_name=need.resident_name if insider else None,
        resident_phone=(phone or None) if insider else None,
        address=(need.address or None) if insider else None,
        my_claim=my_claim,
        my_unit_claims=tuple(claim for claim in claims if claim.unit_id is not None),
    )


def need_open_for_claims(need: Need, *, today: datetime.date) -> bool:
    """Could someone claim it now: public, places left, deadline not past?

    Only what the page offers an anonymous visitor (登录后认领); a signed-in person's own
    answer is ``services.needs.claim_refusal``, the rule ``need_claim`` itself applies.
    """
    return (
        need.status == Need.Status.PUBLISHED
        and need.open_places > 0
        and not need.is_past_deadline(today)
    )
