"""The API's 微心愿、项目与认领 operations (三单一卡): the needs wall, a resident's own needs,
the quarter's projects and their posts, and the party member's 双项认领卡.

Thin, as the pages are: reads through ``selectors.needs``, ``selectors.needs_resident``,
``selectors.projects`` and ``selectors.claims``; every write is ``services.needs`` or
``services.projects``, which refuse with the pages' own codes. Who sees a resident's
name, phone and address is ``selectors.needs.need_visibility``'s answer (a need's page)
or ``selectors.claims.claim_card``'s (an open claim's claimant): this module never reads
``need.resident_*`` for anyone else.
"""

import datetime
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from api.auth import auth_token, maybe_person, person
from api.errors import refusals
from api.pagination import Pages
from api.types import MAX_ID, PathId
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.quarters import Quarter
from volunteers import permissions, selectors
from volunteers.models import (
    Claim,
    Need,
    NeedCategory,
    Organisation,
    Person,
    Project,
    ProjectPost,
    User,
)
from volunteers.selectors import claims as claim_selectors
from volunteers.selectors import needs as need_selectors
from volunteers.selectors import projects as project_selectors
from volunteers.selectors.claims import CardLine, units_holding_need, units_holding_posts
from volunteers.selectors.needs_resident import resident_needs
from volunteers.services import needs as need_services
from volunteers.services import projects as project_services

router = Router(tags=["微心愿、项目与认领"])

Status = Need.Status
CommunityParam = Annotated[int | None, Query(ge=1, le=MAX_ID, description="社区编号")]
QuarterParam = Annotated[
    str | None, Query(max_length=6, description="季度，例如 2026Q4；不填为本季度")
]
StateParam = Annotated[
    Literal["published", "claimed", "done"] | None,
    Query(description="状态：published 待认领，claimed 已认领，done 已完成；不填为全部"),
]
NO_PERSON = "您的账号还没有登记人员信息，请先完善个人资料。"


# ---------------------------------------------------------------- schemas
# Names start with Need/Project/Post/Claim: ninja keys the OpenAPI components by class
# name across every router, and two routers' "UnitOut" would silently overwrite each other.


class NeedOrganisationOut(Schema):
    id: int = Field(description="组织编号")
    name: str = Field(description="名称")


class NeedCardOut(Schema):
    id: int = Field(description="需求编号")
    public_title: str = Field(description="公开标题（不含需求人的姓名、门牌号等）")
    kind: str = Field(description="需求类型：goods 物品类，service 服务类")
    kind_label: str = Field(description="需求类型的中文名")
    category: str = Field(description="需求类别")
    community: NeedOrganisationOut = Field(description="所在社区")
    grid: NeedOrganisationOut = Field(description="所在网格")
    places: int = Field(description="需要几人（或几家单位）认领")
    claimed_places: int = Field(description="已认领人数")
    open_places: int = Field(description="还差几人")
    deadline: datetime.date = Field(description="截止日期")
    status: str = Field(
        description="状态：published 已公开，claimed 已认领，done 已完成；"
        "pending 待审核、closed 已关闭只有网格工作人员和需求人本人能看到"
    )
    status_label: str = Field(description="状态的中文名")
    state: str = Field(
        description="微心愿墙上的标记：open 还差人，claimed 名额已满，past 已过截止日期，"
        "done 已完成；待审核、已关闭时同 status"
    )
    created_at: datetime.datetime = Field(description="登记时间")


class NeedMyClaimOut(Schema):
    id: int = Field(description="认领编号")
    status: str = Field(description="认领状态：claimed 已认领，reported 待确认，confirmed 已完成")
    status_label: str = Field(description="认领状态的中文名")


class NeedUnitOfferOut(Schema):
    unit: NeedOrganisationOut = Field(description="您担任联络人的单位")
    offer: str = Field(description="claimed 本单位已认领；open 可以以单位名义认领")


