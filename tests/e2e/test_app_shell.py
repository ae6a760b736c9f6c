"""The app shell on a phone in WeChat: the bottom tab bar, 扫一扫, and a header that fits.

At 390×844 with WeChat's user agent, a signed-in volunteer has five tabs (首页 · 活动 ·
扫一扫 · 积分 · 我的), each leading to its page and marked current there; an organiser has
工作台 in 首页's place. The header fits the screen in Chinese and in English, signed in or
not. On a desktop the tab bar is gone and the header's links are back. 扫一扫 reads the
organiser's real QR picture (fed through 从相册选择 / 拍照, as a screenshot from WeChat
would be) and lands on 签到成功; a code that is not an activity's is refused on the page.
"""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from core.qr import qr_png
from demo import town as demo
from volunteers.models import Attendance

from .conftest import DESKTOP, PHONE, log_in
from .test_site_pages import restore_migration_data

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    # The site pages' URLconf: the project's, plus the generated pictures under /media/.
    pytest.mark.urls("tests.e2e.test_site_pages"),
]

TABS = ["首页", "活动", "扫一扫", "积分", "我的"]

# Where the brand's words end and where the header's links begin, in CSS pixels.
HEADER_GAP = """() => {
  const range = document.createRange();
  range.selectNodeContents(document.querySelector(".brand__name"));
  const words = range.getBoundingClientRect();
  const links = document.querySelector(".site-nav").getBoundingClientRect();
  return {brandRight: words.right, navLeft: links.left};
}"""


@pytest.fixture
def town_site(settings, tmp_path, town, make_person, person_with_role):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    restore_migration_data()
    demo.seed_site()  # the page tree: 首页 is a Wagtail page
    volunteer = make_person(
        real_name="陈小燕", username="volunteer", home_grid=town.liyuan_grid1, phone_verified=True
    )
    leader = person_with_role(
        "leader", town.liyuan, real_name="张志强", username="leader", phone_verified=True
    )
    return volunteer, leader


def tab_labels(page) -> list[str]:
    return [text.strip() for text in page.locator(".tab-bar a").all_inner_texts()]


def current_tabs(page) -> list[str]:
    return [text.strip() for text in page.locator(".tab-bar [aria-current=page]").all_inner_texts()]


def test_a_volunteer_moves_between_the_five_tabs(live_server, town_site, wechat, shoot):
    base = live_server.url
    page = wechat(base=base)
    log_in(page, base, "volunteer")
    page.goto(f"{base}/")

    bar = page.locator(".tab-bar")
    assert bar.is_visible()
    assert tab_labels(page) == TABS
    box = bar.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1)  # fixed at the bottom
    for link in page.locator(".tab-bar a").all():
        size = link.bounding_box()
        assert size["height"] >= 48 and size["width"] >= 48

    expected = {
        "首页": "/",
        "活动": "/activities/",
        "扫一扫": "/scan/",
        "积分": "/me/points/",
        "我的": "/me/",
    }
    for label, path in expected.items():
        page.locator(".tab-bar").get_by_role("link", name=label).click()
        page.wait_for_load_state()
        assert page.url == f"{base}{path}", label
        assert current_tabs(page) == [label]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], label
        # The page's end is not hidden under the bar: scrolled down, the footer ends above it.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        footer = page.locator(".site-footer").bounding_box()
        assert footer["y"] + footer["height"] <= bar.bounding_box()["y"] + 1, label
        shoot(page, f"tab-{path.strip('/').replace('/', '-') or 'home'}")
    # No camera in the test browser: 扫一扫 said so and pointed to the album, quietly.
    assert [e for e in page.console_errors if "Permissions policy" in e] == []

    # Logging out stays within reach on a phone: on 我的.
    assert page.locator("form[action='/accounts/logout/'] button:visible").count() == 1


