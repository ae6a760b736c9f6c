"""What `make run` prints beside the server: readable job lines, each log line once."""

import logging
import re
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command

EPOCH = re.compile(r"\b1\d{9}(\.\d+)?\b")  # a Unix timestamp, as time.time() gives it


class Stop(Exception):
    pass


def run_one_tick(*args) -> str:
    """The continuous scheduler, stopped where it would sleep after its first round."""
    out = StringIO()
    command_time = "volunteers.management.commands.run_periodic_jobs.time"
    with mock.patch(command_time) as clock, pytest.raises(Stop):
        clock.sleep.side_effect = Stop
        call_command("run_periodic_jobs", *args, stdout=out)
    return out.getvalue()


def test_the_heartbeat_reads_ok_not_a_timestamp(db):
    out = StringIO()
    call_command("run_periodic_jobs", "--once", stdout=out)

    assert re.search(r"^\d\d:\d\d:\d\d heartbeat: ok$", out.getvalue(), re.M)
    assert not EPOCH.search(out.getvalue())


def test_beside_the_server_only_jobs_that_did_something_print_a_line(db):
    text = run_one_tick()

    jobs = len(settings.CELERY_BEAT_SCHEDULE)
    assert text.splitlines()[0] == f"定时任务在后台运行 (periodic jobs): {jobs}"
    assert "heartbeat" not in text
    assert not re.search(r": (0|None)$", text, re.M)  # nothing closed, nothing sent: no line
    assert not EPOCH.search(text)


def test_verbosity_2_lists_the_jobs_and_every_run(db):
    text = run_one_tick("-v", "2")

    assert text.startswith("Periodic jobs: heartbeat, close-open-attendances")
    assert " heartbeat: ok" in text and " close-open-attendances: 0" in text


def console_handlers_reached_by(name: str) -> list[logging.Handler]:
    """The console handlers a record logged on ``name`` is written by (pytest's own aside)."""
    handlers = []
    logger = logging.getLogger(name)
    while logger:
        handlers += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        if not logger.propagate:
            break
        logger = logger.parent
    return handlers


def test_django_messages_are_printed_once_and_request_lines_keep_their_time():
    # runserver's "Watching for file changes with StatReloader" was printed twice: once by
    # Django's own console handler, once by the root handler it propagated to.
    assert len(console_handlers_reached_by("django.utils.autoreload")) == 1
    assert len(console_handlers_reached_by("django.request")) == 1
    [server] = console_handlers_reached_by("django.server")
    assert server.formatter._fmt == "[{server_time}] {message}"