class NeedDetailOut(NeedCardOut):
    viewer: str = Field(
        description="您与这项需求的关系：public 未登录，signed_in 已登录，resident 需求人本人，"
        "claimant 认领人（认领未完成时），staff 网格或社区工作人员"
    )
    heading: str = Field(description="页面标题：能看到需求原文的人看到原文，其他人看到公开标题")
    title: str | None = Field(description="需求原文；只有工作人员、认领人和需求人本人可见")
    description: str | None = Field(description="详细说明；登录后可见")
    resident_name: str | None = Field(description="需求人姓名；只有工作人员、认领人和本人可见")
    resident_phone: str | None = Field(
        description="需求人电话：工作人员和认领人看到完整号码，本人看到遮盖后的号码，其他人为空"
    )
    address: str | None = Field(description="地址；只有工作人员、认领人和本人可见")
    my_claim: NeedMyClaimOut | None = Field(description="我本人对这项需求的认领（如有）")
    offer: str = Field(
        description="认领按钮：mine 已认领，open 可以认领，login 登录后认领，"
        "no_person 账号未登记人员信息，refused 不能认领（见 offer_note），none 不可认领"
    )
    offer_note: str = Field(description="不能认领时的原因")
    unit_offers: list[NeedUnitOfferOut] = Field(description="以单位名义认领（仅单位联络人）")


class NeedClaimIn(Schema):
    as_unit_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="以单位名义认领时填单位编号（须是该单位的联络人）；个人认领不填",
    )


class ClaimContactOut(Schema):
    name: str = Field(description="需求人姓名")
    phone: str = Field(description="需求人电话（完整号码，请勿外传）")
    address: str = Field(description="地址")


class ClaimOut(Schema):
    id: int = Field(description="认领编号")
    status: str = Field(
        description="claimed 已认领，reported 待确认，confirmed 已完成，withdrawn 已撤回"
    )
    status_label: str = Field(description="状态的中文名")
    need_id: int | None = Field(description="认领的需求编号（认领项目岗位时为空）")
    post_id: int | None = Field(description="认领的项目岗位编号（认领需求时为空）")
    project_id: int | None = Field(description="岗位所属项目编号（认领需求时为空）")
    title: str = Field(description="认领的是什么：需求的公开标题，或“项目名：岗位”")
    place: str = Field(description="所在：社区·网格，或项目的社区")
    unit: NeedOrganisationOut | None = Field(description="以单位名义认领时的单位；个人认领为空")
    claimed_at: datetime.datetime = Field(description="认领时间")
    deadline: datetime.date = Field(description="需求或岗位的截止日期")
    served_on: datetime.date | None = Field(description="服务日期（提交完成情况后）")
    minutes: int | None = Field(description="服务时长（分钟，提交完成情况后）")
    note: str = Field(description="完成情况")
    contact: ClaimContactOut | None = Field(
        description="需求人联系方式：只在认领未完成（已认领、待确认）且认领的是需求时给出"
    )
    claimed_in_quarter: bool = Field(description="是否在所查季度内认领（计入“认领 n 项”）")
    confirmed_in_quarter: bool = Field(description="是否在所查季度内确认完成（计入完成数和时长）")


class ClaimReportIn(Schema):
    served_on: datetime.date = Field(description="服务日期：认领当天到今天之间")
    minutes: int = Field(description="服务时长（分钟），1 到 1440")
    note: str = Field("", description="完成情况：做了什么、需求人是否满意，300 字以内")


class NeedSubmitIn(Schema):
    kind: Literal["goods", "service"] = Field(description="需求类型：goods 物品类，service 服务类")
    category_id: int = Field(ge=1, le=MAX_ID, description="需求类别编号")
    grid_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="需求所在网格编号；不填为本人所在网格"
    )
    title: str = Field(description="一句话说清需要什么；不要写姓名和门牌号（会公开）")
    description: str = Field("", description="详细说明（选填），只有网格员和认领人可见")
    address: str = Field("", description="上门或送物品的地址（选填），只有网格员和认领人可见")
    places: int = Field(1, ge=1, le=20, description="需要几人认领，1 到 20")
    deadline: datetime.date = Field(description="截止日期：今天到一年以内")


