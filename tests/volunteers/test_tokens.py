"""QR tokens: any altered byte or an expired token is refused."""

import datetime
import string

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from core.tokens import TOKEN_LIFE_SECONDS, Purpose, TokenError, make_token, read_token

# Made once at import: by the time a long suite reaches these tests it may have expired,
# so the mutation tests accept only signature refusals, which come before the age check.
TOKEN = make_token(purpose=Purpose.CHECK_IN, subject_id=4711)
ALPHABET = string.ascii_letters + string.digits + "-_:."


def test_a_fresh_token_reads_back_its_activity_and_purpose():
    token = make_token(purpose=Purpose.CHECK_IN, subject_id=4711)
    read = read_token(token, purposes=(Purpose.CHECK_IN, Purpose.CHECK_OUT))
    assert (read.subject_id, read.purpose) == (4711, Purpose.CHECK_IN)


@settings(max_examples=1200, deadline=None)
@given(st.integers(min_value=0, max_value=len(TOKEN) - 1), st.sampled_from(ALPHABET))
def test_any_altered_character_is_refused(position, replacement):
    if TOKEN[position] == replacement:
        replacement = "A" if replacement != "A" else "B"
    altered = TOKEN[:position] + replacement + TOKEN[position + 1 :]
    with pytest.raises(TokenError) as exc:
        read_token(altered, purposes=Purpose.CHECK_IN)
    assert exc.value.code in {"forged", "wrong_purpose"}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_is_never_accepted(text):
    with pytest.raises(TokenError):
        read_token(text, purposes=Purpose.CHECK_IN)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=TOKEN_LIFE_SECONDS + 1, max_value=10**8))
def test_a_token_past_its_life_is_refused(age_seconds):
    token = make_token(purpose=Purpose.CHECK_IN, subject_id=1)
    later = timezone.now() + datetime.timedelta(seconds=age_seconds)
    with pytest.raises(TokenError) as exc:
        read_token(token, purposes=Purpose.CHECK_IN, scanned_at=later)
    assert exc.value.code == "expired"


def test_a_token_is_bound_to_its_purpose():
    checkout = make_token(purpose=Purpose.CHECK_OUT, subject_id=1)
    personal = make_token(purpose=Purpose.PERSONAL, subject_id=1)
    for token in (checkout, personal):
        with pytest.raises(TokenError) as exc:
            read_token(token, purposes=Purpose.CHECK_IN)
        assert exc.value.code == "wrong_purpose"


def test_a_token_from_the_future_is_refused():
    token = make_token(purpose=Purpose.CHECK_IN, subject_id=1)
    earlier = timezone.now() - datetime.timedelta(minutes=5)
    with pytest.raises(TokenError):
        read_token(token, purposes=Purpose.CHECK_IN, scanned_at=earlier)
