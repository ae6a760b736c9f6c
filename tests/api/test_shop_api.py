"""爱心超市 through the API: the goods on offer, the confirmation (quote) and its ticket,
确认兑换 spending once per ticket, the page's refusals with their codes, 我的兑换."""

import io

import pytest
import time_machine
from django.core import signing
from django.core.files.images import ImageFile
from PIL import Image
from wagtail.images import get_image_model

from points.models import Kind, PersonTotal, PointsEntry, Redemption, Reward
from points.services import points_adjust
from points.services.rewards import CONFIRM_MAX_AGE

from ..clock import shazhou_at

pytestmark = pytest.mark.django_db

PLACE = "梨园社区党群服务中心一楼，周一至周五 9:00–18:00"


@pytest.fixture(autouse=True)
def _at_noon():
    """Points are booked by month: run from noon so no test straddles a midnight."""
    with time_machine.travel(shazhou_at(hour=12), tick=True):
        yield


@pytest.fixture
def secretary(person_with_role, town, Role):
    """The town's secretary: may credit points to anyone in the town."""
    return person_with_role(Role.SECRETARY, town.town, real_name="赵书记").user


@pytest.fixture
def shopper(make_person, town, secretary):
    """李志愿 of 梨园, with 50 points through the real ledger."""
    person = make_person(real_name="李志愿", home_grid=town.liyuan_grid1)
    points_adjust(person=person, amount=50, category="reward", reason="测试积分", by=secretary)
    return person


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
def rice(make_reward):
    return make_reward(name="大米", description="5 千克装", price=30, stock=3, pickup_place=PLACE)


def balance(person) -> int:
    row = PersonTotal.objects.filter(person=person, period="all").first()
    return row.balance if row else 0


def spent(person) -> int:
    return PointsEntry.objects.filter(person=person, kind=Kind.REDEMPTION).count()


def quote(client, reward):
    return client.post(f"/api/v1/shop/goods/{reward.pk}/quote")


def redeem(client, reward, ticket, **headers):
    return client.post(f"/api/v1/shop/goods/{reward.pk}/redeem", {"ticket": ticket}, **headers)


# --- The goods on offer ------------------------------------------------------------------


def test_anyone_sees_the_goods_by_community_cheapest_first(api_client, make_reward, town, rice):
    make_reward(name="香皂", price=5)
    make_reward(name="毛巾", price=8, community=town.qiaobei)
    make_reward(name="已下架", price=1, active=False)

    response = api_client.get("/api/v1/shop/goods")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["香皂", "大米", "毛巾"]
    first_rice = items[1]
    assert first_rice["community"] == {"code": "liyuan", "name": "梨园社区"}
    assert first_rice["price"] == 30 and first_rice["stock"] == 3
    assert first_rice["pickup_place"] == PLACE
    assert first_rice["description"] == "5 千克装"
    assert first_rice["open_now"] is True
    assert first_rice["held"] == 0 and first_rice["is_my_community"] is False
    assert items[0]["pickup_place"] == "梨园社区爱心超市"  # none given: the community's shop


def test_my_communitys_goods_come_first_with_what_i_hold(
    signed_in, make_person, town, make_reward, secretary
):
    towel = make_reward(name="毛巾", price=8, community=town.qiaobei)
    make_reward(name="香皂", price=5)
    qiaobei = make_person(real_name="孙桥北", home_grid=town.qiaobei_grid1)
    points_adjust(person=qiaobei, amount=20, category="reward", reason="测试", by=secretary)
    client = signed_in(qiaobei.user)
    ticket = quote(client, towel).json()["ticket"]
    assert redeem(client, towel, ticket).status_code == 200

    items = client.get("/api/v1/shop/goods").json()["items"]

    assert [item["name"] for item in items] == ["毛巾", "香皂"]
    assert items[0]["is_my_community"] is True and items[0]["held"] == 1
    assert items[0]["stock"] == 4


def test_one_communitys_goods_and_an_unknown_community(api_client, make_reward, town, rice):
    make_reward(name="毛巾", price=8, community=town.qiaobei)
    items = api_client.get("/api/v1/shop/goods?community=qiaobei").json()["items"]
    assert [item["name"] for item in items] == ["毛巾"]

    response = api_client.get("/api/v1/shop/goods?community=nowhere")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_goods_list_keeps_its_queries_flat(
    api_client, make_reward, django_assert_max_num_queries
):
    for n in range(12):
        make_reward(name=f"商品{n}", price=n + 1)
    with django_assert_max_num_queries(4):
        body = api_client.get("/api/v1/shop/goods?page_size=10").json()
    assert body["count"] == 12 and len(body["items"]) == 10


