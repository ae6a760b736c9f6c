"""爱心超市: keeping the catalogue, redeeming a reward, handing it over, cancelling.

The ledger side goes through ``points_redeem`` and ``entry_reverse`` under the
person's ledger lock, so the balance check and the per-person limit see a
settled ledger. Stock moves only by conditional UPDATE (``stock > 0``), so the
database, not a prior read, decides who gets the last item.
"""

import datetime
import re
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.actions.create import CreateAction
from wagtail.log_actions import log

from core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from core.identity import VOLUNTEER_NUMBER_ALPHABET
from core.writes import apply_changes, refuse_invalid, save_changed
from points.models import Redemption, Reward
from points.policies import SHOP_ACTION, may_run_shop
from points.services.corrections import entry_reverse, points_redeem
from points.services.ledger import ledger_atomic, person_lock
from volunteers import permissions
from volunteers.models import Notification, Organisation, Person, User
from volunteers.services.audit import audit_record
from volunteers.services.notifications import notify

# Eight characters without look-alikes (no 0/O, 1/I/L): 31^8 ≈ 8.5 × 10^11 codes,
# short enough to read out at the counter, long enough that guessing one is hopeless.
CODE_LENGTH = 8
CODE_ALPHABET = VOLUNTEER_NUMBER_ALPHABET
Status = Redemption.Status


def redemption_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: str) -> str:
    """What staff type: any case, spaces or dashes; a scanned hand-over URL works too."""
    text = str(value or "").strip()
    match = re.search(r"[?&]code=([^&#\s]+)", text)
    if match:
        text = match.group(1)
    return re.sub(r"[\s\-_·]", "", text).upper()


def _check_open(reward: Reward, now: datetime.datetime) -> None:
    if reward.community.is_closed:
        raise Conflict(
            "shop_closed",
            _("%(community)s已撤销，爱心超市不再兑换。") % {"community": reward.community.name},
        )
    if not reward.active:
        raise Conflict("inactive", _("“%(name)s”已下架，不能兑换。") % {"name": reward.name})
    if reward.available_from and now < reward.available_from:
        raise Conflict(
            "not_yet",
            _("“%(name)s”%(when)s起才能兑换。")
            % {
                "name": reward.name,
                "when": date_format(timezone.localtime(reward.available_from), "DATETIME_FORMAT"),
            },
        )
    if reward.available_until and now >= reward.available_until:
        raise Conflict(
            "closed",
            _("“%(name)s”的兑换已于%(when)s截止。")
            % {
                "name": reward.name,
                "when": date_format(timezone.localtime(reward.available_until), "DATETIME_FORMAT"),
            },
        )


def _check_limit(reward: Reward, person: Person) -> None:
    if not reward.per_person_limit:
        return
    taken = (
        Redemption.objects.filter(reward=reward, person=person)
        .exclude(status=Status.CANCELLED)
        .count()
    )
    if taken >= reward.per_person_limit:
        raise Conflict(
            "over_limit",
            _("“%(name)s”每人限兑 %(limit)d 件，您已兑换 %(taken)d 件。")
            % {"name": reward.name, "limit": reward.per_person_limit, "taken": taken},
        )


def _check_redeemer(by: User, person: Person) -> None:
    if by is not None and by.is_authenticated and by.pk == person.user_id:
        return
    if not permissions.can(by, SHOP_ACTION, person):
        raise Forbidden("forbidden", _("只能用自己的积分兑换。"))


def _check_balance(reward: Reward, balance: int) -> None:
    if balance < reward.price:
        raise Conflict(
            "insufficient_balance",
            _("可用积分不足：兑换“%(name)s”需要 %(price)d 分，您现在有 %(balance)d 分。")
            % {"name": reward.name, "price": reward.price, "balance": balance},
        )


def _check_stock(reward: Reward) -> None:
    if reward.stock <= 0:
        raise Conflict("out_of_stock", _("“%(name)s”已兑完，暂无库存。") % {"name": reward.name})


