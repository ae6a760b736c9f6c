"""爱心超市: redeeming, handing over once, cancelling, the pages, the report, the catalogue."""

import datetime
import io
import re

import pytest
from django.test import Client
from django.utils import timezone

from core.errors import DomainError
from points.admin_views.rewards import RewardAdminForm
from points.models import Kind, PersonTotal, PointsEntry, Redemption, Reward
from points.services import points_adjust
from points.services.rewards import (
    CODE_ALPHABET,
    redemption_cancel,
    redemption_hand_over,
    reward_redeem,
)
from volunteers.models import AuditEvent

SHOP = "/shop/"
HAND_OVER = "/shop/hand-over/"


def balance(person) -> int:
    row = PersonTotal.objects.filter(person=person, period="all").first()
    return row.balance if row else 0


@pytest.fixture
def give(secretary):
    """Credit points through the real ledger (a secretary's adjustment)."""

    def credit(person, amount):
        return points_adjust(
            person=person, amount=amount, category="reward", reason="测试积分", by=secretary
        )

    return credit


@pytest.fixture
def make_reward(town):
    def make(**kwargs):
        kwargs.setdefault("community", town.liyuan)
        kwargs.setdefault("name", "洗衣粉")
        kwargs.setdefault("price", 10)
        kwargs.setdefault("stock", 5)
        kwargs.setdefault("per_person_limit", 1)
        return Reward.objects.create(**kwargs)

    return make


@pytest.fixture
def rich_volunteer(volunteer, give):
    give(volunteer, 50)
    return volunteer


def nothing_changed(reward, person, *, stock, points):
    reward.refresh_from_db()
    assert reward.stock == stock
    assert not Redemption.objects.filter(person=person).exists()
    assert not PointsEntry.objects.filter(person=person, kind=Kind.REDEMPTION).exists()
    assert balance(person) == points


# --- Redeeming ----------------------------------------------------------------------


def test_redeeming_spends_points_takes_one_from_stock_and_gives_a_typeable_code(
    rich_volunteer, make_reward, verify_clean
):
    reward = make_reward(price=10, stock=5)

    redemption = reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)

    reward.refresh_from_db()
    assert reward.stock == 4
    assert balance(rich_volunteer) == 40
    assert redemption.status == Redemption.Status.RESERVED
    assert redemption.entry.kind == Kind.REDEMPTION
    assert redemption.entry.amount == -10
    assert redemption.entry.category == ""  # spending never counts against the ranking
    assert len(redemption.code) == 8
    assert set(redemption.code) <= set(CODE_ALPHABET)
    assert not set(redemption.code) & set("0O1IL")
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", redemption.display_code)
    verify_clean()


def test_too_few_points_is_refused_and_nothing_changes(volunteer, give, make_reward):
    give(volunteer, 5)
    reward = make_reward(price=10)
    with pytest.raises(DomainError) as refusal:
        reward_redeem(reward=reward, person=volunteer, by=volunteer.user)
    assert refusal.value.code == "insufficient_balance"
    assert refusal.value.message == "可用积分不足：兑换“洗衣粉”需要 10 分，您现在有 5 分。"
    nothing_changed(reward, volunteer, stock=5, points=5)


def test_past_the_per_person_limit_is_refused(rich_volunteer, make_reward):
    reward = make_reward(per_person_limit=1)
    reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)
    with pytest.raises(DomainError) as refusal:
        reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)
    assert refusal.value.code == "over_limit"
    assert "每人限兑 1 件，您已兑换 1 件" in refusal.value.message
    reward.refresh_from_db()
    assert reward.stock == 4
    assert Redemption.objects.filter(person=rich_volunteer).count() == 1
    assert balance(rich_volunteer) == 40


def test_a_cancelled_redemption_does_not_count_towards_the_limit(rich_volunteer, make_reward):
    reward = make_reward(per_person_limit=1)
    first = reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)
    redemption_cancel(redemption=first, by=rich_volunteer.user)
    again = reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)
    assert again.status == Redemption.Status.RESERVED


