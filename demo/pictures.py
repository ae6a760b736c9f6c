"""Pictures for the demo site, drawn here with Pillow: nothing is downloaded.

Flat illustrations in the Dunhuang palette — dunes, the sun, the Dang River, a
zebra crossing, people in red vests — with a caption in Chinese when the Noto CJK
font is installed (``fonts-noto-cjk``), shapes only when it is not.
"""

import io
import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

FONT_PATHS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
)

SAND = (251, 246, 236)
SAND_DARK = (232, 216, 185)
OCHRE = (200, 137, 58)
OCHRE_LIGHT = (242, 196, 109)
OCHRE_DARK = (140, 90, 27)
GREEN = (47, 125, 109)
GREEN_DARK = (35, 95, 83)
VEST = (181, 71, 46)
VEST_DARK = (142, 53, 34)
LAPIS = (36, 86, 166)
NIGHT = (30, 48, 92)
EARTH = (59, 42, 29)
WHITE = (255, 255, 255)
SKIN = (236, 196, 160)
HAIR = (42, 31, 22)


@dataclass(frozen=True)
class Picture:
    key: str
    title: str  # the image's title in the library
    alt: str  # its description, read out as alt text
    scene: str
    size: tuple[int, int] = (1600, 900)
    caption: str = ""
    seed: int = 0


@cache
def _font_path() -> Path | None:
    return next((path for path in FONT_PATHS if path.exists()), None)


def _font(size: int):
    path = _font_path()
    if path is None:
        return None
    return ImageFont.truetype(str(path), size=size)


def _vertical_gradient(size, top, bottom) -> Image.Image:
    width, height = size
    column = Image.new("RGB", (1, height))
    column.putdata(
        [
            tuple(
                round(a + (b - a) * y / max(1, height - 1))
                for a, b in zip(top, bottom, strict=True)
            )
            for y in range(height)
        ]
    )
    return column.resize((width, height), Image.Resampling.NEAREST)


def _dunes(draw, width, height, horizon, colours, rng) -> None:
    for index, colour in enumerate(colours):
        base = horizon + index * (height - horizon) // (len(colours) + 1)
        points = [(0, height)]
        crest = rng.uniform(0.15, 0.85)
        for step in range(0, 41):
            x = width * step / 40
            distance = abs(step / 40 - crest)
            y = base + (distance**1.6) * (height - horizon) * 0.9 - rng.uniform(0, 6)
            points.append((x, y))
        points.append((width, height))
        draw.polygon(points, fill=colour)


def _person(draw, x, y, scale, *, vest=VEST, shirt=WHITE, flag=False) -> None:
    """A standing figure in a red vest, feet at (x, y)."""
    s = scale
    draw.rectangle([x - 9 * s, y - 40 * s, x - 2 * s, y], fill=EARTH)  # legs
    draw.rectangle([x + 2 * s, y - 40 * s, x + 9 * s, y], fill=EARTH)
    draw.rounded_rectangle([x - 16 * s, y - 88 * s, x + 16 * s, y - 36 * s], 8 * s, fill=shirt)
    draw.polygon(  # the vest
        [
            (x - 16 * s, y - 84 * s),
            (x - 4 * s, y - 84 * s),
            (x, y - 66 * s),
            (x + 4 * s, y - 84 * s),
            (x + 16 * s, y - 84 * s),
            (x + 16 * s, y - 38 * s),
            (x - 16 * s, y - 38 * s),
        ],
        fill=vest,
    )
    draw.line(
        [(x - 14 * s, y - 56 * s), (x + 14 * s, y - 56 * s)],
        fill=OCHRE_LIGHT,
        width=max(1, int(3 * s)),
    )
    draw.ellipse([x - 11 * s, y - 112 * s, x + 11 * s, y - 90 * s], fill=SKIN)  # head
    draw.chord([x - 11 * s, y - 114 * s, x + 11 * s, y - 96 * s], 180, 360, fill=HAIR)
    if flag:
        draw.line(
            [(x + 16 * s, y - 80 * s), (x + 30 * s, y - 130 * s)],
            fill=EARTH,
            width=max(1, int(3 * s)),
        )
        draw.polygon(
            [(x + 30 * s, y - 130 * s), (x + 62 * s, y - 122 * s), (x + 28 * s, y - 108 * s)],
            fill=VEST,
        )


def _crowd(draw, width, ground, count, rng, scale=1.0, flag_every=0) -> None:
    spacing = width / (count + 1)
    for n in range(count):
        x = spacing * (n + 1) + rng.uniform(-spacing * 0.2, spacing * 0.2)
        s = scale * rng.uniform(0.9, 1.08)
        _person(
            draw, x, ground + rng.uniform(-6, 6), s, flag=bool(flag_every and n % flag_every == 0)
        )