class MyNeedClaimOut(Schema):
    id: int = Field(description="认领编号")
    status: str = Field(description="claimed 已认领，reported 待确认，confirmed 已完成")
    status_label: str = Field(description="状态的中文名")
    claimant_name: str = Field(description="认领人姓名（单位认领时为单位的联络人）")
    claimant_phone: str = Field(description="认领人电话（完整号码，便于约定上门时间）")
    unit: NeedOrganisationOut | None = Field(description="以单位名义认领时的单位")
    claimed_at: datetime.datetime = Field(description="认领时间")
    served_on: datetime.date | None = Field(description="服务日期（认领人提交完成情况后）")
    minutes: int | None = Field(description="服务时长（分钟）")
    note: str = Field(description="认领人写的完成情况")


class MyNeedOut(Schema):
    id: int = Field(description="需求编号")
    title: str = Field(description="需求原文")
    public_title: str = Field(description="微心愿墙上显示的标题")
    kind: str = Field(description="需求类型：goods 物品类，service 服务类")
    kind_label: str = Field(description="需求类型的中文名")
    category: str = Field(description="需求类别")
    grid: NeedOrganisationOut = Field(description="所在网格")
    address: str = Field(description="地址")
    description: str = Field(description="详细说明")
    places: int = Field(description="需要几人认领")
    claimed_places: int = Field(description="已认领人数")
    deadline: datetime.date = Field(description="截止日期")
    status: str = Field(
        description="pending 待审核，published 已公开，claimed 已认领，done 已完成，closed 已关闭"
    )
    status_label: str = Field(description="状态的中文名")
    close_reason: str = Field(description="关闭原因（已关闭时）")
    created_at: datetime.datetime = Field(description="提交时间")
    may_withdraw: bool = Field(description="现在能否撤回（待审核，或已公开且无人认领）")
    claims: list[MyNeedClaimOut] = Field(description="认领人（已撤回的不列）")


class ProjectPostOfferOut(Schema):
    unit: NeedOrganisationOut = Field(description="您担任联络人的单位")
    offer: str = Field(description="claimed 本单位已认领；open 可以以单位名义认领")


class ProjectPostOut(Schema):
    id: int = Field(description="岗位编号")
    title: str = Field(description="岗位")
    description: str = Field(description="岗位说明")
    places: int = Field(description="名额")
    claimed_places: int = Field(description="已认领人数")
    open_places: int = Field(description="剩余名额")
    deadline: datetime.date = Field(description="认领截止日期")
    my_claim: NeedMyClaimOut | None = Field(description="我本人对这个岗位的认领（如有）")
    offer: str = Field(
        description="mine 已认领，open 可以认领，login 登录后认领，none 不可认领（见 offer_note）"
    )
    offer_note: str = Field(description="不能认领时的原因")
    unit_offers: list[ProjectPostOfferOut] = Field(description="以单位名义认领（仅单位联络人）")


class ProjectCardOut(Schema):
    id: int = Field(description="项目编号")
    title: str = Field(description="项目名称")
    quarter: str = Field(description="季度，例如 2026Q4")
    status: str = Field(description="open 进行中，done 已完成")
    status_label: str = Field(description="状态的中文名")
    community: NeedOrganisationOut = Field(description="社区")
    chair: NeedOrganisationOut | None = Field(description="该社区本季度的轮值主席单位")
    lead_unit: NeedOrganisationOut = Field(description="牵头单位")
    partner_units: list[NeedOrganisationOut] = Field(description="参与单位")
    campaign: str | None = Field(description="所属提升行动")
    posts_count: int = Field(description="认领岗位数")
    open_places: int = Field(description="各岗位剩余名额合计")


class ProjectActivityOut(Schema):
    id: int = Field(description="活动编号")
    title: str = Field(description="活动名称")
    starts_at: datetime.datetime = Field(description="开始时间")


class ProjectDetailOut(ProjectCardOut):
    description: str = Field(description="项目内容")
    posts: list[ProjectPostOut] = Field(description="认领岗位")
    activities: list[ProjectActivityOut] = Field(description="项目的志愿活动")


# ---------------------------------------------------------------- shaping


class _Shaped:
    """A queryset that ``Pages`` counts and slices, each item of a page shaped by ``shape``:
    the shape runs on the 20 items shown, never on the whole list."""

    def __init__(self, queryset: Any, shape: Callable[[Any], Any]) -> None:
        self.queryset, self.shape = queryset, shape

    def all(self) -> Any:
        return self.queryset.all()

    def __len__(self) -> int:
        return len(self.queryset)

    def __getitem__(self, window: slice) -> list[Any]:
        return [self.shape(item) for item in self.queryset[window]]

    def __iter__(self) -> Iterator[Any]:
        return (self.shape(item) for item in self.queryset)


