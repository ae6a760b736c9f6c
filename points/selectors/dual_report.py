"""双报到反馈: each in-service party member's community service, for their employer unit.

Sums, for each in-service party member of an employer unit, only the ledger lines and
service records of activities held in the community the member reported to, per
quarter; the .xlsx is built like the branch table's (``points.selectors.tables``).
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from points.models import PointsEntry, ServiceRecord
from points.periods import (
    period_label,
)
from points.selectors.tables import chunked, exported_at, hours, in_period, table_workbook
from volunteers.models import Organisation, Person
from volunteers.selectors import people_matching


@dataclass
class DualRow:
    """An in-service party member's service in the community they reported to."""

    person: Person
    points: int = 0
    minutes: int = 0
    activities: int = 0

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


def _in_reported_community() -> Q:
    # The activity was held in the community the member reported to, or below it
    # (its grids, its party committee). A member who has not reported has none.
    return Q(
        person__reported_community__isnull=False,
        activity__organisation__path__startswith=F("person__reported_community__path"),
    )


def dual_rows(people: Sequence[Person], quarter: str) -> list[DualRow]:
    """Rows for already-fetched members: two queries (ledger points, credited minutes)."""
    ids = [p.pk for p in people]
    points: dict[int, int] = {}
    served: dict[int, tuple[int, int]] = {}
    if ids:
        points = dict(
            PointsEntry.objects.filter(
                in_period(quarter), _in_reported_community(), person_id__in=ids
            )
            .exclude(category="")
            .order_by()
            .values("person_id")
            .annotate(total=Sum("amount"))
            .values_list("person_id", "total")
        )
        served = {
            pid: (minutes or 0, count)
            for pid, minutes, count in ServiceRecord.objects.filter(
                in_period(quarter),
                _in_reported_community(),
                person_id__in=ids,
                status=ServiceRecord.Status.APPROVED,
            )
            .order_by()
            .values("person_id")
            .annotate(minutes=Sum("minutes"), count=Count("activity", distinct=True))
            .values_list("person_id", "minutes", "count")
        }
    return [
        DualRow(
            person=p,
            points=points.get(p.pk) or 0,
            minutes=served.get(p.pk, (0, 0))[0],
            activities=served.get(p.pk, (0, 0))[1],
        )
        for p in people
    ]


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


def build_dual_xlsx(
    unit: Organisation, quarter: str, rows: Iterable[DualRow] | None = None
) -> bytes:
    """The unit's workbook; ``rows`` when the caller reads them too (a delivery's totals)."""
    if rows is None:
        rows = dual_rows_all(unit, quarter)
    return table_workbook(
        _("双报到反馈"),
        DUAL_COLUMNS,
        (_dual_values(row) for row in rows),
        (
            (_("在职单位"), unit.name),
            (_("季度"), period_label(quarter)),
            (_("导出时间"), exported_at()),
            (
                _("说明"),
                _(
                    "只统计在职党员在其报到社区（含下属网格、党组织）参加活动所得的积分和"
                    "认定时长；手工调整不计入。手机号已脱敏。"
                ),
            ),
        ),
    )
