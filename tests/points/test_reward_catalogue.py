"""爱心超市's catalogue is kept through ``reward_create`` / ``reward_update``: the same rules
for the admin and any other caller, and an edit never writes the stock."""

import datetime

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.errors import Forbidden, Invalid
from points.models import Reward
from points.services.rewards import reward_create, reward_update

ADMIN = "/admin/snippets/points/reward/"


@pytest.fixture
def towel(secretary, town):
    return reward_create(community=town.liyuan, name="毛巾", price=5, stock=3, by=secretary)


def test_a_secretary_adds_an_item_to_her_communitys_shelf(secretary, town):
    reward = reward_create(community=town.liyuan, name="毛巾", price=5, stock=3, by=secretary)
    assert (reward.community, reward.price, reward.stock) == (town.liyuan, 5, 3)
    assert ModelLogEntry.objects.for_instance(reward).filter(action="wagtail.create").exists()


def closing_as_it_opens():
    opens = timezone.now() + datetime.timedelta(days=1)
    return {"available_from": opens, "available_until": opens}


BROKEN = {
    "a free item": (lambda: {"price": 0}, "price", "free_reward", "所需积分至少为 1。"),
    "a window that closes before it opens": (
        closing_as_it_opens,
        "available_until",
        "bad_window",
        "截止兑换必须晚于开始兑换。",
    ),
}


@pytest.mark.parametrize("rule", BROKEN)
def test_adding_refuses_what_breaks_a_rule(rule, secretary, town):
    breaking, field, code, message = BROKEN[rule]
    values = {"community": town.liyuan, "name": "毛巾", "price": 5, **breaking()}
    with pytest.raises(Invalid) as refusal:
        reward_create(**values, by=secretary)
    assert (refusal.value.field, refusal.value.code, str(refusal.value.message)) == (
        field,
        code,
        message,
    )
    assert not Reward.objects.exists()


@pytest.mark.parametrize("rule", BROKEN)
def test_changing_refuses_what_breaks_a_rule(rule, secretary, towel):
    breaking, field, code, message = BROKEN[rule]
    with pytest.raises(Invalid) as refusal:
        reward_update(reward=towel, by=secretary, **breaking())
    assert (refusal.value.field, refusal.value.code, str(refusal.value.message)) == (
        field,
        code,
        message,
    )
    towel.refresh_from_db()
    assert towel.price == 5 and towel.available_until is None


def test_nobody_keeps_another_communitys_shelf(secretary, town, towel, person_with_role, Role):
    with pytest.raises(Forbidden) as refusal:
        reward_create(community=town.qiaobei, name="肥皂", price=5, by=secretary)
    assert refusal.value.field == "community"
    with pytest.raises(Forbidden):
        reward_update(reward=towel, by=secretary, community=town.qiaobei)
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    with pytest.raises(Forbidden):
        reward_update(reward=towel, by=qiaobei, name="改名")
    towel.refresh_from_db()
    assert (towel.community, towel.name) == (town.liyuan, "毛巾")


def test_an_edit_never_writes_the_stock(secretary, towel):
    loaded = Reward.objects.get(pk=towel.pk)
    Reward.objects.filter(pk=towel.pk).update(stock=1)  # two redeemed meanwhile

    with pytest.raises(Invalid) as refusal:
        reward_update(reward=loaded, by=secretary, stock=3)
    assert refusal.value.field == "stock"

    changed = reward_update(reward=loaded, by=secretary, name="毛巾（大）", price=6)
    assert (changed.name, changed.price, changed.stock) == ("毛巾（大）", 6, 1)
    towel.refresh_from_db()
    assert (towel.name, towel.stock) == ("毛巾（大）", 1)
    assert ModelLogEntry.objects.for_instance(towel).filter(action="wagtail.edit").exists()


def test_the_admin_shows_a_broken_rule_on_its_field(client, secretary, town):
    client.force_login(secretary)
    response = client.post(
        f"{ADMIN}add/",
        {
            "community": town.liyuan.pk,
            "name": "香皂",
            "description": "",
            "image": "",
            "price": 0,
            "stock": 3,
            "per_person_limit": 1,
            "available_from": "",
            "available_until": "",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["price"] == ["所需积分至少为 1。"]
    assert not Reward.objects.exists()


def test_copying_an_item_in_the_admin_adds_a_new_one(client, secretary, towel, town):
    client.force_login(secretary)
    response = client.post(
        f"{ADMIN}copy/{towel.pk}/",
        {
            "community": town.liyuan.pk,
            "name": "毛巾（蓝）",
            "description": "",
            "image": "",
            "price": 5,
            "stock": 7,
            "per_person_limit": 1,
            "available_from": "",
            "available_until": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    towel.refresh_from_db()
    assert (towel.name, towel.stock) == ("毛巾", 3)
    copy = Reward.objects.get(name="毛巾（蓝）")
    assert copy.pk != towel.pk and copy.stock == 7
