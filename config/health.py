"""``/health/``: is this node fit to serve? For a load balancer or a monitor.

JSON with the database, the cache and the broker (the default queue's depth and
when beat last ran, from the ``heartbeat`` job). 200 when every required check
passes, 503 otherwise. No personal data; no login; never cached.

It answers within a few seconds whatever is down: the cache and broker probes use
one-second socket timeouts, and a Redis that just failed is reported as down at once
(config.cache). The site itself carries on without Redis; this is where it shows.
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app
from volunteers.tasks.health import HEARTBEAT_KEY

PROBE_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _cache() -> dict:
    # Redis' own round trip (config.cache): the cache itself answers "miss" when Redis is
    # away, which would read here as a mismatch with no reason given.
    probe = getattr(cache, "probe", None)
    if probe is not None:
        return {"ok": probe()}
    token = uuid.uuid4().hex
    cache.set("health:probe", token, 30)
    return {"ok": cache.get("health:probe") == token}


def _broker() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "eager", "queue_depth": 0}
    # Short socket timeouts of our own and no retry: a broker that accepts and never
    # answers would otherwise hold this check (and the load balancer waiting on it)
    # indefinitely, and one retry doubles the wait (4 s measured); the next poll retries.
    with app.connection_for_read(transport_options=PROBE_TRANSPORT_OPTIONS) as conn:
        conn.ensure_connection(max_retries=0, timeout=2)
        queue = app.conf.task_default_queue or "celery"
        depth = conn.default_channel.client.llen(queue)
    return {"ok": True, "mode": "redis", "queue": queue, "queue_depth": int(depth)}


def _beat() -> dict:
    last = cache.get(HEARTBEAT_KEY)
    age = None if last is None else round(time.time() - float(last))
    # With a broker, beat is a separate process that must be alive; the embedded
    # default runs the jobs beside the dev server, so there it is reported only.
    required = bool(settings.REDIS_URL)
    fresh = age is not None and age <= settings.HEALTH_BEAT_MAX_AGE
    return {"ok": fresh or not required, "last_run_seconds_ago": age, "required": required}


CHECKS = {"database": _database, "cache": _cache, "broker": _broker, "beat": _beat}


@never_cache
@require_GET
def health(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure is an answer, never a 500
            results[name] = {"ok": False, "error": type(exc).__name__}
    healthy = all(result["ok"] for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": results},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )
