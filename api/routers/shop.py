"""The API's 爱心超市 operations: the goods on offer, redeeming with a confirmation, 我的兑换.

Redeeming is the page's two steps. ``shop_redeem_quote`` is the confirmation page: what,
for how much, the balance now and after, where to collect it, and a signed ``ticket``
(spends nothing). ``shop_redeem`` is its 确认兑换: the ticket's random id is the ledger
line's idempotency key, so a second redeem with the same ticket spends nothing and
answers the first redemption. The refusals are the service's, with the page's codes.
"""

import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from wagtail.images.models import SourceImageIOError

from api.auth import maybe_person, person, signed_in_token
from api.errors import refusals
from api.pagination import Pages
from api.types import PathId
from core.errors import Forbidden, NotFound
from points.models import Redemption, Reward
from points.selectors import shop as selectors
from points.services.rewards import (
    CONFIRM_MAX_AGE,
    redeem_ticket_issue,
    redeem_ticket_read,
    reward_redeem,
    reward_redeem_refusal,
)
from volunteers.models import Organisation, Person
from volunteers.selectors import person_for_user

router = Router(tags=["爱心超市"])

# Where the person lives, read with them: their own community's shop comes first.
PERSON_HOME = ("home_grid", "reported_community")


class CommunityOut(Schema):
    code: str = Field(description="社区代码，用于 community 参数")
    name: str = Field(description="社区名称")


class GoodsOut(Schema):
    id: int = Field(description="商品编号")
    name: str = Field(description="商品名称")
    description: str = Field(description="说明：规格、品牌等；可能为空")
    image_url: str | None = Field(description="商品图片（480×360）的完整网址；没有图片时为空")
    community: CommunityOut = Field(description="哪个社区的爱心超市")
    is_my_community: bool = Field(description="是否本人所在社区的爱心超市（未登录时为 false）")
    price: int = Field(description="兑换一件需要的积分")
    stock: int = Field(description="库存件数；0 为已兑完")
    per_person_limit: int = Field(description="每人限兑件数（已取消的不计）；0 表示不限")
    held: int = Field(description="本人已兑换（未取消）的件数；未登录时为 0")
    available_from: datetime.datetime | None = Field(description="开始兑换时间；空为即日起")
    available_until: datetime.datetime | None = Field(description="截止兑换时间；空为长期")
    open_now: bool = Field(description="现在是否在兑换时间内")
    pickup_place: str = Field(description="领取地点和时间")


class GoodsFilter(Schema):
    community: str | None = Field(
        None, max_length=64, description="只看这个社区（社区代码）的爱心超市"
    )


class RefusalOut(Schema):
    code: str = Field(description="原因代码，与“确认兑换”会答的拒绝相同")
    message: str = Field(description="中文说明")


class QuoteOut(Schema):
    goods: GoodsOut = Field(description="要兑换的商品")
    price: int = Field(description="所需积分")
    balance: int = Field(description="本人现在的可用积分")
    after: int = Field(description="兑换后剩余的积分（不足时为负数）")
    short: int = Field(description="还差多少积分；够时为 0")
    pickup_place: str = Field(description="领取地点和时间")
    can_redeem: bool = Field(description="现在能否兑换；不能时 refusal 说明原因")
    refusal: RefusalOut | None = Field(description="不能兑换的原因；能兑换时为空")
    ticket: str | None = Field(
        description="确认凭证：原样放进“确认兑换”的请求体；不能兑换时为空。"
        "凭证绑定本人、这件商品和这个价格，30 分钟内有效，同一凭证只兑换一次"
    )
    ticket_expires_in: int = Field(description="凭证还有多少秒过期")


class RedeemIn(Schema):
    ticket: str = Field(max_length=1000, description="“兑换确认”接口给出的确认凭证")


