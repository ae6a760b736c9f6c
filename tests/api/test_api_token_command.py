"""``manage.py api_token``: a token for a person, accepted by the API; unknown users refused."""

import io

import pytest
from django.core.management import CommandError, call_command

from api.models import ApiSession

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_printed_token_signs_in_to_the_api(make_person, api_client):
    person = make_person(real_name="陈小燕")
    token, note = run(person.user.username, "--name", "调试脚本")
    assert token.startswith("sza_")
    assert "\n" not in token  # stdout is the token alone: scripts read it as is
    assert "good until" in note
    response = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["real_name"] == "陈小燕"
    sign_in = ApiSession.objects.get(user=person.user)
    assert (sign_in.method, sign_in.name) == ("password", "调试脚本")


def test_each_call_is_a_new_sign_in(make_person):
    user = make_person().user
    first, _ = run(user.username)
    second, _ = run(user.username)
    assert first != second
    assert ApiSession.objects.filter(user=user, revoked_at__isnull=True).count() == 2


def test_an_unknown_user_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="no account with the username 'nobody'"):
        run("nobody")
    assert not ApiSession.objects.exists()


def test_a_deactivated_account_is_refused(make_person):
    user = make_person().user
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="deactivated"):
        run(user.username)
