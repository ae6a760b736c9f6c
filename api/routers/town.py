"""The API's 镇级系统 operations: the town's other systems read aggregate figures.

A town system (智慧敦煌, a party-building platform) calls with its own read-only key
(``X-API-Key``), made by the town's staff in the admin (设置 → 接口密钥) and scoped to an
organisation's subtree. It reads that subtree's tree, to map ids, and the figures of any
node in it per period — counts and sums only: no name, phone or id of a person, ever.
"""

import datetime
from typing import Annotated, Any, Literal

from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Left, Length
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from api.auth import town_key
from api.errors import refusals
from api.models import ApiKey
from api.pagination import Pages
from api.types import MAX_ID
from core.errors import Forbidden, Invalid, NotFound
from points.periods import period_label
from points.selectors.town_figures import (
    BadPeriod,
    Figures,
    figures_period,
    organisation_figures,
)
from volunteers.models import Organisation

router = Router(tags=["镇级系统"])

PERIOD_HELP = (
    "期间：月份 YYYY-MM（如 2026-05）、季度 YYYY-Qn（如 2026-Q2，也可写 2026Q2）或年份 YYYY"
)


def key_of(request: HttpRequest) -> ApiKey:
    key: Any = request.auth  # type: ignore[attr-defined]
    if not isinstance(key, ApiKey):
        raise TypeError("town operations are for auth=town_key")
    return key


class OrganisationOut(Schema):
    id: int = Field(description="组织编号")
    name: str = Field(description="组织名称")
    kind: str = Field(
        description="组织类型：town 镇（街道）、community 社区、grid 网格、"
        "party_committee 社区大党委、party_branch 党支部、party_group 党小组、"
        "detachment 志愿服务支队、squad 志愿服务小分队、team 志愿服务队、unit 在职单位"
    )
    kind_label: str = Field(description="组织类型的中文名称")
    parent_id: int | None = Field(
        description="上级组织编号；密钥可读范围的最上级组织为空（它的上级不在范围内）"
    )
    depth: int = Field(description="在全镇组织树中的层级，镇为 1")
    closed_on: datetime.date | None = Field(description="撤销日期；仍在运行的组织为空")

    @staticmethod
    def resolve_kind_label(node: Organisation) -> str:
        return str(node.get_kind_display())

    @staticmethod
    def resolve_parent_id(node: Organisation) -> int | None:
        return node.parent_pk  # type: ignore[attr-defined]  # subtree_of() annotates it


class FiguresOut(Schema):
    id: int = Field(description="组织编号")
    name: str = Field(description="组织名称")
    kind: str = Field(description="组织类型（同组织列表的 kind）")
    hours: float = Field(description="期间内认定的志愿服务时长（小时，保留一位小数）")
    participants: int = Field(
        description="参与人数：期间内有认定服务时长的人数，一人只计一次（整个期间去重）"
    )
    points: int = Field(description="期间内记入的积分合计（含扣减和冲正后的净值）")
    activities: int = Field(description="活动场次：已发布、未取消、期间内已开始的活动")


class TownFiguresOut(Schema):
    period: str = Field(description="期间代码：YYYY-MM、YYYYQn 或 YYYY（季度不带连字符）")
    period_label: str = Field(description="期间的中文名称，如 2026年第2季度")
    starts_at: datetime.datetime = Field(description="期间开始（含）")
    ends_at: datetime.datetime = Field(description="期间结束（不含）")
    organisation: FiguresOut = Field(description="所查组织（含全部下级）的汇总")
    children: list[FiguresOut] = Field(
        description="group_by=child 时，每个直属下级组织一行（含其全部下级），按组织树顺序；"
        "否则为空列表。一人同属两个下级组织时在两处都计入，各行相加可能多于上级的合计"
    )


def _figures_out(figures: Figures) -> FiguresOut:
    node = figures.organisation
    return FiguresOut(
        id=node.pk,
        name=node.name,
        kind=node.kind,
        hours=figures.hours,
        participants=figures.participants,
        points=figures.points,
        activities=figures.activities,
    )


def organisation_in_scope(key: ApiKey, organisation_id: int | None) -> Organisation:
    """The key's own organisation, or the one asked for if it lies in the key's subtree."""
    if organisation_id is None:
        return key.organisation
    found = Organisation.objects.filter(pk=organisation_id).first()
    if found is None:
        raise NotFound("not_found", _("没有找到这个组织。"))
    if not found.path.startswith(key.organisation.path):
        raise Forbidden(
            "outside_scope",
            _("这个组织不在接口密钥的可读范围内：只能读取%(name)s及其下级的数据。")
            % {"name": key.organisation.name},
        )
    return found


@router.get(
    "/figures",
    auth=town_key,
    response={200: TownFiguresOut, **refusals(403, 404)},
    summary="组织的汇总数字",
)
def town_figures(
    request: HttpRequest,
    period: Annotated[str, Query(max_length=16, description=PERIOD_HELP, example="2026-05")],
    organisation: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_ID,
            description="组织编号；不填为接口密钥的可读范围本身。须在可读范围内，否则 403",
        ),
    ] = None,
    group_by: Annotated[
        Literal["child"] | None,
        Query(description="填 child 时，另外给出每个直属下级组织的汇总"),
    ] = None,
) -> TownFiguresOut:
    """一个组织（含全部下级）在一个期间内的服务时长、参与人数、积分和活动场次，与后台“全镇概况”
    的口径相同；只有人数和合计，没有任何个人的姓名、手机号或编号。

    组织须在接口密钥的可读范围内（范围外 403 outside_scope，不存在 404）；
    期间格式不对时 400 bad_period。
    """
    key = key_of(request)
    try:
        key_period = figures_period(period)
    except BadPeriod:
        raise Invalid(
            "bad_period",
            _("期间格式不对：请填月份 YYYY-MM、季度 YYYY-Qn 或年份 YYYY，如 2026-05。"),
            field="period",
        ) from None
    node = organisation_in_scope(key, organisation)
    found = organisation_figures(node, key_period, with_children=group_by == "child")
    return TownFiguresOut(
        period=found.period,
        period_label=period_label(found.period),
        starts_at=found.starts_at,
        ends_at=found.ends_at,
        organisation=_figures_out(found.total),
        children=[_figures_out(child) for child in found.children],
    )


def subtree_of(root: Organisation) -> QuerySet[Organisation]:
    """``root`` and everything under it in tree order, each with its parent's id when the
    parent is in the subtree too (the parent is the node whose path is this one's minus its
    last step: a subquery, so a page is one query)."""
    parent = Organisation.objects.filter(
        path__startswith=root.path,
        path=Left(
            OuterRef("path"),
            Length(OuterRef("path")) - Organisation.steplen,
            output_field=CharField(),
        ),
    ).values("pk")[:1]
    return (
        Organisation.objects.filter(path__startswith=root.path)
        .annotate(parent_pk=Subquery(parent))
        .order_by("path")
    )


@router.get(
    "/organisations",
    auth=town_key,
    response={200: list[OrganisationOut], **refusals()},
    summary="可读范围内的组织",
)
@paginate(Pages)
def town_organisations(request: HttpRequest) -> QuerySet[Organisation]:
    """接口密钥可读范围内的全部组织（范围本身及其全部下级），按组织树顺序分页，
    供对方系统对照组织编号。"""
    return subtree_of(key_of(request).organisation)
