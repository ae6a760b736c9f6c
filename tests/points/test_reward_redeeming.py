"""爱心超市: redeeming (the rules, the shop's pages and the redeem button)."""

import datetime
import io
import re

import pytest
from django.test import Client
from django.utils import timezone

from core.errors import DomainError
from points.models import Kind, PersonTotal, PointsEntry, Redemption
from points.services.rewards import CODE_ALPHABET, redemption_cancel, reward_redeem

SHOP = "/shop/"


def balance(person) -> int:
    row = PersonTotal.objects.filter(person=person, period="all").first()
    return row.balance if row else 0


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
    page = csrf_client.get(f"/shop/rewards/{reward.pk}/redeem/")  # the confirmation page
    token = page.cookies["csrftoken"].value
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.content.decode())[1]

    response = csrf_client.post(
        f"/shop/rewards/{reward.pk}/redeem/",
        {"csrfmiddlewaretoken": token, "ticket": ticket},
        follow=True,
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


def test_a_redeem_that_skips_the_confirmation_is_refused_and_changes_nothing(
    client, rich_volunteer, make_reward
):
    reward = make_reward(price=10)
    client.force_login(rich_volunteer.user)
    response = client.post(f"/shop/rewards/{reward.pk}/redeem/")  # one tap, no confirmation
    assert response.status_code == 400
    assert "请先在这一页核对商品、积分和领取地点" in response.content.decode()
    nothing_changed(reward, rich_volunteer, stock=5, points=50)


def test_me_links_the_shop_and_my_redemptions(client, rich_volunteer, secretary):
    client.force_login(rich_volunteer.user)
    html = client.get("/me/").content.decode()
    assert 'href="/shop/"' in html and 'href="/me/redemptions/"' in html
    assert 'href="/shop/hand-over/"' not in html
    client.force_login(secretary)
    html = client.get("/me/").content.decode()
    assert 'href="/shop/hand-over/"' in html and 'href="/shop/report/"' in html
