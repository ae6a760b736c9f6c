"""``manage.py run_periodic_jobs``: the beat schedule, run in this process.

For the embedded default (no Redis, no worker): `make run` starts it beside the
development server. Production runs `celery -A config beat` and workers instead.
"""

import time

from celery import current_app
from celery.schedules import schedule as every
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from volunteers.tasks.health import heartbeat


def describe(task_name: str, result) -> str:
    """A job's result for a person: the heartbeat's is a timestamp, shown as "ok"."""
    return "ok" if task_name == heartbeat.name else str(result)


class Command(BaseCommand):
    help = "Run the jobs in CELERY_BEAT_SCHEDULE in-process when they are due (no broker needed)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and stop.")
        parser.add_argument(
            "--tick", type=float, default=5.0, help="Seconds between checks (default 5)."
        )

    def handle(self, *args, once: bool, tick: float, **options):
        # A worker imports every app's tasks module at start (autodiscover_tasks is lazy);
        # without one, ask for the same import, or the schedule names unknown tasks.
        current_app.loader.import_default_modules()
        jobs = {}
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            when = entry["schedule"]
            if isinstance(when, int | float):
                when = every(run_every=when, app=current_app)
            jobs[name] = (entry["task"], when, None)
        verbosity = options.get("verbosity", 1)
        if verbosity >= 2:
            self.stdout.write(f"Periodic jobs: {', '.join(jobs)}")
        elif verbosity == 1 and not once:
            self.stdout.write(f"定时任务在后台运行 (periodic jobs): {len(jobs)}")
        while True:
            for name, (task_name, when, last_run) in list(jobs.items()):
                due = once or last_run is None or when.is_due(last_run).is_due
                if not due:
                    continue
                jobs[name] = (task_name, when, timezone.now())
                try:
                    # throw=False: a failure goes through task_failure (recorded as a JobFailure).
                    task = current_app.tasks[task_name]
                    result = task.apply(throw=False).get(disable_sync_subtasks=False)
                except Exception as exc:
                    self.stderr.write(f"{name}: failed: {exc!r}")
                else:
                    # Beside the development server only what changed something is worth a
                    # line; --once (and -v 2) reports every job.
                    if once or verbosity >= 2 or (result and task_name != heartbeat.name):
                        self.stdout.write(
                            f"{timezone.localtime():%H:%M:%S} {name}: {describe(task_name, result)}"
                        )
            if once:
                return
            time.sleep(tick)