def _org(node: Organisation) -> NeedOrganisationOut:
    return NeedOrganisationOut(id=node.pk, name=node.name)


def _org_or_none(node: Organisation | None) -> NeedOrganisationOut | None:
    return _org(node) if node is not None else None


def _wall_state(need: Need, today: datetime.date) -> str:
    """The wall's badge (volunteers/needs/_state_badge.html), as a code."""
    if need.status == Status.DONE:
        return "done"
    if need.status == Status.CLAIMED or (need.status == Status.PUBLISHED and not need.open_places):
        return "claimed"
    if need.status == Status.PUBLISHED:
        return "past" if need.is_past_deadline(today) else "open"
    return str(need.status)


def _card_fields(need: Need, today: datetime.date) -> dict[str, Any]:
    return {
        "id": need.pk,
        "public_title": need.public_title,
        "kind": need.kind,
        "kind_label": need.get_kind_display(),
        "category": need.category.name,
        "community": _org(need.community),
        "grid": _org(need.grid),
        "places": need.places,
        "claimed_places": need.claimed_places,
        "open_places": need.open_places,
        "deadline": need.deadline,
        "status": need.status,
        "status_label": need.get_status_display(),
        "state": _wall_state(need, today),
        "created_at": need.created_at,
    }


def _my_claim(claim: Claim | None) -> NeedMyClaimOut | None:
    if claim is None:
        return None
    return NeedMyClaimOut(id=claim.pk, status=claim.status, status_label=claim.get_status_display())


def _claim_out(line: CardLine) -> ClaimOut:
    claim = line.claim
    contact = line.contact
    return ClaimOut(
        id=claim.pk,
        status=claim.status,
        status_label=claim.get_status_display(),
        need_id=claim.need_id,
        post_id=claim.post_id,
        project_id=claim.post.project_id if claim.post is not None else None,
        title=line.title,
        place=line.place,
        unit=_org_or_none(claim.unit),
        claimed_at=claim.claimed_at,
        deadline=line.deadline,
        served_on=line.served_on,
        minutes=line.minutes,
        note=claim.note,
        contact=ClaimContactOut(name=contact.name, phone=contact.phone, address=contact.address)
        if contact is not None
        else None,
        claimed_in_quarter=line.claimed_in_quarter,
        confirmed_in_quarter=line.confirmed_in_quarter,
    )


def _claim_answer(person: Person, claim: Claim) -> ClaimOut:
    """The claim as this quarter's card shows it (a claim just written is on it), so the
    contact it hands over follows the card's one rule."""
    card = claim_selectors.claim_card(person, Quarter.current())
    line = next(
        (line for line in [*card.lines, *card.unit_lines] if line.claim.pk == claim.pk), None
    )
    if line is None:
        raise NotFound("claim_not_found", _("没有找到这条认领记录。"))
    return _claim_out(line)


def _community_asked(community: int | None) -> Organisation | None:
    if community is None:
        return None
    found = selectors.communities().filter(pk=community).first()
    if found is None:
        raise Invalid("bad_community", _("没有这个社区，请从社区列表中选择。"), field="community")
    return found


def _unit_asked(unit_id: int | None) -> Organisation | None:
    """The unit a 以单位名义认领 names, as the page's ``unit_asked`` reads it."""
    if unit_id is None:
        return None
    unit = Organisation.objects.filter(pk=unit_id, kind=Organisation.Kind.UNIT).first()
    if unit is None:
        raise Invalid("bad_unit", _("请从页面上的按钮选择认领单位。"), field="as_unit_id")
    return unit


def _signed_in_person(request: HttpRequest) -> Person | None:
    return selectors.person_for_user(request.user)


def _claimant(request: HttpRequest) -> Person:
    """The person who claims; an account without one is refused as the pages refuse it."""
    found = _signed_in_person(request)
    if found is None:
        raise Conflict("no_person", _(NO_PERSON))
    return found


def _resident(request: HttpRequest) -> Person:
    found = _signed_in_person(request)
    if found is None:
        raise Forbidden(
            "no_person",
            _("您的账号还没有关联人员信息。请联系所在社区的工作人员为账号关联信息。"),
        )
    return found


