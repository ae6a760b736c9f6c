"""Properties of the token flows, over generated cases: a dead access token never opens
the API (expired, revoked, logged out, a changed password, an ended account, junk, a token
of the wrong kind), another person's sign-in cannot be ended, and a refresh token used a
second time ends its sign-in for every copy."""

import secrets
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.models import ApiKey
from api.services.tokens import digest, issue_tokens, revoke, revoke_all

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
REFRESH_URL = "/api/v1/auth/refresh"
FEW = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

DEAD_KINDS = [
    "expired",
    "revoked",
    "logged_out",
    "logged_out_everywhere",
    "password_changed",
    "account_ended",
    "refresh_as_access",
    "api_key_as_bearer",
]
JUNK = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=80)


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def dead_bearer(kind: str, user, town) -> tuple[str, timedelta]:
    """An access token made dead in the way ``kind`` says, and how far to move the clock."""
    issued = issue_tokens(user=user, method="password", name="测试")
    later = timedelta(0)
    if kind == "expired":
        later = timedelta(minutes=django_settings.API_ACCESS_TOKEN_MINUTES, seconds=1)
    elif kind == "revoked":
        revoke(token=issued.token, reason="revoked")
    elif kind == "logged_out":
        revoke(token=issued.token, reason="logout")
    elif kind == "logged_out_everywhere":
        revoke_all(user=user)
    elif kind == "password_changed":
        user.set_password(secrets.token_urlsafe(12))
        user.save()
    elif kind == "account_ended":
        user.is_active = False
        user.save()
    elif kind == "refresh_as_access":
        return issued.refresh, later
    elif kind == "api_key_as_bearer":
        secret = "szk_" + secrets.token_urlsafe(32)
        ApiKey.objects.create(
            name="智慧敦煌", organisation=town.town, prefix=secret[:10], digest=digest(secret)
        )
        return secret, later
    return issued.access, later


@FEW
@given(kind=st.sampled_from(DEAD_KINDS), offset=st.integers(min_value=0, max_value=3600))
def test_a_dead_access_token_never_opens_the_api(api_client, make_person, town, kind, offset):
    user = make_person().user
    raw, later = dead_bearer(kind, user, town)

    with time_machine.travel(timezone.now() + later + timedelta(seconds=offset * bool(later))):
        response = api_client.get(ME, **bearer(raw))
    assert response.status_code == 401, kind
    assert response.json()["code"] == "unauthenticated"


@FEW
@given(raw=st.one_of(JUNK, JUNK.map(lambda text: "sza_" + text)))
def test_junk_is_never_a_token(api_client, db, raw):
    assert api_client.get(ME, **bearer(raw)).status_code == 401


@FEW
@given(kind=st.sampled_from(["access", "junk", "refresh_of_an_ended_sign_in"]))
def test_only_a_live_refresh_token_refreshes(api_client, make_person, kind):
    issued = issue_tokens(user=make_person().user, method="sms")
    if kind == "access":
        raw = issued.access
    elif kind == "junk":
        raw = "szr_" + secrets.token_urlsafe(8)
    else:
        revoke(token=issued.token, reason="logout")
        raw = issued.refresh

    response = api_client.post(REFRESH_URL, {"refresh_token": raw})
    assert response.status_code in (404, 410), kind
    assert response.json()["code"] in ("invalid_refresh_token", "token_revoked")


@FEW
@given(session=st.sampled_from(["someone_elses", "made_up"]), bump=st.integers(1, 1000))
def test_another_persons_sign_in_cannot_be_ended(signed_in, make_person, session, bump):
    me = signed_in(make_person().user)
    other = signed_in(make_person().user)
    target = other.issued.token.pk if session == "someone_elses" else other.issued.token.pk + bump

    response = me.post(f"/api/v1/auth/sessions/{target}/revoke")
    assert response.status_code == 404
    assert response.json()["code"] == "token_not_found"
    assert other.get(ME).status_code == 200


@FEW
@given(refreshes=st.integers(min_value=1, max_value=3))
def test_a_reused_refresh_token_ends_the_sign_in_for_every_copy(api_client, make_person, refreshes):
    first = issue_tokens(user=make_person().user, method="password")
    old_refreshes = [first.refresh]
    pair = {"access_token": first.access, "refresh_token": first.refresh}
    for _ in range(refreshes):
        pair = api_client.post(REFRESH_URL, {"refresh_token": pair["refresh_token"]}).json()
        old_refreshes.append(pair["refresh_token"])
    # Only the one just replaced is known as reused; older ones are simply unknown.
    stolen = old_refreshes[-2]

    reused = api_client.post(REFRESH_URL, {"refresh_token": stolen})
    assert reused.status_code == 404
    assert api_client.get(ME, **bearer(pair["access_token"])).status_code == 401
    thief_or_owner = api_client.post(REFRESH_URL, {"refresh_token": pair["refresh_token"]})
    assert thief_or_owner.status_code == 410
    assert thief_or_owner.json()["code"] == "token_revoked"
