import datetime
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from volunteers.models import Attendance
from volunteers.services.checkin import attendance_check_in


def test_the_in_process_scheduler_closes_attendances_left_open(make_activity, make_person, town):
    now = timezone.now()
    ended = make_activity(
        starts_at=now - datetime.timedelta(hours=4), ends_at=now - datetime.timedelta(hours=2)
    )
    running = make_activity(title="进行中")
    person = make_person(home_grid=town.liyuan_grid1)
    attendance_check_in(
        activity=ended,
        person=person,
        method="activity_qr",
        at=ended.starts_at + datetime.timedelta(minutes=5),
    )
    attendance_check_in(activity=running, person=person, method="activity_qr", at=now)

    out = StringIO()
    call_command("run_periodic_jobs", "--once", stdout=out)

    closed = Attendance.objects.get(activity=ended)
    assert closed.auto_closed and closed.checked_out_at == ended.ends_at
    assert closed.minutes_served == 115
    assert Attendance.objects.get(activity=running).checked_out_at is None
    assert "close-open-attendances: 1" in out.getvalue()


def test_a_fresh_process_knows_every_task_in_the_schedule(tmp_path):
    """``make run`` starts the command in its own process, where no test has imported the
    tasks modules: every job in the schedule must still be found and run."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("REDIS_URL", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    # Our own interpreter and manage.py, with fixed arguments.
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, timeout=300)  # noqa: S603
    done = subprocess.run(  # noqa: S603
        [*manage, "run_periodic_jobs", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "failed" not in done.stderr, done.stderr
    for name in settings.CELERY_BEAT_SCHEDULE:
        assert f" {name}: " in done.stdout, name
