"""How long a login lasts: 在这台设备上保持登录, for password and SMS-code logins alike.

allauth's password form applies its own "remember" box. Its login-by-code flow has none:
the choice made on the request-code page waits in the session until the code is
confirmed and the login completes (``AccountAdapter.post_login``).
"""

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.core import context
from django.conf import settings

REMEMBER_SESSION_KEY = "volunteers.accounts.remember"


def remember_login_by_code(remember: bool) -> None:
    """Keep the choice of the request-code page for the login that the code completes."""
    request = context.request
    if request is not None:
        request.session[REMEMBER_SESSION_KEY] = bool(remember)


def apply_login_by_code_choice(request) -> None:
    """After a login by SMS code: 30 days, or until the browser closes."""
    remember = request.session.pop(REMEMBER_SESSION_KEY, None)
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    if remember is None or not records or records[-1].get("method") != "code":
        return  # a password login: allauth's LoginForm applies its own box afterwards
    request.session.set_expiry(settings.SESSION_COOKIE_AGE if remember else 0)
