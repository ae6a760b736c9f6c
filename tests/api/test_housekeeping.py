"""The API forgets what it keeps only for a while: a day of Idempotency-Key answers, and
ended sign-ins after 90 days, while live ones stay."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from api.models import ApiSession, IdempotencyRecord
from api.services.tokens import Revoked, issue_tokens, revoke
from api.tasks import forget_old_api_records

pytestmark = pytest.mark.django_db


def test_old_answers_and_long_ended_sign_ins_are_deleted_and_live_ones_kept(make_person):
    user = make_person().user
    long_ago = timezone.now() - datetime.timedelta(days=100)
    with time_machine.travel(long_ago, tick=False):
        IdempotencyRecord.objects.create(principal="user:1", key="old", fingerprint="x")
        ended = issue_tokens(user=user, method="password").token
        revoke(token=ended, reason=Revoked.LOGOUT)
    IdempotencyRecord.objects.create(principal="user:1", key="new", fingerprint="x")
    live = issue_tokens(user=user, method="password").token

    assert forget_old_api_records() == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert list(ApiSession.objects.values_list("pk", flat=True)) == [live.pk]
    assert forget_old_api_records() == 0
