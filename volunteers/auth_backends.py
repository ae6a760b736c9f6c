"""The one authentication backend: allauth's, which every login path goes through.

Django's ModelBackend is not listed: the admin logins redirect to allauth's login
(config/urls.py), and nothing else authenticates. allauth's backend already answers
the permission questions Django asks (it is a ModelBackend underneath).
"""

from allauth.account import app_settings
from allauth.account.app_settings import LoginMethod
from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from core.identity import normalise_phone
from volunteers.models import UnverifiedPhone


class AuthenticationBackend(AllauthBackend):
    """allauth's, plus: a sign-up still waiting for its code logs in by the phone it gave.

    Such an account is let no further than the code page (allauth's phone verification
    stage). Several waiting sign-ups may name one number; the newest few are tried.
    """

    def _authenticate_by_phone(self, phone: str, password: str):
        user = super()._authenticate_by_phone(phone, password)
        if user is not None or not phone or LoginMethod.PHONE not in app_settings.LOGIN_METHODS:
            return user
        waiting = (
            UnverifiedPhone.objects.filter(phone=normalise_phone(phone), user__person__isnull=True)
            .select_related("user")
            .order_by("-created_at")[:3]
        )
        for pending in waiting:
            user = self._check_password(pending.user, password)
            if user is not None:
                return user
        return None