# ---------------------------------------------------------------- the wall


@router.get(
    "",
    auth=maybe_person,
    response={200: list[NeedCardOut], **refusals()},
    summary="微心愿墙",
)
@paginate(Pages)
def needs_list(
    request: HttpRequest,
    community: CommunityParam = None,
    state: StateParam = None,
) -> Any:
    """公开的微心愿（需求清单），新的在前：只有公开标题、类型、类别、所在网格、截止日期和名额，
    不含需求人的任何信息。可按社区和状态筛选；待审核、已关闭的需求不会列出。"""
    chosen = _community_asked(community)
    today = timezone.localdate()
    needs = need_selectors.needs_on_wall(community=chosen, status=state)
    return _Shaped(needs, lambda need: NeedCardOut(**_card_fields(need, today)))


# Literal paths before "/{id}", which would otherwise take "mine", "projects" and "claims".


# ---------------------------------------------------------------- the resident's needs


@router.post(
    "/submit",
    auth=person,
    response={200: MyNeedOut, **refusals(403)},
    summary="提交微心愿",
)
def need_submit(request: HttpRequest, payload: NeedSubmitIn) -> MyNeedOut:
    """居民为自己所在社区提交微心愿，等待网格员审核后在微心愿墙上公开。24 小时内最多 3 个。
    需先加入所住的网格。"""
    resident = _resident(request)
    grid_id = payload.grid_id or resident.home_grid_id
    if grid_id is None:
        raise Invalid("no_home_grid", _("请先加入您居住的网格，再提交微心愿。"), field="grid")
    grid = Organisation.objects.filter(pk=grid_id, kind=Organisation.Kind.GRID).first()
    if grid is None:
        raise Invalid("bad_grid", _("请从列表中选择网格。"), field="grid_id")
    category = NeedCategory.objects.filter(pk=payload.category_id).first()
    if category is None:
        raise Invalid("bad_category", _("请从列表中选择需求类别。"), field="category_id")
    need = need_services.need_submit(
        person=resident,
        grid=grid,
        kind=payload.kind,
        category=category,
        title=payload.title,
        description=payload.description,
        address=payload.address,
        places=payload.places,
        deadline=payload.deadline,
    )
    return _my_need(resident_needs(resident).get(pk=need.pk))


def _my_need(need: Need) -> MyNeedOut:
    claims = getattr(need, "live_claims", [])
    return MyNeedOut(
        id=need.pk,
        title=need.title,
        public_title=need.public_title,
        kind=need.kind,
        kind_label=need.get_kind_display(),
        category=need.category.name,
        grid=_org(need.grid),
        address=need.address,
        description=need.description,
        places=need.places,
        claimed_places=need.claimed_places,
        deadline=need.deadline,
        status=need.status,
        status_label=need.get_status_display(),
        close_reason=need.close_reason,
        created_at=need.created_at,
        may_withdraw=need.status == Status.PENDING
        or (need.status == Status.PUBLISHED and not need.claimed_places),
        claims=[
            MyNeedClaimOut(
                id=claim.pk,
                status=claim.status,
                status_label=claim.get_status_display(),
                claimant_name=claim.person.real_name,
                claimant_phone=claim.person.phone,
                unit=_org_or_none(claim.unit),
                claimed_at=claim.claimed_at,
                served_on=claim.served_on if claim.status != Claim.Status.CLAIMED else None,
                minutes=claim.minutes if claim.status != Claim.Status.CLAIMED else None,
                note=claim.note,
            )
            for claim in claims
        ],
    )


@router.get(
    "/mine",
    auth=person,
    response={200: list[MyNeedOut], **refusals(403)},
    summary="我的微心愿",
)
@paginate(Pages)
def my_needs(request: HttpRequest) -> Any:
    """我提交的微心愿，新的在前：审核和认领情况，认领人的姓名和电话（便于约定上门），
    以及现在能否撤回。"""
    return _Shaped(resident_needs(_resident(request)), _my_need)


