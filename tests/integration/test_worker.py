"""A real Celery worker against the local Redis and the test PostgreSQL database.

Proves what the eager unit tests cannot: a worker killed with SIGKILL in the
middle of the awarding job loses nothing and doubles nothing once another
worker takes the job over (acks late; Redis hands an unacknowledged message
out again after the visibility timeout, shortened here), and a reminder task
delivered twice reminds once.

Runs only with REDIS_URL and a PostgreSQL DATABASE_URL (CI's second pass).
"""

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from points.models import PointsEntry
from volunteers.models import Attendance, Method, Notification, SignUp

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL")
    or not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="needs REDIS_URL and a PostgreSQL DATABASE_URL",
)

BASE_DIR = Path(settings.BASE_DIR)
ATTENDEES = 6
PAUSE = 0.7  # seconds the finishing job waits after each attendance (test-only setting)
VISIBILITY = 5  # seconds before Redis hands out again a message its worker never acknowledged


def _database_url() -> str:
    """The test database pytest-django created (test_…, per xdist worker), as a URL."""
    s = connection.settings_dict
    user = quote(s.get("USER") or "", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{s['NAME']}"


def _wait(condition, *, timeout: float, what: str, poll: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Workers:
    """Starts workers in their own process groups; kills every one of them at the end."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            # The rewritten per-xdist-worker Redis database, which this process uses too.
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_ENV": "development",
            "TASK_TEST_PAUSE": str(PAUSE),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
            "CELERY_RESTORE_INTERVAL": "1",
            "CELERY_RESTORE_THROTTLE": "1",
            "SMS_BACKEND": "core.sms.LoggingSMSBackend",
            "CONN_MAX_AGE": "0",
        }
        self.env.pop("PYTEST_XDIST_WORKER", None)  # settings must not shift REDIS_URL again

    def start(self) -> tuple[subprocess.Popen, Path]:
        log = self.tmp_path / f"worker-{len(self.processes) + 1}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            # prefork: the parent process acknowledges and the child runs the job, as
            # in production (a solo worker could not even acknowledge early).
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"test-{uuid.uuid4().hex[:8]}@%h",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
                command,
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process, log

    def kill(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def kill_all(self) -> None:
        for process in self.processes:
            self.kill(process)


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Real workers on committed rows; tasks from this process go to Redis, not run eagerly."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.kill_all()  # before transactional_db empties the tables under them
        app.conf.task_always_eager = eager
        connection.close()


def test_a_worker_killed_mid_award_leaves_one_ledger_line_per_attendance(
    workers, make_activity, make_person, town
):
    from volunteers.tasks.activities import finish_activity

    starts = timezone.now() - datetime.timedelta(hours=5)
    activity = make_activity(
        title="社区治安联防", starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )
    for n in range(ATTENDEES):
        Attendance.objects.create(
            activity=activity,
            person=make_person(real_name=f"联防队员{n}", home_grid=town.liyuan_grid1),
            checked_in_at=starts,
            check_in_method=Method.MANUAL,
            # Every other one left without checking out: the job closes it first.
            checked_out_at=starts + datetime.timedelta(hours=2) if n % 2 else None,
            check_out_method=Method.MANUAL if n % 2 else "",
            minutes_served=120 if n % 2 else None,
        )
    finalised = Attendance.objects.filter(activity=activity, finalised_at__isnull=False)

    first, first_log = workers.start()
    finish_activity.apply_async((activity.pk,))
    _wait(lambda: finalised.count() >= 2, timeout=40, what="the first worker to award some")
    workers.kill(first)  # SIGKILL, mid-task: no ack, no clean shutdown

    done_when_killed = finalised.count()
    activity.refresh_from_db()
    assert 2 <= done_when_killed < ATTENDEES, first_log.read_text()
    assert activity.finished_at is None

    _second, second_log = workers.start()
    _wait(
        lambda: type(activity).objects.filter(pk=activity.pk, finished_at__isnull=False).exists(),
        timeout=45,
        what="the second worker to finish the job",
        poll=0.2,
    )

    entries = PointsEntry.objects.filter(activity=activity)
    per_attendance = sorted(entries.values_list("attendance_id", flat=True))
    assert per_attendance == sorted(
        Attendance.objects.filter(activity=activity).values_list("pk", flat=True)
    ), second_log.read_text()
    assert finalised.count() == ATTENDEES


def test_a_reminder_delivered_twice_reminds_and_texts_once(
    workers, make_activity, make_person, town
):
    from volunteers.tasks.reminders import send_activity_reminder

    starts = timezone.now() + datetime.timedelta(minutes=40)
    activity = make_activity(
        title="敬老院义务理发", starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )
    people = [make_person(real_name=f"理发师{n}", home_grid=town.liyuan_grid1) for n in range(2)]
    for person in people:
        SignUp.objects.create(activity=activity, person=person, status=SignUp.Status.CONFIRMED)

    _worker, log = workers.start()
    send_activity_reminder.apply_async((activity.pk, "1h"))
    send_activity_reminder.apply_async((activity.pk, "1h"))  # the broker delivers it again

    reminders = Notification.objects.filter(idempotency_key__startswith=f"reminder:{activity.pk}:")
    _wait(
        lambda: reminders.filter(sms_sent_at__isnull=False).count() == 2,
        timeout=45,
        what="both reminders to be texted",
        poll=0.2,
    )
    time.sleep(2)  # room for a duplicate to show up, if there were one
    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(p.pk for p in people)
    texts = [line for line in log.read_text().splitlines() if "SMS to" in line]
    assert len(texts) == 2, log.read_text()
    assert all("敬老院义务理发" in line for line in texts)
