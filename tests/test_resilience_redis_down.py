"""When Redis is down, the site degrades instead of failing (in-process tests).

Anonymous pages still render (the page cache misses), signed-in people keep their session
from the database, rate limits count in the process instead of Redis, and ``/health/``
answers 503 within seconds.

The cache is pointed at a closed port or at a server that accepts and never answers; the
helpers for that are here, and the other resilience tests use them too.
"""

import contextlib
import os
import socket
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import connections

from core import ratelimit

# --- Helpers --------------------------------------------------------------------------------


def closed_port() -> int:
    """A loopback port nothing listens on (checked: a connection is refused)."""
    for _attempt in range(20):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with socket.socket() as check:
            check.settimeout(1)
            if check.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise AssertionError("no closed port found")


def _forget_outages() -> None:
    """What the process learnt about Redis or the broker being away, forgotten between tests."""
    import config.cache

    with contextlib.suppress(ImportError):
        import core.jobs

        core.jobs.forget_outage()
    getattr(config.cache, "forget_outages", lambda: None)()


def redis_cache(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "shazhou-resilience",
        }
    }


@pytest.fixture
def redis_down(settings):
    """Call it to take the cache away: it then points at a closed port."""

    def down() -> int:
        port = closed_port()
        settings.CACHES = redis_cache(port)
        return port

    _forget_outages()
    yield down
    _forget_outages()


@pytest.fixture
def silent_redis():
    """A port that accepts connections and never answers: Redis hung, or a dropping firewall."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    _forget_outages()
    yield server.getsockname()[1]
    server.close()  # the connections still queued get a reset: nothing hangs after the test
    _forget_outages()


def body(response) -> str:
    return response.content.decode()


# --- Redis down, in-process --------------------------------------------------------------------


def test_an_anonymous_visitor_still_gets_the_home_page_when_redis_is_down(client, db, redis_down):
    redis_down()

    response = client.get("/")

    assert response.status_code == 200
    assert "<title>美丽沙州</title>" in body(response)


def test_a_signed_in_volunteer_keeps_their_session_from_the_database_when_redis_goes_down(
    client, make_person, redis_down
):
    volunteer = make_person(real_name="陈晓燕", username="chenxy", phone_verified=True)
    client.force_login(volunteer.user)  # the session is in the database and the cache
    assert "陈晓燕" in body(client.get("/me/"))

    redis_down()
    page = client.get("/me/")
    signed_out = client.post("/accounts/logout/")
    after = client.get("/me/")

    assert page.status_code == 200 and "陈晓燕" in body(page)
    assert signed_out.status_code == 302
    assert after.status_code == 302 and after.url.startswith("/accounts/login/")


def test_a_person_can_sign_in_with_redis_down_and_failed_sign_ins_are_still_limited(
    client, make_person, redis_down
):
    from django.test import Client

    make_person(real_name="陈晓燕", phone="13812345678", username="chenxy", phone_verified=True)
    redis_down()

    signed_in = client.post(
        "/accounts/login/", {"login": "chenxy", "password": "shazhou2026"}, follow=True
    )
    stranger = Client()
    wrong = [
        stranger.post("/accounts/login/", {"login": "chenxy", "password": "wrong-password"})
        for _attempt in range(6)
    ]

    assert signed_in.redirect_chain[-1][0] == "/me/" and "陈晓燕" in body(signed_in)
    assert all(response.status_code == 200 for response in wrong)
    assert "账号或密码不正确" in body(wrong[0])
    # allauth's "5 failures in 5 minutes per account", counted in this process meanwhile.
    assert "次数过多" in body(wrong[-1]) and "次数过多" not in body(wrong[0])


def test_scan_rate_limits_count_in_this_process_when_redis_is_down(db, redis_down):
    redis_down()

    answers = [ratelimit.hit("scan:person:7", limit=3, window_seconds=60) for _ in range(5)]

    assert answers == [True, True, True, False, False]


def test_health_says_the_cache_is_down_within_seconds_when_redis_never_answers(
    client, db, settings, silent_redis, monkeypatch
):
    from config.celery import app

    url = f"redis://127.0.0.1:{silent_redis}/0"
    settings.CACHES = redis_cache(silent_redis)
    settings.REDIS_URL = url  # the broker is then Redis too, and beat a required process
    monkeypatch.setattr(app.conf, "broker_url", url)
    answer = {}

    def ask():
        try:
            answer["response"] = client.get("/health/")
        finally:
            connections.close_all()

    started = time.monotonic()
    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(timeout=20)
    elapsed = time.monotonic() - started

    assert not asking.is_alive(), "/health/ had not answered after 20 s"
    response = answer["response"]
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False and checks["cache"]["error"]
    assert checks["broker"]["ok"] is False
    assert checks["database"]["ok"] is True
    # A second for the page cache's lookup, one for the broker's probe (2.3 s measured);
    # the rest is slack for a loaded machine. Before the fix it never answered.
    assert elapsed < 4, f"/health/ took {elapsed:.1f} s"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis to come back")
def test_a_session_ended_while_redis_was_down_is_not_revived_when_redis_returns(
    client, make_person, monkeypatch
):
    from django.test import Client

    import config.cache

    volunteer = make_person(real_name="陈晓燕", username="chenxy", phone_verified=True)
    client.force_login(volunteer.user)
    assert "陈晓燕" in body(client.get("/me/"))  # now cached in Redis
    stolen = Client()  # someone else holds a copy of the session cookie
    cookie = django_settings.SESSION_COOKIE_NAME
    stolen.cookies[cookie] = client.cookies[cookie].value
    assert "陈晓燕" in body(stolen.get("/me/"))

    def unreachable(*args, **kwargs):
        from redis.exceptions import ConnectionError as RedisConnectionError

        raise RedisConnectionError("Error 111 connecting to redis. Connection refused.")

    _forget_outages()
    monkeypatch.setattr(config.cache, "RETRY_SECONDS", 0, raising=False)
    with monkeypatch.context() as outage:
        outage.setattr(config.cache.ReusingRedisCacheClient, "get_client", unreachable)
        assert client.post("/accounts/logout/").status_code == 302  # ends it in the database

    after = stolen.get("/me/")

    assert after.status_code == 302 and after.url.startswith("/accounts/login/")
    _forget_outages()
