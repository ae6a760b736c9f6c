"""Mainland phone numbers, 18-digit ID numbers and volunteer numbers.

ID numbers are personal data: we keep a keyed digest (to find duplicates), a
Fernet ciphertext (for the rare lawful need of the full number) and a masked
form for display. The plain number is never stored.
"""

import base64
import datetime
import hashlib
import hmac
import re
import secrets

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.masking import mask_id_number

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# No 0/O, 1/I/L: a volunteer number can be read aloud and typed without doubt.
VOLUNTEER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
VOLUNTEER_NUMBER_PREFIX = "SZ"
VOLUNTEER_NUMBER_LENGTH = 8


def normalise_phone(value: str) -> str:
    """Strip spaces, dashes and a leading +86 / 86 from what people type."""
    digits = re.sub(r"[\s\-()]", "", str(value or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def validate_mainland_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(
            _("请输入正确的11位手机号码，例如 13800138000。"), code="invalid_phone"
        )


def id_number_checksum(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def normalise_id_number(value: str) -> str:
    return re.sub(r"\s", "", str(value or "")).upper()


def validate_id_number(value: str) -> None:
    """An 18-digit resident ID: format, birth date and ISO 7064 checksum."""
    value = normalise_id_number(value)
    if not ID_NUMBER_RE.match(value):
        raise ValidationError(_("身份证号应为18位，最后一位可以是数字或X。"), code="invalid_id")
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期无效。"), code="invalid_id") from None
    if not datetime.date(1900, 1, 1) <= birth <= datetime.date.today():  # noqa: DTZ011
        raise ValidationError(_("身份证号中的出生日期无效。"), code="invalid_id")
    if id_number_checksum(value[:17]) != value[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="invalid_id_checksum")


def _key_material(purpose: str) -> bytes:
    secret = settings.ID_NUMBER_KEY or settings.SECRET_KEY
    return hashlib.sha256(f"shazhou.{purpose}:{secret}".encode()).digest()


def id_number_digest(value: str) -> str:
    return hmac.new(
        _key_material("id-digest"), normalise_id_number(value).encode(), hashlib.sha256
    ).hexdigest()


def protect_id_number(value: str) -> tuple[str, str, str]:
    """Return (digest, ciphertext, masked) for a validated ID number."""
    value = normalise_id_number(value)
    fernet = Fernet(base64.urlsafe_b64encode(_key_material("id-cipher")))
    return id_number_digest(value), fernet.encrypt(value.encode()).decode(), mask_id_number(value)


def reveal_id_number(ciphertext: str) -> str:
    fernet = Fernet(base64.urlsafe_b64encode(_key_material("id-cipher")))
    return fernet.decrypt(ciphertext.encode()).decode()


def new_volunteer_number(rng: secrets.SystemRandom | None = None) -> str:
    choice = (rng or secrets.SystemRandom()).choice
    body = "".join(choice(VOLUNTEER_NUMBER_ALPHABET) for _ in range(VOLUNTEER_NUMBER_LENGTH))
    return VOLUNTEER_NUMBER_PREFIX + body
