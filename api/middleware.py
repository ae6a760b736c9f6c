"""The API's HTTP conventions that wrap every operation: Idempotency-Key and ETags.

- A writing POST sent with ``Idempotency-Key`` runs once per person and key: a retry
  (the phone lost the answer on a poor signal) gets the first answer again, marked
  ``Idempotent-Replayed: true``, and writes nothing; the same key with another body is
  refused, and so is a retry while the first is still running. Keys are kept a day.
- A GET answer carries an ``ETag`` (from its body); ``If-None-Match`` gets a 304.
"""

import hashlib
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.translation import gettext as _

from api.auth import token_of
from api.models import IdempotencyRecord
from api.services.housekeeping import IDEMPOTENCY_KEEP

PREFIX = "/api/"
HEADER = "Idempotency-Key"


def _error(status: int, code: str, message: str) -> HttpResponse:
    return JsonResponse(
        {"code": code, "message": message, "detail": ""},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


class ApiConventionsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        # The API knows people by their tokens only: a browser's session cookie (the docs
        # page, a signed-in tab) must not act for them, nor bypass CSRF through the API.
        request.user = AnonymousUser()
        if request.method == "POST" and request.headers.get(HEADER):
            response = self._once(request)
        else:
            response = self.get_response(request)
        if request.method == "GET" and response.status_code == 200:
            response = self._conditional(request, response)
        # Answers differ per caller: no shared cache may hand one person's to another.
        patch_vary_headers(response, ("Authorization", "X-API-Key"))
        if request.headers.get("Authorization") or request.headers.get("X-API-Key"):
            response.setdefault("Cache-Control", "private, no-cache")
        return response

    def _conditional(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.streaming or response.has_header("ETag"):
            return response
        set_response_etag(response)
        answer = get_conditional_response(request, etag=response["ETag"], response=response)
        return answer if answer is not None else response

    def _once(self, request: HttpRequest) -> HttpResponse:
        key = request.headers[HEADER].strip()
        if not 1 <= len(key) <= 255 or not key.isprintable():
            return _error(
                400, "invalid_idempotency_key", _("Idempotency-Key 须为 1–255 个可见字符。")
            )
        token = token_of(request)
        if token is None:
            # Not signed in: the operation answers 401, or is a sign-in (nothing to repeat).
            return self.get_response(request)
        principal = f"user:{token.user_id}"
        fingerprint = hashlib.sha256(
            b"\0".join([b"POST", request.path.encode(), request.body])
        ).hexdigest()
        IdempotencyRecord.objects.filter(
            principal=principal, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_KEEP
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            return self._replay(principal, key, fingerprint)
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500 or response.streaming:
            # Nothing was done (or it cannot be told): the retry may run it.
            record.delete()
            return response
        record.status = response.status_code
        record.body = response.content
        record.content_type = response.get("Content-Type", "")
        record.save(update_fields=["status", "body", "content_type"])
        return response

    def _replay(self, principal: str, key: str, fingerprint: str) -> HttpResponse:
        record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if record is None:  # deleted by the first request's failure meanwhile
            return _error(409, "idempotency_retry", _("上一次请求没有完成，请重试。"))
        if record.fingerprint != fingerprint:
            return _error(
                422,
                "idempotency_key_reused",
                _("这个 Idempotency-Key 已用于另一个请求，请换一个新的。"),
            )
        if record.status is None:
            return _error(409, "idempotency_in_progress", _("同一请求正在处理，请稍候再查看结果。"))
        response = HttpResponse(
            bytes(record.body), status=record.status, content_type=record.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response
