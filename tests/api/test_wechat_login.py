"""微信小程序登录 against a fake WeChat started by the test (no internet): wx.login's code
goes to jscode2session with our app id and secret; a bound openid signs in, an unbound one
gets a ticket that an SMS code turns into a binding."""

import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone

from api.models import ApiSession, WeChatBinding
from api.services import signin

pytestmark = pytest.mark.django_db

APP_ID = "wx1234567890abcdef"
SECRET = "test-app-secret"
WECHAT_URL = "/api/v1/auth/login/wechat"
BIND_URL = "/api/v1/auth/login/wechat/bind"
PHONE = "13812345678"


@pytest.fixture
def fake_wechat(settings, monkeypatch):
    """A WeChat on 127.0.0.1: ``codes`` maps a wx.login code to its openid; ``seen`` holds
    each query it received; ``mode`` "down" answers 502, "slow" sleeps past the timeout,
    "garbage" answers something that is not JSON."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    state = SimpleNamespace(codes={}, seen=[], mode="ok")

    class WeChat(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            state.seen.append({"path": url.path, **query})
            if state.mode == "down":
                self.send_error(502)
                return
            if state.mode == "slow":
                time.sleep(1)
            if state.mode == "garbage":
                body = b"<html>gateway</html>"
            elif url.path != "/sns/jscode2session":
                body = json.dumps({"errcode": 40001, "errmsg": "not here"}).encode()
            elif query.get("js_code") in state.codes:
                openid = state.codes[query["js_code"]]
                body = json.dumps({"openid": openid, "session_key": "k3y=="}).encode()
            else:
                body = json.dumps({"errcode": 40029, "errmsg": "invalid code"}).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except BrokenPipeError:  # the client gave up ("slow")
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), WeChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WECHAT_API_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.WECHAT_MINIPROGRAM_APP_ID = APP_ID
    settings.WECHAT_MINIPROGRAM_SECRET = SECRET
    settings.WECHAT_API_TIMEOUT_SECONDS = 0.3
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def owner(make_person):
    return make_person(real_name="马兰花", phone=PHONE, phone_verified=True)


def code_in(message: dict) -> str:
    match = re.search(r"验证码 (\d{6})", message["message"])
    assert match, message
    return match.group(1)


def wechat_login(api_client, code="wx-code-1", **extra):
    return api_client.post(WECHAT_URL, {"code": code, **extra})


def sms_challenge(api_client, sms_outbox, phone=PHONE) -> tuple[str, str]:
    asked = api_client.post("/api/v1/auth/login/sms", {"phone": phone})
    assert asked.status_code == 202, asked.content
    return asked.json()["challenge"], code_in(sms_outbox[-1])


def test_wechat_is_asked_with_our_app_id_secret_and_the_code(api_client, fake_wechat, db):
    wechat_login(api_client, code="the-wx-login-code")

    assert fake_wechat.seen == [
        {
            "path": "/sns/jscode2session",
            "appid": APP_ID,
            "secret": SECRET,
            "js_code": "the-wx-login-code",
            "grant_type": "authorization_code",
        }
    ]


def test_a_first_wechat_login_binds_by_sms_then_signs_in_by_wechat_alone(
    api_client, fake_wechat, owner, sms_outbox
):
    fake_wechat.codes["wx-code-1"] = "o-malanhua"

    first = wechat_login(api_client, code="wx-code-1")
    assert first.status_code == 202
    assert first.json()["bound"] is False and first.json()["expires_in"] == 600
    ticket = first.json()["binding_ticket"]

    challenge, code = sms_challenge(api_client, sms_outbox)
    bound = api_client.post(
        BIND_URL,
        {"binding_ticket": ticket, "challenge": challenge, "code": code, "device_name": "小程序"},
    )
    assert bound.status_code == 200
    me = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {bound.json()['access_token']}")
    assert me.json()["real_name"] == "马兰花"
    binding = WeChatBinding.objects.get()
    assert (binding.app_id, binding.openid, binding.user) == (APP_ID, "o-malanhua", owner.user)

    fake_wechat.codes["wx-code-2"] = "o-malanhua"  # the next wx.login, days later
    again = wechat_login(api_client, code="wx-code-2", device_name="马兰花的小程序")
    assert again.status_code == 200
    session = ApiSession.objects.get(pk=again.json()["session_id"])
    assert (session.user, session.method, session.name) == (owner.user, "wechat", "马兰花的小程序")


def test_a_code_wechat_does_not_know_is_a_400(api_client, fake_wechat, db):
    response = wechat_login(api_client, code="stale")
    assert response.status_code == 400
    assert response.json()["code"] == "wechat_code_invalid"


def test_without_an_app_id_and_secret_wechat_login_is_a_503(api_client, settings, db):
    settings.WECHAT_MINIPROGRAM_APP_ID = ""
    response = wechat_login(api_client)
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_not_configured"


@pytest.mark.parametrize("mode", ["down", "slow", "garbage"])
def test_a_wechat_that_fails_is_a_503_not_a_500(api_client, fake_wechat, db, mode):
    fake_wechat.mode = mode
    response = wechat_login(api_client)
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_unavailable"


def test_a_wrong_sms_code_binds_nothing(api_client, fake_wechat, owner, sms_outbox):
    fake_wechat.codes["wx-code-1"] = "o-malanhua"
    ticket = wechat_login(api_client).json()["binding_ticket"]
    challenge, code = sms_challenge(api_client, sms_outbox)

    response = api_client.post(
        BIND_URL,
        {
            "binding_ticket": ticket,
            "challenge": challenge,
            "code": "000000" if code != "000000" else "111111",
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "incorrect_code"
    assert not WeChatBinding.objects.exists()


def test_a_forged_or_stale_ticket_binds_nothing(api_client, fake_wechat, owner, sms_outbox):
    fake_wechat.codes["wx-code-1"] = "o-malanhua"
    ticket = wechat_login(api_client).json()["binding_ticket"]

    challenge, code = sms_challenge(api_client, sms_outbox)
    forged = api_client.post(
        BIND_URL, {"binding_ticket": ticket[:-2] + "xx", "challenge": challenge, "code": code}
    )
    assert forged.status_code == 400
    assert forged.json()["code"] == "binding_ticket_invalid"

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        stale = api_client.post(
            BIND_URL, {"binding_ticket": ticket, "challenge": challenge, "code": code}
        )
    assert stale.status_code == 410
    assert stale.json()["code"] == "binding_ticket_expired"
    assert not WeChatBinding.objects.exists()


def test_an_openid_bound_to_someone_stays_theirs(
    api_client, fake_wechat, owner, make_person, sms_outbox
):
    fake_wechat.codes["wx-code-1"] = "o-shared-phone"
    ticket = wechat_login(api_client).json()["binding_ticket"]
    other = make_person(real_name="李四", phone_verified=True)
    WeChatBinding.objects.create(app_id=APP_ID, openid="o-shared-phone", user=other.user)

    challenge, code = sms_challenge(api_client, sms_outbox)
    response = api_client.post(
        BIND_URL, {"binding_ticket": ticket, "challenge": challenge, "code": code}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "wechat_bound_elsewhere"
    assert WeChatBinding.objects.get().user == other.user


def test_a_bound_but_inactive_account_is_refused(api_client, fake_wechat, owner):
    fake_wechat.codes["wx-code-1"] = "o-malanhua"
    WeChatBinding.objects.create(app_id=APP_ID, openid="o-malanhua", user=owner.user)
    owner.user.is_active = False
    owner.user.save()

    response = wechat_login(api_client)
    assert response.status_code == 403
    assert response.json()["code"] == "account_inactive"


def test_wechat_login_is_limited_per_address(api_client, fake_wechat, db, monkeypatch):
    monkeypatch.setattr(signin, "WECHAT_PER_MINUTE", 2)
    for _ in range(2):
        assert wechat_login(api_client).status_code == 400

    response = wechat_login(api_client)
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert len(fake_wechat.seen) == 2  # WeChat is not asked once the limit is reached
