"""``api_checkin_ratio``: the scan through the API against the scan of ``/c/<token>``.

Issue 19: the scan through the API (``POST /api/v1/checkin/scan``) costs no more CPU per
request than ``/c/<token>``. Both are measured alike, in the same interleaved rounds on
server A, beside the bare view: ``--again-people`` residents are checked in once at the
warm-up (a real scan of ``/c/<token>``), then scan the organiser's live code again and
again, each answering 已签到 (``already_in``): on the web with their session cookie
(``checkin_again``, GET ``/c/<token>``), through the API with their access token
(``api_checkin``, ``Authorization: Bearer``, body ``{"token": …}``). Each phase scans
every one of them once, so nobody meets the per-person scan limit.

CPU per request is the server's: gunicorn's, PostgreSQL's and Redis's, not the load
generator's. ``api_checkin_ratio`` is the median of the rounds' API ÷ web ratios; the
target is ≤ 1.0. Without a ``checkin_scan`` operation in the schema both kinds are
left out and the figure is not measured.

Import after ``django.setup()``: issuing the access tokens uses the project's models.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client, override_settings

from api.services.tokens import issue_tokens
from bench.stats import median
from volunteers.models import User

OPERATION = "checkin_scan"
SCHEMA_PATH = "/api/v1/openapi.json"
KINDS = ("checkin_again", "api_checkin")
AGAIN_MARK = b"checkin-result--already"
API_AGAIN_MARK = b'"already_in"'
# The server's own CPU; the load generator's ("client") is not the server's cost.
SERVER_GROUPS = ("gunicorn", "postgres", "redis")


def scan_operation() -> tuple[str, str] | None:
    """The method and path of ``checkin_scan`` in the API's schema, or None.

    Asked in-process (Django's test client), as the servers under test serve the same
    code: a first schema request to a cold worker on a busy machine can take a while.
    """
    client = Client(HTTP_HOST="127.0.0.1")
    return _find(client.get(SCHEMA_PATH).json())


def _find(schema: dict) -> tuple[str, str] | None:
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == OPERATION:
                return method.upper(), path
    return None


def access_tokens(session_keys: Iterable[str]) -> list[str]:
    """An access token for each phone's person, as if they had signed in in the app too.

    Long-lived (the run outlasts the usual fifteen minutes); one sign-in each.
    """
    keys = list(session_keys)
    user_ids = {
        session.session_key: int(session.get_decoded()[SESSION_KEY])
        for session in Session.objects.filter(session_key__in=keys)
    }
    users = User.objects.in_bulk(user_ids.values())
    with override_settings(API_ACCESS_TOKEN_MINUTES=240):
        return [
            issue_tokens(user=users[user_ids[key]], method="password", name="压力测试").access
            for key in keys
        ]


def scan_body(token: str) -> bytes:
    return json.dumps({"token": token}).encode()


def server_ms(split: dict[str, float] | None) -> float | None:
    if not split:
        return None
    return sum(split.get(group, 0.0) for group in SERVER_GROUPS)


def cpu_ratio(api: list, web: list) -> float | None:
    """Round by round, the API scan's server CPU ÷ the web scan's; the median of them."""
    ratios = []
    for api_split, web_split in zip(api, web, strict=False):
        api_ms, web_ms = server_ms(api_split), server_ms(web_split)
        if api_ms is not None and web_ms:
            ratios.append(api_ms / web_ms)
    return round(median(ratios), 2) if ratios else None