class RedemptionOut(Schema):
    id: int = Field(description="兑换编号")
    code: str = Field(description="兑换码（领取时出示，如 K7Q4-XMPR）")
    goods_id: int = Field(description="商品编号")
    goods_name: str = Field(description="商品名称")
    community: CommunityOut = Field(description="哪个社区的爱心超市")
    price: int = Field(description="兑换时花费的积分")
    status: str = Field(
        description="状态代码：reserved 待领取、handed_over 已领取、cancelled 已取消"
    )
    status_display: str = Field(description="状态名称")
    pickup_place: str = Field(description="领取地点和时间")
    created_at: datetime.datetime = Field(description="兑换时间")
    handed_over_at: datetime.datetime | None = Field(description="领取时间；未领取时为空")
    cancelled_at: datetime.datetime | None = Field(description="取消时间；未取消时为空")
    cancel_reason: str = Field(description="取消原因；未取消时为空")
    qr_text: str | None = Field(
        description="待领取时，领取二维码的内容（与“我的兑换”页的二维码相同）；其他状态为空"
    )

    @staticmethod
    def resolve_code(obj: Redemption) -> str:
        return obj.display_code

    @staticmethod
    def resolve_goods_id(obj: Redemption) -> int:
        return obj.reward_id

    @staticmethod
    def resolve_goods_name(obj: Redemption) -> str:
        return obj.reward.name

    @staticmethod
    def resolve_community(obj: Redemption) -> Organisation:
        return obj.reward.community

    @staticmethod
    def resolve_status_display(obj: Redemption) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_pickup_place(obj: Redemption) -> str:
        return obj.reward.pickup_text

    @staticmethod
    def resolve_qr_text(obj: Redemption, context: dict) -> str | None:
        if obj.status != Redemption.Status.RESERVED:
            return None
        # What the page's QR encodes: the counter page with the code filled in.
        url = f"{reverse('points:shop_hand_over')}?code={obj.code}"
        return str(context["request"].build_absolute_uri(url))


def _goods(request: HttpRequest, reward: Reward, own: Organisation | None) -> GoodsOut:
    image_url = None
    if reward.image is not None:
        try:
            rendition = reward.image.get_rendition(selectors.THUMBNAIL)
        except SourceImageIOError:
            pass  # its file is gone: no picture, as the page shows none
        else:
            image_url = request.build_absolute_uri(rendition.url)
    return GoodsOut(
        id=reward.pk,
        name=reward.name,
        description=reward.description,
        image_url=image_url,
        community=CommunityOut(code=reward.community.code, name=reward.community.name),
        is_my_community=own is not None and own.pk == reward.community_id,
        price=reward.price,
        stock=reward.stock,
        per_person_limit=reward.per_person_limit,
        held=getattr(reward, "held", 0),
        available_from=reward.available_from,
        available_until=reward.available_until,
        open_now=reward.is_open(timezone.now()),
        pickup_place=reward.pickup_text,
    )


class _Shelf:
    """The goods on offer, shaped per page: the paginator slices before they are built."""

    def __init__(self, request: HttpRequest, rewards: QuerySet[Reward], person: Person | None):
        self.request, self.rewards, self.person = request, rewards, person
        self.own = selectors.person_community(person)

    def __len__(self) -> int:
        return self.rewards.count()

    def __getitem__(self, window: slice) -> list[GoodsOut]:
        rewards = list(self.rewards[window])
        held = selectors.person_redeemed_counts(self.person, [r.pk for r in rewards])
        for reward in rewards:
            reward.held = held.get(reward.pk, 0)
        return [_goods(self.request, reward, self.own) for reward in rewards]


def _person(request: HttpRequest) -> Person:
    """The signed-in person, or the page's refusal for an account with no person."""
    found = person_for_user(request.user, *PERSON_HOME)
    if found is None:
        raise Forbidden(
            "no_person",
            _("您的账号还没有关联志愿者信息，不能兑换。请联系所在社区的工作人员为账号关联信息。"),
        )
    return found


def _reward(pk: int) -> Reward:
    return get_object_or_404(Reward.objects.select_related("community", "image"), pk=pk)


