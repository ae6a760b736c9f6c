"""爱心超市: 兑换 opens a confirmation page; only its 确认兑换 spends, and only once.

The page shows the item, its price, the balance now and after, and where to collect it.
A refusal (too few points, none left, closed) says why in Chinese with a 4xx and spends
nothing. /shop/ lists the person's own community first.
"""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from points.models import Kind, PersonTotal, PointsEntry, Redemption

PLACE = "梨园社区党群服务中心一楼，周一至周五 9:00–18:00"


def redeem_url(reward) -> str:
    return f"/shop/rewards/{reward.pk}/redeem/"


def balance(person) -> int:
    row = PersonTotal.objects.filter(person=person, period="all").first()
    return row.balance if row else 0


def ticket_of(html: str) -> str:
    found = re.search(r'name="ticket" value="([^"]+)"', html)
    assert found, "the page offers no 确认兑换"
    return found[1]


def spent(person) -> int:
    return PointsEntry.objects.filter(person=person, kind=Kind.REDEMPTION).count()


@pytest.fixture
def rice(make_reward):
    return make_reward(name="大米", description="5 千克装", price=30, stock=3, pickup_place=PLACE)


@pytest.fixture
def shopper(client, rich_volunteer):
    client.force_login(rich_volunteer.user)
    return client


def test_the_confirmation_page_shows_price_balance_after_and_where_to_collect(
    shopper, rich_volunteer, rice
):
    response = shopper.get(redeem_url(rice))

    assert response.status_code == 200
    html = response.content.decode()
    assert "确认兑换" in html and "返回" in html
    assert "大米" in html and "5 千克装" in html
    assert re.search(r"data-price>30 分<", html)
    assert re.search(r"data-balance>50 分<", html)
    assert re.search(r"data-after>20 分<", html)
    assert PLACE in html
    assert 'href="/shop/liyuan/#reward-' in html  # 返回 goes back to the shelf


def test_opening_the_confirmation_spends_nothing(shopper, rich_volunteer, rice):
    for _ in range(3):
        shopper.get(redeem_url(rice))
    rice.refresh_from_db()
    assert rice.stock == 3
    assert spent(rich_volunteer) == 0
    assert balance(rich_volunteer) == 50


def test_without_a_pick_up_place_the_communitys_shop_is_named(shopper, make_reward):
    soap = make_reward(name="香皂")
    html = shopper.get(redeem_url(soap)).content.decode()
    assert re.search(r"data-pickup>梨园社区爱心超市<", html)


def test_the_shelf_links_each_item_to_its_confirmation_and_spends_nothing(
    shopper, rich_volunteer, rice
):
    html = shopper.get("/shop/liyuan/").content.decode()
    assert f'href="{redeem_url(rice)}"' in html
    assert f'action="{redeem_url(rice)}"' not in html  # no one-tap form on the shelf
    assert spent(rich_volunteer) == 0


def test_confirming_spends_once_and_says_where_to_collect(shopper, rich_volunteer, rice):
    ticket = ticket_of(shopper.get(redeem_url(rice)).content.decode())

    response = shopper.post(redeem_url(rice), {"ticket": ticket}, follow=True)

    redemption = Redemption.objects.get(person=rich_volunteer)
    assert response.redirect_chain[-1][0] == f"/me/redemptions/#redemption-{redemption.pk}"
    html = response.content.decode()
    assert "兑换成功：大米，消耗 30 积分。" in html
    assert redemption.display_code in html
    assert f"领取地点：{PLACE}" in html
    assert balance(rich_volunteer) == 20
    rice.refresh_from_db()
    assert rice.stock == 2


def test_a_double_tap_on_confirm_spends_once(shopper, rich_volunteer, make_reward):
    towel = make_reward(name="毛巾", price=10, stock=5, per_person_limit=0)  # no limit
    ticket = ticket_of(shopper.get(redeem_url(towel)).content.decode())

    first = shopper.post(redeem_url(towel), {"ticket": ticket})
    second = shopper.post(redeem_url(towel), {"ticket": ticket})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]  # both show the one redemption
    assert Redemption.objects.filter(person=rich_volunteer).count() == 1
    assert spent(rich_volunteer) == 1
    assert balance(rich_volunteer) == 40
    towel.refresh_from_db()
    assert towel.stock == 4
    # A new confirmation is a new redemption (no limit on towels).
    again = ticket_of(shopper.get(redeem_url(towel)).content.decode())
    shopper.post(redeem_url(towel), {"ticket": again})
    assert balance(rich_volunteer) == 30


