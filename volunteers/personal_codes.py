"""A person's rotating personal code: a signed QR token, and a short code to type.

The short code is six characters without look-alikes, kept in the shared cache
for as long as a QR token lives, so an organiser can type it when the camera
will not focus. Both rotate with the QR.
"""

import datetime
import secrets

from django.core.cache import cache

from core.identity import VOLUNTEER_NUMBER_ALPHABET
from core.tokens import (
    ROTATE_SECONDS,
    TOKEN_LIFE_SECONDS,
    Purpose,
    TokenError,
    make_token,
    read_token,
)

SHORT_CODE_LENGTH = 6


def _window(at: datetime.datetime) -> int:
    return int(at.timestamp() // ROTATE_SECONDS)


def current(person_id: int, *, at: datetime.datetime) -> tuple[str, str]:
    """(QR token, short code) for the person right now; the same within one rotation."""
    window_key = f"pcode:person:{person_id}:{_window(at)}"
    short = cache.get(window_key)
    if short is None:
        for _attempt in range(10):
            candidate = "".join(
                secrets.choice(VOLUNTEER_NUMBER_ALPHABET) for _ in range(SHORT_CODE_LENGTH)
            )
            if cache.add(f"pcode:code:{candidate}", person_id, timeout=TOKEN_LIFE_SECONDS):
                short = candidate
                break
        else:  # pragma: no cover - 31**6 codes make ten clashes in a row unthinkable
            raise RuntimeError("could not allocate a personal short code")
        cache.set(window_key, short, timeout=ROTATE_SECONDS * 2)
    return make_token(purpose=Purpose.PERSONAL, subject_id=person_id), short


def resolve(code: str, *, at: datetime.datetime) -> int:
    """The person id behind a scanned token or a typed short code."""
    code = (code or "").strip()
    if len(code) == SHORT_CODE_LENGTH:
        person_id = cache.get(f"pcode:code:{code.upper()}")
        if person_id is None:
            raise TokenError("unknown_code")
        return int(person_id)
    return read_token(code, purposes=Purpose.PERSONAL, scanned_at=at).subject_id
