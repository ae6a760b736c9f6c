"""The API's conventions, seen by a client: the schema, one error shape, tokens in headers
only, times in +08:00, ETags and Idempotency-Key."""

import datetime
import importlib
import json
import pkgutil

import pytest
from django.http import JsonResponse
from ninja import Schema
from openapi_spec_validator import validate

import api.routers
from api.middleware import ApiConventionsMiddleware
from api.rendering import ShazhouJSONEncoder

pytestmark = pytest.mark.django_db


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


ROUTER_MODULES = [info.name for info in pkgutil.iter_modules(api.routers.__path__)]


def test_the_schema_is_valid_openapi_3_with_chinese_descriptions(api_client):
    response = api_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)  # raises on an invalid OpenAPI document
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "美丽沙州开放接口"
    operations = [
        operation
        for path in schema["paths"].values()
        for method, operation in path.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert operations
    for operation in operations:
        text = operation.get("description", "") + operation.get("summary", "")
        assert has_chinese(text), operation["operationId"]


def test_me_needs_a_token_and_refuses_in_the_one_shape(api_client):
    response = api_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert "登录" in response.json()["message"]


def test_me_answers_the_token_owner(signed_in, make_person, town):
    person = make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)
    response = signed_in(person.user).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["real_name"] == "陈小燕"
    assert response.json()["is_organiser"] is False


def test_a_token_in_the_url_is_never_accepted(signed_in, make_person, api_client):
    client = signed_in(make_person().user)
    access = client.issued.access
    for name in ("access_token", "token", "authorization"):
        response = api_client.get(f"/api/v1/me?{name}={access}")
        assert response.status_code == 401, name


def test_a_session_cookie_does_not_sign_in_to_the_api(client, make_person):
    client.force_login(make_person().user)
    assert client.get("/api/v1/me").status_code == 401


def test_nul_anywhere_in_an_api_request_is_a_json_400(api_client):
    response = api_client.get("/api/v1/me?q=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "nul_character"


def test_a_read_carries_an_etag_and_answers_304_when_unchanged(signed_in, make_person):
    client = signed_in(make_person().user)
    first = client.get("/api/v1/me")
    assert first.status_code == 200
    etag = first["ETag"]
    assert "Authorization" in first["Vary"]
    again = client.get("/api/v1/me", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


def test_times_leave_in_shazhou_offset():
    noon_utc = datetime.datetime(2026, 3, 1, 4, 30, tzinfo=datetime.UTC)
    assert json.dumps(noon_utc, cls=ShazhouJSONEncoder) == '"2026-03-01T12:30:00+08:00"'


class _Counter:
    """A stand-in operation that writes: counts its calls and answers with the count."""

    def __init__(self, status=201):
        self.calls = 0
        self.status = status

    def __call__(self, request):
        self.calls += 1
        return JsonResponse({"written": self.calls}, status=self.status)


def _post(rf, token, key, body=b'{"a": 1}'):
    return rf.post(
        "/api/v1/anything",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer_and_writes_once(
    rf, signed_in, make_person
):
    token = signed_in(make_person().user).issued.access
    operation = _Counter()
    middleware = ApiConventionsMiddleware(operation)
    first = middleware(_post(rf, token, "k-1"))
    retry = middleware(_post(rf, token, "k-1"))
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content == b'{"written": 1}'
    assert retry["Idempotent-Replayed"] == "true"
    assert operation.calls == 1
    # Another key is another request.
    assert middleware(_post(rf, token, "k-2")).content == b'{"written": 2}'


def test_the_same_key_with_another_body_is_refused(rf, signed_in, make_person):
    token = signed_in(make_person().user).issued.access
    operation = _Counter()
    middleware = ApiConventionsMiddleware(operation)
    middleware(_post(rf, token, "k-1"))
    other = middleware(_post(rf, token, "k-1", body=b'{"a": 2}'))
    assert other.status_code == 422
    assert operation.calls == 1


def test_keys_are_per_person(rf, signed_in, make_person):
    operation = _Counter()
    middleware = ApiConventionsMiddleware(operation)
    for _person in range(2):
        token = signed_in(make_person().user).issued.access
        middleware(_post(rf, token, "same-key"))
    assert operation.calls == 2


def test_a_failed_first_attempt_leaves_the_key_free_for_the_retry(rf, signed_in, make_person):
    token = signed_in(make_person().user).issued.access
    failing = _Counter(status=503)
    ApiConventionsMiddleware(failing)(_post(rf, token, "k-1"))
    working = _Counter()
    retry = ApiConventionsMiddleware(working)(_post(rf, token, "k-1"))
    assert retry.status_code == 201
    assert working.calls == 1


def test_no_two_schemas_share_a_name():
    """ninja names a schema in the document by its class name: a second class with the same
    name silently replaces the first, and responses stop matching their schema."""
    seen: dict[str, str] = {}
    clashes = []
    for module_name in sorted(ROUTER_MODULES):
        module = importlib.import_module(f"api.routers.{module_name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                where = seen.setdefault(value.__name__, module.__name__)
                if where != module.__name__:
                    clashes.append(f"{value.__name__}: {where} and {module.__name__}")
    assert clashes == []


def test_every_signed_in_post_documents_idempotency_key_and_its_refusals(api_client):
    schema = api_client.get("/api/v1/openapi.json").json()
    posts = [
        (path, item["post"])
        for path, item in schema["paths"].items()
        if "post" in item and item["post"].get("security")
    ]
    assert posts
    for path, operation in posts:
        names = [parameter["name"] for parameter in operation["parameters"]]
        assert "Idempotency-Key" in names, path
        assert {"409", "422"} <= set(operation["responses"]), path


def test_a_multipart_body_without_its_boundary_is_a_json_400(signed_in, make_person):
    client = signed_in(make_person().user)
    response = client.generic(
        "POST", "/api/v1/auth/logout", b"--x\r\n", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


def test_every_field_and_parameter_is_described_in_chinese(api_client):
    schema = api_client.get("/api/v1/openapi.json").json()
    undescribed = [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, spec in component.get("properties", {}).items()
        if not has_chinese(spec.get("description", ""))
    ]
    undescribed += [
        f"{operation['operationId']}: {parameter['name']}"
        for item in schema["paths"].values()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if not has_chinese(parameter.get("description", ""))
        and not has_chinese(parameter.get("schema", {}).get("description", ""))
    ]
    assert undescribed == []


def test_the_docs_page_is_served_from_this_server_and_can_be_switched_off(client, settings):
    settings.API_DOCS_ENABLED = True
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "script-src 'self'" in page["Content-Security-Policy"]

    settings.API_DOCS_ENABLED = False  # production's default (API_DOCS unset)
    assert client.get("/api/v1/docs").status_code == 404
    assert client.get("/api/v1/openapi.json").status_code == 200
