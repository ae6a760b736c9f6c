"""A volunteer's whole walk in WeChat on a phone, as issue 17's "done when" tells it.

At 390×844 with WeChat's user agent, a volunteer opens the site, taps 活动, opens an
activity that starts in 20 minutes, signs up (已报名), taps 扫一扫 and picks the organiser's
real check-in QR picture (签到成功), later opens the activity again, taps 扫码签退 and picks
the check-out QR: the result page says whether the service counts and why not. Once the
activity is over and the check-out grace has passed, the finishing job runs as the beat
schedule runs it, and 我的 shows the new hours (or none, when the service was too short).

The server's clock travels (time_machine moves the whole process, the live server's thread
too); the browser keeps its own clock, which nothing here reads: tokens, windows and
sessions are all judged by the server. Every step and every tab (首页 活动 扫一扫 积分 我的)
is saved in var/screenshots/. The SMS-code login walk is tests/e2e/test_phone_login.py.
"""

import datetime
import re

import pytest
from django.utils import timezone

from demo import town as demo
from points.models import PointsEntry
from volunteers.models import Attendance, SignUp
from volunteers.services.closing import checkout_grace
from volunteers.tasks.activities import finish_due_activities

from .conftest import PHONE, log_in
from .test_site_pages import restore_migration_data

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    # The site pages' URLconf: the project's, plus the generated pictures under /media/.
    pytest.mark.urls("tests.e2e.test_site_pages"),
]

TITLE = "阳关中路文明交通劝导"


@pytest.fixture
def town_site(settings, tmp_path, town, make_person, person_with_role):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    restore_migration_data()
    demo.seed_site()  # 首页 is a Wagtail page
    volunteer = make_person(
        real_name="陈小燕", username="volunteer", home_grid=town.liyuan_grid1, phone_verified=True
    )
    person_with_role(
        "leader", town.liyuan, real_name="张志强", username="leader", phone_verified=True
    )
    return volunteer


def on_tab(page, label: str) -> None:
    """The page is ``label``'s: the tab bar marks it, and nothing is wider than the phone."""
    current = page.locator(".tab-bar [aria-current=page]").all_inner_texts()
    assert [text.strip() for text in current] == [label]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], label


def tab(page, label: str) -> None:
    """Tap ``label`` in the bottom tab bar and wait for its page."""
    page.locator(".tab-bar").get_by_role("link", name=label).click()
    page.wait_for_load_state()
    on_tab(page, label)


def shoot_tab(page, shoot, name: str) -> None:
    """The whole page, and the screen as the phone shows it (390×844, the tab bar at the foot)."""
    path = shoot(page, name)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path.with_name(f"{path.stem}-screen.png")))


def organisers_qr(organiser, base: str, activity, mode: str, folder) -> str:
    """The organiser's current QR picture for ``mode``, saved as a phone would keep it."""
    response = organiser.request.get(f"{base}/activities/{activity.pk}/qr.png?mode={mode}")
    assert response.ok and response.headers["content-type"] == "image/png"
    picture = folder / f"签{'到' if mode == 'in' else '退'}码.png"
    picture.write_bytes(response.body())
    return str(picture)


def pick_picture(page, base: str, picture: str) -> None:
    """On 扫一扫: tap 从相册选择 / 拍照 and choose the picture; the page goes to the code's URL."""
    with page.expect_file_chooser() as chooser:
        page.locator("label", has_text="从相册选择 / 拍照").click()
    with page.expect_navigation(url=f"{base}/c/**"):
        chooser.value.set_files(picture)
    page.wait_for_load_state()


def figure(page, name: str) -> str:
    """The text of the 我的 card's figure ``name``, without spaces."""
    return "".join(page.locator(f"[data-figure={name}]").inner_text().split())


