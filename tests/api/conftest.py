"""Fixtures for the API's tests: a client that speaks JSON, and signed-in people.

``signed_in(user)`` makes a real sign-in through the token service (as the login
operations do) and answers a ``Client`` whose every request carries its access token
in the ``Authorization`` header.
"""

import pytest
from django.test import Client

from api.services.tokens import issue_tokens
from core.sms import LocmemSMSBackend


class ApiClient(Client):
    """Django's test client, JSON in and out, with an optional bearer token."""

    def __init__(self, access: str = "", **defaults):
        if access:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {access}"
        super().__init__(**defaults)

    def post(self, path, data=None, content_type="application/json", **extra):
        return super().post(path, data or {}, content_type=content_type, **extra)

    def patch(self, path, data=None, content_type="application/json", **extra):
        return super().patch(path, data or {}, content_type=content_type, **extra)


@pytest.fixture
def api_client():
    """Nobody signed in."""
    return ApiClient()


@pytest.fixture
def signed_in(db):
    """``signed_in(user)``: an ``ApiClient`` with a fresh access token of ``user``."""

    def make(user, *, method="password", name="测试手机"):
        issued = issue_tokens(user=user, method=method, name=name)
        client = ApiClient(issued.access)
        client.issued = issued
        return client

    return make


@pytest.fixture
def sms_outbox(settings):
    """The SMS the server sends during the test (the in-memory backend), newest last."""
    settings.SMS_BACKEND = "core.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()