def _caption(image, text: str) -> None:
    font = _font(max(22, image.width // 40))
    if not text or font is None:
        return
    draw = ImageDraw.Draw(image, "RGBA")
    pad = image.width // 60
    box = draw.textbbox((0, 0), text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    x, y = pad, image.height - h - pad * 3
    draw.rounded_rectangle(
        [x, y - pad // 2, x + w + pad * 2, y + h + pad * 1.5], pad // 2, fill=(42, 31, 22, 170)
    )
    draw.text((x + pad, y), text, font=font, fill=WHITE)


# --- Scenes ----------------------------------------------------------------------------------


def _scene_desert(image, rng) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        [width * 0.72, height * 0.12, width * 0.84, height * 0.12 + width * 0.12], fill=OCHRE_LIGHT
    )
    _dunes(draw, width, height, int(height * 0.55), [OCHRE, (214, 160, 90), OCHRE_DARK], rng)
    _crowd(draw, width, int(height * 0.93), 7, rng, scale=height / 520, flag_every=3)


def _scene_traffic(image, rng) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 0.62, width, height], fill=(88, 84, 80))
    for n in range(9):  # the zebra crossing
        x = width * 0.08 + n * width * 0.1
        draw.rectangle([x, height * 0.7, x + width * 0.05, height * 0.95], fill=(240, 240, 232))
    post_x = width * 0.88
    draw.rectangle([post_x, height * 0.18, post_x + 14, height * 0.66], fill=EARTH)
    draw.rounded_rectangle(
        [post_x - 30, height * 0.12, post_x + 44, height * 0.42], 12, fill=(40, 40, 40)
    )
    for n, colour in enumerate(((90, 30, 20), (120, 90, 20), (60, 200, 120))):
        cy = height * 0.16 + n * height * 0.085
        draw.ellipse([post_x - 14, cy, post_x + 28, cy + 42], fill=colour)
    _crowd(draw, width * 0.8, int(height * 0.68), 4, rng, scale=height / 430, flag_every=2)


def _scene_river(image, rng) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [(0, height * 0.62), (width, height * 0.55), (width, height * 0.72), (0, height * 0.8)],
        fill=(92, 150, 190),
    )
    for n in range(14):  # poplars along the bank
        x = n * width / 13
        draw.polygon(
            [(x, height * 0.25), (x - 26, height * 0.56), (x + 26, height * 0.56)], fill=GREEN
        )
        draw.rectangle([x - 4, height * 0.54, x + 4, height * 0.6], fill=EARTH)
    draw.rectangle([0, height * 0.8, width, height], fill=SAND_DARK)
    _crowd(draw, width, int(height * 0.97), 6, rng, scale=height / 520)


def _scene_night(image, rng) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        [width * 0.1, height * 0.1, width * 0.1 + height * 0.16, height * 0.26],
        fill=(250, 236, 190),
    )
    for _ in range(40):
        x, y = rng.uniform(0, width), rng.uniform(0, height * 0.45)
        draw.ellipse([x, y, x + 3, y + 3], fill=(250, 236, 190))
    for n in range(6):  # houses with lit windows
        x = n * width / 6 + 10
        top = height * rng.uniform(0.32, 0.45)
        draw.rectangle([x, top, x + width / 6 - 20, height * 0.8], fill=(50, 62, 98))
        for wy in range(int(top) + 20, int(height * 0.75), 60):
            draw.rectangle([x + 20, wy, x + 50, wy + 30], fill=OCHRE_LIGHT)
    draw.rectangle([0, height * 0.8, width, height], fill=(40, 44, 60))
    _crowd(draw, width, int(height * 0.96), 5, rng, scale=height / 520)


def _scene_home_visit(image, rng) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 0.75, width, height], fill=(196, 150, 110))
    draw.rectangle([width * 0.58, height * 0.12, width * 0.9, height * 0.5], fill=(180, 215, 230))
    draw.line([(width * 0.74, height * 0.12), (width * 0.74, height * 0.5)], fill=WHITE, width=10)
    draw.rounded_rectangle(
        [width * 0.1, height * 0.52, width * 0.42, height * 0.78], 20, fill=GREEN_DARK
    )
    _person(draw, width * 0.22, height * 0.78, height / 470, vest=GREEN, shirt=(230, 220, 200))
    _person(draw, width * 0.5, height * 0.96, height / 430)
    _person(draw, width * 0.64, height * 0.96, height / 430)


