"""Signing in through the API, seen by a mini-program: password, SMS code, refresh, logout,
the person's sign-ins; with the web login's limits and no way to tell who has an account."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.models import ApiSession
from api.services import signin

pytestmark = pytest.mark.django_db

PASSWORD_URL = "/api/v1/auth/login/password"
SMS_URL = "/api/v1/auth/login/sms"
VERIFY_URL = "/api/v1/auth/login/sms/verify"
REFRESH_URL = "/api/v1/auth/refresh"
PHONE = "13812345678"


@pytest.fixture
def owner(make_person):
    return make_person(real_name="马兰花", phone=PHONE, phone_verified=True)


def code_in(message: dict) -> str:
    match = re.search(r"验证码 (\d{6})", message["message"])
    assert match, message
    return match.group(1)


def bearer(access: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def password_login(api_client, phone=PHONE, password="shazhou2026", **extra):
    return api_client.post(PASSWORD_URL, {"phone": phone, "password": password, **extra})


def ask_code(api_client, phone=PHONE):
    return api_client.post(SMS_URL, {"phone": phone})


# --- 手机号和密码 --------------------------------------------------------------------------


def test_a_password_login_answers_a_pair_that_opens_my_account(api_client, owner):
    response = password_login(api_client, phone="+86 138 1234 5678", device_name="马兰花的手机")

    assert response.status_code == 200
    pair = response.json()
    assert pair["token_type"] == "Bearer"
    assert pair["access_token"].startswith("sza_") and pair["refresh_token"].startswith("szr_")
    assert pair["access_expires_at"].endswith("+08:00")
    me = api_client.get("/api/v1/me", **bearer(pair["access_token"]))
    assert me.json()["real_name"] == "马兰花"
    session = ApiSession.objects.get(pk=pair["session_id"])
    assert (session.user, session.method, session.name) == (owner.user, "password", "马兰花的手机")
    assert session.access_digest != pair["access_token"]  # kept as a digest only


def test_a_wrong_password_and_an_unknown_number_are_refused_alike(api_client, owner):
    wrong = password_login(api_client, password="not-the-password")
    unknown = password_login(api_client, phone="13900000000")

    for response in (wrong, unknown):
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_login"
        assert response.json()["message"] == "账号或密码不正确，请重新输入。"


def test_five_failures_lock_the_number_as_on_the_login_page(api_client, owner):
    for _ in range(5):
        assert password_login(api_client, password="guess").json()["code"] == "invalid_login"

    locked = password_login(api_client)  # even the right password, for a while
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_login_attempts"
    assert "短信验证码" in locked.json()["message"]


def test_the_login_limit_per_address_applies(api_client, owner, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    assert password_login(api_client).status_code == 200
    assert password_login(api_client).status_code == 200

    response = password_login(api_client)
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_login_attempts"


def test_an_inactive_account_is_refused_as_on_the_login_page(api_client, owner):
    owner.user.is_active = False
    owner.user.save()

    response = password_login(api_client)
    assert response.status_code == 403
    assert response.json()["code"] == "account_inactive"
    assert not ApiSession.objects.exists()


def test_an_unproven_number_must_first_sign_in_by_sms(api_client, make_person, sms_outbox):
    make_person(phone=PHONE, phone_verified=False)

    refused = password_login(api_client)
    assert refused.status_code == 403
    assert refused.json()["code"] == "phone_unverified"

    challenge = ask_code(api_client).json()["challenge"]
    verified = api_client.post(
        VERIFY_URL, {"challenge": challenge, "code": code_in(sms_outbox[-1])}
    )
    assert verified.status_code == 200
    assert password_login(api_client).status_code == 200


def test_a_malformed_phone_is_a_400_on_the_field(api_client, db):
    response = password_login(api_client, phone="12345")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_phone"
    assert response.json()["detail"] == {"field": "phone"}


# --- 短信验证码 ---------------------------------------------------------------------------


def test_a_code_login_sends_the_web_sms_and_signs_in(api_client, owner, sms_outbox):
    asked = ask_code(api_client)

    assert asked.status_code == 202
    assert asked.json()["sent"] is True and asked.json()["expires_in"] == 300
    assert sms_outbox[-1]["phone"] == PHONE
    assert "【美丽沙州】验证码" in sms_outbox[-1]["message"]
    assert "5分钟内有效" in sms_outbox[-1]["message"]
    response = api_client.post(
        VERIFY_URL,
        {
            "challenge": asked.json()["challenge"],
            "code": code_in(sms_outbox[-1]),
            "device_name": "小程序",
        },
    )
    assert response.status_code == 200
    session = ApiSession.objects.get(pk=response.json()["session_id"])
    assert (session.user, session.method) == (owner.user, "sms")
    me = api_client.get("/api/v1/me", **bearer(response.json()["access_token"]))
    assert me.json()["phone"] == PHONE


def test_a_number_without_an_account_gets_the_same_answer(api_client, owner, sms_outbox):
    known = ask_code(api_client)
    unknown = ask_code(api_client, phone="13900000000")

    assert unknown.status_code == known.status_code == 202
    assert set(unknown.json()) == set(known.json())
    assert unknown.json()["expires_in"] == known.json()["expires_in"]
    assert "尚未注册" in sms_outbox[-1]["message"]
    # Whatever code is tried, no account comes out of it.
    response = api_client.post(
        VERIFY_URL, {"challenge": unknown.json()["challenge"], "code": "123456"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "incorrect_code"


def test_one_code_a_minute_per_number(api_client, owner, sms_outbox):
    assert ask_code(api_client).status_code == 202

    again = ask_code(api_client)
    assert again.status_code == 429
    assert again.json()["code"] == "too_many_codes"
    assert len(sms_outbox) == 1


def test_a_wrong_code_is_refused_and_three_end_the_challenge(api_client, owner, sms_outbox):
    challenge = ask_code(api_client).json()["challenge"]
    right = code_in(sms_outbox[-1])
    wrong = "000000" if right != "000000" else "111111"

    for _ in range(3):
        response = api_client.post(VERIFY_URL, {"challenge": challenge, "code": wrong})
        assert response.status_code == 400
        assert response.json()["code"] == "incorrect_code"
        assert "验证码不正确" in response.json()["message"]

    dead = api_client.post(VERIFY_URL, {"challenge": challenge, "code": right})
    assert dead.status_code == 410
    assert dead.json()["code"] == "code_expired"
    assert not ApiSession.objects.exists()


def test_a_code_is_good_once(api_client, owner, sms_outbox):
    challenge = ask_code(api_client).json()["challenge"]
    data = {"challenge": challenge, "code": code_in(sms_outbox[-1])}

    assert api_client.post(VERIFY_URL, data).status_code == 200
    again = api_client.post(VERIFY_URL, data)
    assert again.status_code == 410
    assert again.json()["code"] == "code_expired"


def test_a_code_expires_after_five_minutes(api_client, owner, sms_outbox):
    challenge = ask_code(api_client).json()["challenge"]
    code = code_in(sms_outbox[-1])

    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=5)):
        response = api_client.post(VERIFY_URL, {"challenge": challenge, "code": code})
    assert response.status_code == 410
    assert response.json()["code"] == "code_expired"


def test_a_forged_challenge_is_refused(api_client, owner):
    response = api_client.post(VERIFY_URL, {"challenge": "made-up", "code": "123456"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_challenge"


# --- 换新令牌、退出、登录设备 -----------------------------------------------------------------


def test_a_refresh_answers_a_new_pair_and_ends_the_old_one(api_client, owner):
    first = password_login(api_client).json()

    response = api_client.post(REFRESH_URL, {"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.json()
    assert second["session_id"] == first["session_id"]
    assert second["access_token"] != first["access_token"]
    assert api_client.get("/api/v1/me", **bearer(first["access_token"])).status_code == 401
    assert api_client.get("/api/v1/me", **bearer(second["access_token"])).status_code == 200


def test_an_unknown_refresh_token_is_a_404(api_client, db):
    response = api_client.post(REFRESH_URL, {"refresh_token": "szr_nothing"})
    assert response.status_code == 404
    assert response.json()["code"] == "invalid_refresh_token"


def test_refreshing_is_limited_per_address(api_client, db, monkeypatch):
    monkeypatch.setattr(signin, "REFRESH_PER_MINUTE", 2)
    for _ in range(2):
        assert api_client.post(REFRESH_URL, {"refresh_token": "szr_x"}).status_code == 404

    response = api_client.post(REFRESH_URL, {"refresh_token": "szr_x"})
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"


def test_logout_ends_the_pair(api_client, owner):
    pair = password_login(api_client).json()

    response = api_client.post("/api/v1/auth/logout", **bearer(pair["access_token"]))
    assert response.status_code == 204
    assert api_client.get("/api/v1/me", **bearer(pair["access_token"])).status_code == 401
    refused = api_client.post(REFRESH_URL, {"refresh_token": pair["refresh_token"]})
    assert refused.status_code == 410
    assert refused.json()["code"] == "token_revoked"
    assert ApiSession.objects.get().revoked_reason == "logout"


def test_my_sessions_list_the_live_ones_and_mark_this_one(signed_in, owner):
    phone = signed_in(owner.user, name="马兰花的手机")
    tablet = signed_in(owner.user, method="sms", name="平板")
    ended = signed_in(owner.user, name="旧手机")
    ended.post("/api/v1/auth/logout")
    signed_in(owner.user.__class__.objects.create_user(username="someone-else"))

    response = phone.get("/api/v1/auth/sessions")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_name = {item["name"]: item for item in body["items"]}
    assert set(by_name) == {"马兰花的手机", "平板"}
    assert by_name["马兰花的手机"]["current"] is True
    assert by_name["平板"] == {
        **by_name["平板"],
        "id": tablet.issued.token.pk,
        "method": "sms",
        "method_label": "短信验证码",
        "current": False,
    }


def test_i_can_end_another_of_my_sessions_but_not_someone_elses(signed_in, owner, make_person):
    phone = signed_in(owner.user)
    lost = signed_in(owner.user, name="丢了的手机")
    stranger = signed_in(make_person().user)

    response = phone.post(f"/api/v1/auth/sessions/{lost.issued.token.pk}/revoke")
    assert response.status_code == 200
    assert response.json()["id"] == lost.issued.token.pk
    assert response.json()["revoked_at"].endswith("+08:00")
    assert lost.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 200

    refused = phone.post(f"/api/v1/auth/sessions/{stranger.issued.token.pk}/revoke")
    assert refused.status_code == 404
    assert refused.json()["code"] == "token_not_found"
    assert stranger.get("/api/v1/me").status_code == 200


def test_a_retried_revoke_with_the_same_key_answers_the_first_answer(signed_in, owner):
    phone = signed_in(owner.user)
    lost = signed_in(owner.user, name="丢了的手机")
    url = f"/api/v1/auth/sessions/{lost.issued.token.pk}/revoke"

    first = phone.post(url, HTTP_IDEMPOTENCY_KEY="revoke-lost-phone")
    revoked_at = ApiSession.objects.get(pk=lost.issued.token.pk).revoked_at
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        again = phone.post(url, HTTP_IDEMPOTENCY_KEY="revoke-lost-phone")

    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ApiSession.objects.get(pk=lost.issued.token.pk).revoked_at == revoked_at


def test_the_schema_names_each_sign_in_operation(api_client, db):
    schema = api_client.get("/api/v1/openapi.json").json()
    names = {
        operation["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/auth/")
        for operation in item.values()
    }
    assert names >= {
        "login_password",
        "login_sms_request",
        "login_sms_verify",
        "login_wechat",
        "login_wechat_bind",
        "token_refresh",
        "logout",
        "sessions_list",
        "session_revoke",
    }
