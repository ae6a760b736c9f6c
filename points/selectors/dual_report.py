"""双报到反馈: each in-service party member's community service, for their employer unit.

Sums, for each in-service party member of an employer unit, only the ledger lines and
service records of activities held in the community the member reported to, and of the
residents' needs and the joint projects' posts there they claimed and served (双项认领), per
quarter; each confirmed claim is also listed by its need's public title (a post's: 项目名：岗位).
The .xlsx is built like the branch table's (``points.selectors.tables``), with the claims
on a sheet of their own.

The unit's own claims (单位认领: made by its 单位联络人 for the unit as a whole, which earn
nobody personal points) are listed apart (``unit_claims``): those confirmed whose service
day falls in the quarter, by the unit or a department below it, wherever they served.
"""

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Count,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from points.models import PointsEntry, ServiceRecord
from points.periods import (
    local_date,
    period_bounds,
    period_label,
)
from points.selectors.tables import chunked, exported_at, hours, in_period, table_workbook
from volunteers.models import Claim, Organisation, Person
from volunteers.selectors import people_matching
from volunteers.selectors.claims import claim_place, claim_title

if TYPE_CHECKING:
    from typing_extensions import ReadOnly

    class _ServedGroup(TypedDict):
        """One group of ``dual_rows``' credited minutes: a member's activities (no claim)
        or one claim of theirs. Spelled out because django-stubs types a nullable foreign
        key's ``values()`` column as the related primary key, never None; read-only, so
        the plugin's row type fits it."""

        person_id: ReadOnly[int]
        claim_id: ReadOnly[int | None]
        claim__need__public_title: ReadOnly[str | None]  # None for a post's claim too
        claim__post__title: ReadOnly[str | None]
        claim__post__project__title: ReadOnly[str | None]
        minutes: ReadOnly[int | None]
        count: ReadOnly[int]
        served_at: ReadOnly[datetime.datetime]


@dataclass(frozen=True)
class DualClaim:
    """One confirmed claim on a resident's need (双项认领) in the quarter."""

    title: str  # the need's public title: no resident's name or address
    minutes: int
    served_on: datetime.date

    @property
    def hours(self) -> float:
        return hours(self.minutes)


@dataclass
class DualRow:
    """An in-service party member's service in the community they reported to."""

    person: Person
    points: int = 0
    minutes: int = 0
    activities: int = 0  # service occasions: activities attended and claims served
    claims: list[DualClaim] = field(default_factory=list)

    @property
    def masked_phone(self) -> str:
        return self.person.masked_phone

    @property
    def hours(self) -> float:
        return hours(self.minutes)


def in_service_members(unit: Organisation, *, search: str = "") -> QuerySet[Person]:
    """In-service party members whose employer is ``unit`` or below it.

    ``search``: those a staff search finds by name, number or phone (``people_matching``),
    or who reported to a community of that name.
    """
    subtree = Organisation.objects.filter(path__startswith=unit.path).values("pk")
    found = Q()
    if search:
        found = people_matching(search) | Q(reported_community__name__icontains=search)
    return (
        Person.objects.filter(found, in_service=True, employer_unit__in=subtree)
        .select_related("reported_community", "employer_unit")
        .only(
            "pk",
            "real_name",
            "phone",
            "volunteer_number",
            "reported_at",
            "reported_community__name",
            "reported_community__path",
            "employer_unit__name",
        )
        .order_by("real_name", "pk")
    )


def _in_reported_community(record: str = "") -> Q:
    """The activity was held in the community the member reported to, or below it (its
    grids, its party committee), or the claimed need was there. A member who has not
    reported has none. ``record``: the path to the service record (from a ledger line)."""
    return Q(person__reported_community__isnull=False) & (
        Q(activity__organisation__path__startswith=F("person__reported_community__path"))
        | Q(
            **{
                f"{record}claim__need__community__path__startswith": F(
                    "person__reported_community__path"
                )
            }
        )
        # A claim on a post of a joint project of that community (项目清单).
        | Q(
            **{
                f"{record}claim__post__project__community__path__startswith": F(
                    "person__reported_community__path"
                )
            }
        )
    )


def dual_rows(people: Sequence[Person], quarter: str) -> list[DualRow]:
    """Rows for already-fetched members: two queries (ledger points, credited minutes,
    the latter grouped by claim too so that each claim comes with its title)."""
    ids = [p.pk for p in people]
    points: dict[int, int] = {}
    rows = {p.pk: DualRow(person=p) for p in people}
    if ids:
        points = dict(
            PointsEntry.objects.filter(
                in_period(quarter), _in_reported_community("service_record__"), person_id__in=ids
            )
            .exclude(category="")
            .order_by()
            .values("person_id")
            .annotate(total=Sum("amount"))
            .values_list("person_id", "total")
        )
        served: Iterable[_ServedGroup] = (
            ServiceRecord.objects.filter(
                in_period(quarter),
                _in_reported_community(),
                person_id__in=ids,
                status=ServiceRecord.Status.APPROVED,
            )
            .order_by()
            .values(
                "person_id",
                "claim_id",
                "claim__need__public_title",
                "claim__post__title",
                "claim__post__project__title",
            )
            .annotate(
                minutes=Sum("minutes"),
                count=Count("activity", distinct=True),
                served_at=Min("occurred_at"),
            )
        )
        for group in served:
            row = rows[group["person_id"]]
            row.minutes += group["minutes"] or 0
            if group["claim_id"] is None:
                row.activities += group["count"]
                continue
            title = group["claim__need__public_title"]
            if title is None:
                # Not on a need, so on a project's post (the claim's check constraint).
                title = f"{group['claim__post__project__title']}：{group['claim__post__title']}"
            row.activities += 1
            row.claims.append(
                DualClaim(
                    title=title,
                    minutes=group["minutes"] or 0,
                    served_on=local_date(group["served_at"]),
                )
            )
    for row in rows.values():
        row.points = points.get(row.person.pk) or 0
        row.claims.sort(key=lambda claim: (claim.served_on, claim.title))
    return list(rows.values())


