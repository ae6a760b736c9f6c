"""验证码登录 in WeChat's browser on a phone: one tap to the code mode, the code from the SMS,
and the person stays logged in on this device for 30 days."""

import re

import pytest

from .conftest import PHONE, WECHAT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

THIRTY_DAYS = 30 * 24 * 3600


@pytest.fixture
def wechat(browser):
    context = browser.new_context(
        viewport=PHONE, user_agent=WECHAT, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    yield page
    context.close()


def test_a_volunteer_logs_in_with_an_sms_code_and_stays_logged_in_for_thirty_days(
    live_server, wechat, shoot, make_person, town, sms_outbox
):
    make_person(
        real_name="马兰花",
        phone="13812345678",
        home_grid=town.liyuan_grid1,
        phone_verified=True,
    )
    page = wechat
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    shoot(page, "password-mode")
    page.get_by_role("link", name="验证码登录").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/accounts/login/code/"
    remember = page.get_by_label("在这台设备上保持登录")
    assert remember.is_checked()
    assert "公用设备请取消勾选" in page.inner_text("main")
    phone_field = page.get_by_label("手机号", exact=True)
    assert phone_field.get_attribute("inputmode") == "tel"
    phone_field.fill("138 1234 5678")
    shoot(page, "code-mode")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_load_state()

    assert "验证码已发送到 138****5678" in page.inner_text("main")
    code = re.search(r"验证码 (\d{6})", sms_outbox[-1]["message"]).group(1)
    code_field = page.get_by_label("短信验证码")
    assert code_field.get_attribute("autocomplete") == "one-time-code"
    code_field.fill(code)
    shoot(page, "enter-code")
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()

    assert page.url == f"{base}/me/"
    assert "马兰花" in page.inner_text("main")
    shoot(page, "me")
    session = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    # The browser turns the cookie's Max-Age into a date by its own clock, which .ci/run's
    # libfaketime does not move (tests/e2e/conftest.py): compare with the browser's now.
    browser_now = page.evaluate("Date.now() / 1000")
    assert abs(session["expires"] - (browser_now + THIRTY_DAYS)) < 3600
    assert page.console_errors == []