def test_out_of_stock_is_refused_and_nothing_changes(rich_volunteer, make_reward):
    reward = make_reward(stock=0)
    with pytest.raises(DomainError) as refusal:
        reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)
    assert refusal.value.code == "out_of_stock"
    assert refusal.value.message == "“洗衣粉”已兑完，暂无库存。"
    nothing_changed(reward, rich_volunteer, stock=0, points=50)


@pytest.mark.parametrize(
    ("window", "code", "words"),
    [
        ({"available_from": datetime.timedelta(days=1)}, "not_yet", "起才能兑换"),
        (
            {
                "available_from": -datetime.timedelta(days=10),
                "available_until": -datetime.timedelta(days=1),
            },
            "closed",
            "的兑换已于",
        ),
    ],
)
def test_outside_the_window_is_refused_and_nothing_changes(
    rich_volunteer, make_reward, window, code, words
):
    now = timezone.now()
    reward = make_reward(**{field: now + delta for field, delta in window.items()})
    with pytest.raises(DomainError) as refusal:
        reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)
    assert refusal.value.code == code
    assert words in refusal.value.message
    nothing_changed(reward, rich_volunteer, stock=5, points=50)


def test_an_inactive_reward_cannot_be_redeemed(rich_volunteer, make_reward):
    reward = make_reward(active=False)
    with pytest.raises(DomainError) as refusal:
        reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)
    assert "已下架" in refusal.value.message
    nothing_changed(reward, rich_volunteer, stock=5, points=50)


def test_nobody_redeems_with_someone_elses_points(rich_volunteer, make_reward, make_person, town):
    stranger = make_person(real_name="王路人", home_grid=town.qiaobei_grid1)
    reward = make_reward()
    with pytest.raises(DomainError) as refusal:
        reward_redeem(reward=reward, person=rich_volunteer, by=stranger.user)
    assert refusal.value.code == "forbidden"
    nothing_changed(reward, rich_volunteer, stock=5, points=50)


# --- Handing over and cancelling ------------------------------------------------------


@pytest.fixture
def redemption(rich_volunteer, make_reward):
    return reward_redeem(reward=make_reward(), person=rich_volunteer, by=rich_volunteer.user)


def test_a_code_hands_over_once(redemption, secretary):
    handed = redemption_hand_over(code=redemption.code, by=secretary)
    assert handed.status == Redemption.Status.HANDED_OVER
    assert handed.handed_over_by == secretary
    assert AuditEvent.objects.filter(action="shop.hand_over", extra__code=redemption.code).exists()

    with pytest.raises(DomainError) as refusal:
        redemption_hand_over(code=redemption.code, by=secretary)
    assert refusal.value.message == "已兑换，不能重复使用。"
    assert AuditEvent.objects.filter(action="shop.hand_over").count() == 1


def test_a_typed_code_may_be_lower_case_with_a_dash(redemption, secretary):
    typed = f" {redemption.code[:4].lower()}-{redemption.code[4:].lower()} "
    assert redemption_hand_over(code=typed, by=secretary).pk == redemption.pk


def test_an_unknown_or_malformed_code_is_refused(redemption, secretary):
    with pytest.raises(DomainError) as unknown:
        redemption_hand_over(code="ABCD-EFGH", by=secretary)
    assert unknown.value.message == "没有这个兑换码，请核对后重新输入。"
    with pytest.raises(DomainError) as malformed:
        redemption_hand_over(code="12", by=secretary)
    assert "8 位" in malformed.value.message
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_only_the_communitys_shop_staff_hand_over(redemption, person_with_role, town, Role):
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    leader = person_with_role(Role.LEADER, town.team, real_name="队长").user
    for user in (qiaobei, leader, redemption.person.user):
        with pytest.raises(DomainError) as refusal:
            redemption_hand_over(code=redemption.code, by=user)
        assert refusal.value.code == "forbidden"
        assert "梨园社区" in refusal.value.message
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_cancelling_before_hand_over_returns_points_and_stock(redemption, verify_clean):
    person = redemption.person
    assert balance(person) == 40

    cancelled = redemption_cancel(redemption=redemption, by=person.user)

    assert cancelled.status == Redemption.Status.CANCELLED
    assert balance(person) == 50
    redemption.reward.refresh_from_db()
    assert redemption.reward.stock == 5
    reversal = PointsEntry.objects.get(reverses=redemption.entry)
    assert (reversal.kind, reversal.amount) == (Kind.REVERSAL, 10)
    assert AuditEvent.objects.filter(action="shop.cancel", extra__refunded=10).exists()
    verify_clean()
    with pytest.raises(DomainError) as refusal:
        redemption_hand_over(code=redemption.code, by=None)
    assert refusal.value.code in {"forbidden", "cancelled"}


