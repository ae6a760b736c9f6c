"""/health/ for the load balancer: database, cache, broker and beat; 200 or 503, no login."""

import time

from django.core.cache import cache

from volunteers.tasks.health import HEARTBEAT_KEY, heartbeat


def test_health_answers_200_with_every_check_and_no_personal_data(client, db, settings):
    heartbeat()

    response = client.get("/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "beat"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["beat"]["last_run_seconds_ago"] <= 1
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_health_is_503_when_a_check_fails(client, db, monkeypatch):
    def down():
        raise ConnectionError("redis away")

    monkeypatch.setitem(__import__("config.health").health.CHECKS, "cache", down)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}


def test_a_stale_beat_fails_health_when_a_broker_is_configured(client, db, settings, monkeypatch):
    monkeypatch.setitem(__import__("config.health").health.CHECKS, "broker", lambda: {"ok": True})
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"  # beat is then a process that must run
    cache.set(HEARTBEAT_KEY, time.time() - 3600, None)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False