def test_an_organiser_has_the_workbench_in_the_tab_bar(live_server, town_site, wechat, shoot):
    base = live_server.url
    page = wechat(base=base)
    log_in(page, base, "leader")
    page.goto(f"{base}/activities/")

    assert tab_labels(page) == ["工作台", "活动", "扫一扫", "积分", "我的"]
    assert current_tabs(page) == ["活动"]
    page.locator(".tab-bar").get_by_role("link", name="工作台").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/me/#workbench"
    assert current_tabs(page) == ["我的"]
    shoot(page, "workbench")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_header_fits_a_phone_in_both_languages(live_server, town_site, wechat, language):
    base = live_server.url
    for who in (None, "volunteer", "leader"):
        page = wechat(language, base)
        if who:
            log_in(page, base, who)
        for path in ("/", "/activities/", "/me/" if who else "/accounts/login/"):
            page.goto(f"{base}{path}")
            where = f"{who} {language} {path}"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, where
            gap = page.evaluate(HEADER_GAP)
            assert gap["brandRight"] <= gap["navLeft"], where  # the title never runs under
            section_nav = page.locator(".section-nav").inner_text()
            if who:
                assert "加入我们" not in section_nav and "Join" not in section_nav, where
                assert page.locator(".tab-bar").is_visible(), where
            else:
                assert page.locator(".tab-bar").count() == 0, where


def test_a_desktop_keeps_the_header_and_shows_no_tab_bar(browser, live_server, town_site):
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    log_in(page, base, "volunteer")
    page.goto(f"{base}/activities/")
    assert page.locator(".tab-bar").count() == 1
    assert not page.locator(".tab-bar").is_visible()
    nav = page.locator(".site-nav")
    assert nav.get_by_role("link", name="我的").is_visible()
    assert nav.get_by_role("link", name="签到码").is_visible()
    assert nav.get_by_role("button", name="退出").is_visible()
    context.close()


def test_scan_reads_the_organisers_qr_picture_and_checks_in(
    live_server, town_site, wechat, make_activity, shoot, tmp_path
):
    volunteer, _leader = town_site
    base = live_server.url
    starts = timezone.now() - datetime.timedelta(minutes=5)
    activity = make_activity(
        title="阳关中路文明交通劝导", starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )
    organiser = wechat(base=base)
    log_in(organiser, base, "leader")
    png = organiser.request.get(f"{base}/activities/{activity.pk}/qr.png?mode=in")
    assert png.ok and png.headers["content-type"] == "image/png"
    picture = tmp_path / "签到码.png"
    picture.write_bytes(png.body())

    page = wechat(base=base)
    log_in(page, base, "volunteer")
    page.goto(f"{base}/scan/")
    assert current_tabs(page) == ["扫一扫"]
    shoot(page, "scan-page")
    with page.expect_navigation(url=f"{base}/c/**"):
        page.set_input_files("input[type=file]", str(picture))
    page.wait_for_load_state()
    assert "签到成功" in page.inner_text("main")
    assert Attendance.objects.filter(activity=activity, person=volunteer).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "checked-in")
    assert page.console_errors == []


def test_scan_refuses_a_code_that_is_not_an_activitys(live_server, town_site, wechat, tmp_path):
    base = live_server.url
    picture = tmp_path / "other.png"
    picture.write_bytes(qr_png("https://example.com"))
    page = wechat(base=base)
    log_in(page, base, "volunteer")
    page.goto(f"{base}/scan/")
    page.set_input_files("input[type=file]", str(picture))
    banner = page.locator("[data-banner]")
    banner.wait_for(state="visible")
    # Locators wait in Playwright's own world: a string to wait_for_function is an eval,
    # which the page's Content Security Policy refuses once it has to poll.
    page.locator("[data-banner-message]", has_text="不是本站").wait_for()
    assert "这不是本站的活动签到二维码" in banner.inner_text()
    assert page.url == f"{base}/scan/"  # nowhere else was opened

    # A picture without any code says so too.
    blank = tmp_path / "blank.png"
    blank.write_bytes(_white_png())
    page.set_input_files("input[type=file]", str(blank))
    page.locator("[data-banner-message]", has_text="没有找到二维码").wait_for()
    assert page.console_errors == []


def test_scan_without_camera_permission_points_to_the_album(live_server, town_site, wechat):
    base = live_server.url
    page = wechat(base=base)
    log_in(page, base, "volunteer")
    # The person said no when the browser asked for the camera.
    page.add_init_script(
        """navigator.mediaDevices.getUserMedia = () =>
             Promise.reject(new DOMException("Permission denied", "NotAllowedError"));"""
    )
    response = page.goto(f"{base}/scan/")
    assert "camera=(self)" in response.headers["permissions-policy"]
    status = page.locator("[data-camera-status]")
    page.locator("[data-camera-status]", has_text="没有摄像头权限").wait_for()
    assert "从相册选择" in status.inner_text()
    assert page.get_by_text("从相册选择 / 拍照", exact=True).first.is_visible()


def _white_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(buffer, format="PNG")
    return buffer.getvalue()