def test_too_few_points_is_said_on_the_confirmation_and_no_confirm_is_offered(
    client, volunteer, give, rice
):
    give(volunteer, 12)
    client.force_login(volunteer.user)
    response = client.get(redeem_url(rice))
    html = response.content.decode()
    assert "可用积分不足：兑换“大米”需要 30 分，您现在有 12 分。" in html
    assert re.search(r"data-short>18 分<", html)  # 还差 18 分
    assert 'name="ticket"' not in html
    assert spent(volunteer) == 0


def test_points_spent_elsewhere_after_confirming_are_refused_with_409(
    shopper, rich_volunteer, rice, make_reward
):
    ticket = ticket_of(shopper.get(redeem_url(rice)).content.decode())
    oil = make_reward(name="食用油", price=25)
    shopper.post(
        redeem_url(oil), {"ticket": ticket_of(shopper.get(redeem_url(oil)).content.decode())}
    )
    assert balance(rich_volunteer) == 25

    response = shopper.post(redeem_url(rice), {"ticket": ticket})

    assert response.status_code == 409
    assert "可用积分不足：兑换“大米”需要 30 分，您现在有 25 分。" in response.content.decode()
    assert not Redemption.objects.filter(person=rich_volunteer, reward=rice).exists()
    assert balance(rich_volunteer) == 25


def test_the_last_one_taken_meanwhile_is_refused_with_409(shopper, rich_volunteer, rice):
    ticket = ticket_of(shopper.get(redeem_url(rice)).content.decode())
    type(rice).objects.filter(pk=rice.pk).update(stock=0)

    response = shopper.post(redeem_url(rice), {"ticket": ticket})

    assert response.status_code == 409
    assert "“大米”已兑完，暂无库存。" in response.content.decode()
    assert spent(rich_volunteer) == 0 and balance(rich_volunteer) == 50


def test_a_shop_closed_meanwhile_is_refused_with_409(shopper, rich_volunteer, rice):
    ticket = ticket_of(shopper.get(redeem_url(rice)).content.decode())
    type(rice).objects.filter(pk=rice.pk).update(
        available_until=timezone.now() - datetime.timedelta(minutes=1)
    )

    response = shopper.post(redeem_url(rice), {"ticket": ticket})

    assert response.status_code == 409
    assert "“大米”的兑换已于" in response.content.decode()
    assert spent(rich_volunteer) == 0 and balance(rich_volunteer) == 50


def test_a_price_changed_meanwhile_asks_again_at_the_new_price(shopper, rich_volunteer, rice):
    ticket = ticket_of(shopper.get(redeem_url(rice)).content.decode())
    type(rice).objects.filter(pk=rice.pk).update(price=40)

    response = shopper.post(redeem_url(rice), {"ticket": ticket})

    assert response.status_code == 409
    html = response.content.decode()
    assert "“大米”的价格已改为 40 积分，请重新确认。" in html
    assert re.search(r"data-after>10 分<", html)
    assert spent(rich_volunteer) == 0
    shopper.post(redeem_url(rice), {"ticket": ticket_of(html)})  # confirmed at 40
    assert balance(rich_volunteer) == 10


def test_a_stale_or_borrowed_ticket_spends_nothing(
    shopper, client, rich_volunteer, rice, make_person, give, town, make_reward
):
    ticket = ticket_of(shopper.get(redeem_url(rice)).content.decode())
    other_item = make_reward(name="香皂", price=5)
    refused = shopper.post(redeem_url(other_item), {"ticket": ticket})  # another item's
    assert refused.status_code == 400

    neighbour = make_person(real_name="周邻居", home_grid=town.liyuan_grid2)
    give(neighbour, 50)
    client.force_login(neighbour.user)
    assert client.post(redeem_url(rice), {"ticket": ticket}).status_code == 400  # not theirs
    assert client.post(redeem_url(rice), {"ticket": "forged"}).status_code == 400
    assert spent(neighbour) == 0

    client.force_login(rich_volunteer.user)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        stale = client.post(redeem_url(rice), {"ticket": ticket})
    assert stale.status_code == 400
    assert "确认页已过期" in stale.content.decode()
    assert spent(rich_volunteer) == 0 and balance(rich_volunteer) == 50


def test_my_communitys_shop_comes_first_and_is_marked(client, volunteer, stranger):
    client.force_login(stranger.user)  # lives in 桥北
    html = client.get("/shop/").content.decode()
    assert html.index("桥北社区爱心超市") < html.index("梨园社区爱心超市")
    assert 'href="/shop/qiaobei/">去兑换' in html
    assert re.search(r"桥北社区爱心超市</a>\s*<span class=\"badge badge--ok\">我的社区", html)

    client.force_login(volunteer.user)  # lives in 梨园, first in the tree too
    html = client.get("/shop/").content.decode()
    assert html.index("梨园社区爱心超市") < html.index("桥北社区爱心超市")
    assert 'href="/shop/liyuan/">去兑换' in html