def test_goods_pictures_are_full_urls_and_a_lost_file_is_no_picture(
    api_client, make_reward, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 137, 58)).save(buffer, "PNG")
    picture = get_image_model()(title="商品图")
    picture.file = ImageFile(buffer, name="goods.png")
    picture.save()
    lost = get_image_model()(title="丢失", width=640, height=480)
    lost.file.name = "original_images/lost.png"
    lost.save()
    make_reward(name="香皂", price=5, image=picture)
    make_reward(name="毛巾", price=8, image=lost)
    make_reward(name="大米", price=30)

    items = api_client.get("/api/v1/shop/goods").json()["items"]

    assert items[0]["image_url"].startswith("http://testserver/")
    assert items[0]["image_url"].endswith(".png")
    assert items[1]["image_url"] is None
    assert items[2]["image_url"] is None


# --- Quote → redeem ----------------------------------------------------------------------


def test_the_quote_shows_price_balance_after_and_place_and_spends_nothing(signed_in, shopper, rice):
    client = signed_in(shopper.user)

    response = quote(client, rice)

    assert response.status_code == 200
    body = response.json()
    assert body["goods"]["name"] == "大米" and body["goods"]["is_my_community"] is True
    assert (body["price"], body["balance"], body["after"], body["short"]) == (30, 50, 20, 0)
    assert body["pickup_place"] == PLACE
    assert body["can_redeem"] is True and body["refusal"] is None
    assert body["ticket"] and body["ticket_expires_in"] == CONFIRM_MAX_AGE
    rice.refresh_from_db()
    assert rice.stock == 3 and spent(shopper) == 0 and balance(shopper) == 50


def test_quote_then_redeem_spends_once_however_often_the_ticket_comes_back(
    signed_in, shopper, rice
):
    client = signed_in(shopper.user)
    ticket = quote(client, rice).json()["ticket"]

    first = redeem(client, rice, ticket, HTTP_IDEMPOTENCY_KEY="redeem-1")
    replayed = redeem(client, rice, ticket, HTTP_IDEMPOTENCY_KEY="redeem-1")
    again = redeem(client, rice, ticket, HTTP_IDEMPOTENCY_KEY="redeem-2")

    assert first.status_code == 200
    redemption = first.json()
    assert redemption["goods_name"] == "大米" and redemption["price"] == 30
    assert redemption["status"] == "reserved" and redemption["status_display"] == "待领取"
    assert redemption["pickup_place"] == PLACE
    stored = Redemption.objects.get(pk=redemption["id"])
    assert redemption["code"] == stored.display_code
    assert redemption["qr_text"] == f"http://testserver/shop/hand-over/?code={stored.code}"
    assert replayed.status_code == 200 and replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == redemption
    assert again.status_code == 200 and again.json()["id"] == redemption["id"]
    assert spent(shopper) == 1 and balance(shopper) == 20
    rice.refresh_from_db()
    assert rice.stock == 2


def test_a_forged_or_foreign_ticket_spends_nothing(signed_in, shopper, rice, make_reward):
    client = signed_in(shopper.user)
    soap = make_reward(name="香皂", price=5)
    ticket_for_soap = quote(client, soap).json()["ticket"]
    forged = signing.dumps({"r": rice.pk, "p": shopper.pk, "c": 1, "n": "x"}, salt="other")

    for ticket in ("", "nonsense", forged, ticket_for_soap):
        response = redeem(client, rice, ticket)
        assert response.status_code == 400, ticket
        assert response.json()["code"] == "bad_ticket"
    assert spent(shopper) == 0 and balance(shopper) == 50


def test_another_persons_ticket_is_refused(signed_in, shopper, rice, make_person, secretary, town):
    ticket = quote(signed_in(shopper.user), rice).json()["ticket"]
    other = make_person(real_name="王五", home_grid=town.liyuan_grid2)
    points_adjust(person=other, amount=50, category="reward", reason="测试", by=secretary)

    response = redeem(signed_in(other.user), rice, ticket)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_ticket"
    assert spent(shopper) == 0 and spent(other) == 0


