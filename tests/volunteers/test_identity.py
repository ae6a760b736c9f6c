"""Phone numbers, ID numbers and volunteer numbers."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.identity import (
    VOLUNTEER_NUMBER_ALPHABET,
    id_number_checksum,
    new_volunteer_number,
    normalise_phone,
    protect_id_number,
    reveal_id_number,
    validate_id_number,
    validate_mainland_mobile,
)
from core.masking import mask_phone

VALID_ID = "11010519491231002X"  # the checksum example used in GB 11643


def test_a_real_id_number_passes():
    validate_id_number(VALID_ID)
    validate_id_number(VALID_ID.lower())


@given(st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_digit_breaks_the_checksum(position, delta):
    digits = list(VALID_ID)
    digits[position] = str((int(digits[position]) + delta) % 10)
    altered = "".join(digits)
    with pytest.raises(ValidationError):
        validate_id_number(altered)


@given(st.from_regex(r"\A\d{17}\Z"))
def test_the_checksum_character_decides(first17):
    birth_ok = "19900101"
    body = first17[:6] + birth_ok + first17[14:]
    good = body + id_number_checksum(body)
    validate_id_number(good)
    wrong = next(c for c in "0123456789X" if c != good[-1])
    with pytest.raises(ValidationError, match="校验位"):
        validate_id_number(body + wrong)


@pytest.mark.parametrize("bad", ["", "123", "11010519491231002Y", "110105194913310021"])
def test_malformed_id_numbers_are_refused_in_chinese(bad):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(bad)
    assert "身份证号" in exc.value.messages[0]


def test_an_id_number_is_kept_masked_and_encrypted_never_plain():
    digest, ciphertext, masked = protect_id_number(VALID_ID)
    assert VALID_ID not in ciphertext and VALID_ID not in digest
    assert masked == "1101**********002X"
    assert reveal_id_number(ciphertext) == VALID_ID
    assert protect_id_number(VALID_ID.lower())[0] == digest  # same person, same digest


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("138 0013 8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
    ],
)
def test_phone_numbers_are_normalised_from_what_people_type(typed, normalised):
    assert normalise_phone(typed) == normalised
    validate_mainland_mobile(normalised)


@pytest.mark.parametrize("bad", ["12800138000", "1380013800", "138001380001", "abcdefghijk", ""])
def test_non_mainland_mobiles_are_refused_in_chinese(bad):
    with pytest.raises(ValidationError, match="手机号"):
        validate_mainland_mobile(bad)


def test_a_phone_is_masked_in_the_middle():
    assert mask_phone("13812345678") == "138****5678"


def test_volunteer_numbers_avoid_look_alike_characters():
    for _ in range(500):
        number = new_volunteer_number()
        assert number.startswith("SZ") and len(number) == 10
        assert not set(number[2:]) & set("01OILoil")
        assert set(number[2:]) <= set(VOLUNTEER_NUMBER_ALPHABET)