@router.post(
    "/mine/{id}/withdraw",
    auth=person,
    response={200: MyNeedOut, **refusals(403, 404, 409)},
    summary="撤回微心愿",
)
def my_need_withdraw(request: HttpRequest, id: PathId) -> MyNeedOut:
    """撤回自己的微心愿（关闭它）：待审核时，或已公开但还没有人认领时。别人的需求为 404。"""
    resident = _resident(request)
    need = Need.objects.filter(pk=id, resident=resident).first()
    if need is None:
        raise NotFound("need_not_found", _("没有找到这项需求。"))
    need_services.need_close(need=need, by=auth_token(request).user, reason=_("本人撤回"))
    return _my_need(resident_needs(resident).get(pk=need.pk))


# ---------------------------------------------------------------- projects


def _project_fields(project: Project, chair: Organisation | None) -> dict[str, Any]:
    posts = list(project.posts.all())  # prefetched by the selector
    return {
        "id": project.pk,
        "title": project.title,
        "quarter": project.quarter,
        "status": project.status,
        "status_label": project.get_status_display(),
        "community": _org(project.community),
        "chair": _org_or_none(chair),
        "lead_unit": _org(project.lead_unit),
        "partner_units": [_org(unit) for unit in project.partner_units.all()],
        "campaign": project.campaign.name if project.campaign is not None else None,
        "posts_count": len(posts),
        "open_places": sum(post.open_places for post in posts),
    }


def _quarter_asked(key: str | None, *, latest: Quarter | None = None) -> Quarter:
    if not key:
        return Quarter.current()
    try:
        quarter = Quarter.parse(key)
    except ValueError:
        quarter = None
    if quarter is None or (latest is not None and quarter > latest):
        raise Invalid(
            "quarter_invalid",
            _("季度应写成年份加季度，例如 %(example)s，且不能晚于本季度。")
            % {"example": Quarter.current().key}
            if latest is not None
            else _("季度应写成年份加季度，例如 2026Q4。"),
            field="quarter",
        )
    return quarter


@router.get(
    "/projects",
    auth=maybe_person,
    response={200: list[ProjectCardOut], **refusals()},
    summary="项目清单",
)
@paginate(Pages)
def projects_list(
    request: HttpRequest,
    community: CommunityParam = None,
    quarter: QuarterParam = None,
) -> Any:
    """一个季度的共建项目（进行中、已完成），按社区排列，带该社区本季度的轮值主席单位、
    牵头和参与单位，以及剩余认领名额。"""
    chosen = _community_asked(community)
    asked = _quarter_asked(quarter)
    communities = list(selectors.communities())
    groups = project_selectors.public_projects(asked.key, chosen, communities)
    return [
        ProjectCardOut(**_project_fields(project, group.chair))
        for group in groups
        for project in group.projects
    ]


def _post_out(
    post: ProjectPost,
    *,
    user: User | AnonymousUser,
    person: Person | None,
    mine: dict[int, Claim],
    units: list[Organisation],
    held: set[tuple[int, int]],
    today: datetime.date,
) -> ProjectPostOut:
    """One post and what its box offers this viewer (the project page's rule)."""
    my_claim = mine.get(post.pk)
    refusal = (
        project_services.post_claim_refusal(post, person, today=today)
        if person is not None
        else None
    )
    if my_claim is not None:
        offer = "mine"
    elif not user.is_authenticated:
        offer = "login"
    elif person is not None and refusal is None:
        offer = "open"
    else:
        offer = "none"
    return ProjectPostOut(
        id=post.pk,
        title=post.title,
        description=post.description,
        places=post.places,
        claimed_places=post.claimed_places,
        open_places=post.open_places,
        deadline=post.deadline,
        my_claim=_my_claim(my_claim),
        offer=offer,
        offer_note=str(refusal.message) if refusal is not None else "",
        unit_offers=[
            ProjectPostOfferOut(
                unit=_org(unit), offer="claimed" if (post.pk, unit.pk) in held else "open"
            )
            for unit in units
            if (post.pk, unit.pk) in held
            or project_services.post_claim_refusal(post, person, today=today, unit=unit) is None
        ],
    )