def test_a_stale_ticket_is_refused(signed_in, shopper, rice):
    client = signed_in(shopper.user)
    ticket = quote(client, rice).json()["ticket"]
    with time_machine.travel(shazhou_at(hour=12, minute=31), tick=False):
        # A fresh sign-in: the access token of the first one has expired by then.
        response = redeem(signed_in(shopper.user), rice, ticket)
    assert response.status_code == 400
    assert response.json()["code"] == "ticket_expired"
    assert spent(shopper) == 0


def test_a_changed_price_is_refused_with_409(signed_in, shopper, rice):
    client = signed_in(shopper.user)
    ticket = quote(client, rice).json()["ticket"]
    Reward.objects.filter(pk=rice.pk).update(price=35)

    response = redeem(client, rice, ticket)

    assert response.status_code == 409
    assert response.json()["code"] == "price_changed"
    assert "35" in response.json()["message"]
    assert spent(shopper) == 0


def test_stock_gone_between_quote_and_redeem_is_409(signed_in, shopper, rice):
    client = signed_in(shopper.user)
    ticket = quote(client, rice).json()["ticket"]
    Reward.objects.filter(pk=rice.pk).update(stock=0)

    response = redeem(client, rice, ticket)

    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert spent(shopper) == 0


def test_a_short_balance_is_a_refusal_in_the_quote_and_409_on_redeem(
    signed_in, shopper, make_reward, rice
):
    client = signed_in(shopper.user)
    cooker = make_reward(name="电饭煲", price=80)

    body = quote(client, cooker).json()

    assert body["can_redeem"] is False and body["ticket"] is None
    assert body["refusal"]["code"] == "insufficient_balance"
    assert "80" in body["refusal"]["message"]
    assert (body["after"], body["short"]) == (-30, 30)
    # A ticket made while the balance was enough is refused once it is not.
    kettle = make_reward(name="电水壶", price=40)
    ticket = quote(client, kettle).json()["ticket"]
    assert redeem(client, rice, quote(client, rice).json()["ticket"]).status_code == 200
    response = redeem(client, kettle, ticket)
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_balance"
    assert spent(shopper) == 1 and balance(shopper) == 20


def test_a_closed_shop_is_409(signed_in, shopper, rice, town):
    client = signed_in(shopper.user)
    ticket = quote(client, rice).json()["ticket"]
    Reward.objects.filter(pk=rice.pk).update(active=False)

    response = redeem(client, rice, ticket)

    assert response.status_code == 409
    assert response.json()["code"] == "inactive"


def test_unknown_goods_are_404_and_no_person_is_403(signed_in, shopper, rice, django_user_model):
    assert quote(signed_in(shopper.user), Reward(pk=999999)).status_code == 404
    nobody = django_user_model.objects.create_user(username="ops", password="shazhou2026")

    response = quote(signed_in(nobody), rice)

    assert response.status_code == 403
    assert response.json()["code"] == "no_person"


def test_redeeming_needs_a_token(api_client, rice):
    assert quote(api_client, rice).status_code == 401
    assert redeem(api_client, rice, "x").status_code == 401


# --- 我的兑换 ----------------------------------------------------------------------------


def test_my_redemptions_are_mine_newest_first(
    signed_in, shopper, rice, make_reward, make_person, secretary, town
):
    client = signed_in(shopper.user)
    soap = make_reward(name="香皂", price=5)
    for reward in (rice, soap):
        assert redeem(client, reward, quote(client, reward).json()["ticket"]).status_code == 200
    other = make_person(real_name="王五", home_grid=town.liyuan_grid2)
    points_adjust(person=other, amount=50, category="reward", reason="测试", by=secretary)
    other_client = signed_in(other.user)
    redeem(other_client, rice, quote(other_client, rice).json()["ticket"])

    body = client.get("/api/v1/shop/redemptions").json()

    assert body["count"] == 2
    assert [item["goods_name"] for item in body["items"]] == ["香皂", "大米"]
    assert all(item["qr_text"] for item in body["items"])
    assert body["items"][1]["community"]["name"] == "梨园社区"
    assert other_client.get("/api/v1/shop/redemptions").json()["count"] == 1
