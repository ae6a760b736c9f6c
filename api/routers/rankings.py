"""The API's 排行榜 operations: the live rankings, the published ones (光荣榜) and objections.

``rankings_get`` is the ranking page (``points.views.rankings.rankings``) for a phone:
the same scopes (the town, the nodes the viewer ranks under, the subtrees they may
view), the same names (full for oneself and the people one manages, else as the site's
setting says: 李*芬 by default), read from the pre-aggregated totals
(``points.selectors.rankings``), so a page costs the same whatever the population.
Anyone may read it; with a token it adds the viewer's own place.

The published rankings and objections are the 公示 pages (``points.views.publication``):
a frozen snapshot with its notice period, one objection per person and snapshot through
``objection_lodge`` (its refusals are the pages' refusals), and the person's own list.
"""

import datetime
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from api.auth import maybe_person, person, signed_in_token
from api.errors import refusals
from api.pagination import Pages
from api.types import MAX_ID, PathId
from core.errors import Forbidden, NotFound
from core.masking import public_name, public_names
from points.models import Measure, Objection, Population, RankingSnapshot, RankingSnapshotRow
from points.periods import period_key, period_label
from points.ranking_choices import (
    MEASURE_CHOICES,
    PERSON_HOME,
    POPULATION_CHOICES,
    show_value,
)
from points.selectors.rankings import (
    ranking_place,
    ranking_scope_options,
    ranking_size,
    ranking_slice,
    team_ranking,
)
from points.services.publication import OBJECTION_MAX_LENGTH, objection_lodge
from volunteers import permissions
from volunteers.models import Organisation, Person
from volunteers.selectors import person_for_user

router = Router(tags=["排行榜"])

PeriodParam = Literal["month", "quarter", "year", "all"]
MeasureParam = Literal["points", "minutes"]
PopulationParam = Literal["volunteers", "party_members"]
TabParam = Literal["people", "teams", "teams_per_head"]
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"  # only months are published


# --- rankings_get ------------------------------------------------------------------------


class ScopeOut(Schema):
    id: int = Field(description="组织编号，用作 scope 参数")
    name: str = Field(description="组织名称")
    kind: str = Field(description="组织类型，如 town 镇、community 社区、grid 网格、team 服务队")
    depth: int = Field(description="在组织树中的层级，1 为全镇")


class MyPlaceOut(Schema):
    place: int | None = Field(description="本人的名次；这一期间没有数值（0）时为空（未上榜）")
    value: int = Field(description="本人的数值：积分，或服务时长（分钟）")
    value_text: str = Field(description="数值的说法，如“12分”“3.5小时”")
    ranked: int = Field(description="这个排行榜上榜的人数")


class RankingRowOut(Schema):
    place: int = Field(description="名次（并列同名次：1、2、2、4）")
    name: str = Field(
        description="个人排名：姓名，本人和本人管理范围内的人显示全名，其他人按网站设置打码"
        "（如 李*芬）；队伍排名：队伍名称"
    )
    value: int | float = Field(
        description="数值：积分，或服务时长（分钟）；队伍人均排名为人均值（可带一位小数）"
    )
    value_text: str = Field(description="数值的说法，如“12分”“3.5小时”")
    is_me: bool = Field(description="是否本人")
    total: int | None = Field(description="队伍排名：队伍总量；个人排名为空")
    heads: int | None = Field(description="队伍排名：队伍现有成员数（按人群）；个人排名为空")
    per_head: float | None = Field(description="队伍排名：人均值；没有成员或个人排名为空")


class RankingPages(Pages):
    """``Pages`` with the ranking's own head (scope, period, my place) beside the page."""

    class Output(Pages.Output):
        scope: ScopeOut = Field(description="当前排行榜的范围")
        scopes: list[ScopeOut] = Field(
            description="可以切换到的范围：全镇、本人所在的网格和社区等，以及本人管理的组织"
        )
        period: str = Field(description="期间类型：month、quarter、year、all")
        period_key: str = Field(description="期间编号，如 2026-05")
        period_label: str = Field(description="期间的说法，如“2026年5月”")
        measure: str = Field(description="排名依据：points 积分，minutes 服务时长")
        measure_label: str = Field(description="排名依据的名称")
        population: str = Field(description="人群：volunteers 志愿者，party_members 党员")
        population_label: str = Field(description="人群的名称")
        tab: str = Field(description="people 个人排名，teams 队伍总量，teams_per_head 队伍人均")
        names_masked: bool = Field(description="其他人的姓名是否打码（网站设置）")
        invalid: list[str] = Field(
            description="被忽略、改用默认值的参数（如看不到的 scope），与网页的提示一致"
        )
        me: MyPlaceOut | None = Field(
            description="本人在这个排行榜上的名次；未登录或队伍排名时为空"
        )

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        answer: _Ranking = queryset
        return {**answer.head, **super().paginate_queryset(answer.rows, pagination, request)}


