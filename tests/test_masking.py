"""Masking has one home, ``core.masking``: pages, templates and certificates all use it."""

from pathlib import Path

from django.conf import settings
from django.template import Context, Template

from core.masking import mask_id_number, mask_name, mask_phone, mask_volunteer_number


def test_templates_mask_a_phone_with_the_same_function_as_the_pages():
    rendered = Template("{% load masking %}{{ phone|mask_phone }}").render(
        Context({"phone": "13812345678"})
    )
    assert rendered == mask_phone("13812345678") == "138****5678"


def test_an_id_number_keeps_its_first_and_last_four():
    assert mask_id_number("11010519491231002X") == "1101**********002X"


def test_a_volunteer_number_keeps_its_first_four_and_last_two():
    assert mask_volunteer_number("SZ7K4M9QRT") == "SZ7K****RT"
    assert mask_volunteer_number("SZ7K4M") == "SZ7K4M"  # too short to hide anything


def test_a_name_keeps_its_first_and_last_character():
    assert mask_name("李淑芬") == "李*芬"


def test_no_template_masks_by_hand():
    """A phone cut with ``slice`` and glued to ``****`` is a second masking rule."""
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    offenders = [
        str(path)
        for folder in folders
        for path in folder.rglob("*")
        if path.suffix in {".html", ".txt"} and "****" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
