"""The API's conventions, seen by a client: the schema, one error shape, tokens in headers
only, times in +08:00, ETags and Idempotency-Key."""

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


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
        assert any("\u4e00" <= char <= "\u9fff" for char in text), operation["operationId"]


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