@router.get(
    "/goods",
    auth=maybe_person,
    response={200: list[GoodsOut], **refusals(404)},
    summary="爱心超市商品",
)
@paginate(Pages)
def shop_goods(request: HttpRequest, filters: Query[GoodsFilter]) -> _Shelf:
    """各社区爱心超市正在上架的商品，按社区排列、便宜的在前；登录后本人所在社区的排在最前，
    并给出本人已兑换的件数。

    `community` 只看一个社区（社区代码）；没有这个社区答 404。不登录也可以浏览。
    """
    community = None
    if filters.community:
        community = Organisation.objects.filter(
            code=filters.community, kind=Organisation.Kind.COMMUNITY
        ).first()
        if community is None:
            raise NotFound("not_found", _("没有这个社区。"), field="community")
    found = None
    if signed_in_token(request) is not None:
        found = person_for_user(request.user, *PERSON_HOME)
    own = selectors.person_community(found)
    rewards = selectors.goods_on_offer(community=community, first=own)
    return _Shelf(request, rewards, found)


@router.post(
    "/goods/{id}/quote",
    auth=person,
    response={200: QuoteOut, **refusals(403, 404)},
    summary="兑换确认",
)
def shop_redeem_quote(request: HttpRequest, id: PathId) -> QuoteOut:
    """“兑换”后的确认页：商品、所需积分、现有积分和兑换后剩余、领取地点，以及确认凭证。

    不扣积分。现在不能兑换（积分不足、已兑完、已下架、不在兑换时间、已达限兑数量、
    社区已撤销）时 `can_redeem` 为 false，`refusal` 说明原因，不给凭证。
    """
    reward = _reward(id)
    found = _person(request)
    balance = selectors.person_balance(found)
    refusal = reward_redeem_refusal(reward=reward, person=found, balance=balance)
    reward.held = selectors.person_redeemed_counts(found, [reward.pk]).get(reward.pk, 0)
    return QuoteOut(
        goods=_goods(request, reward, selectors.person_community(found)),
        price=reward.price,
        balance=balance,
        after=balance - reward.price,
        short=max(reward.price - balance, 0),
        pickup_place=reward.pickup_text,
        can_redeem=refusal is None,
        refusal=RefusalOut(code=refusal.code, message=str(refusal.message)) if refusal else None,
        ticket=redeem_ticket_issue(reward=reward, person=found) if refusal is None else None,
        ticket_expires_in=CONFIRM_MAX_AGE if refusal is None else 0,
    )


@router.post(
    "/goods/{id}/redeem",
    auth=person,
    response={200: RedemptionOut, **refusals(403, 404, 409)},
    summary="确认兑换",
)
def shop_redeem(request: HttpRequest, id: PathId, payload: RedeemIn) -> Redemption:
    """用“兑换确认”给出的凭证兑换一件商品：扣积分、减库存、生成兑换码。

    同一凭证再次提交不会重复扣分，答第一次的兑换。凭证被改动、属于别人或别的商品答
    400 `bad_ticket`，过期答 400 `ticket_expired`；价格已变（`price_changed`）、积分不足
    （`insufficient_balance`）、已兑完（`out_of_stock`）、已达限兑数量（`over_limit`）、
    不在兑换时间或已下架（`not_yet`、`closed`、`inactive`）、社区已撤销（`shop_closed`）
    答 409。
    """
    reward = _reward(id)
    found = _person(request)
    ticket = redeem_ticket_read(value=payload.ticket, reward=reward, person=found)
    return reward_redeem(
        reward=reward, person=found, by=request.user, request=ticket["n"], price=ticket["c"]
    )


@router.get(
    "/redemptions",
    auth=person,
    response={200: list[RedemptionOut], **refusals(403)},
    summary="我的兑换",
)
@paginate(Pages)
def my_redemptions(request: HttpRequest) -> QuerySet[Redemption]:
    """本人的兑换记录，最新的在前：兑换码、商品、积分、状态和领取地点。

    待领取的带 `qr_text`：把它做成二维码，到社区爱心超市出示领取。
    """
    return selectors.person_redemptions(_person(request)).order_by("-created_at", "-id")
