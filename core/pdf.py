"""What every PDF the site prints needs: a Chinese font from the machine, and Chinese dates.

The 志愿服务记录证明 (points) and the 双项认领卡 (volunteers) are both fpdf2 documents on A4
that embed the subset of a CJK font they use, so they read the same on a phone with no
Chinese fonts at all. The font is Debian's ``fonts-noto-cjk``, found with ``fc-match``,
unless ``settings.CERTIFICATE_FONT`` names a file (the setting keeps its first user's
name; it serves every PDF).
"""

import datetime
import functools
import logging
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# fontTools narrates every subset it makes at INFO: one PDF, forty lines of log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# Characters every document prints: a font without them cannot render one.
REQUIRED_TEXT = "志愿服务记录证明编号"
FONT_FAMILY = "cjk"


class CjkFontMissing(ImproperlyConfigured):
    """No usable Chinese font: the message says how to install or configure one."""


def _fc_match() -> tuple[str, int] | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603 -- a fixed program and arguments, no shell
            [fc_match, "--format=%{file}\n%{index}", "Noto Sans CJK SC:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path, _newline, index = result.stdout.partition("\n")
    return (path.strip(), int(index or 0)) if path.strip() else None


def _covers_chinese(path: str, index: int) -> bool:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # ships no types

    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        cmap = font.getBestCmap() or {}
    except Exception:  # any unreadable file is simply not a usable font
        return False
    return all(ord(char) in cmap for char in REQUIRED_TEXT)


@functools.lru_cache(maxsize=8)
def _resolve(
    configured: str, configured_index: int | None, purpose: str = "PDF 文件"
) -> tuple[str, int]:
    if configured:
        candidates = [(configured, configured_index or 0)]
    else:
        found = _fc_match()
        candidates = [found] if found else []
    for path, index in candidates:
        if Path(path).is_file() and _covers_chinese(path, index):
            return path, index
    where = f"（已设置 CERTIFICATE_FONT={configured}）" if configured else ""
    raise CjkFontMissing(
        f"找不到可用于{purpose}的中文字体"
        f"{where}：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk），"
        "或在设置 CERTIFICATE_FONT 中指定一个含简体中文的字体文件（.ttf、.otf 或 .ttc），"
        ".ttc 文件可用 CERTIFICATE_FONT_INDEX 指定字体序号。"
    )


def cjk_font(purpose: str = "PDF 文件") -> tuple[str, int]:
    """(font file, index in a collection) for a PDF; ``CjkFontMissing`` if none.

    ``purpose`` names the document in the message (志愿服务记录证明, 双项认领卡).
    """
    return _resolve(
        getattr(settings, "CERTIFICATE_FONT", "") or "",
        getattr(settings, "CERTIFICATE_FONT_INDEX", None),
        purpose,
    )


def chinese_date(day: datetime.date) -> str:
    """2026-03-05 → 2026年3月5日, as official documents write dates."""
    return f"{day.year}年{day.month}月{day.day}日"
