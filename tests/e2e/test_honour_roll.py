"""光荣榜 on a phone: one board at a time, tabs that switch it, about two screens tall.

The demo town is seeded (60 residents; the demo publishes each past month), and the
page is read by a 390×844 phone with no login, as the public sees it.
"""

import pytest

from .conftest import PHONE
from .test_site_pages import open_page, restore_migration_data, serious_violations

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.e2e.test_site_pages"),  # the project's URLs and the demo's pictures
]

SCREENS = 2.5  # the page, footer included, is at most this many phone screens tall


@pytest.fixture
def demo_site(settings, tmp_path):
    from demo import town as demo

    settings.MEDIA_ROOT = str(tmp_path / "media")
    restore_migration_data()
    demo.seed_demo_town(people=60)


def shown_boards(page) -> list[str]:
    return page.locator(".board .board__title").all_inner_texts()


def current_tab(page) -> list[str]:
    return page.locator(".board-tabs a[aria-current=page]").all_inner_texts()


def test_the_honour_roll_shows_one_board_and_the_tabs_switch_it(
    browser, live_server, demo_site, shoot
):
    context, page = open_page(browser, PHONE, live_server.url + "/guangrongbang/")
    try:
        tabs = page.get_by_role("navigation", name="选择榜单").get_by_role("link")
        labels = tabs.all_inner_texts()
        assert labels[:2] == ["志愿者积分", "志愿服务时长"]
        assert shown_boards(page) == ["志愿者积分榜"]
        assert current_tab(page) == ["志愿者积分"]
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= SCREENS * PHONE["height"], f"the honour roll is {height}px tall"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        shoot(page, "volunteer-points")

        # A tap on another tab: that board alone, the tab marked, the tabs still in view.
        page.get_by_role("link", name="志愿服务时长", exact=True).click()
        page.wait_for_load_state()
        assert page.url.endswith("?board=volunteers-minutes#boards")
        assert shown_boards(page) == ["志愿服务时长榜"]
        assert current_tab(page) == ["志愿服务时长"]
        assert "小时" in page.inner_text(".board")
        assert page.locator(".board-tabs").is_visible()  # the page scrolled to the tabs
        assert page.evaluate("document.documentElement.scrollHeight") <= SCREENS * PHONE["height"]
        shoot(page, "volunteer-hours")

        # Beyond the top ten, the rest of the board is one more tap away.
        more = page.locator(".board__more summary")
        if more.count():
            hidden_row = page.locator(".board__more .board__row").first
            assert not hidden_row.is_visible()
            more.click()
            assert hidden_row.is_visible()
            shoot(page, "volunteer-hours-all")

        assert page.console_errors == []
        assert serious_violations(page) == []
    finally:
        context.close()