def reward_redeem_refusal(*, reward: Reward, person: Person, balance: int) -> DomainError | None:
    """Why ``reward_redeem`` would refuse now, read without writing or locking (for the
    confirmation page); ``reward_redeem`` checks again, under the lock, and decides."""
    try:
        _check_open(reward, timezone.now())
        _check_limit(reward, person)
        _check_balance(reward, balance)
        _check_stock(reward)
    except DomainError as refusal:
        return refusal
    return None


# The confirmation (the page between 兑换 and 确认兑换, or the API's quote) hands out a
# signed ticket: this reward, this person, the price they saw, and a random id. The id
# becomes the ledger line's idempotency key, so a double tap (or a resent form) spends
# once; a tampered, foreign or stale ticket spends nothing.
CONFIRM_SALT = "points.shop.redeem-confirm"
CONFIRM_MAX_AGE = 30 * 60  # seconds: long enough to read the page, short enough to be "now"


def redeem_ticket_issue(*, reward: Reward, person: Person) -> str:
    """The signed ticket a confirmation carries to 确认兑换."""
    return signing.dumps(
        {"r": reward.pk, "p": person.pk, "c": reward.price, "n": secrets.token_urlsafe(12)},
        salt=CONFIRM_SALT,
    )


def redeem_ticket_read(*, value: str, reward: Reward, person: Person) -> dict[str, Any]:
    """The ticket when it is this person's confirmation of this reward; else ``Invalid``."""
    try:
        ticket = signing.loads(value, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise Invalid(
            "ticket_expired", _("确认页已过期，请核对后再点一次“确认兑换”。"), field="ticket"
        ) from None
    except signing.BadSignature:
        ticket = None
    if (
        not isinstance(ticket, dict)
        or ticket.get("r") != reward.pk
        or ticket.get("p") != person.pk
        or not isinstance(ticket.get("n"), str)
        or not isinstance(ticket.get("c"), int)
    ):
        raise Invalid(
            "bad_ticket",
            _("请先在这一页核对商品、积分和领取地点，再点“确认兑换”。"),
            field="ticket",
        )
    return ticket


def redeem_request_key(request: str) -> str:
    """The ledger key of one confirmed "确认兑换": the same request never spends twice."""
    return f"redemption-request:{request}"


@ledger_atomic()
def reward_redeem(
    *,
    reward: Reward,
    person: Person,
    by: User,
    request: str = "",
    price: int | None = None,
) -> Redemption:
    """Spend the person's points on one item: a redemption entry, one less in stock, a code.

    ``request``: the id of the confirmation the person tapped 确认兑换 on. A second call
    with it (a double tap, a resent form) spends nothing and returns the first redemption.
    ``price``: the price the person confirmed; a different price now is refused.
    """
    _check_redeemer(by, person)
    # The person's lock first: their limit and balance are read under it, and two
    # redemptions by one person queue. Other people are not blocked by it.
    lock = person_lock(person.pk)
    if request:
        done = (
            Redemption.objects.select_related("reward__community")
            .filter(entry__idempotency_key=redeem_request_key(request), person=person)
            .first()
        )
        if done is not None:
            if done.reward_id != reward.pk:
                raise Conflict("key_reused", _("这次兑换已处理过，请刷新页面后重试。"))
            return done
    reward = Reward.objects.select_related("community").get(pk=reward.pk)
    if price is not None and price != reward.price:
        raise Conflict(
            "price_changed",
            _("“%(name)s”的价格已改为 %(price)d 积分，请重新确认。")
            % {"name": reward.name, "price": reward.price},
        )
    now = timezone.now()
    _check_open(reward, now)
    _check_limit(reward, person)
    _check_balance(reward, lock.balance)
    taken = Reward.objects.filter(pk=reward.pk, stock__gt=0).update(stock=F("stock") - 1)
    if not taken:
        reward.stock = 0
        _check_stock(reward)
    code = redemption_code_new()
    for _attempt in range(4):
        if not Redemption.objects.filter(code=code).exists():
            break
        code = redemption_code_new()
    entry = points_redeem(
        person=person,
        amount=reward.price,
        idempotency_key=redeem_request_key(request) if request else f"redemption:{code}",
        reason=_("爱心超市兑换：%(name)s") % {"name": reward.name},
        source_ref=f"redemption:{code}",
        by=by,
    )
    try:
        with transaction.atomic():
            return Redemption.objects.create(
                reward=reward,
                person=person,
                code=code,
                price=reward.price,
                status=Status.RESERVED,
                entry=entry,
                created_at=now,
            )
    except IntegrityError:  # pragma: no cover - a code clash between the check and the insert
        raise Conflict("busy", _("系统繁忙，请重试。")) from None


def _require_shop_of(by: User, community: Organisation) -> None:
    if not may_run_shop(by, community):
        raise Forbidden("forbidden", _("只能选择您管理的社区。"), field="community")


@transaction.atomic
def reward_create(
    *, community: Organisation, name: str, price: int, by: User, **fields: Any
) -> Reward:
    """Put an item on a community's shelf; its starting stock is typed as a number."""
    _require_shop_of(by, community)
    reward = Reward(community=community, name=name, price=price, **fields)
    refuse_invalid(reward)
    CreateAction(reward, user=by, clean=False).execute(skip_permission_checks=True)
    return reward


@transaction.atomic
def reward_update(*, reward: Reward, by: User, **changes: Any) -> Reward:
    """Change an item's details; never its stock, which moves only by ``reward_restock``
    and redemptions (writing back a number read earlier would undo redemptions since)."""
    if "stock" in changes:
        raise Invalid(
            "stock_by_delta", _("库存请用“增加/减少库存”调整，不能直接改写。"), field="stock"
        )
    current = Reward.objects.select_related("community").get(pk=reward.pk)
    if not may_run_shop(by, current.community):
        raise Forbidden("forbidden", _("只能修改您管理的社区的商品。"))
    moved_to = changes.get("community")
    if moved_to is not None and moved_to.pk != current.community_id:
        _require_shop_of(by, moved_to)
    changed = apply_changes(current, changes)
    refuse_invalid(current)
    save_changed(current, changed)  # only these columns: never the stock
    log(instance=current, action="wagtail.edit", user=by, content_changed=bool(changed))
    return current


# An editor's "in" or "out" at once; far beyond what a community shelf holds.
RESTOCK_LIMIT = 100_000


@transaction.atomic
def reward_restock(*, reward: Reward, delta: int, by: User) -> Reward:
    """Add (or, negative, take away) stock in the database, never below zero; audited.

    A delta and not a number: redemptions and cancellations change stock meanwhile,
    and adding to what the database holds cannot undo them.
    """
    if not permissions.can(by, SHOP_ACTION, reward):
        raise Forbidden("forbidden", _("只能调整您管理的社区的商品库存。"))
    if not delta:
        raise Invalid("no_change", _("请填写要增加或减少的数量。"), field="stock_change")
    if abs(delta) > RESTOCK_LIMIT:
        raise Invalid(
            "too_many",
            _("一次最多增加或减少 %(limit)d 件。") % {"limit": RESTOCK_LIMIT},
            field="stock_change",
        )
    changed = Reward.objects.filter(pk=reward.pk, stock__gte=max(-delta, 0)).update(
        stock=F("stock") + delta
    )
    reward.refresh_from_db(fields=["stock"])
    if not changed:
        raise Invalid(
            "not_enough_stock",
            _("库存不足：现有 %(stock)d 件，不能减少 %(taken)d 件。")
            % {"stock": reward.stock, "taken": -delta},
            field="stock_change",
        )
    audit_record(
        actor=by,
        action="shop.restock",
        target=reward,
        organisation=reward.community,
        reward_id=reward.pk,
        delta=delta,
        stock=reward.stock,
    )
    return reward


def redemption_find(code: str) -> Redemption:
    """The redemption behind a typed or scanned code; a Chinese refusal when there is none."""
    code = normalise_code(code)
    if not code:
        raise Invalid("missing_code", _("请输入兑换码。"), field="code")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise Invalid("bad_code", _("兑换码应为 8 位字母和数字，请核对后重新输入。"), field="code")
    redemption = (
        Redemption.objects.select_related("reward__community", "person").filter(code=code).first()
    )
    if redemption is None:
        raise NotFound("unknown_code", _("没有这个兑换码，请核对后重新输入。"), field="code")
    return redemption


def _require_shop_staff(by: User, redemption: Redemption, *, cancelling: bool = False) -> None:
    if not may_run_shop(by, redemption.reward.community):
        message = (
            _("这张兑换码属于%(community)s爱心超市，只能由该社区的书记（管理员）取消。")
            if cancelling
            else _("这张兑换码属于%(community)s爱心超市，只能由该社区的书记（管理员）发放。")
        )
        raise Forbidden("forbidden", message % {"community": redemption.reward.community.name})


@transaction.atomic
def redemption_hand_over(*, code: str, by: User) -> Redemption:
    """Shop staff hand the goods over against the code; a code works once."""
    redemption = redemption_find(code)
    _require_shop_staff(by, redemption)
    now = timezone.now()
    # Conditional: of two counters scanning the same code at once, one wins.
    handed = Redemption.objects.filter(pk=redemption.pk, status=Status.RESERVED).update(
        status=Status.HANDED_OVER,
        handed_over_at=now,
        handed_over_by=by if by is not None and by.is_authenticated else None,
    )
    redemption.refresh_from_db()
    if not handed:
        if redemption.status == Status.HANDED_OVER:
            raise Conflict("already_used", _("已兑换，不能重复使用。"))
        raise Conflict("cancelled", _("这张兑换码已取消，不能领取。"))
    audit_record(
        actor=by,
        action="shop.hand_over",
        target=redemption.person,
        organisation=redemption.reward.community,
        redemption_id=redemption.pk,
        reward_id=redemption.reward_id,
        code=redemption.code,
    )
    return redemption


@ledger_atomic()
def redemption_cancel(*, redemption: Redemption, by: User, reason: str = "") -> Redemption:
    """Before hand-over: points come back (a reversal entry), the item goes back on the shelf.

    The person cancels their own without a reason; shop staff must give one, and the
    person is told.
    """
    redemption = Redemption.objects.select_related("reward__community", "person").get(
        pk=redemption.pk
    )
    own = by is not None and by.is_authenticated and by.pk == redemption.person.user_id
    if not own:
        _require_shop_staff(by, redemption, cancelling=True)
    lock = person_lock(redemption.person_id)
    redemption = (
        Redemption.objects.select_for_update()
        .select_related("reward__community", "person")
        .get(pk=redemption.pk)
    )
    if redemption.status == Status.HANDED_OVER:
        raise Conflict("already_used", _("商品已领取，不能取消兑换。"))
    if redemption.status == Status.CANCELLED:
        raise Conflict("already_cancelled", _("这次兑换已经取消过了。"))
    reason = (reason or "").strip()[:200]
    if not reason:
        if not own:
            # Checked after the status, so staff are not asked for a reason in vain.
            raise Invalid("missing_reason", _("请填写取消原因。"), field="reason")
        reason = _("本人取消兑换")
    entry_reverse(lock, redemption.entry, reason=reason, by=by)
    Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
    redemption.status = Status.CANCELLED
    redemption.cancelled_at = timezone.now()
    redemption.cancelled_by = by if by is not None and by.is_authenticated else None
    redemption.cancel_reason = reason
    redemption.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    audit_record(
        actor=by,
        action="shop.cancel",
        target=redemption.person,
        organisation=redemption.reward.community,
        redemption_id=redemption.pk,
        reward_id=redemption.reward_id,
        refunded=redemption.price,
        reason=reason,
    )
    if not own:
        _tell_cancelled(redemption)
    return redemption


def _tell_cancelled(redemption: Redemption) -> None:
    """The person learns why staff cancelled their redemption, and that the points are back."""
    facts = {
        "community": redemption.reward.community.name,
        "name": redemption.reward.name,
        "code": redemption.display_code,
        "price": redemption.price,
        "reason": redemption.cancel_reason,
    }
    # The person's language is not the staff member's: the site's language, as the tasks do.
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            person=redemption.person,
            kind=Notification.Kind.POINTS,
            key=f"redemption-cancelled:{redemption.pk}",
            title=_("兑换已取消：%(name)s") % facts,
            body=_(
                "您在%(community)s爱心超市兑换的“%(name)s”（兑换码 %(code)s）已由工作人员取消，"
                "%(price)d 积分已退回。原因：%(reason)s"
            )
            % facts,
            url=reverse("points:my_redemptions"),
        )
