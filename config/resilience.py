"""The site when what it stands on is away (README, Security).

``ResilienceMiddleware`` sits just before the sessions in ``MIDDLEWARE`` and does two
things:

- **The database down.** A view (or a middleware inside this one) that cannot reach the
  database raises ``OperationalError`` or ``InterfaceError``: the visitor gets a Chinese
  503 page (``503.html``, or a JSON answer to a script) with ``Retry-After``, not the
  500 page that says something is broken. Most such errors come from the view and reach
  ``process_exception``; one raised by a middleware inside this one was already turned
  into a 500 by Django, and is recognised by ``got_request_exception`` marking the
  request. The outage is logged once with its traceback, then at most once a minute.
- **Jobs that cannot be queued** tell the person whose request it was
  (``core.jobs.request_bound``).

Redis down needs nothing here: the cache carries on without it (``config.cache``).
"""

import logging
import sys
import threading
import time

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from core.jobs import request_bound

logger = logging.getLogger(__name__)

# What "the database does not answer" looks like through Django: refused, reset, timed
# out, a server shutting down, SQLite locked. Errors of the query itself (Integrity,
# Programming, Data) are bugs and stay 500s.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
LOG_EVERY_SECONDS = 60.0

_log = {"at": 0.0, "since_logged": 0}
_log_lock = threading.Lock()


def database_unavailable_response(request) -> HttpResponse:
    """The Chinese 503 page, or its JSON for a script; rendered without touching the database."""
    if "application/json" in request.headers.get("accept", ""):
        response = JsonResponse(
            {"ok": False, "message": _("服务暂时不可用，请稍后再试。")},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        # No request context: its processors would read the session and the user.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def _log_outage(request, error: BaseException) -> None:
    now = time.monotonic()
    with _log_lock:
        due = now - _log["at"] >= LOG_EVERY_SECONDS
        skipped = _log["since_logged"]
        if due:
            _log["at"], _log["since_logged"] = now, 0
        else:
            _log["since_logged"] += 1
    if due:
        logger.error(
            "The database does not answer (%s: %s): %s %s answered 503%s",
            type(error).__name__,
            error,
            request.method,
            request.path,
            f" ({skipped} more requests answered 503 since the last report)" if skipped else "",
            exc_info=(type(error), error, error.__traceback__),
        )


def _mark_database_unavailable(sender, request=None, **kwargs):
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_UNAVAILABLE):
        request._database_unavailable = error


got_request_exception.connect(_mark_database_unavailable, dispatch_uid="shazhou-database-down")


class ResilienceMiddleware:
    """A 503 page when the database is away; jobs that cannot be queued say so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_bound(request):
            response = self.get_response(request)
        error = getattr(request, "_database_unavailable", None)
        if response.status_code == 500 and error is not None:
            _log_outage(request, error)
            return database_unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            _log_outage(request, exception)
            return database_unavailable_response(request)
        return None