def _banner_text(draw, box, text: str) -> None:
    left, top, right, bottom = box
    font = _font(int((bottom - top) * 0.45))
    if font is None:
        return
    measured = draw.textbbox((0, 0), text, font=font)
    width, height = measured[2] - measured[0], measured[3] - measured[1]
    x = left + (right - left - width) / 2
    y = top + (bottom - top - height) / 2 - measured[1]
    draw.text((x, y), text, font=font, fill=OCHRE_LIGHT)


def _scene_party(image, rng, banner: str = "红马甲志愿服务") -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    box = (width * 0.1, height * 0.1, width * 0.9, height * 0.35)
    draw.rectangle(box, fill=VEST)
    draw.rectangle([width * 0.1, height * 0.35, width * 0.9, height * 0.37], fill=OCHRE_LIGHT)
    _banner_text(draw, box, banner)
    draw.rectangle([0, height * 0.78, width, height], fill=SAND_DARK)
    _crowd(draw, width, int(height * 0.95), 8, rng, scale=height / 560)


def _scene_anti_fraud(image, rng) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    px, py, pw, ph = width * 0.56, height * 0.1, width * 0.2, height * 0.62
    draw.rounded_rectangle([px, py, px + pw, py + ph], 28, fill=EARTH)
    draw.rounded_rectangle([px + 14, py + 36, px + pw - 14, py + ph - 36], 12, fill=(226, 238, 250))
    cx, cy, r = px + pw / 2, py + ph / 2, pw * 0.3
    draw.polygon(  # a shield on the screen
        [
            (cx - r, cy - r),
            (cx + r, cy - r),
            (cx + r, cy + r * 0.2),
            (cx, cy + r * 1.2),
            (cx - r, cy + r * 0.2),
        ],
        fill=LAPIS,
    )
    draw.line(
        [(cx - r * 0.45, cy), (cx - r * 0.1, cy + r * 0.4), (cx + r * 0.5, cy - r * 0.4)],
        fill=WHITE,
        width=12,
    )
    draw.rectangle([0, height * 0.78, width, height], fill=SAND_DARK)
    _crowd(draw, width * 0.5, int(height * 0.95), 4, rng, scale=height / 500)


def _scene_greening(image, rng) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    _dunes(draw, width, height, int(height * 0.42), [(214, 160, 90), OCHRE], rng)
    cell = width // 16
    for row in range(4):  # 草方格: straw checkerboard holding the sand
        y = height * 0.62 + row * cell * 0.45
        for col in range(17):
            x = col * cell + (row % 2) * cell / 2
            draw.rectangle([x, y, x + cell * 0.8, y + cell * 0.35], outline=OCHRE_DARK, width=4)
            draw.ellipse([x + cell * 0.3, y + 2, x + cell * 0.5, y + cell * 0.22], fill=GREEN)
    _crowd(draw, width, int(height * 0.6), 4, rng, scale=height / 700)


def _scene_portrait(image, rng) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    cx = width / 2
    draw.ellipse([cx - width * 0.42, height * 0.62, cx + width * 0.42, height * 1.4], fill=WHITE)
    draw.polygon(
        [
            (cx - width * 0.42, height * 0.95),
            (cx - width * 0.12, height * 0.66),
            (cx, height * 0.8),
            (cx + width * 0.12, height * 0.66),
            (cx + width * 0.42, height * 0.95),
            (cx + width * 0.42, height),
            (cx - width * 0.42, height),
        ],
        fill=VEST,
    )
    head = width * 0.2
    draw.ellipse([cx - head, height * 0.3, cx + head, height * 0.3 + head * 2.2], fill=SKIN)
    draw.chord(
        [cx - head, height * 0.27, cx + head, height * 0.27 + head * 1.6], 180, 360, fill=HAIR
    )


def _scene_logo(image, rng) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    draw.ellipse([width * 0.55, height * 0.18, width * 0.8, height * 0.43], fill=OCHRE_LIGHT)
    draw.polygon(
        [
            (0, height * 0.8),
            (width * 0.5, height * 0.6),
            (width, height * 0.72),
            (width, height),
            (0, height),
        ],
        fill=WHITE,
    )
    draw.polygon(
        [
            (0, height * 0.95),
            (width * 0.6, height * 0.84),
            (width, height * 0.9),
            (width, height),
            (0, height),
        ],
        fill=OCHRE_LIGHT,
    )