def dual_rows_all(unit: Organisation, quarter: str) -> Iterator[DualRow]:
    for chunk in chunked(in_service_members(unit)):
        yield from dual_rows(chunk, quarter)


DUAL_COLUMNS = (
    (gettext_lazy("姓名"), 12),
    (gettext_lazy("手机号"), 14),
    (gettext_lazy("在职单位"), 22),
    (gettext_lazy("报到社区"), 14),
    (gettext_lazy("服务次数"), 9),
    (gettext_lazy("服务时长（小时）"), 12),
    (gettext_lazy("社区服务积分"), 12),
)


def _dual_values(row: DualRow) -> list[Any]:
    person = row.person
    return [
        person.real_name,
        row.masked_phone,
        person.employer_unit.name if person.employer_unit else "",
        person.reported_community.name if person.reported_community else _("尚未报到"),
        row.activities,
        row.hours,
        row.points,
    ]


CLAIM_COLUMNS = (
    (gettext_lazy("姓名"), 12),
    (gettext_lazy("手机号"), 14),
    (gettext_lazy("报到社区"), 14),
    (gettext_lazy("认领的需求"), 30),
    (gettext_lazy("服务日期"), 12),
    (gettext_lazy("服务时长（小时）"), 12),
)


def _claim_values(row: DualRow, claim: DualClaim) -> list[Any]:
    person = row.person
    return [
        person.real_name,
        row.masked_phone,
        person.reported_community.name if person.reported_community else "",
        claim.title,
        claim.served_on.isoformat(),
        claim.hours,
    ]


@dataclass(frozen=True)
class UnitClaim:
    """One confirmed claim the unit made as a unit (单位认领) in the quarter."""

    unit: str
    title: str  # the need's public title, or 项目名：岗位: no resident's name or address
    place: str
    contact: str  # the 单位联络人 who claimed and reported it
    served_on: datetime.date
    minutes: int

    @property
    def hours(self) -> float:
        return hours(self.minutes)


def unit_claims(unit: Organisation, quarter: str) -> list[UnitClaim]:
    """The confirmed claims of ``unit`` (or a department below it) served in ``quarter``,
    by service day: one query."""
    start, end = period_bounds(quarter)
    claims = Claim.objects.filter(
        unit__path__startswith=unit.path, status=Claim.Status.CONFIRMED
    ).select_related(
        "unit",
        "person",
        "need__community",
        "need__grid",
        "post__project__community",
    )
    if start is not None and end is not None:
        claims = claims.filter(served_on__gte=local_date(start), served_on__lt=local_date(end))
    return [
        UnitClaim(
            unit=claim.unit.name,  # type: ignore[union-attr]  # the filter: a unit's claim
            title=claim_title(claim),
            place=claim_place(claim),
            contact=claim.person.real_name,
            served_on=claim.served_on,  # type: ignore[arg-type]  # confirmed: reported
            minutes=claim.minutes or 0,
        )
        for claim in claims.order_by("served_on", "id")
    ]


UNIT_CLAIM_COLUMNS = (
    (gettext_lazy("认领单位"), 22),
    (gettext_lazy("认领的需求或岗位"), 30),
    (gettext_lazy("社区（网格）"), 22),
    (gettext_lazy("联络人"), 12),
    (gettext_lazy("服务日期"), 12),
    (gettext_lazy("服务时长（小时）"), 12),
)


def _unit_claim_values(claim: UnitClaim) -> list[Any]:
    return [
        claim.unit,
        claim.title,
        claim.place,
        claim.contact,
        claim.served_on.isoformat(),
        claim.hours,
    ]


def build_dual_xlsx(
    unit: Organisation, quarter: str, rows: Iterable[DualRow] | None = None
) -> bytes:
    """The unit's workbook; ``rows`` when the caller reads them too (a delivery's totals).

    The members' sheet, then a 双项认领 sheet with one line per confirmed claim, gathered
    while the members' rows stream by (a quarter's claims are few), then the unit's own
    claims (单位认领), always there so that the workbook keeps one shape.
    """
    if rows is None:
        rows = dual_rows_all(unit, quarter)
    claims: list[list[Any]] = []

    def member_values() -> Iterator[list[Any]]:
        for row in rows:
            claims.extend(_claim_values(row, claim) for claim in row.claims)
            yield _dual_values(row)

    return table_workbook(
        _("双报到反馈"),
        DUAL_COLUMNS,
        member_values(),
        (
            (_("在职单位"), unit.name),
            (_("季度"), period_label(quarter)),
            (_("导出时间"), exported_at()),
            (
                _("说明"),
                _(
                    "只统计在职党员在其报到社区（含下属网格、党组织）参加活动、认领居民需求"
                    "（双项认领）所得的积分和认定时长；服务次数含完成的认领，每条认领另列于"
                    "“双项认领”表。手工调整不计入。手机号已脱敏。本单位以单位名义认领"
                    "并完成的需求和岗位列于“单位认领”表，不计个人积分。"
                ),
            ),
        ),
        more=(
            (_("双项认领"), CLAIM_COLUMNS, iter(claims)),
            (
                _("单位认领"),
                UNIT_CLAIM_COLUMNS,
                (_unit_claim_values(claim) for claim in unit_claims(unit, quarter)),
            ),
        ),
    )