class _PeopleRows:
    """One ranking as ``Pages`` reads it: its size from the per-value counts, then a page
    from the index, placed and named (full or masked) as the page names them."""

    def __init__(
        self,
        *,
        request: HttpRequest,
        viewer: Person | None,
        scope: Organisation,
        period: str,
        population: str,
        measure: str,
    ) -> None:
        self.request, self.viewer = request, viewer
        self.scope, self.period, self.population, self.measure = scope, period, population, measure

    def __len__(self) -> int:
        return ranking_size(
            organisation=self.scope,
            period=self.period,
            population=self.population,
            measure=self.measure,
        )

    def __getitem__(self, page: slice) -> list[RankingRowOut]:
        start, stop = page.start or 0, page.stop or 0
        rows = ranking_slice(
            organisation=self.scope,
            period=self.period,
            population=self.population,
            measure=self.measure,
            offset=start,
            limit=max(0, stop - start),
        )
        visible = permissions.people_visible_by_name(
            self.request.user, self.viewer, [row.person_id for row in rows]
        )
        names = public_names(self.request)  # the site's setting, as on the honour roll
        measure = self.measure
        return [
            RankingRowOut(
                place=row.place,
                name=public_name(row.name, "full" if row.person_id in visible else names),
                value=row.value,
                value_text=show_value(row.value, measure),
                is_me=self.viewer is not None and row.person_id == self.viewer.pk,
                total=None,
                heads=None,
                per_head=None,
            )
            for row in rows
        ]


class _Ranking:
    def __init__(self, head: dict[str, Any], rows: Any) -> None:
        self.head, self.rows = head, rows


def _scope_out(org: Organisation) -> ScopeOut:
    return ScopeOut(id=org.pk, name=org.name, kind=org.kind, depth=org.depth)


@router.get(
    "",
    auth=maybe_person,
    response={200: list[RankingRowOut], **refusals(404)},
    summary="排行榜",
)
@paginate(RankingPages)
def rankings_get(
    request: HttpRequest,
    scope: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="范围（组织编号），取自 scopes；默认全镇")
    ] = None,
    period: Annotated[PeriodParam, Query(description="期间：本月、本季度、本年度、累计")] = "month",
    measure: Annotated[MeasureParam, Query(description="排名依据：积分或服务时长")] = "points",
    population: Annotated[PopulationParam, Query(description="人群：志愿者或党员")] = "volunteers",
    tab: Annotated[TabParam, Query(description="个人排名、队伍总量或队伍人均")] = "people",
) -> _Ranking:
    """一个范围、期间、排名依据和人群的排行榜，与网页“排行榜”相同：分页的名次（并列同名次），
    姓名按网页的规则显示（本人和本人管理范围内的人显示全名，其他人按网站设置打码，如 李*芬），
    登录时附上本人的名次（me）。tab 为 teams / teams_per_head 时为服务队按总量或人均的排名。

    period、measure、population、tab 只接受列出的取值（其他值 400）。scope 为看不到的组织时，
    与网页一样改用全镇，并在 invalid 中列出 scope。
    不登录也可以查看（只有全镇范围，姓名按网站设置显示）。
    """
    token = signed_in_token(request)
    viewer = person_for_user(request.user, *PERSON_HOME) if token is not None else None
    options = sorted(ranking_scope_options(request.user, viewer), key=lambda org: org.path)
    by_id = {org.pk: org for org in options}
    chosen = next((org for org in options if org.depth == 1), options[0] if options else None)
    invalid = []
    if scope is not None:
        if scope in by_id:
            chosen = by_id[scope]
        else:
            invalid.append("scope")  # a node the viewer may not see: the default, as the page
    if chosen is None:
        raise NotFound("no_scope", _("还没有可以查看的排行榜范围。"))
    key = period_key(period)
    me = None
    rows: Any
    if tab == "people":
        rows = _PeopleRows(
            request=request,
            viewer=viewer,
            scope=chosen,
            period=key,
            population=population,
            measure=measure,
        )
        if viewer is not None:
            mine = ranking_place(
                person=viewer,
                organisation=chosen,
                period=key,
                population=population,
                measure=measure,
            )
            me = MyPlaceOut(
                place=mine.place,
                value=mine.value,
                value_text=show_value(mine.value, measure),
                ranked=mine.ranked,
            )
    else:
        rows = [
            RankingRowOut(
                place=team.place,
                name=team.organisation.name,
                value=(team.per_head or 0) if tab == "teams_per_head" else team.total,
                value_text=show_value(
                    team.per_head if tab == "teams_per_head" else team.total, measure
                ),
                is_me=False,
                total=team.total,
                heads=team.heads,
                per_head=team.per_head,
            )
            for team in team_ranking(
                organisation=chosen,
                period=key,
                population=population,
                measure=measure,
                per_head=tab == "teams_per_head",
            )
        ]
    head = {
        "scope": _scope_out(chosen),
        "scopes": [_scope_out(org) for org in options],
        "period": period,
        "period_key": key,
        "period_label": period_label(key),
        "measure": measure,
        "measure_label": str(MEASURE_CHOICES[Measure(measure)]),
        "population": population,
        "population_label": str(POPULATION_CHOICES[Population(population)]),
        "tab": tab,
        "names_masked": public_names(request) != "full",
        "invalid": invalid,
        "me": me,
    }
    return _Ranking(head, rows)


