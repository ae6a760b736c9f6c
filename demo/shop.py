"""The demo town's 爱心超市: every community's shelf, points for `volunteer` to spend, and
the demo accounts' past service credited, so their 志愿服务记录证明 has hours on it.

Called by ``volunteers.demo.seed_demo_town``. Idempotent: rewards are found again
by (community, name), pictures by title, and the volunteer's points by the
idempotency key of their ledger line, so a second run writes nothing.
Pictures are drawn here with Pillow (like ``demo/pictures.py``): nothing is
downloaded.
"""

import io
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from PIL import Image, ImageDraw
from wagtail.images import get_image_model

from demo.pictures import OCHRE, OCHRE_DARK, SAND, SAND_DARK, VEST, WHITE, _caption
from points.models import Category, PointsEntry, Reward
from points.services import points_adjust
from volunteers.models import Organisation, Person


@dataclass(frozen=True)
class Goods:
    key: str
    name: str
    description: str
    price: int
    stock: int
    limit: int
    shape: str
    colour: tuple[int, int, int]


# What a town love supermarket really stocks: daily necessities, priced so that a
# few months of regular service buys one.
GOODS: tuple[Goods, ...] = (
    Goods("soap", "香皂", "家庭装 2 块", 10, 40, 2, "bar", (236, 180, 196)),
    Goods("toothpaste", "牙膏", "120 克", 12, 40, 2, "tube", (64, 140, 200)),
    Goods("towel", "毛巾", "纯棉 一条", 15, 30, 2, "towel", (47, 125, 109)),
    Goods("detergent", "洗衣粉", "1.5 千克装", 30, 25, 1, "box", (36, 86, 166)),
    Goods("oil", "食用油", "胡麻油 1.8 升", 60, 15, 1, "bottle", (214, 170, 40)),
    Goods("rice", "大米", "5 千克装", 80, 12, 1, "sack", (200, 137, 58)),
)
VOLUNTEER_POINTS = 120
# Where a community's goods are collected: its 党群服务中心, in office hours.
PICKUP_PLACE = "{community}党群服务中心一楼爱心超市，周一至周五 9:00–12:00、15:00–18:00"
VOLUNTEER_POINTS_KEY = "demo:volunteer:shop-welcome"


def _draw(goods: Goods) -> bytes:
    width, height = 800, 600
    image = Image.new("RGB", (width, height), SAND)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 0.72, width, height], fill=SAND_DARK)  # the shelf
    cx, base = width // 2, int(height * 0.74)
    c = goods.colour
    if goods.shape == "box":
        draw.rectangle([cx - 150, base - 300, cx + 150, base], fill=c)
        draw.rectangle([cx - 150, base - 300, cx + 150, base - 240], fill=WHITE)
        draw.ellipse([cx - 70, base - 200, cx + 70, base - 60], fill=WHITE)
    elif goods.shape == "sack":
        draw.rounded_rectangle([cx - 170, base - 320, cx + 170, base], 60, fill=WHITE)
        draw.rectangle([cx - 120, base - 230, cx + 120, base - 110], fill=c)
        draw.polygon([(cx - 60, base - 320), (cx, base - 360), (cx + 60, base - 320)], fill=WHITE)
    elif goods.shape == "bottle":
        draw.rounded_rectangle([cx - 90, base - 300, cx + 90, base], 30, fill=c)
        draw.rectangle([cx - 35, base - 370, cx + 35, base - 300], fill=c)
        draw.rectangle([cx - 40, base - 400, cx + 40, base - 370], fill=VEST)
        draw.rectangle([cx - 70, base - 210, cx + 70, base - 110], fill=WHITE)
    elif goods.shape == "towel":
        for n in range(3):
            top = base - 90 * (n + 1)
            draw.rounded_rectangle([cx - 200, top, cx + 200, top + 84], 20, fill=c)
            draw.rectangle([cx - 200, top + 30, cx + 200, top + 44], fill=WHITE)
    elif goods.shape == "tube":
        draw.rounded_rectangle([cx - 260, base - 120, cx + 180, base], 40, fill=WHITE)
        draw.rectangle([cx - 180, base - 120, cx + 100, base], fill=c)
        draw.rectangle([cx + 180, base - 80, cx + 240, base - 40], fill=OCHRE_DARK)
    else:  # bar
        for n, dx in enumerate((-120, 120)):
            draw.rounded_rectangle(
                [cx + dx - 100, base - 130 - n * 10, cx + dx + 100, base - n * 10], 40, fill=c
            )
    draw.rectangle([0, 0, width, 18], fill=OCHRE)
    _caption(image, f"爱心超市 · {goods.name}")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def ensure_goods_images() -> dict[str, object]:
    Image_ = get_image_model()
    titles = {f"爱心超市 · {g.name}": g for g in GOODS}
    found = {i.title: i for i in Image_.objects.filter(title__in=list(titles))}
    images = {}
    for title, goods in titles.items():
        image = found.get(title)
        if image is None:
            image = Image_(title=title, description=f"{goods.name}（{goods.description}）")
            image.file = ImageFile(io.BytesIO(_draw(goods)), name=f"demo-shop-{goods.key}.jpg")
            image.save()
        images[goods.key] = image
    return images


def seed_shop() -> int:
    """Stock every community's shelf and give `volunteer` points; returns rewards created."""
    images = ensure_goods_images()
    communities = Organisation.objects.filter(kind=Organisation.Kind.COMMUNITY).order_by("path")
    existing = set(Reward.objects.values_list("community_id", "name"))
    new = [
        Reward(
            community=community,
            name=goods.name,
            description=goods.description,
            image=images[goods.key],
            price=goods.price,
            stock=goods.stock,
            per_person_limit=goods.limit,
            pickup_place=PICKUP_PLACE.format(community=community.name),
        )
        for community in communities
        for goods in GOODS
        if (community.pk, goods.name) not in existing
    ]
    Reward.objects.bulk_create(new)
    for community in communities:  # shelves stocked before rewards had a pick-up place
        Reward.objects.filter(community=community, pickup_place="").update(
            pickup_place=PICKUP_PLACE.format(community=community.name)
        )
    _give_volunteer_points()
    return len(new)


def _give_volunteer_points() -> None:
    """Enough for a bag of rice or a few small things, through the real ledger, once."""
    if PointsEntry.objects.filter(idempotency_key=VOLUNTEER_POINTS_KEY).exists():
        return
    volunteer = Person.objects.filter(user__username="volunteer").first()
    admin = get_user_model().objects.filter(username="admin").first()
    if volunteer is None or admin is None:
        return
    points_adjust(
        person=volunteer,
        amount=VOLUNTEER_POINTS,
        category=Category.REWARD,
        reason="红马甲文明交通劝导表现突出，社区奖励积分（演示数据）",
        by=admin,
        idempotency_key=VOLUNTEER_POINTS_KEY,
    )
