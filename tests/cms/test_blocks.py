"""Every block is ready for the block picker, and every block renders, live ones included."""

import pytest
from django.template.loader import get_template
from django.test import RequestFactory

from cms.blocks import BodyBlock
from core.masking import mask_name

BLOCKS = list(BodyBlock().child_blocks.items())


@pytest.mark.parametrize(("name", "block"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_each_block_has_an_icon_template_preview_and_description(name, block):
    assert block.meta.icon and block.meta.icon != "placeholder", name
    get_template(block.meta.template)  # exists under site/templates/cms/blocks/
    assert block.meta.template.startswith("cms/blocks/")
    assert block.get_description(), name
    assert block.is_previewable, name


@pytest.mark.parametrize(("name", "block"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_each_block_renders_its_preview_value(name, block, pages, rf):
    request = rf.get("/")
    value = block.get_preview_value()
    html = block.render(value, context={"request": request})
    assert html.strip(), name


def test_the_live_blocks_read_the_database(pages, make_activity):
    activity = make_activity(title="党河风情线环境整治")
    block = BodyBlock().child_blocks["upcoming_activities"]
    html = block.render(block.to_python({"heading": "近期活动", "count": 3}))
    assert "党河风情线环境整治" in html
    assert f"/activities/{activity.pk}/" in html


def test_the_leaderboard_waits_for_published_rankings(pages):
    block = BodyBlock().child_blocks["leaderboard"]
    html = block.render(block.get_preview_value(), context={"request": RequestFactory().get("/")})
    assert "排行榜尚未公示" in html


def test_an_image_block_whose_image_was_deleted_renders_nothing(pages):
    block = BodyBlock().child_blocks["image"]
    value = block.to_python({"image": {"image": 987654, "alt_text": "", "decorative": False}})
    assert block.render(value).strip() == ""


def test_the_upcoming_block_ignores_a_community_that_no_longer_exists(pages, make_activity):
    make_activity(title="梨园社区政策宣讲")
    block = BodyBlock().child_blocks["upcoming_activities"]
    html = block.render(block.to_python({"count": 3, "community": "gone", "category": ""}))
    assert "近期还没有发布新的活动" in html


@pytest.mark.parametrize(
    ("name", "masked"),
    [("李淑芬", "李*芬"), ("陈燕", "陈*"), ("欧阳志强", "欧**强"), ("", ""), ("马", "马")],
)
def test_public_rankings_mask_names(name, masked):
    assert mask_name(name) == masked


def test_the_block_picker_previews_blocks_with_the_site_styles(admin_client, pages):
    from cms.models import HomePage

    block = HomePage._meta.get_field("body").stream_block.child_blocks["quote"]
    response = admin_client.get("/admin/block-preview/", {"id": block.definition_prefix})

    html = response.content.decode()
    assert response.status_code == 200
    assert "css/cms.css" in html
    assert "穿上红马甲，就是沙州的一张名片。" in html