@pytest.mark.parametrize(
    ("served", "counts"),
    [(100, True), (10, False)],
    ids=["long-enough-counts", "too-short-does-not-count"],
)
def test_a_volunteer_walks_from_the_home_page_to_the_hours_on_me(
    live_server, town_site, wechat, make_activity, shoot, tmp_path, time_machine, served, counts
):
    volunteer = town_site
    base = live_server.url
    # Starts in 20 minutes for two hours: sign-up is open until the start and check-in
    # already is (30 minutes before). 60 % of 120 minutes, 72, is the least that counts.
    starts = timezone.now() + datetime.timedelta(minutes=20)
    ends = starts + datetime.timedelta(hours=2)
    activity = make_activity(
        title=TITLE, signup_required=True, capacity=20, starts_at=starts, ends_at=ends
    )
    organiser = wechat()
    log_in(organiser, base, "leader")

    page = wechat()
    log_in(page, base, "volunteer")

    # 首页 → 活动 → the activity.
    page.goto(f"{base}/")
    on_tab(page, "首页")
    shoot_tab(page, shoot, "01-tab-home")
    tab(page, "活动")
    shoot_tab(page, shoot, "02-tab-activities")
    page.locator("main").get_by_role("link", name=TITLE).first.click()
    page.wait_for_load_state()
    assert page.url == f"{base}/activities/{activity.pk}/"
    assert page.locator("[data-state]").inner_text().strip() == "可报名"
    shoot(page, "03-activity")

    # 我要报名 → 已报名.
    page.get_by_role("button", name="我要报名").click()
    page.wait_for_load_state()
    assert page.locator("[data-state]").inner_text().strip() == "已报名"
    assert SignUp.objects.get(person=volunteer, activity=activity).status == SignUp.Status.CONFIRMED
    shoot(page, "04-signed-up")

    # 扫一扫 → the organiser's check-in QR from the album → 签到成功.
    tab(page, "扫一扫")
    shoot_tab(page, shoot, "05-tab-scan")
    pick_picture(page, base, organisers_qr(organiser, base, activity, "in", tmp_path))
    assert page.locator("h1").inner_text() == "签到成功"
    attendance = Attendance.objects.get(activity=activity, person=volunteer)
    shoot(page, "06-checked-in")

    # Later, on the server's clock: back to the activity, 扫码签退, the check-out QR.
    time_machine.move_to(starts + datetime.timedelta(minutes=served))
    page.get_by_role("link", name="查看活动").click()
    page.wait_for_load_state()
    checked_in = timezone.localtime(attendance.checked_in_at).strftime("%H:%M")
    assert page.locator("[data-state]").inner_text().strip() == f"进行中 · 已签到 {checked_in}"
    shoot(page, "07-running")
    page.locator("#signup").get_by_role("link", name="扫码签退").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/scan/"
    pick_picture(page, base, organisers_qr(organiser, base, activity, "out", tmp_path))
    assert page.locator("h1").inner_text() == "签退成功"
    outcome = " ".join(page.locator("#service-outcome").inner_text().split())
    attendance.refresh_from_db()
    assert attendance.minutes_served == served
    if counts:
        # 100 minutes: 1.7 hours and the points they bring, after the end and the grace.
        promise = re.search(r"预计计入 1\.7 小时、(\d+) 分。", outcome)
        assert promise, outcome
        assert "活动结束 30 分钟后入账" in outcome
        promised_points = int(promise.group(1))
        assert promised_points > 0
        # The sentence the ledger line will carry: the rule and how it rounds.
        explanation = page.locator("#service-outcome .muted").first.inner_text().strip()
        assert "1小时40分钟" in explanation and f"{promised_points}分" in explanation
    else:
        # 10 minutes: below the 72 the activity needs, and the page says so and why.
        assert "本次服务 10 分钟" in page.locator("main").inner_text()
        assert "未达到活动时长（120 分钟）的 60%（72 分钟）" in outcome, outcome
        assert "不计" in outcome and "积分" in outcome, outcome
        assert "预计计入" not in outcome
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "08-checked-out")

    # 我的, from the result page's own link: nothing is credited before the activity is over.
    page.get_by_role("link", name="我的", exact=True).click()
    page.wait_for_load_state()
    assert page.url == f"{base}/me/"
    assert figure(page, "hours") == "服务时长0小时累计"

    # The activity is over and the check-out grace has passed: the sweep the beat runs.
    time_machine.move_to(ends + checkout_grace() + datetime.timedelta(minutes=1))
    assert finish_due_activities() == 1
    attendance.refresh_from_db()
    assert attendance.finalised_at is not None

    tab(page, "积分")
    if counts:  # the ledger line says what the check-out page promised, in the same words
        assert explanation in page.locator("main").inner_text()
    shoot_tab(page, shoot, "09-tab-points")
    tab(page, "我的")
    shoot_tab(page, shoot, "10-tab-me")
    entries = PointsEntry.objects.filter(person=volunteer, activity=activity)
    if counts:
        assert figure(page, "hours") == "服务时长1.7小时累计"
        assert figure(page, "points").startswith(f"累计积分{promised_points}分")
        assert sum(entries.values_list("amount", flat=True)) == promised_points
    else:
        assert figure(page, "hours") == "服务时长0小时累计"
        assert not entries.exists()
    assert page.console_errors == []
    assert organiser.console_errors == []
