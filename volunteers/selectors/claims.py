"""Reads of the 双项认领卡: one party member's claims of a quarter, and one claim of theirs.

Which claims are on a quarter's card: every claim that was live at some moment of the
quarter, i.e. claimed before the quarter ended and neither confirmed nor withdrawn
before it began. So a claim made in the quarter is there, one confirmed in it is there
(claimed in an earlier quarter or not), one still open from an earlier quarter is there
(the card of today always shows what is waiting to be done), and one withdrawn in the
quarter is there as 已撤回.

The totals count each claim once across quarters: 认领 n 项 counts the claims made in the
quarter (withdrawn ones not), 完成 m 项 and 服务 x 小时 the claims confirmed in it (what the
points ledger credits on confirmation); a claim reported but not yet confirmed counts in
neither.

The resident's name, full phone and address are handed over only for a claim still open
(已认领, 待确认): the claimant has to call and find them. Once the service is confirmed or
the claim withdrawn they are no longer the claimant's to see, and the card, which goes
to the employer unit on paper, never prints them.

Claims a unit's contact made for the unit (单位认领) are not the person's service: they
are listed apart (``ClaimCard.unit_lines``, 本单位认领) so that the contact can report them
done, and count in none of the card's totals nor on its PDF.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.quarters import Quarter
from volunteers.models import Claim, Need, Organisation, Person, ProjectPost

Status = Claim.Status
OPEN_STATUSES = Claim.OPEN_STATUSES
_RELATED = (
    "unit",
    "need__community",
    "need__grid",
    "need__category",
    "post__project__community",
)


@dataclass(frozen=True)
class ResidentContact:
    name: str
    phone: str
    address: str


@dataclass(frozen=True)
class CardLine:
    """One claim as the card shows it."""

    claim: Claim
    claimed_on: datetime.date
    # The day the service was given, as the claimant reported it (待确认, 已完成).
    served_on: datetime.date | None
    # Reported minutes: shown for 待确认 and 已完成; only 已完成 counts in the totals.
    minutes: int | None
    contact: ResidentContact | None
    claimed_in_quarter: bool
    confirmed_in_quarter: bool

    @property
    def is_open(self) -> bool:
        return self.claim.status in OPEN_STATUSES

    @property
    def hours(self) -> str:
        """The reported minutes as hours with one decimal, or "" before the report."""
        return "" if self.minutes is None else f"{self.minutes / 60:.1f}"

    @property
    def place(self) -> str:
        return claim_place(self.claim)

    @property
    def title(self) -> str:
        return claim_title(self.claim)

    @property
    def url(self) -> str:
        return claim_url(self.claim)

    @property
    def deadline(self) -> datetime.date:
        need = self.claim.need
        return need.deadline if need is not None else claim_post(self.claim).deadline


@dataclass(frozen=True)
class ClaimCard:
    person: Person
    quarter: Quarter
    lines: list[CardLine]  # the person's own claims: the totals count these only
    unit_lines: list[CardLine] = field(default_factory=list)  # made for a unit (本单位认领)

    @property
    def claimed(self) -> int:
        return sum(
            1
            for line in self.lines
            if line.claimed_in_quarter and line.claim.status != Status.WITHDRAWN
        )

    @property
    def done(self) -> int:
        return sum(1 for line in self.lines if line.confirmed_in_quarter)

    @property
    def minutes(self) -> int:
        return sum(line.minutes or 0 for line in self.lines if line.confirmed_in_quarter)

    @property
    def hours(self) -> str:
        """Service hours with one decimal, as the certificate writes them."""
        return f"{self.minutes / 60:.1f}"


def claim_post(claim: Claim) -> ProjectPost:
    """The post of a claim that is not on a need (the check constraint: one of the two)."""
    assert claim.post is not None  # noqa: S101 -- claim_need_or_post guarantees it
    return claim.post


def claim_title(claim: Claim) -> str:
    """What a claim is on, as the card and the ledger name it: the need's public title, or
    "项目名：岗位" for a project's post."""
    if claim.need is not None:
        return claim.need.public_title
    post = claim_post(claim)
    return f"{post.project.title}：{post.title}"


def claim_place(claim: Claim) -> str:
    """梨园社区·梨园社区第1网格; for a project's post: its community."""
    need = claim.need
    if need is None:
        return claim_post(claim).project.community.name
    return f"{need.community.name}·{need.grid.name}"


def claim_url(claim: Claim) -> str:
    if claim.need is not None:
        return reverse("volunteers:need_detail", args=[claim.need.pk])
    return reverse("volunteers:project_detail", args=[claim_post(claim).project_id])


def _within(
    moment: datetime.datetime | None, start: datetime.datetime, end: datetime.datetime
) -> bool:
    return moment is not None and start <= moment < end


def _contact(claim: Claim) -> ResidentContact | None:
    if claim.status not in OPEN_STATUSES:
        return None
    need = claim.need
    if need is None:
        return None  # a project's post has no resident to call
    return ResidentContact(name=need.resident_name, phone=need.resident_phone, address=need.address)


def claim_card(person: Person, quarter: Quarter) -> ClaimCard:
    """``person``'s card for ``quarter`` (see the module docstring): one query, the claims
    they made for a unit among them, put apart."""
    start, end = quarter.bounds()
    claims = (
        Claim.objects.filter(person=person, claimed_at__lt=end)
        .filter(Q(confirmed_at__isnull=True) | Q(confirmed_at__gte=start))
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=start))
        .select_related(*_RELATED)
        .order_by("claimed_at", "id")
    )
    lines = [
        CardLine(
            claim=claim,
            claimed_on=timezone.localdate(claim.claimed_at),
            served_on=claim.served_on
            if claim.status in (Status.REPORTED, Status.CONFIRMED)
            else None,
            minutes=claim.minutes if claim.status in (Status.REPORTED, Status.CONFIRMED) else None,
            contact=_contact(claim),
            claimed_in_quarter=_within(claim.claimed_at, start, end),
            confirmed_in_quarter=claim.status == Status.CONFIRMED
            and _within(claim.confirmed_at, start, end),
        )
        for claim in claims
    ]
    return ClaimCard(
        person=person,
        quarter=quarter,
        lines=[line for line in lines if line.claim.unit_id is None],
        unit_lines=[line for line in lines if line.claim.unit_id is not None],
    )


def claim_of(person: Person | None, pk: int) -> Claim | None:
    """``person``'s own claim ``pk`` with its need, or None (someone else's is None too)."""
    if person is None:
        return None
    return Claim.objects.select_related(*_RELATED).filter(person=person, pk=pk).first()


def units_holding_need(need: Need, units: Sequence[Organisation]) -> set[int]:
    """Which of ``units`` hold a live claim on ``need`` (单位认领): one query, none when
    the viewer represents no unit."""
    if not units:
        return set()
    return set(
        Claim.objects.filter(need=need, unit__in=units, status__in=Claim.LIVE_STATUSES)
        .values_list("unit_id", flat=True)
        .distinct()
    )


def units_holding_posts(
    posts: Sequence[ProjectPost], units: Sequence[Organisation]
) -> set[tuple[int, int]]:
    """(post id, unit id) for each live unit claim of ``units`` on ``posts``: one query."""
    if not units or not posts:
        return set()
    rows = Claim.objects.filter(
        post__in=posts, unit__in=units, status__in=Claim.LIVE_STATUSES
    ).values_list("post_id", "unit_id")
    return {(post_id, unit_id) for post_id, unit_id in rows if post_id and unit_id}
