"""Sending SMS through a pluggable backend (settings.SMS_BACKEND).

Production sets SMS_BACKEND to a class that talks to the operator's SMS gateway;
the development backend only logs, so a developer reads the code in the console.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from core.masking import mask_phone

logger = logging.getLogger("shazhou.sms")


class BaseSMSBackend:
    def send(self, *, phone: str, message: str) -> None:
        raise NotImplementedError


class LoggingSMSBackend(BaseSMSBackend):
    """Writes each message to the log instead of sending it; the number is masked."""

    def send(self, *, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), message)


class LocmemSMSBackend(BaseSMSBackend):
    """Keeps messages in ``outbox`` for tests, like Django's locmem mail backend."""

    outbox: list[dict[str, str]] = []

    def send(self, *, phone: str, message: str) -> None:
        self.outbox.append({"phone": phone, "message": message})


def send_sms(*, phone: str, message: str) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(phone=phone, message=message)