# --- Published rankings (光荣榜) ------------------------------------------------------------


class SnapshotOut(Schema):
    id: int = Field(description="已公示排行榜编号")
    scope_id: int = Field(description="范围（组织编号）")
    scope_name: str = Field(description="范围名称，如“梨园社区”")
    period: str = Field(description="月份，如 2026-05")
    period_label: str = Field(description="月份的说法，如“2026年5月”")
    population: str = Field(description="人群：volunteers 志愿者，party_members 党员")
    population_label: str = Field(description="人群的名称")
    measure: str = Field(description="排名依据：points 积分，minutes 服务时长")
    measure_label: str = Field(description="排名依据的名称")
    unit: str = Field(description="数值单位：分或小时")
    people: int = Field(description="上榜人数")
    published_at: datetime.datetime = Field(description="公示时间")
    notice_until: datetime.datetime = Field(description="公示截止时间（此前可以提出异议）")
    last_notice_day: datetime.date = Field(description="公示期的最后一天")
    notice_open: bool = Field(description="是否仍在公示期内（可以提出异议）")

    @staticmethod
    def resolve_scope_id(snapshot: RankingSnapshot) -> int:
        return snapshot.organisation_id

    @staticmethod
    def resolve_period_label(snapshot: RankingSnapshot) -> str:
        return period_label(snapshot.period)

    @staticmethod
    def resolve_population_label(snapshot: RankingSnapshot) -> str:
        return str(snapshot.get_population_display())

    @staticmethod
    def resolve_measure_label(snapshot: RankingSnapshot) -> str:
        return str(snapshot.get_measure_display())

    @staticmethod
    def resolve_last_notice_day(snapshot: RankingSnapshot) -> datetime.date:
        return timezone.localtime(snapshot.notice_until - datetime.timedelta(microseconds=1)).date()

    @staticmethod
    def resolve_notice_open(snapshot: RankingSnapshot) -> bool:
        return snapshot.notice_open()


@router.get(
    "/published",
    auth=maybe_person,
    response={200: list[SnapshotOut], **refusals()},
    summary="已公示的排行榜",
)
@paginate(Pages)
def published_rankings_list(
    request: HttpRequest,
    scope: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="只看这个范围（组织编号）")
    ] = None,
    period: Annotated[
        str | None, Query(pattern=MONTH_PATTERN, description="只看这个月，如 2026-05")
    ] = None,
    population: Annotated[PopulationParam | None, Query(description="只看这个人群")] = None,
    measure: Annotated[MeasureParam | None, Query(description="只看这个排名依据")] = None,
) -> QuerySet[RankingSnapshot]:
    """每月初公示的上月排行榜（光荣榜）：全镇和各社区的志愿者、党员榜，各党支部的党员榜，
    按积分和按服务时长；最新的月份在前。带公示截止时间和是否仍可提出异议。不登录也可以查看。
    """
    snapshots = RankingSnapshot.objects.all()
    if scope is not None:
        snapshots = snapshots.filter(organisation_id=scope)
    if period:
        snapshots = snapshots.filter(period=period)
    if population:
        snapshots = snapshots.filter(population=population)
    if measure:
        snapshots = snapshots.filter(measure=measure)
    return snapshots.order_by("-period", "organisation__path", "population", "measure", "id")


class SnapshotRowOut(Schema):
    place: int = Field(description="名次（并列同名次：1、2、2、4）")
    name: str = Field(description="姓名，按网站设置显示（默认打码，如 李*芬），与公示页面一致")
    organisation: str = Field(description="公示时所在的网格或党支部")
    value: int = Field(description="数值：积分，或服务时长（整小时），与公示页面一致")


class SnapshotPlaceOut(Schema):
    place: int = Field(description="本人在这份榜单上的名次")
    value: int = Field(description="本人的数值（积分或整小时）")