def _scene_qr(image, rng, text="") -> None:
    qr = qrcode.QRCode(border=2, box_size=10)
    qr.add_data(text or "聚焦沙州")
    qr.make(fit=True)
    code = qr.make_image(fill_color=(42, 31, 22), back_color=(255, 255, 255)).convert("RGB")
    code = code.resize((image.width, image.width), Image.Resampling.NEAREST)
    image.paste(code, (0, 0))
    mark = image.width // 5
    draw = ImageDraw.Draw(image)
    c = image.width // 2
    draw.rounded_rectangle(
        [c - mark // 2, c - mark // 2, c + mark // 2, c + mark // 2],
        8,
        fill=VEST,
        outline=WHITE,
        width=4,
    )


SCENES = {
    "desert": (_scene_desert, ((47, 125, 109), (200, 137, 58))),
    "traffic": (_scene_traffic, ((140, 190, 210), (240, 222, 190))),
    "river": (_scene_river, ((150, 200, 225), (235, 222, 196))),
    "night": (_scene_night, (NIGHT, (60, 60, 96))),
    "home_visit": (_scene_home_visit, ((248, 232, 210), (236, 210, 176))),
    "party": (_scene_party, ((252, 240, 222), (240, 220, 190))),
    "anti_fraud": (_scene_anti_fraud, ((240, 232, 214), (228, 214, 190))),
    "greening": (_scene_greening, ((120, 175, 205), (232, 210, 170))),
    "portrait": (_scene_portrait, ((47, 125, 109), (35, 95, 83))),
    "portrait_ochre": (_scene_portrait, ((200, 137, 58), (140, 90, 27))),
    "portrait_lapis": (_scene_portrait, ((36, 86, 166), (30, 48, 92))),
    "logo": (_scene_logo, (VEST, VEST_DARK)),
    "qr": (None, (WHITE, WHITE)),
}


@cache
def render_picture(picture: Picture) -> bytes:
    """The picture as JPEG (PNG for the logo and the QR code, which need crisp edges)."""
    draw_scene, (top, bottom) = SCENES[picture.scene]
    image = _vertical_gradient(picture.size, top, bottom)
    rng = random.Random(picture.seed or picture.key)
    if picture.scene == "qr":
        _scene_qr(image, rng, picture.caption)
    else:
        draw_scene(image, rng)
        _caption(image, picture.caption)
    buffer = io.BytesIO()
    if picture.scene in ("logo", "qr"):
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()


def file_name(picture: Picture) -> str:
    extension = "png" if picture.scene in ("logo", "qr") else "jpg"
    return f"demo-{picture.key}.{extension}"


# --- The demo seal (公章) ------------------------------------------------------------------------

SEAL_RED = (204, 20, 38)


def _seal_font(size: int):
    """Noto Sans CJK SC as the certificates find it (bold when installed), or None."""
    from points.certificate_pdf import CertificateFontMissing, certificate_font

    try:
        path, index = certificate_font()
    except CertificateFontMissing:
        return None
    bold = Path(path.replace("-Regular", "-Bold"))
    return ImageFont.truetype(str(bold if bold.exists() else path), size=size, index=index)


def _star(draw, centre, radius: float, fill) -> None:
    cx, cy = centre
    points = []
    for step in range(10):
        angle = math.radians(-90 + step * 36)
        r = radius if step % 2 == 0 else radius * 0.382
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=fill)


def _arc_text(image, text: str, font, centre: float, radius: float, span: float) -> None:
    """Characters along the upper arc, clockwise from lower left, tops facing out."""
    if not text:
        return
    step = span / max(len(text) - 1, 1)
    size = font.size
    for position, char in enumerate(text):
        theta = -span / 2 + position * step  # degrees from 12 o'clock, clockwise
        glyph = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((size, size), char, font=font, fill=SEAL_RED, anchor="mm")
        glyph = glyph.rotate(-theta, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.sin(math.radians(theta))
        y = centre - radius * math.cos(math.radians(theta))
        image.alpha_composite(glyph, (round(x - size), round(y - size)))


@cache
def render_seal(name: str, subtitle: str = "演示专用章", size: int = 600) -> bytes:
    """A drawn round seal as a transparent PNG: red ring, star, the name along the arc.

    For the demo only, and it says so (演示专用章): a real seal is the issuer's to upload.
    """
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    ring = size * 0.03
    draw.ellipse(
        [ring / 2, ring / 2, size - ring / 2, size - ring / 2], outline=SEAL_RED, width=round(ring)
    )
    _star(draw, (c, c), size * 0.15, SEAL_RED)
    count = max(len(name), 1)
    font = _seal_font(round(size * (0.13 if count <= 10 else 0.115)))
    if font is not None:
        _arc_text(image, name, font, c, size * 0.36, span=min(250, 22 * count))
        small = _seal_font(round(size * 0.065))
        if small is not None and subtitle:
            draw.text((c, c + size * 0.27), subtitle, font=small, fill=SEAL_RED, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