@router.get(
    "/projects/{id}",
    auth=maybe_person,
    response={200: ProjectDetailOut, **refusals(404)},
    summary="项目详情",
)
def project_detail(request: HttpRequest, id: PathId) -> ProjectDetailOut:
    """一个共建项目：内容、单位、认领岗位（剩余名额、我能否认领）和项目活动。
    筹备中、已取消的项目为 404。"""
    project = project_selectors.public_project(id)
    if project is None:
        raise NotFound("project_not_found", _("没有找到这个项目。"))
    viewer = _signed_in_person(request)
    today = timezone.localdate()
    posts = list(project.posts.all())
    units = permissions.units_represented_by(request.user) if viewer is not None else []
    chair = project_selectors.chairs_of(project.quarter, [project.community]).get(
        project.community_id
    )
    mine = project_selectors.my_post_claims(viewer, project)
    held = units_holding_posts(posts, units)
    return ProjectDetailOut(
        **_project_fields(project, chair),
        description=project.description,
        posts=[
            _post_out(
                post,
                user=request.user,
                person=viewer,
                mine=mine,
                units=units,
                held=held,
                today=today,
            )
            for post in posts
        ],
        activities=[
            ProjectActivityOut(id=a.pk, title=a.title, starts_at=a.starts_at)
            for a in project_selectors.project_activities(project)
        ],
    )


@router.post(
    "/projects/posts/{id}/claim",
    auth=person,
    response={200: ClaimOut, **refusals(403, 404, 409, 410)},
    summary="认领项目岗位",
)
def post_claim(
    request: HttpRequest,
    id: PathId,
    payload: NeedClaimIn | None = None,
) -> ClaimOut:
    """党员认领一个进行中项目的岗位（先到先得，一人一次）；单位联络人可以带 as_unit_id
    以单位名义认领。非党员 403，名额已满、项目未进行、已认领过 409，已过截止日期 410。"""
    post = ProjectPost.objects.filter(pk=id).first()
    if post is None or project_selectors.public_project(post.project_id) is None:
        raise NotFound("post_not_found", _("没有找到这个岗位。"))
    claimant = _claimant(request)
    unit = _unit_asked(payload.as_unit_id if payload is not None else None)
    claim = project_services.post_claim(post=post, person=claimant, unit=unit)
    return _claim_answer(claimant, claim)


# ---------------------------------------------------------------- 双项认领卡


@router.get(
    "/claims",
    auth=person,
    response={200: list[ClaimOut], **refusals(403)},
    summary="我的认领（双项认领卡）",
)
@paginate(Pages)
def my_claims(
    request: HttpRequest,
    quarter: QuarterParam = None,
) -> Any:
    """我的双项认领卡：一个季度里有效的每条认领（本季度认领的、确认完成的、仍未完成的、
    撤回的），先是本人的，再是以单位名义认领的。认领未完成时附需求人的联系方式。
    季度不能晚于本季度。"""
    found = _signed_in_person(request)
    if found is None:
        raise Forbidden(
            "no_person",
            _(
                "您的账号还没有关联人员信息，没有双项认领卡。"
                "请联系所在社区的工作人员为账号关联信息。"
            ),
        )
    asked = _quarter_asked(quarter, latest=Quarter.current())
    card = claim_selectors.claim_card(found, asked)
    return [_claim_out(line) for line in [*card.lines, *card.unit_lines]]


def _own_claim(request: HttpRequest, pk: int) -> tuple[Person, Claim]:
    found = _signed_in_person(request)
    claim = claim_selectors.claim_of(found, pk)
    if found is None or claim is None:
        raise NotFound("claim_not_found", _("没有找到这条认领记录。"))
    return found, claim


@router.post(
    "/claims/{id}/report",
    auth=person,
    response={200: ClaimOut, **refusals(404, 409)},
    summary="提交完成情况",
)
def claim_report(
    request: HttpRequest,
    id: PathId,
    payload: ClaimReportIn,
) -> ClaimOut:
    """认领人提交服务完成情况：服务日期、时长（分钟）和完成情况，等待网格员、需求人或
    社区确认。照片请在网页上补交（接口不收照片）。别人的认领为 404，已提交过 409。"""
    claimant, claim = _own_claim(request, id)
    claim = need_services.claim_report(
        claim=claim,
        person=claimant,
        minutes=payload.minutes,
        served_on=payload.served_on,
        note=payload.note,
    )
    return _claim_answer(claimant, claim)