class ObjectionOut(Schema):
    id: int = Field(description="异议编号")
    snapshot: SnapshotOut = Field(description="所针对的已公示排行榜")
    text: str = Field(description="异议内容")
    status: str = Field(description="状态：pending 待答复，upheld 异议成立，dismissed 异议不成立")
    status_label: str = Field(description="状态的名称")
    lodged_at: datetime.datetime = Field(description="提出时间")
    answer: str = Field(description="书记的答复；尚未答复时为空")
    answered_at: datetime.datetime | None = Field(description="答复时间；尚未答复时为空")

    @staticmethod
    def resolve_status_label(objection: Objection) -> str:
        return str(objection.get_status_display())


class SnapshotDetailOut(Schema):
    snapshot: SnapshotOut = Field(description="榜单：范围、月份、人群、排名依据和公示期")
    rows: list[SnapshotRowOut] = Field(description="榜单上的全部名次")
    me: SnapshotPlaceOut | None = Field(description="本人在榜单上的名次；未登录或不在榜上时为空")
    my_objection: ObjectionOut | None = Field(
        description="本人对这份榜单提出的异议；未登录或没有提出时为空"
    )


def _snapshot(pk: int) -> RankingSnapshot:
    return get_object_or_404(RankingSnapshot.objects.select_related("organisation"), pk=pk)


@router.get(
    "/published/{snapshot_id}",
    auth=maybe_person,
    response={200: SnapshotDetailOut, **refusals(404)},
    summary="已公示排行榜详情",
)
def published_ranking_detail(request: HttpRequest, snapshot_id: PathId) -> dict[str, Any]:
    """一份已公示的排行榜的全部名次，姓名按网站设置显示（默认打码），与公示页面一致；
    登录时附上本人的名次和本人提出的异议。
    """
    snapshot = _snapshot(snapshot_id)
    names = public_names(request)
    rows = list(snapshot.rows.order_by("place", "person_id"))
    me, mine = None, None
    viewer = person_for_user(request.user) if signed_in_token(request) is not None else None
    if viewer is not None:
        own = next((row for row in rows if row.person_id == viewer.pk), None)
        if own is not None:
            me = SnapshotPlaceOut(place=own.place, value=snapshot.shown_value(own.value))
        mine = (
            Objection.objects.filter(snapshot=snapshot, person=viewer)
            .select_related("snapshot")
            .first()
        )
    return {
        "snapshot": snapshot,
        "rows": [_snapshot_row(snapshot, row, names) for row in rows],
        "me": me,
        "my_objection": mine,
    }


def _snapshot_row(snapshot: RankingSnapshot, row: RankingSnapshotRow, names: str) -> SnapshotRowOut:
    return SnapshotRowOut(
        place=row.place,
        name=public_name(row.display_name, names),
        organisation=row.organisation_name,
        value=snapshot.shown_value(row.value),
    )


# --- Objections (公示异议) ---------------------------------------------------------------


class ObjectionIn(Schema):
    text: str = Field(
        # Room for spaces the service trims: past its limit it refuses long_text itself.
        max_length=OBJECTION_MAX_LENGTH * 4,
        description="异议内容：写明哪一项不对、您认为应是多少，例如：10月12日文明交通劝导2小时未计入。"
        f"不超过 {OBJECTION_MAX_LENGTH} 字（与网页表单的“异议内容”相同）",
    )


def _lodger(request: HttpRequest) -> Person:
    found = person_for_user(request.user)
    if found is None:
        raise Forbidden(
            "no_person",
            _("您的账号还没有关联人员信息，不能提出异议。请联系所在社区的工作人员。"),
        )
    return found


@router.post(
    "/published/{snapshot_id}/objections",
    auth=person,
    response={201: ObjectionOut, **refusals(403, 404, 409)},
    summary="对已公示排行榜提出异议",
)
def objection_create(
    request: HttpRequest, snapshot_id: PathId, body: ObjectionIn
) -> Status[Objection]:
    """公示期内，榜单上的人或本范围、本人群中可能上榜的人，对名次或数值提出异议，每份榜单一次；
    所在社区书记会答复。与网页“提出异议”相同的拒绝：内容为空或太长 400（missing_text、
    long_text），不在榜单范围内 403（not_in_scope），账号没有关联人员 403（no_person），
    公示期已过 409（notice_over），已提出过 409（already_lodged）。
    """
    snapshot = _snapshot(snapshot_id)
    lodger = _lodger(request)
    objection = objection_lodge(snapshot=snapshot, person=lodger, text=body.text)
    return Status(201, objection)


@router.get(
    "/objections",
    auth=person,
    response={200: list[ObjectionOut], **refusals()},
    summary="我的异议",
)
@paginate(Pages)
def my_objections(request: HttpRequest) -> QuerySet[Objection]:
    """本人提出过的异议和书记的答复，最新的在前。账号没有关联人员信息时为空列表（与网页一致）。"""
    viewer = person_for_user(request.user)
    if viewer is None:
        return Objection.objects.none()
    return (
        Objection.objects.filter(person=viewer)
        .select_related("snapshot")
        .order_by("-lodged_at", "-id")
    )
