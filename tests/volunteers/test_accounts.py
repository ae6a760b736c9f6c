"""Signing up, verifying the phone, logging in and resetting a password, as a person does it."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from core.sms import LocmemSMSBackend
from volunteers.models import AuditEvent, Person

User = get_user_model()

PASSWORD = "Dunhuang-mogao-1987"
SIGNUP_URL = "/accounts/signup/"
LOGIN_URL = "/accounts/login/"
VERIFY_URL = "/accounts/phone/verify/"
RESET_URL = "/accounts/password/reset/"


@pytest.fixture
def sms_outbox():
    """SMS go to a list instead of a gateway; each test starts with it empty."""
    LocmemSMSBackend.outbox.clear()
    with override_settings(SMS_BACKEND="core.sms.LocmemSMSBackend"):
        yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


def sms_code(message: dict) -> str:
    match = re.search(r"验证码 (\d{6})", message["message"])
    assert match, message
    return match.group(1)


def signup(client, *, phone="13912345678", real_name="李桂兰", **extra):
    data = {
        "real_name": real_name,
        "phone": phone,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "username": "",
        "email": "",
        **extra,
    }
    return client.post(SIGNUP_URL, data)


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def page(response) -> str:
    return response.content.decode()


def without_phone_and_token(html: str) -> str:
    return re.sub(r'1\d\d\*{4}\d{4}|name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# --- Signing up ---------------------------------------------------------------


def test_signing_up_by_phone_registers_the_person_and_the_sms_code_verifies_the_phone(
    client, db, sms_outbox
):
    response = signup(client, phone="139 1234 5678", real_name="李桂兰")

    assert response.status_code == 302
    assert response.url == VERIFY_URL
    # Not in yet, and nothing held: no person until the code proves the phone.
    assert logged_in_user_id(client) is None
    assert not Person.objects.filter(phone="13912345678").exists()

    verify_page = page(client.get(VERIFY_URL))
    assert "验证手机号" in verify_page
    assert "139****5678" in verify_page
    assert len(sms_outbox) == 1
    assert sms_outbox[0]["phone"] == "13912345678"
    assert sms_outbox[0]["message"].startswith("【美丽沙州】")

    response = client.post(VERIFY_URL, {"code": sms_code(sms_outbox[0])}, follow=True)

    person = Person.objects.get(phone="13912345678")
    assert person.real_name == "李桂兰"
    assert re.fullmatch(r"SZ[2-9A-HJ-NP-Z]{8}", person.volunteer_number)
    assert person.phone_verified is True
    assert logged_in_user_id(client) == str(person.user_id)
    # No home grid yet: on to choosing a community and grid (加入申请).
    assert response.redirect_chain[-1][0] == "/me/join/"
    me_page = page(response)
    assert "李桂兰" in me_page
    assert person.volunteer_number in me_page
    assert "验证成功" in me_page


def test_a_wrong_sms_code_is_refused_in_chinese_and_the_phone_stays_unverified(
    client, db, sms_outbox
):
    signup(client)
    right_code = sms_code(sms_outbox[0])
    wrong_code = "000000" if right_code != "000000" else "111111"

    response = client.post(VERIFY_URL, {"code": wrong_code})

    assert response.status_code == 200
    assert "验证码不正确" in page(response)
    assert not Person.objects.filter(phone="13912345678").exists()
    assert logged_in_user_id(client) is None


def test_a_bad_phone_number_at_signup_is_explained_next_to_the_field_and_nothing_is_written(
    client, db, sms_outbox
):
    response = signup(client, phone="1391234")

    assert response.status_code == 200
    body = page(response)
    error_list = re.search(r'<ul class="errorlist" id="id_phone_error">(.*?)</ul>', body, re.S)
    assert error_list, "the error belongs to the phone field"
    assert "请输入正确的11位手机号码" in error_list.group(1)
    assert 'aria-invalid="true"' in body
    assert User.objects.count() == 0
    assert Person.objects.count() == 0
    assert sms_outbox == []


def test_signup_requires_a_real_name(client, db, sms_outbox):
    response = signup(client, real_name="  ")

    assert response.status_code == 200
    assert "请填写真实姓名" in page(response)
    assert Person.objects.count() == 0


def test_signing_up_with_a_registered_phone_reveals_nothing_and_creates_no_second_person(
    client, db, make_person, sms_outbox
):
    owner = make_person(real_name="王秀英", phone="13812345678", phone_verified=True)
    users_before = User.objects.count()

    registered = signup(client, phone="13812345678", real_name="冒名者")
    registered_page = page(client.get(VERIFY_URL))
    client.logout()
    fresh = signup(client, phone="13712345678", real_name="新用户")
    fresh_page = page(client.get(VERIFY_URL))

    # Both answers look the same from the outside.
    assert registered.status_code == fresh.status_code == 302
    assert registered.url == fresh.url == VERIFY_URL
    assert without_phone_and_token(registered_page) == without_phone_and_token(fresh_page)
    # But only the new number got an account; the owner's number got a notice, not a code.
    assert User.objects.count() == users_before + 1
    assert Person.objects.filter(phone="13812345678").get() == owner
    owner.refresh_from_db()
    assert owner.real_name == "王秀英"
    to_owner = [m for m in sms_outbox if m["phone"] == "13812345678"]
    assert len(to_owner) == 1
    assert "已有账号" in to_owner[0]["message"]
    assert not re.search(r"\d{6}", to_owner[0]["message"])


def test_a_roster_entry_is_claimed_only_once_the_code_proves_the_phone(
    client, db, make_person, town, sms_outbox
):
    roster_entry = make_person(
        real_name="赵建国", phone="13612345678", with_user=False, home_grid=town.liyuan_grid1
    )

    signup(client, phone="13612345678", real_name="赵建国")

    roster_entry.refresh_from_db()
    assert roster_entry.user is None  # knowing the number is not enough
    assert not AuditEvent.objects.filter(action="person.claim").exists()

    client.post(VERIFY_URL, {"code": sms_code(sms_outbox[0])})

    roster_entry.refresh_from_db()
    assert Person.objects.count() == 1
    assert roster_entry.user is not None and roster_entry.phone_verified is True
    assert AuditEvent.objects.filter(action="person.claim", extra__person_id=roster_entry.pk)
    me_page = page(client.get("/me/"))
    assert "梨园社区第1网格" in me_page


def test_a_roster_entry_marked_verified_still_needs_the_sms_code(
    client, db, make_person, sms_outbox
):
    make_person(real_name="赵建国", phone="13612345678", with_user=False, phone_verified=True)

    response = signup(client, phone="13612345678", real_name="赵建国")

    assert response.url == VERIFY_URL
    entry = Person.objects.get(phone="13612345678")
    assert entry.user is None and entry.phone_verified is True  # as the community recorded it
    assert logged_in_user_id(client) is None


def test_sign_up_asks_no_username_and_makes_one_nobody_can_guess(client, db, sms_outbox):
    form = page(client.get(SIGNUP_URL))
    assert 'name="username"' not in form

    User.objects.create_user(username="chenxy", password=PASSWORD)
    signup(client, username="chenxy")  # a posted username is ignored, taken or not

    made = User.objects.exclude(username="chenxy").get()
    assert re.fullmatch(r"sz[0-9a-f]{10}", made.username)


# --- Logging in -----------------------------------------------------------------


@pytest.fixture
def volunteer(make_person):
    return make_person(
        real_name="陈晓燕", phone="13812345678", username="chenxy", phone_verified=True
    )


@pytest.mark.parametrize("login", ["13812345678", "138 1234 5678", "+86 13812345678"])
def test_a_person_logs_in_with_phone_and_password(client, volunteer, login):
    response = client.post(LOGIN_URL, {"login": login, "password": "shazhou2026"}, follow=True)

    assert logged_in_user_id(client) == str(volunteer.user_id)
    assert response.redirect_chain[-1][0] == "/me/"
    assert "陈晓燕" in page(response)


def test_a_person_logs_in_with_username_and_password(client, volunteer):
    response = client.post(LOGIN_URL, {"login": "chenxy", "password": "shazhou2026"})

    assert response.status_code == 302
    assert response.url == "/me/"
    assert logged_in_user_id(client) == str(volunteer.user_id)


def test_a_wrong_password_gives_a_chinese_error_and_no_session(client, volunteer):
    response = client.post(LOGIN_URL, {"login": "13812345678", "password": "wrong-password"})

    assert response.status_code == 200
    assert "账号或密码不正确" in page(response)
    assert logged_in_user_id(client) is None


def test_an_unknown_phone_gets_the_same_answer_as_a_wrong_password(client, volunteer):
    unknown = client.post(LOGIN_URL, {"login": "13700000000", "password": "wrong-password"})
    wrong = client.post(LOGIN_URL, {"login": "13812345678", "password": "wrong-password"})

    assert "账号或密码不正确" in page(unknown)
    assert "账号或密码不正确" in page(wrong)


def test_logging_in_with_an_unverified_phone_asks_for_the_sms_code_first(
    client, make_person, sms_outbox
):
    person = make_person(phone="13812345678", username="unverified")

    response = client.post(LOGIN_URL, {"login": "unverified", "password": "shazhou2026"})

    assert response.url == VERIFY_URL
    assert logged_in_user_id(client) is None
    client.post(VERIFY_URL, {"code": sms_code(sms_outbox[-1])})
    assert logged_in_user_id(client) == str(person.user_id)


def test_a_second_code_within_a_minute_leaves_the_person_on_the_code_page(
    client, make_person, sms_outbox
):
    make_person(phone="13812345678", username="unverified")
    client.post(LOGIN_URL, {"login": "unverified", "password": "shazhou2026"})
    client.post("/accounts/logout/", {"next": LOGIN_URL})

    response = client.post(
        LOGIN_URL, {"login": "unverified", "password": "shazhou2026"}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == VERIFY_URL
    assert "操作太频繁" in page(response)
    assert len(sms_outbox) == 1


def test_repeated_failures_on_one_account_lock_it_for_a_while(client, volunteer):
    for _attempt in range(5):
        client.post(LOGIN_URL, {"login": "13812345678", "password": "wrong-password"})

    response = client.post(LOGIN_URL, {"login": "13812345678", "password": "shazhou2026"})

    assert "尝试次数过多" in page(response)
    assert logged_in_user_id(client) is None


def test_the_login_rate_limit_answers_429_in_chinese(client, db):
    responses = [
        client.post(LOGIN_URL, {"login": f"user{n}", "password": "wrong-password"})
        for n in range(31)
    ]

    assert {r.status_code for r in responses[:30]} == {200}
    assert responses[30].status_code == 429
    assert "操作太频繁" in page(responses[30])


def test_an_operator_account_without_a_person_can_still_log_in(client, django_user_model):
    django_user_model.objects.create_user(username="operator", password="shazhou2026")

    response = client.post(LOGIN_URL, {"login": "operator", "password": "shazhou2026"})

    assert response.url == "/me/"
    assert logged_in_user_id(client) is not None


def test_the_login_page_labels_every_field_in_chinese(client, db):
    body = page(client.get(LOGIN_URL))

    assert '<label class="field__label" for="id_login">手机号或用户名</label>' in body
    assert '<label class="field__label" for="id_password">密码</label>' in body
    assert "忘记密码" in body


# --- Logging out, changing the password -----------------------------------------


def test_logging_out_asks_first_then_ends_the_session(client, volunteer):
    client.force_login(volunteer.user)

    confirm = client.get("/accounts/logout/")
    assert "确定要退出吗" in page(confirm)
    assert logged_in_user_id(client) is not None

    client.post("/accounts/logout/")
    assert logged_in_user_id(client) is None


def test_changing_the_password_needs_the_current_one(client, volunteer):
    client.force_login(volunteer.user)

    refused = client.post(
        "/accounts/password/change/",
        {"oldpassword": "not-it", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "当前密码不正确" in page(refused)

    client.post(
        "/accounts/password/change/",
        {"oldpassword": "shazhou2026", "password1": PASSWORD, "password2": PASSWORD},
    )
    volunteer.user.refresh_from_db()
    assert volunteer.user.check_password(PASSWORD)


# --- Forgotten password ------------------------------------------------------------


def test_a_forgotten_password_is_reset_with_an_sms_code(client, volunteer, sms_outbox):
    response = client.post(RESET_URL, {"phone": "138 1234 5678"})
    assert response.url == "/accounts/password/reset/confirm/"
    assert "138****5678" in page(client.get(response.url))
    code = sms_code(sms_outbox[-1])
    assert "找回密码" in sms_outbox[-1]["message"]

    response = client.post(response.url, {"code": code})
    assert response.url == "/accounts/password/reset/complete/"
    response = client.post(response.url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert "密码已更新" in page(client.get(response.url))

    client.post(LOGIN_URL, {"login": "13812345678", "password": PASSWORD})
    assert logged_in_user_id(client) == str(volunteer.user_id)


def test_password_reset_for_an_unknown_number_looks_the_same_and_sends_no_code(
    client, volunteer, sms_outbox
):
    unknown = client.post(RESET_URL, {"phone": "13700000000"})
    unknown_page = page(client.get(unknown.url))

    assert unknown.url == "/accounts/password/reset/confirm/"
    assert "137****0000" in unknown_page
    assert "验证码已经发到这个号码" in unknown_page
    assert len(sms_outbox) == 1
    assert "尚未注册" in sms_outbox[0]["message"]
    assert not re.search(r"\d{6}", sms_outbox[0]["message"])
    refused = client.post(unknown.url, {"code": "123456"})
    assert "验证码不正确" in page(refused)


def test_password_reset_codes_are_limited_to_one_a_minute_per_number(client, volunteer, sms_outbox):
    client.post(RESET_URL, {"phone": "13812345678"})
    again = client.post(RESET_URL, {"phone": "13812345678"})

    assert again.status_code == 429
    assert len(sms_outbox) == 1


def test_a_too_short_password_is_explained_in_chinese(client, db, sms_outbox):
    response = client.post(
        SIGNUP_URL,
        {"real_name": "李桂兰", "phone": "13912345678", "password1": "Ab1!", "password2": "Ab1!"},
    )

    assert response.status_code == 200
    assert "密码太短，至少需要 8 个字符" in page(response)
    assert "too short" not in page(response)
    assert User.objects.count() == 0
