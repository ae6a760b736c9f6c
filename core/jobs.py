"""Queueing background jobs so that a broker outage never breaks a request that committed.

Services queue jobs with ``transaction.on_commit``: by the time a job is queued the
person's change is in the database, so a broker (Redis) that does not answer must not
turn the request into a 500 (which would also hide that the change was made).
``queue_after_commit`` queues the job, and when the broker does not answer:

- logs it, and records it in 后台任务记录 (a failed ``JobFailure`` with the task and its
  arguments) so an administrator sees what did not run and can run it again — unless
  the job could run right here instead (``run_here``: a short job whose first product is
  a database row, like the in-app notice of a cancellation);
- calls ``if_unqueued``, the service's own answer (an export is marked failed at once
  rather than shown as queued forever);
- tells the person whose request it was, in Chinese, when the service gives ``tell``
  (``config.resilience.ResilienceMiddleware`` binds the request; Django's messages).

After a failure the process leaves the broker alone for ``RETRY_SECONDS``: each attempt
costs Celery's publish retries (about 0.6 s when the connection is refused), and one
request may queue many jobs (an SMS for each person told).

Jobs go out with ``ignore_result=True``. Nothing reads their results, and without it
Celery first subscribes to each result in Redis: with Redis away that retries for 20
seconds and then leaves the process unable to queue anything until it is restarted.

With ``CELERY_TASK_ALWAYS_EAGER`` (the embedded default, the tests) jobs run in-process
as before, their errors propagating as before.

Services name the job they queue by its registered name ("volunteers.tasks.build_export"):
the tasks call the services, so a service that imported its task would close a circle.
Also here, for every task module: the options of jobs that write (``WRITES``), the
errors worth a retry (``TRANSIENT_ERRORS``) and ``job_skip``.
"""

import contextlib
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import partial
from typing import Any, TypedDict

from celery import Task, current_app
from django.contrib import messages
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.http import HttpRequest
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.models import JobFailure

logger = logging.getLogger(__name__)

# A broker that does not answer, as kombu, redis-py or the socket report it.
BROKER_UNANSWERED = (BrokerError, RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 5.0

# Errors that pass: a database restarting or locked, Redis or the broker away for a moment.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerError,
)
# Options of every job that writes: acknowledged only when done, back to the queue when
# the worker dies under it, retried with growing pauses (2, 4, 8 … s, at most 10 min).
WRITES = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


def job_skip(task: str, key: str, reason: str, **details: object) -> None:
    """Record that ``task`` met data it cannot process and moved on; once per ``key``."""
    logger.warning("%s skipped %s: %s", task, key, reason)
    JobFailure.objects.get_or_create(
        key=key[:160],
        defaults={
            "task_name": task,
            "outcome": JobFailure.Outcome.SKIPPED,
            "args": repr(details)[:2000],
            "error": reason,
        },
    )


def job_failure_record(
    *,
    task_name: str,
    task_id: str,
    exception: BaseException | None,
    arguments: object,
    einfo: object,
) -> None:
    """Record a job that failed for good (its retries spent, or an error not worth retrying)."""
    try:
        trace = "".join(traceback.format_exception(exception)) if exception else str(einfo)
        JobFailure.objects.create(
            task_name=task_name[:200],
            task_id=task_id[:64],
            outcome=JobFailure.Outcome.FAILED,
            args=repr(arguments)[:2000],
            error=f"{type(exception).__name__}: {exception}"[:2000],
            traceback=trace[-4000:],  # the end says where it broke
        )
    except Exception:  # the database may be what failed: the log still has it
        logger.exception("Could not record the failure of %s %s", task_name, task_id)


_request: ContextVar[HttpRequest | None] = ContextVar("shazhou_job_request", default=None)


class _BrokerState(TypedDict):
    resting_until: float
    error: str


_broker: _BrokerState = {"resting_until": 0.0, "error": ""}


def forget_outage() -> None:
    """Try the broker again at the next job (for tests)."""
    _broker.update({"resting_until": 0.0, "error": ""})


@contextlib.contextmanager
def request_bound(request: HttpRequest) -> Iterator[None]:
    """Jobs queued inside tell this request's person when they cannot be queued."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def queue_after_commit(
    task: Task | str,
    *args: Any,
    run_here: bool = False,
    if_unqueued: Callable[[], object] | None = None,
    tell: str = "",
    robust: bool = True,
) -> None:
    """Queue ``task(*args)`` once the transaction commits (see the module docstring).

    ``robust`` is ``on_commit``'s: only an eager run (no broker) can raise here.
    """
    transaction.on_commit(
        partial(queue, task, *args, run_here=run_here, if_unqueued=if_unqueued, tell=tell),
        robust=robust,
    )


def registered(name: str) -> Task:
    """The job registered as ``name``. A worker imports every app's tasks when it starts;
    a web process or a test that has not imported them yet does it here, the same way."""
    try:
        return current_app.tasks[name]
    except KeyError:
        current_app.loader.import_default_modules()  # Celery's autodiscovery of app tasks
        return current_app.tasks[name]


def queue(
    task: Task | str,
    *args: Any,
    run_here: bool = False,
    if_unqueued: Callable[[], object] | None = None,
    tell: str = "",
) -> bool:
    """Queue ``task(*args)`` now; False when the broker did not answer (and what then)."""
    if isinstance(task, str):
        task = registered(task)
    if task.app.conf.task_always_eager:
        task.delay(*args)
        return True
    if _broker["resting_until"] > time.monotonic():
        reason = f"the broker failed moments ago ({_broker['error']})"
    else:
        try:
            task.apply_async(args, ignore_result=True)
        except BROKER_UNANSWERED as error:
            reason = f"{type(error).__name__}: {error}"
            _broker.update({"resting_until": time.monotonic() + RETRY_SECONDS, "error": reason})
        else:
            return True
    logger.error("Could not queue %s%r: %s", task.name, args, reason)
    if not (run_here and _run_here(task, args)):
        _record(task, args, reason)
    if if_unqueued is not None:
        try:
            if_unqueued()
        except Exception:  # the request committed: say so in the log, not with a 500
            logger.exception("The fallback for the unqueued %s%r failed", task.name, args)
    if tell:
        _tell(tell)
    return False


def _run_here(task: Task, args: tuple[Any, ...]) -> bool:
    try:
        task(*args)
    except Exception:
        logger.exception("Running the unqueued %s%r here failed", task.name, args)
        return False
    logger.warning("Ran the unqueued %s%r in the web process instead", task.name, args)
    return True


def _record(task: Task, args: tuple[Any, ...], reason: str) -> None:
    try:
        JobFailure.objects.create(
            task_name=task.name,
            outcome=JobFailure.Outcome.FAILED,
            args=repr(args)[:2000],
            error=f"没有排进队列，未运行（消息队列无响应）：{reason}"[:2000],
        )
    except DatabaseError:
        logger.exception("Could not record the unqueued %s%r either", task.name, args)


def _tell(message: str) -> None:
    request = _request.get()
    if request is None:
        return
    told = request.__dict__.setdefault("_unqueued_told", set())
    if message not in told:
        told.add(message)
        messages.warning(request, message, fail_silently=True)
