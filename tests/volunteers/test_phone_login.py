"""Logging in on a phone: 验证码登录 or 密码登录 one tap apart, staying logged in for 30 days.

The two modes are two pages joined by a tab switch made of links. Both carry the box
在这台设备上保持登录, ticked by default: ticked, the session cookie lasts 30 days; unticked
(a shared device), it ends when the browser closes.
"""

import re

import pytest
from django.test import Client, override_settings

from core.sms import LocmemSMSBackend

LOGIN_URL = "/accounts/login/"
CODE_URL = "/accounts/login/code/"
CONFIRM_URL = "/accounts/login/code/confirm/"
THIRTY_DAYS = 30 * 24 * 3600


@pytest.fixture
def sms_outbox():
    LocmemSMSBackend.outbox.clear()
    with override_settings(SMS_BACKEND="core.sms.LocmemSMSBackend"):
        yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def owner(make_person):
    return make_person(
        real_name="马兰花", phone="13812345678", username="malh", phone_verified=True
    )


def sms_code(message: dict) -> str:
    match = re.search(r"验证码 (\d{6})", message["message"])
    assert match, message
    return match.group(1)


def page(response) -> str:
    return response.content.decode()


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def session_cookie(response):
    return response.cookies["sessionid"]


def log_in_by_code(client, phone="13812345678", *, remember=True, sms_outbox, next_url=""):
    data = {"phone": phone, **({"remember": "on"} if remember else {})}
    suffix = f"?next={next_url}" if next_url else ""
    asked = client.post(CODE_URL + suffix, data)
    assert asked.status_code == 302 and asked.url.startswith(CONFIRM_URL), page(asked)
    return client.post(CONFIRM_URL + suffix, {"code": sms_code(sms_outbox[-1])})


# --- The page ---------------------------------------------------------------------


def test_the_login_page_offers_both_modes_one_tap_apart(client, db):
    body = page(client.get(LOGIN_URL + "?next=/me/points/"))

    tabs = re.search(r'<nav class="login-modes".*?</nav>', body, re.S).group(0)
    assert '<a class="login-modes__tab" href="/accounts/login/code/?next=/me/points/">' in tabs
    assert "验证码登录" in tabs
    assert re.search(
        r'href="/accounts/login/\?next=/me/points/" aria-current="page">密码登录', tabs
    )
    assert 'name="password"' in body


def test_the_code_mode_asks_for_the_phone_with_a_phone_keyboard_and_remembers_by_default(
    client, db
):
    body = page(client.get(CODE_URL))

    phone = re.search(r"<input[^>]*name=\"phone\"[^>]*>", body).group(0)
    assert 'type="tel"' in phone and 'inputmode="tel"' in phone
    assert 'autocomplete="tel-national"' in phone
    remember = re.search(r"<input[^>]*name=\"remember\"[^>]*>", body).group(0)
    assert "checked" in remember
    assert "在这台设备上保持登录" in body and "公用设备请取消勾选" in body
    assert re.search(r'href="/accounts/login/code/" aria-current="page">验证码登录', body)
    assert "获取验证码" in body
    assert 'name="password"' not in body


def test_the_password_mode_remembers_by_default_too(client, db):
    body = page(client.get(LOGIN_URL))

    remember = re.search(r"<input[^>]*name=\"remember\"[^>]*>", body).group(0)
    assert "checked" in remember
    assert "公用设备请取消勾选" in body


def test_a_bad_phone_number_is_explained_in_chinese(client, db, sms_outbox):
    response = client.post(CODE_URL, {"phone": "12345", "remember": "on"})

    assert response.status_code == 200
    assert "手机号" in page(response) and 'class="field field--error"' in page(response)
    assert sms_outbox == []


# --- Staying logged in ----------------------------------------------------------------


def test_a_password_login_with_the_box_ticked_lasts_thirty_days(client, owner):
    response = client.post(
        LOGIN_URL, {"login": "13812345678", "password": "shazhou2026", "remember": "on"}
    )

    assert response.url == "/me/"
    assert session_cookie(response)["max-age"] == THIRTY_DAYS
    assert client.session.get_expiry_age() == THIRTY_DAYS


def test_a_password_login_on_a_shared_device_ends_with_the_browser(client, owner):
    response = client.post(LOGIN_URL, {"login": "13812345678", "password": "shazhou2026"})

    assert response.url == "/me/"
    assert session_cookie(response)["max-age"] == ""
    assert session_cookie(response)["expires"] == ""
    assert client.session.get_expire_at_browser_close()


# --- 验证码登录 -----------------------------------------------------------------------


def test_a_code_login_lands_on_my_page_and_lasts_thirty_days(client, owner, sms_outbox):
    response = log_in_by_code(client, sms_outbox=sms_outbox)

    assert response.status_code == 302 and response.url == "/me/"
    assert logged_in_user_id(client) == str(owner.user_id)
    assert session_cookie(response)["max-age"] == THIRTY_DAYS
    assert sms_outbox[-1]["phone"] == "13812345678"
    assert "5分钟内有效" in sms_outbox[-1]["message"]  # the login code's own lifetime
    assert "马兰花" in page(client.get("/me/"))


def test_a_code_login_on_a_shared_device_ends_with_the_browser(client, owner, sms_outbox):
    response = log_in_by_code(client, remember=False, sms_outbox=sms_outbox)

    assert logged_in_user_id(client) == str(owner.user_id)
    assert session_cookie(response)["max-age"] == ""
    assert client.session.get_expire_at_browser_close()


def test_the_code_page_names_the_masked_number_and_returns_to_the_page_asked_for(
    client, owner, sms_outbox
):
    asked = client.post(CODE_URL + "?next=/me/points/", {"phone": "138 1234 5678"}, follow=True)
    body = page(asked)
    assert "验证码已发送到 138****5678" in body
    assert "13812345678" not in body
    assert 'autocomplete="one-time-code"' in body and 'inputmode="numeric"' in body

    response = client.post(CONFIRM_URL + "?next=/me/points/", {"code": sms_code(sms_outbox[-1])})

    assert response.url == "/me/points/"


def test_a_wrong_code_is_refused_in_chinese(client, owner, sms_outbox):
    client.post(CODE_URL, {"phone": "13812345678", "remember": "on"})

    response = client.post(CONFIRM_URL, {"code": "000000"})

    assert response.status_code == 200
    assert "验证码不正确" in page(response)
    assert logged_in_user_id(client) is None


def test_a_second_code_within_a_minute_is_refused_and_not_sent(client, owner, sms_outbox):
    client.post(CODE_URL, {"phone": "13812345678", "remember": "on"})
    other_browser = Client()

    response = other_browser.post(CODE_URL, {"phone": "13812345678", "remember": "on"})

    assert response.status_code == 200
    assert "获取验证码太频繁，请稍后再试" in page(response)
    assert len(sms_outbox) == 1


def test_an_unknown_number_gets_the_same_answer_and_logs_nobody_in(db, owner, sms_outbox):
    known = Client().post(CODE_URL, {"phone": "13812345678", "remember": "on"})
    stranger = Client()
    unknown = stranger.post(CODE_URL, {"phone": "13900001111", "remember": "on"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == CONFIRM_URL
    assert "尚未注册" in sms_outbox[-1]["message"]
    assert logged_in_user_id(stranger) is None
