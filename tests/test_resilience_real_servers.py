"""Two real gunicorn servers prove the whole stack degrades instead of failing: one with
REDIS_URL on a closed port (pages and sessions still served, ``/health/`` says so), one
with DATABASE_URL on a closed port (a Chinese 503 page, JSON to a script).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from .test_resilience_redis_down import closed_port

BASE_DIR = Path(django_settings.BASE_DIR)


# --- Real servers ---------------------------------------------------------------------------


def _server_environment(**overrides) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTEST_XDIST_WORKER", "DATABASE_URL", "REDIS_URL", "DJANGO_ENV"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="development",
        DEBUG="0",
        LOG_LEVEL="WARNING",
        SMS_BACKEND="core.sms.LoggingSMSBackend",
        PYTHONPATH=str(BASE_DIR),
    )
    env.update(overrides)
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 -- our own interpreter and arguments
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def fetch(url: str, *, headers: dict | None = None, timeout: float = 20):
    """(status, headers, text, seconds) of one GET, whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 -- loopback
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, head, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, content = error.code, error.headers, error.read()
    return status, head, content.decode(), time.monotonic() - started


class Gunicorn:
    """One gunicorn on loopback in its own process group, with its log kept for failures."""

    def __init__(self, env: dict[str, str], log: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--timeout",
                    "60",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            with socket.socket() as check:
                if check.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


SESSION_SCRIPT = """
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from volunteers.services.people import person_create

user = get_user_model().objects.create_user(username="chenxy", password="shazhou2026")
person_create(real_name="陈晓燕", phone="13812345678", user=user, phone_verified=True)
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print("SESSION", session.session_key)
"""


@pytest.fixture(scope="module")
def redis_down_server(tmp_path_factory):
    """gunicorn on a migrated SQLite file, REDIS_URL on a closed port; a signed-in session."""
    folder = tmp_path_factory.mktemp("redis-down")
    database = f"sqlite:///{folder / 'db.sqlite3'}"
    setup = _server_environment(DATABASE_URL=database)  # no Redis while setting up
    _manage(setup, "migrate", "--no-input", "-v0")
    output = _manage(setup, "shell", "-c", SESSION_SCRIPT)
    session_key = output.split("SESSION", 1)[1].split()[0]
    server = Gunicorn(
        _server_environment(
            DATABASE_URL=database, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"
        ),
        folder / "gunicorn.log",
    )
    yield server, session_key
    server.stop()


@pytest.fixture(scope="module")
def database_down_server(tmp_path_factory):
    """gunicorn with DATABASE_URL on a closed PostgreSQL port (and the local-memory cache)."""
    folder = tmp_path_factory.mktemp("database-down")
    server = Gunicorn(
        _server_environment(DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/x"),
        folder / "gunicorn.log",
    )
    yield server
    server.stop()


def test_a_real_server_with_redis_down_serves_pages_and_sessions_and_health_says_so(
    redis_down_server,
):
    server, session_key = redis_down_server

    home = fetch(f"{server.base}/")
    me = fetch(f"{server.base}/me/", headers={"Cookie": f"sessionid={session_key}"})
    activities = fetch(f"{server.base}/activities/")
    health = fetch(f"{server.base}/health/")

    log = server.log.read_text()
    assert home[0] == 200 and "<title>美丽沙州</title>" in home[2], log[-3000:]
    assert me[0] == 200 and "陈晓燕" in me[2], log[-3000:]
    assert activities[0] == 200 and "活动" in activities[2], log[-3000:]
    assert health[0] == 503, health[2]
    checks = json.loads(health[2])["checks"]
    assert checks["cache"]["ok"] is False and checks["broker"]["ok"] is False
    assert checks["database"]["ok"] is True
    assert max(home[3], me[3], activities[3], health[3]) < 5


def test_a_real_server_with_the_database_down_answers_a_chinese_503_page(database_down_server):
    server = database_down_server

    home = fetch(f"{server.base}/")
    activities = fetch(f"{server.base}/activities/")
    script = fetch(f"{server.base}/activities/", headers={"Accept": "application/json"})
    health = fetch(f"{server.base}/health/")

    log = server.log.read_text()
    assert home[0] == 503, log[-3000:]
    assert "服务暂时不可用" in home[2] and "请过几分钟再刷新" in home[2]
    assert home[1]["Retry-After"]
    assert activities[0] == 503 and "服务暂时不可用" in activities[2]
    assert script[0] == 503 and json.loads(script[2]) == {
        "ok": False,
        "message": "服务暂时不可用，请稍后再试。",
    }
    assert health[0] == 503
    assert json.loads(health[2])["checks"]["database"]["ok"] is False
    assert max(home[3], activities[3], script[3], health[3]) < 5
