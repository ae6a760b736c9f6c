"""The one way a refusal becomes an answer: the Chinese refusal page, or JSON for a script.

Every view that turns someone away hands the ``DomainError`` here (or lets it rise to
``config.middleware.RefusalMiddleware``, which does): the error's kind gives the status,
its message the text. A page gets ``refusal.html``, whose look, title and links the
view can set through the context; a script (a ``.json`` URL, or a request that accepts
``application/json``) gets ``{"ok": false, "code", "message", "detail"}``.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise

from core.errors import DomainError

TEMPLATE = "refusal.html"


def wants_json(request: HttpRequest) -> bool:
    """A script asking: a ``.json`` URL, or an ``Accept`` that names JSON."""
    return request.path.endswith(".json") or "application/json" in request.headers.get("accept", "")


def json_answer(data: dict[str, Any], *, status: int = 200) -> JsonResponse:
    # Chinese as it is, not \u escapes: a third of the bytes on a poor signal.
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def refusal_data(error: DomainError, *, detail: str | Promise = "") -> dict[str, Any]:
    """The refusal as JSON data: what, why, and what the person can do about it."""
    return {
        "ok": False,
        "code": error.code,
        "message": str(error.message),
        "detail": str(detail),
    }


def refusal_response(
    request: HttpRequest,
    error: DomainError,
    *,
    as_json: bool | None = None,
    **context: Any,
) -> HttpResponse:
    """The refusal page for ``error`` (or its JSON), with the status of its kind.

    ``context`` is the page's: ``title`` (else the kind's), ``hint`` (also the JSON's
    ``detail``), ``activity``, and the look (see ``refusal.html``). ``as_json`` forces
    the answer's form when the view knows better than the request's headers.
    """
    hint = context.get("hint", "")
    if wants_json(request) if as_json is None else as_json:
        return json_answer(refusal_data(error, detail=hint), status=error.status)
    page = {
        "title": error.title,
        "message": error.message,
        "status": error.status,
        "code": error.code,
        **context,
    }
    return render(request, TEMPLATE, page, status=error.status)
