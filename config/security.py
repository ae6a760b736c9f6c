"""The site's own guards at the door, each in one place (README, Security).

``RefuseNulMiddleware``
    PostgreSQL cannot store a NUL character (U+0000) in text: a value holding one makes the
    query raise, and the visitor got a 500. No form, link or API of this site has a use for
    it, so a request carrying one anywhere (the path, a query or form parameter, a file
    field's name, a JSON body) is answered here with a 400 and a Chinese page (JSON for a
    JSON client) before any view, form or service sees it. A cookie holding one is treated
    as not sent and cleared: the session cookie is looked up in the database, and a visitor
    with a mangled cookie should get the page, not a refusal on every page.

``PermissionsPolicyMiddleware``
    Camera, microphone and geolocation are off everywhere but on the few pages that ask for
    them, named in ``settings.PERMISSIONS_POLICY_VIEWS``: the organiser's scanner (camera)
    and the check-in landing ``/c/<token>``, where a geofenced activity asks for the
    position. An injected script elsewhere cannot open the camera or track the phone.

``SiteCSPMiddleware``
    django-csp's middleware, plus the Wagtail admin's own policy by path (below).
"""

import json
import re

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from config.middleware import chosen_language

NUL = "\x00"
# A JSON string may spell NUL as an escape; only then is the body decoded and searched.
_JSON_NUL_ESCAPE = re.compile(rb"\\u0000", re.IGNORECASE)
_JSON_TYPES = ("application/json", "application/csp-report")


def has_nul(value) -> bool:
    """Whether a string, or any string inside a decoded JSON value, holds a NUL."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False


def _query_has_nul(query) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())


def _json_body_has_nul(request) -> bool:
    body = request.body
    if b"\x00" in body:
        return True
    if not _JSON_NUL_ESCAPE.search(body):
        return False
    try:
        return has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON after all: the view says so


def request_has_nul(request) -> bool:
    if NUL in request.path or _query_has_nul(request.GET):
        return True
    if request.method == "POST" and (
        _query_has_nul(request.POST) or any(NUL in name for name in request.FILES)
    ):
        return True
    content_type = request.content_type or ""
    if content_type in _JSON_TYPES or content_type.endswith("+json"):
        return _json_body_has_nul(request)
    return False


def _wants_json(request) -> bool:
    content_type = request.content_type or ""
    return (
        request.path.startswith("/api/")
        or "application/json" in request.headers.get("accept", "")
        or "json" in content_type
    )


def nul_refusal(request):
    """The 400 for a request carrying NUL: a page in the visitor's language, or JSON."""
    with translation.override(chosen_language(request)):
        message = _("提交的内容或网址中含有无法处理的控制字符（NUL），请删除后重试。")
        return _bad_request(request, "nul_character", message)


def malformed_body_refusal(request):
    """The 400 for a form body that cannot be read (a multipart body without its boundary)."""
    with translation.override(chosen_language(request)):
        message = _("提交的内容格式有误，无法读取，请重新提交。")
        return _bad_request(request, "malformed_body", message)


def _bad_request(request, code: str, message: str):
    if _wants_json(request):
        return JsonResponse(
            # The API's error shape (code, message, detail); "ok" for the page helpers.
            {"ok": False, "code": code, "message": message, "detail": ""},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "400.html", {"message": message}, status=400)


class RefuseNulMiddleware:
    """Refuse NUL before any view, form or query (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        mangled = [name for name, value in request.COOKIES.items() if NUL in name + value]
        for name in mangled:
            del request.COOKIES[name]
        try:
            response = nul_refusal(request) if request_has_nul(request) else None
        except MultiPartParserError:
            # Reading the form is the first thing here; a body that cannot be read would
            # otherwise be a 500 wherever it is read next.
            response = malformed_body_refusal(request)
        if response is None:
            response = self.get_response(request)
        for name in mangled:
            if NUL not in name and name not in response.cookies:
                response.delete_cookie(name)
        return response


def permissions_policy(features: dict[str, list[str]]) -> str:
    """``{"camera": ["self"], "geolocation": []}`` → ``camera=(self), geolocation=()``."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())


class PermissionsPolicyMiddleware:
    """Set Permissions-Policy: the site's default, or the page's own by its URL name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            match = getattr(request, "resolver_match", None)
            features = dict(settings.PERMISSIONS_POLICY)
            if match is not None:
                features.update(settings.PERMISSIONS_POLICY_VIEWS.get(match.view_name, {}))
            response["Permissions-Policy"] = permissions_policy(features)
        return response


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware; paths under ``CSP_ADMIN_PATHS`` get ``CSP_ADMIN_DIRECTIVES``.

    The Wagtail admin writes inline scripts (date pickers, inline panels), evaluates the
    markup its choosers receive, and shows uploads from ``blob:`` URLs; it cannot run under
    the site's nonce policy. Its views are Wagtail's, hundreds of them, so a per-view
    decorator cannot reach them: the admin's directives are chosen here by path, and a view
    that sets its own (django-csp's decorators) still wins. An editor's preview is a page
    rendered through a made-up request to the page's own address (Wagtail's
    ``make_preview_request`` marks it ``is_dummy``) and shown in a frame of the editor, so
    it is the admin's too: the site's ``frame-ancestors 'none'`` would blank it.
    """

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if (
            not report_only
            and parts.config is None
            and parts.replace is None
            and (
                request.path_info.startswith(tuple(settings.CSP_ADMIN_PATHS))
                or getattr(request, "is_dummy", False)
            )
        ):
            parts.replace = settings.CSP_ADMIN_DIRECTIVES
        return parts