@router.post(
    "/claims/{id}/withdraw",
    auth=person,
    response={200: ClaimOut, **refusals(404, 409)},
    summary="撤回认领",
)
def claim_withdraw(request: HttpRequest, id: PathId) -> ClaimOut:
    """撤回一条尚未服务的认领，名额让给其他党员。已提交完成情况或已完成的不能撤回（409）。"""
    claimant, claim = _own_claim(request, id)
    claim = need_services.claim_withdraw(claim=claim, person=claimant)
    return _claim_answer(claimant, claim)


# ---------------------------------------------------------------- one need


def _need_offer(
    user: User | AnonymousUser, shown: need_selectors.NeedVisibility, viewer: Person | None
) -> tuple[str, str]:
    """What the need page's claim box offers this viewer (``views.needs_wall``'s rule)."""
    need = shown.need
    today = timezone.localdate()
    if shown.my_claim is not None:
        return "mine", ""
    if not need_selectors.need_open_for_claims(need, today=today):
        return "none", ""
    if not user.is_authenticated:
        return "login", ""
    if viewer is None:
        return "no_person", _(NO_PERSON)
    refusal = need_services.claim_refusal(need, viewer, today=today)
    return ("open", "") if refusal is None else ("refused", str(refusal.message))


def _need_unit_offers(
    user: User | AnonymousUser, need: Need, viewer: Person | None
) -> list[NeedUnitOfferOut]:
    if viewer is None:
        return []
    units = permissions.units_represented_by(user)
    held = units_holding_need(need, units)
    today = timezone.localdate()
    return [
        NeedUnitOfferOut(unit=_org(unit), offer="claimed" if unit.pk in held else "open")
        for unit in units
        if unit.pk in held
        or need_services.claim_refusal(need, viewer, today=today, unit=unit) is None
    ]


def _shown(request: HttpRequest, pk: int, viewer: Person | None) -> need_selectors.NeedVisibility:
    """The need as this viewer may see it; 404 unless public or theirs (as the page)."""
    need = need_selectors.need_any(pk)
    if need is not None:
        shown = need_selectors.need_visibility(request.user, need, person=viewer)
        if shown.may_open:
            return shown
    raise NotFound("need_not_found", _("没有找到这项需求。"))


@router.get(
    "/{id}",
    auth=maybe_person,
    response={200: NeedDetailOut, **refusals(404)},
    summary="微心愿详情",
)
def need_detail(request: HttpRequest, id: PathId) -> NeedDetailOut:
    """一项微心愿：公开信息；登录后有详细说明；需求人的姓名、电话和地址只给网格工作人员、
    认领未完成的认领人和需求人本人（本人的电话遮盖）。另附认领按钮的状态。"""
    viewer = _signed_in_person(request)
    shown = _shown(request, id, viewer)
    offer, note = _need_offer(request.user, shown, viewer)
    return NeedDetailOut(
        **_card_fields(shown.need, timezone.localdate()),
        viewer=shown.viewer,
        heading=shown.heading,
        title=shown.title,
        description=shown.description,
        resident_name=shown.resident_name,
        resident_phone=shown.resident_phone,
        address=shown.address,
        my_claim=_my_claim(shown.my_claim),
        offer=offer,
        offer_note=note,
        unit_offers=_need_unit_offers(request.user, shown.need, viewer),
    )


@router.post(
    "/{id}/claim",
    auth=person,
    response={200: ClaimOut, **refusals(403, 404, 409, 410)},
    summary="认领微心愿",
)
def need_claim(
    request: HttpRequest,
    id: PathId,
    payload: NeedClaimIn | None = None,
) -> ClaimOut:
    """我来认领（先到先得，一人一次）；单位联络人可以带 as_unit_id 以单位名义认领。
    非党员 403；已认领过、名额已满、已关闭或未公开 409；已过截止日期 410。
    成功后返回这条认领，附需求人的联系方式。"""
    viewer = _signed_in_person(request)
    shown = _shown(request, id, viewer)
    claimant = _claimant(request)
    unit = _unit_asked(payload.as_unit_id if payload is not None else None)
    claim = need_services.need_claim(need=shown.need, person=claimant, unit=unit)
    return _claim_answer(claimant, claim)
