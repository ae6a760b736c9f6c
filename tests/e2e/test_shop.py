"""爱心超市 on a phone (390 × 844): two goods a row, and 兑换 asks before it spends.

A volunteer with 50 points opens her community's shelf: the goods stand two to a row,
each card about a third of the screen tall. She taps 兑换 on the rice: a confirmation
page shows its price, her balance after and where to collect it; 确认兑换 spends, once,
and 我的兑换 shows the code with her balance down by the price. On a desktop the shelf
has four goods a row.
"""

import io

import pytest
from django.core.files.images import ImageFile
from PIL import Image
from wagtail.images import get_image_model
from wagtail.models import Collection

from points.models import Category, PersonTotal, Redemption, Reward
from points.services import points_adjust

from .conftest import DESKTOP, PHONE, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PLACE = "梨园社区党群服务中心一楼爱心超市，周一至周五 9:00–18:00"
GOODS = (("香皂", 10), ("牙膏", 12), ("毛巾", 15), ("洗衣粉", 30), ("大米", 30), ("食用油", 60))

BOXES = """() => [...document.querySelectorAll('main .goods > li')].map(li => {
  const r = li.getBoundingClientRect();
  return {x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width), h: Math.round(r.height)};
})"""


def picture(colour):
    if Collection.get_first_root_node() is None:  # a transactional test before flushed it
        Collection.add_root(name="Root")
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(buffer, "JPEG")
    image = get_image_model()(title=f"商品 {colour}")
    image.file = ImageFile(buffer, name="goods.jpg")
    image.save()
    return image


@pytest.fixture
def shelf(town, make_person, person_with_role, Role, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    secretary = person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记").user
    volunteer = make_person(
        real_name="陈小燕", username="volunteer", home_grid=town.liyuan_grid1, phone_verified=True
    )
    points_adjust(
        person=volunteer, amount=50, category=Category.REWARD, reason="表彰", by=secretary
    )
    for n, (name, price) in enumerate(GOODS):
        Reward.objects.create(
            community=town.liyuan,
            name=name,
            description="家庭装",
            price=price,
            stock=10,
            image=picture((200, 120 + n * 20, 60)),
            pickup_place=PLACE,
        )
    return volunteer


def balance(person) -> int:
    return PersonTotal.objects.get(person=person, period="all").balance


def test_two_goods_a_row_and_a_confirmation_before_points_are_spent(
    live_server, phone, shoot, shelf
):
    page = phone()
    log_in(page, live_server.url, "volunteer")
    page.goto(f"{live_server.url}/shop/liyuan/")

    boxes = page.evaluate(BOXES)
    assert len(boxes) == len(GOODS)
    first, second, third = boxes[:3]
    assert abs(first["y"] - second["y"]) <= 1 and second["x"] > first["x"]  # one row
    assert third["y"] >= first["y"] + first["h"]  # the third starts the next row
    assert all(box["w"] < PHONE["width"] / 2 for box in boxes)
    assert PHONE["height"] / 5 < first["h"] < PHONE["height"] / 2  # about a third of a screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "shelf")

    page.get_by_role("link", name="兑换大米").click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "确认兑换" in main
    assert "30 分" in main and "50 分" in main
    assert page.inner_text("[data-after]") == "20 分"
    assert PLACE in main
    assert not Redemption.objects.exists() and balance(shelf) == 50  # looking costs nothing
    shoot(page, "confirm")

    page.get_by_role("button", name="确认兑换").click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "兑换成功：大米，消耗 30 积分" in main
    assert Redemption.objects.get(person=shelf).display_code in main
    assert page.inner_text(".balance__value") == "20"
    assert balance(shelf) == 20
    shoot(page, "redeemed")
    assert page.console_errors == []


def test_four_goods_a_row_on_a_desktop(live_server, browser, shoot, shelf):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "volunteer")
    page.goto(f"{live_server.url}/shop/liyuan/")
    boxes = page.evaluate(BOXES)
    assert len({box["y"] for box in boxes[:4]}) == 1
    assert boxes[4]["y"] > boxes[0]["y"]
    shoot(page, "desktop")
    context.close()
