"""The honour roll (光荣榜): published, frozen ranking snapshots as boards to render."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.masking import public_name
from points.models import RankingSnapshot, RankingSnapshotRow
from points.periods import period_label
from volunteers.models import Organisation

Kind = Organisation.Kind


# The honour roll and the leaderboard block show published, frozen ranking snapshots
# (``points.models.RankingSnapshot``, written on the 1st of each month by
# ``points.services.publication``). They render ``Board`` only. Names are masked here
# according to the site setting, never in the template.


@dataclass(frozen=True)
class RankRow:
    rank: int
    name: str
    organisation: str
    value: int
    unit: str  # "分" or "小时"


@dataclass(frozen=True)
class Board:
    title: str
    scope: str
    period_label: str
    measure_label: str
    published_at: datetime.datetime | None
    notice_until: datetime.date | None = None  # the last day of 公示, while it runs
    rows: list[RankRow] = field(default_factory=list)
    snapshot_id: int | None = None  # the published snapshot, for its page and objections
    key: str = ""  # "volunteers-points": the honour roll's ?board= for this board
    tab_label: str = ""  # the board's short name on the honour roll's tabs


def board_key(population: str, measure: str) -> str:
    return f"{population}-{measure}"


BOARD_TITLES = {
    ("volunteers", "points"): _("志愿者积分榜"),
    ("volunteers", "minutes"): _("志愿服务时长榜"),
    ("party_members", "points"): _("党员积分榜"),
    ("party_members", "minutes"): _("党员服务时长榜"),
}
BOARD_TABS = {
    ("volunteers", "points"): _("志愿者积分"),
    ("volunteers", "minutes"): _("志愿服务时长"),
    ("party_members", "points"): _("党员积分"),
    ("party_members", "minutes"): _("党员服务时长"),
}
BOARD_ORDER = [("volunteers", "points"), ("volunteers", "minutes")]
BOARD_ORDER += [("party_members", "points"), ("party_members", "minutes")]


def published_boards(
    *,
    scope_code: str = "",
    population: str = "",
    period: str = "",
    measure: str = "",
    limit: int = 10,
    names: str = "masked",
) -> list[Board]:
    """The newest published month's rankings of one scope (default: the town); 1 query.

    ``period`` is a period kind: only months are published, so any other kind has no
    boards. Empty ``population`` or ``measure`` means every one. Snapshots with nobody
    on them are left out.
    """
    if period not in ("", "month"):
        return []
    matching = RankingSnapshot.objects.filter(people__gt=0)
    if scope_code:
        matching = matching.filter(organisation__code=scope_code)
    else:
        matching = matching.filter(organisation__kind=Kind.TOWN, organisation__depth=1)
    if population:
        matching = matching.filter(population=population)
    if measure:
        matching = matching.filter(measure=measure)
    newest = matching.order_by("-period").values("period")[:1]
    limit = max(1, min(limit, 100))
    # One query: the top rows of the newest month's snapshots, each with its snapshot.
    rows = (
        RankingSnapshotRow.objects.filter(
            snapshot__in=matching.filter(period=Subquery(newest)), place__lte=limit
        )
        .select_related("snapshot")
        .order_by("snapshot_id", "place", "person_id")
    )
    snapshots: dict[int, RankingSnapshot] = {}
    rows_by_snapshot: dict[int, list[RankingSnapshotRow]] = {}
    for row in rows:
        snapshots.setdefault(row.snapshot_id, row.snapshot)
        kept = rows_by_snapshot.setdefault(row.snapshot_id, [])
        if len(kept) < limit:
            kept.append(row)
    newest_snapshots = sorted(
        snapshots.values(), key=lambda s: BOARD_ORDER.index((s.population, s.measure))
    )
    now = timezone.now()
    boards = []
    for snapshot in newest_snapshots:
        open_until = None
        if snapshot.notice_open(now):
            open_until = timezone.localtime(
                snapshot.notice_until - datetime.timedelta(microseconds=1)
            ).date()
        boards.append(
            Board(
                title=str(BOARD_TITLES[(snapshot.population, snapshot.measure)]),
                scope=snapshot.scope_name,
                period_label=period_label(snapshot.period),
                measure_label=snapshot.get_measure_display(),
                published_at=snapshot.published_at,
                notice_until=open_until,
                rows=[
                    RankRow(
                        rank=row.place,
                        name=public_name(row.display_name, names),
                        organisation=row.organisation_name,
                        value=snapshot.shown_value(row.value),
                        unit=snapshot.unit,
                    )
                    for row in rows_by_snapshot[snapshot.pk]
                ],
                snapshot_id=snapshot.pk,
                key=board_key(snapshot.population, snapshot.measure),
                tab_label=str(BOARD_TABS[(snapshot.population, snapshot.measure)]),
            )
        )
    return boards