def test_a_cancelled_code_cannot_be_handed_over(redemption, secretary):
    redemption_cancel(redemption=redemption, by=secretary, reason="居民不要了")
    with pytest.raises(DomainError) as refusal:
        redemption_hand_over(code=redemption.code, by=secretary)
    assert refusal.value.message == "这张兑换码已取消，不能领取。"


def test_after_hand_over_cancelling_is_refused(redemption, secretary):
    redemption_hand_over(code=redemption.code, by=secretary)
    with pytest.raises(DomainError) as refusal:
        redemption_cancel(redemption=redemption, by=redemption.person.user)
    assert refusal.value.message == "商品已领取，不能取消兑换。"
    assert balance(redemption.person) == 40
    assert not PointsEntry.objects.filter(reverses=redemption.entry).exists()


# --- Pages ------------------------------------------------------------------------------


def test_the_shop_page_shows_rewards_and_my_balance(client, rich_volunteer, make_reward):
    make_reward(name="大米", price=30, description="5 千克装")
    client.force_login(rich_volunteer.user)
    index = client.get(SHOP).content.decode()
    assert "梨园社区爱心超市" in index
    assert "我的社区" in index
    page = client.get(f"{SHOP}liyuan/").content.decode()
    assert "大米" in page
    assert "30 积分" in page
    assert "5 千克装" in page
    assert re.search(r"data-balance>50<", page)


def test_the_shelf_costs_the_same_queries_for_three_rewards_or_six(
    client, rich_volunteer, make_reward, settings, tmp_path
):
    from django.core.files.images import ImageFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from PIL import Image
    from wagtail.images import get_image_model

    settings.MEDIA_ROOT = str(tmp_path / "media")
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 137, 58)).save(buffer, "PNG")
    picture = get_image_model()(title="商品图")
    picture.file = ImageFile(buffer, name="goods.png")
    picture.save()
    client.force_login(rich_volunteer.user)
    counts = []
    for _round in range(2):
        for n in range(3):
            make_reward(name=f"商品{len(counts)}-{n}", image=picture)
        client.get(f"{SHOP}liyuan/")  # warm the session and permission caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{SHOP}liyuan/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_redeeming_from_the_page_shows_the_code_and_its_qr(client, rich_volunteer, make_reward):
    reward = make_reward(name="食用油", price=20)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(rich_volunteer.user)
    page = csrf_client.get(f"{SHOP}liyuan/")
    token = page.cookies["csrftoken"].value

    response = csrf_client.post(
        f"/shop/rewards/{reward.pk}/redeem/", {"csrfmiddlewaretoken": token}, follow=True
    )

    redemption = Redemption.objects.get(person=rich_volunteer)
    html = response.content.decode()
    assert "兑换成功：食用油，消耗 20 积分" in html
    assert redemption.display_code in html
    assert "<svg" in html and "<path" in html  # the QR the counter scans
    assert balance(rich_volunteer) == 30


def test_a_redeem_without_the_csrf_token_is_refused(rich_volunteer, make_reward):
    reward = make_reward()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(rich_volunteer.user)
    response = csrf_client.post(f"/shop/rewards/{reward.pk}/redeem/")
    assert response.status_code == 403
    assert not Redemption.objects.exists()


def test_a_refused_redeem_shows_why_and_changes_nothing(client, volunteer, make_reward):
    reward = make_reward(price=10)
    client.force_login(volunteer.user)
    response = client.post(f"/shop/rewards/{reward.pk}/redeem/")
    assert response.status_code == 409
    assert "可用积分不足：兑换“洗衣粉”需要 10 分，您现在有 0 分。" in response.content.decode()
    nothing_changed(reward, volunteer, stock=5, points=0)


