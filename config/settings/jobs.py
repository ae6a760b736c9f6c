"""Cache, sessions, Celery and the periodic jobs.

Embedded: local memory and eager tasks; Redis for all of them when REDIS_URL is set.
"""

import os
from urllib.parse import urlsplit, urlunsplit

from celery.schedules import crontab

from config.settings.environment import (
    PRODUCTION,
    TESTING,
)

# --- Cache, rate limits, Celery --------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and TESTING and os.environ.get("PYTEST_XDIST_WORKER"):
    # Tests clear the cache between tests, and a Redis clear flushes a whole database:
    # each parallel test worker (gw0, gw1, …) gets a database of its own, counting down.
    _worker = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))
    _url = urlsplit(REDIS_URL)
    _base = int(_url.path.strip("/") or 0)
    REDIS_URL = urlunsplit(_url._replace(path=f"/{(_base - _worker) % 16}"))
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, keeping one redis-py client per pool (config/cache.py).
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "shazhou"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache (Redis in production) and written through to the
# database: a signed-in page costs one query less, and a flushed cache logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker the embedded default runs each task in-process, at once.
# Tests run tasks eagerly too; the worker integration test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or TESTING
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message a lost worker had taken comes back after this many seconds (Redis has no
# real acks). Longer than the longest task; the worker integration test shortens it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": int(os.environ.get("CELERY_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(os.environ.get("CELERY_RESTORE_THROTTLE", "10")),
    # A broker that hangs must not hold a request for minutes (without these it held it
    # for good; with them, 5 s at most, and core.jobs records the job).
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Nothing reads a job's result; storing them made queueing hang when Redis was away.
CELERY_TASK_IGNORE_RESULT = True
# Every periodic job, in one place: celery beat reads it in production, and
# `manage.py run_periodic_jobs` (started by `make run`) runs it in-process without Redis.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "volunteers.tasks.heartbeat", "schedule": 60.0},
    "close-open-attendances": {
        "task": "volunteers.tasks.close_open_attendances",
        "schedule": 60.0,
    },
    # Last month's rankings are frozen for 公示 at 01:00 on the 1st (CELERY_TIMEZONE: Shanghai).
    "publish-monthly-rankings": {
        "task": "points.tasks.publish_monthly_rankings",
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
    },
    "finish-due-activities": {
        "task": "volunteers.tasks.finish_due_activities",
        "schedule": 300.0,
    },
    "send-due-reminders": {"task": "volunteers.tasks.send_due_reminders", "schedule": 300.0},
    # 1 January, 00:30 Shanghai time: points past their validity expire, where the rules say so.
    "expire-points": {
        "task": "volunteers.tasks.expire_points",
        "schedule": crontab(minute=30, hour=0, day_of_month=1, month_of_year=1),
    },
}
CELERY_BEAT_SCHEDULE["remove-unverified-signups"] = {
    "task": "volunteers.tasks.remove_unverified_signups",
    "schedule": 3600.0,
}
# 08:00 on the first day of each quarter: the quarter just ended's 双报到反馈 goes to the
# contacts of every employer unit with in-service party members (once per unit and quarter).
CELERY_BEAT_SCHEDULE["deliver-dual-report"] = {
    "task": "points.tasks.dual_report_deliver_quarter",
    "schedule": crontab(minute=0, hour=8, day_of_month=1, month_of_year="1,4,7,10"),
}
# Background exports (personal data) are kept this many days, then deleted by a daily job.
EXPORT_RETENTION_DAYS = int(os.environ.get("EXPORT_RETENTION_DAYS", "7"))
CELERY_BEAT_SCHEDULE["expire-old-exports"] = {
    "task": "volunteers.tasks.expire_old_exports",
    "schedule": crontab(minute=15, hour=3),  # daily, 03:15 Shanghai
}
# The API's answers to Idempotency-Keys are kept a day, ended sign-ins 90 days (api.tasks).
CELERY_BEAT_SCHEDULE["forget-old-api-records"] = {
    "task": "api.tasks.forget_old_records",
    "schedule": crontab(minute=45, hour=3),  # daily, 03:45 Shanghai
}
# /health/ calls the beat stale (503) when its heartbeat is older than this.
HEALTH_BEAT_MAX_AGE = int(os.environ.get("HEALTH_BEAT_MAX_AGE", "300"))
# Test-only: seconds a finishing job waits after each attendance, so the worker
# integration test can kill a worker mid-task. Never set in production.
TASK_TEST_PAUSE_SECONDS = 0.0 if PRODUCTION else float(os.environ.get("TASK_TEST_PAUSE", "0"))
# Minutes after an activity's end before open attendances are closed automatically.
CHECKOUT_GRACE_MINUTES = int(os.environ.get("CHECKOUT_GRACE_MINUTES", "30"))