def test_the_qr_link_opens_the_counter_and_hands_over_once(client, redemption, secretary):
    client.force_login(secretary)
    looked_up = client.get(HAND_OVER, {"code": redemption.code})
    html = looked_up.content.decode()
    assert "可以发放" in html
    assert redemption.person.real_name in html
    assert redemption.person.phone not in html  # masked

    handed = client.post(HAND_OVER, {"code": redemption.code}, follow=True)
    assert "已发放：李志愿 兑换的“洗衣粉”" in handed.content.decode()

    again = client.post(HAND_OVER, {"code": redemption.code})
    assert again.status_code == 409
    assert "已兑换，不能重复使用" in again.content.decode()


def test_another_communitys_secretary_sees_neither_the_person_nor_a_button(
    client, redemption, person_with_role, town, Role
):
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    client.force_login(qiaobei)
    response = client.get(HAND_OVER, {"code": redemption.code})
    assert response.status_code == 403
    html = response.content.decode()
    assert "只能由该社区的书记（管理员）发放" in html
    assert redemption.person.real_name not in html
    assert client.post(HAND_OVER, {"code": redemption.code}).status_code == 403
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_a_volunteer_cannot_open_the_counter(client, rich_volunteer):
    client.force_login(rich_volunteer.user)
    response = client.get(HAND_OVER)
    assert response.status_code == 403
    assert "书记（管理员）" in response.content.decode()


def test_cancelling_from_my_redemptions_returns_the_points(client, redemption):
    client.force_login(redemption.person.user)
    response = client.post(f"/me/redemptions/{redemption.pk}/cancel/", follow=True)
    assert "已取消兑换“洗衣粉”，10 积分已退回" in response.content.decode()
    assert balance(redemption.person) == 50


def test_nobody_cancels_someone_elses_redemption_from_the_page(client, redemption, make_person):
    client.force_login(make_person(real_name="王路人").user)
    assert client.post(f"/me/redemptions/{redemption.pk}/cancel/").status_code == 404
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_me_links_the_shop_and_my_redemptions(client, rich_volunteer, secretary):
    client.force_login(rich_volunteer.user)
    html = client.get("/me/").content.decode()
    assert 'href="/shop/"' in html and 'href="/me/redemptions/"' in html
    assert 'href="/shop/hand-over/"' not in html
    client.force_login(secretary)
    html = client.get("/me/").content.decode()
    assert 'href="/shop/hand-over/"' in html and 'href="/shop/report/"' in html


# --- Staff cancel at the counter -----------------------------------------------------------

CANCEL = "/shop/hand-over/cancel/"


def csrf_client_for(user):
    """A client that must send the CSRF token, with the token from the counter page."""
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    csrf_client.get(HAND_OVER)
    return csrf_client, csrf_client.cookies["csrftoken"].value


def test_staff_cancel_at_the_counter_returns_points_and_stock_and_tells_the_person(
    redemption, secretary, verify_clean
):
    from volunteers.models import Notification

    person, reward = redemption.person, redemption.reward
    assert (balance(person), Reward.objects.get(pk=reward.pk).stock) == (40, 4)
    staff, token = csrf_client_for(secretary)
    counter = staff.get(HAND_OVER, {"code": redemption.code}).content.decode()
    assert 'action="/shop/hand-over/cancel/"' in counter
    assert '<label class="field__label" for="id_reason">取消原因（必填）</label>' in counter

    response = staff.post(
        CANCEL,
        {"csrfmiddlewaretoken": token, "code": redemption.display_code, "reason": " 商品破损 "},
        follow=True,
    )

    html = response.content.decode()
    assert "已取消：李志愿 兑换的“洗衣粉”，10 积分已退回，商品已放回库存。" in html
    assert "已取消" in html and "取消原因：商品破损" in html
    assert "确认发放" not in html  # a cancelled code offers neither button
    assert balance(person) == 50
    assert Reward.objects.get(pk=reward.pk).stock == 5
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.CANCELLED
    assert (redemption.cancelled_by, redemption.cancel_reason) == (secretary, "商品破损")
    reversal = PointsEntry.objects.get(reverses=redemption.entry)
    assert (reversal.amount, reversal.reason) == (10, "商品破损")
    audit = AuditEvent.objects.get(action="shop.cancel")
    assert audit.actor == secretary
    assert audit.extra["reason"] == "商品破损" and audit.extra["refunded"] == 10
    note = Notification.objects.get(recipient=person)
    assert note.kind == Notification.Kind.POINTS
    assert note.title == "兑换已取消：洗衣粉"
    assert "10 积分已退回。原因：商品破损" in note.body
    assert note.url == "/me/redemptions/"
    verify_clean()

    # The person sees the reason in their own list too.
    mine = Client()
    mine.force_login(person.user)
    assert "商品破损" in mine.get("/me/redemptions/").content.decode()


def test_another_communitys_staff_cannot_cancel_at_the_counter(
    redemption, person_with_role, town, Role
):
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    staff, token = csrf_client_for(qiaobei)
    response = staff.post(
        CANCEL, {"csrfmiddlewaretoken": token, "code": redemption.code, "reason": "商品破损"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "这张兑换码属于梨园社区爱心超市，只能由该社区的书记（管理员）取消。" in html
    assert redemption.person.real_name not in html
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED
    assert balance(redemption.person) == 40
    assert not AuditEvent.objects.filter(action="shop.cancel").exists()


def test_a_volunteer_cannot_cancel_someone_elses_redemption_at_the_counter(
    redemption, make_person, town
):
    stranger = make_person(real_name="王路人", home_grid=town.liyuan_grid1).user
    client = Client()
    client.force_login(stranger)
    response = client.post(CANCEL, {"code": redemption.code, "reason": "不要了"})
    assert response.status_code == 403
    assert "书记（管理员）" in response.content.decode()
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_a_handed_over_or_cancelled_redemption_cannot_be_cancelled_at_the_counter(
    redemption, secretary, rich_volunteer, make_reward
):
    redemption_hand_over(code=redemption.code, by=secretary)
    staff, token = csrf_client_for(secretary)
    handed = staff.post(
        CANCEL, {"csrfmiddlewaretoken": token, "code": redemption.code, "reason": "商品破损"}
    )
    assert handed.status_code == 409
    html = handed.content.decode()
    assert "商品已领取，不能取消兑换。" in html
    assert "已领取" in html and 'action="/shop/hand-over/cancel/"' not in html
    assert balance(redemption.person) == 40
    assert not PointsEntry.objects.filter(reverses=redemption.entry).exists()

    other = reward_redeem(
        reward=make_reward(name="毛巾"), person=rich_volunteer, by=rich_volunteer.user
    )
    redemption_cancel(redemption=other, by=rich_volunteer.user)
    again = staff.post(
        CANCEL, {"csrfmiddlewaretoken": token, "code": other.code, "reason": "商品破损"}
    )
    assert again.status_code == 409
    assert "这次兑换已经取消过了。" in again.content.decode()
    assert balance(rich_volunteer) == 40  # refunded once, not twice


def test_cancelling_at_the_counter_needs_a_reason_and_keeps_the_form(redemption, secretary):
    from volunteers.models import Notification

    staff, token = csrf_client_for(secretary)
    response = staff.post(
        CANCEL, {"csrfmiddlewaretoken": token, "code": redemption.code, "reason": "   "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写取消原因。" in html
    assert re.search(r'<details class="details" open>\s*<summary>取消兑换</summary>', html)
    assert f'name="code" value="{redemption.code}"' in html
    assert "确认发放" in html  # the redemption is still shown, still reservable
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED
    assert balance(redemption.person) == 40
    assert not Notification.objects.filter(recipient=redemption.person).exists()


def test_an_unknown_code_or_a_missing_csrf_token_cancels_nothing(redemption, secretary):
    client = Client()
    client.force_login(secretary)
    unknown = client.post(CANCEL, {"code": "ABCD-EFGH", "reason": "商品破损"})
    assert unknown.status_code == 404
    assert "没有这个兑换码" in unknown.content.decode()

    no_token = Client(enforce_csrf_checks=True)
    no_token.force_login(secretary)
    refused = no_token.post(CANCEL, {"code": redemption.code, "reason": "商品破损"})
    assert refused.status_code == 403
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_the_persons_own_cancel_needs_no_reason_and_sends_no_message(client, redemption):
    from volunteers.models import Notification

    client.force_login(redemption.person.user)
    response = client.post(f"/me/redemptions/{redemption.pk}/cancel/", follow=True)
    assert "已取消兑换“洗衣粉”，10 积分已退回" in response.content.decode()
    redemption.refresh_from_db()
    assert redemption.cancel_reason == "本人取消兑换"
    assert Reward.objects.get(pk=redemption.reward_id).stock == 5
    assert not Notification.objects.filter(recipient=redemption.person).exists()


# --- The monthly report ------------------------------------------------------------------


def test_the_monthly_report_lists_and_exports_the_communitys_redemptions(
    client, redemption, secretary, town
):
    from openpyxl import load_workbook

    redemption_hand_over(code=redemption.code, by=secretary)
    month = timezone.localtime(redemption.created_at).strftime("%Y-%m")
    client.force_login(secretary)
    page = client.get("/shop/report/", {"community": town.liyuan.pk, "month": month})
    html = page.content.decode()
    assert "共 1 笔兑换：已领取 1，待领取 0，已取消 0；消耗积分 10。" in html
    assert redemption.display_code in html

    export = client.get("/shop/report.xlsx", {"community": town.liyuan.pk, "month": month})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    rows = list(book["兑换明细"].iter_rows(values_only=True))
    assert rows[1][1:7] == (
        redemption.display_code,
        "洗衣粉",
        "李志愿",
        redemption.person.masked_phone,
        10,
        "已领取",
    )
    totals = list(book["按商品汇总"].iter_rows(values_only=True))
    assert totals[1] == ("洗衣粉", 1, 1, 0, 10)


def test_the_report_refuses_a_bad_month_and_another_community(
    client, redemption, secretary, town, person_with_role, Role
):
    client.force_login(secretary)
    bad = client.get("/shop/report/", {"month": "2026-13"})
    assert bad.status_code == 400
    assert "月份格式应为 2026-05" in bad.content.decode()
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    client.force_login(qiaobei)
    other = client.get("/shop/report.xlsx", {"community": town.liyuan.pk})
    assert other.status_code == 400
    assert "请选择您管理的社区" in other.content.decode()


# --- The catalogue in the Wagtail admin ---------------------------------------------------


ADMIN = "/admin/snippets/points/reward/"


def test_a_secretary_keeps_only_their_own_communitys_catalogue(
    client, secretary, make_reward, town, person_with_role, Role
):
    own = make_reward(name="毛巾")
    other = make_reward(name="肥皂", community=town.qiaobei)
    client.force_login(secretary)
    listing = client.get(ADMIN).content.decode()
    assert "毛巾" in listing and "肥皂" not in listing
    assert client.get(f"{ADMIN}edit/{own.pk}/").status_code == 200
    assert client.get(f"{ADMIN}edit/{other.pk}/").status_code == 404

    response = client.post(
        f"{ADMIN}add/",
        {
            "community": town.qiaobei.pk,
            "name": "越权商品",
            "description": "",
            "image": "",
            "price": 5,
            "stock": 3,
            "per_person_limit": 1,
            "available_from": "",
            "available_until": "",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "只能选择您管理的社区" in response.content.decode()
    assert not Reward.objects.filter(name="越权商品").exists()

    created = client.post(
        f"{ADMIN}add/",
        {
            "community": town.liyuan.pk,
            "name": "香皂",
            "description": "",
            "image": "",
            "price": 5,
            "stock": 3,
            "per_person_limit": 2,
            "available_from": "",
            "available_until": "",
            "active": "on",
        },
    )
    assert created.status_code == 302
    created = Reward.objects.get(name="香皂")
    assert (created.community, created.stock) == (town.liyuan, 3)  # a new one takes the number


def edit_form(reward, **changes):
    """What the admin's edit form posts for ``reward``, as loaded, with ``changes``."""
    data = {
        "community": reward.community_id,
        "name": reward.name,
        "description": reward.description,
        "image": "",
        "price": reward.price,
        "stock": reward.stock,  # a browser leaves out a disabled field; a forged post does not
        "stock_change": "",
        "per_person_limit": reward.per_person_limit,
        "available_from": "",
        "available_until": "",
        "active": "on",
    }
    data.update(changes)
    return data


def test_saving_the_reward_form_does_not_undo_a_redemption_made_meanwhile(
    client, secretary, make_reward, rich_volunteer
):
    reward = make_reward(name="洗衣粉", stock=5)
    client.force_login(secretary)
    form = client.get(f"{ADMIN}edit/{reward.pk}/").content.decode()
    assert re.search(r'<input[^>]*name="stock"[^>]*disabled', form)
    assert 'name="stock_change"' in form and "增加/减少库存" in form
    loaded = Reward.objects.get(pk=reward.pk)  # the editor's copy, stock 5

    reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)  # stock 4

    saved = client.post(f"{ADMIN}edit/{reward.pk}/", edit_form(loaded, name="洗衣粉（大袋）"))

    assert saved.status_code == 302
    reward.refresh_from_db()
    assert reward.name == "洗衣粉（大袋）"  # the edit is saved ...
    assert reward.stock == 4  # ... and the redemption is not undone
    assert not AuditEvent.objects.filter(action="shop.restock").exists()


def test_restocking_in_the_admin_adds_to_the_stock_as_it_is_now(
    client, secretary, make_reward, rich_volunteer
):
    reward = make_reward(stock=5)
    client.force_login(secretary)
    loaded = Reward.objects.get(pk=reward.pk)
    reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)  # stock 4

    saved = client.post(f"{ADMIN}edit/{reward.pk}/", edit_form(loaded, stock_change="10"))

    assert saved.status_code == 302
    reward.refresh_from_db()
    assert reward.stock == 14
    audit = AuditEvent.objects.get(action="shop.restock")
    assert audit.actor == secretary
    assert (audit.extra["delta"], audit.extra["stock"]) == (10, 14)
    listing = client.get(saved["Location"]).content.decode()
    assert "库存已调整 +10 件，现有 14 件。" in listing


def test_taking_more_out_than_is_in_stock_is_refused_and_nothing_is_saved(
    client, secretary, make_reward
):
    reward = make_reward(stock=2)
    client.force_login(secretary)
    response = client.post(
        f"{ADMIN}edit/{reward.pk}/", edit_form(reward, name="改名", stock_change="-3")
    )
    assert response.status_code == 200
    assert "库存不足：现有 2 件，不能减少 3 件。" in response.content.decode()
    reward.refresh_from_db()
    assert (reward.name, reward.stock) == ("洗衣粉", 2)


def test_restock_refuses_going_below_zero_even_when_the_form_saw_enough(
    client, secretary, make_reward, rich_volunteer, monkeypatch
):
    reward = make_reward(stock=1)
    loaded = Reward.objects.get(pk=reward.pk)
    original_clean = RewardAdminForm.clean

    def clean_then_someone_redeems(form):
        cleaned = original_clean(form)  # it saw 1 in stock: taking 1 out looks fine
        reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)
        return cleaned

    monkeypatch.setattr(RewardAdminForm, "clean", clean_then_someone_redeems)
    client.force_login(secretary)
    response = client.post(
        f"{ADMIN}edit/{reward.pk}/", edit_form(loaded, name="改名", stock_change="-1")
    )

    assert response.status_code == 200
    assert "库存不足：现有 0 件，不能减少 1 件。" in response.content.decode()
    reward.refresh_from_db()
    assert (reward.name, reward.stock) == ("洗衣粉", 0)  # the whole save rolled back
    assert Redemption.objects.filter(reward=reward).count() == 1
    assert not AuditEvent.objects.filter(action="shop.restock").exists()


def test_a_copied_reward_types_its_starting_stock(client, secretary, make_reward):
    reward = make_reward(stock=7)
    client.force_login(secretary)
    html = client.get(f"{ADMIN}copy/{reward.pk}/").content.decode()
    stock = re.search(r'<input[^>]*name="stock"[^>]*>', html).group(0)
    assert 'value="7"' in stock and "disabled" not in stock
    assert 'name="stock_change"' not in html


def test_only_the_communitys_shop_staff_restock(make_reward, person_with_role, town, Role):
    from points.services.rewards import reward_restock

    reward = make_reward(stock=3)
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    with pytest.raises(DomainError) as refusal:
        reward_restock(reward=reward, delta=5, by=qiaobei)
    assert refusal.value.code == "forbidden"
    reward.refresh_from_db()
    assert reward.stock == 3
