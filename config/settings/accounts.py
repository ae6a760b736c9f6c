"""Logging in and signing up: allauth with SMS-proven phones, its forms and rate limits, SMS."""

import os

from config.settings.environment import (
    TESTING,
)

# --- Auth and accounts ------------------------------------------------------
# One way in: allauth's backend (with a sign-up waiting for its code); the Wagtail and
# Django admin logins redirect to allauth's login (config/urls.py).
AUTHENTICATION_BACKENDS = ["volunteers.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "volunteers:me"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "volunteers.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone", "username"}
# No username at sign-up: a random one is made (volunteers.accounts), so the form cannot
# tell anyone which usernames exist. People log in with their phone.
ACCOUNT_SIGNUP_FIELDS = ["phone*", "email", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "volunteers.forms.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PREVENT_ENUMERATION = True
# Forgotten passwords are reset with a code sent by SMS (volunteers.accounts).
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
# Logging in with an SMS code: the way in for a phone whose password login is locked by
# someone else's failures, and for anyone who forgot the password.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
ACCOUNT_FORMS = {
    "login": "volunteers.accounts.forms.LoginForm",
    "signup": "volunteers.accounts.forms.SignupForm",
    "verify_phone": "volunteers.accounts.forms.VerifyPhoneForm",
    "reset_password": "volunteers.accounts.forms.PhonePasswordResetForm",
    "confirm_password_reset_code": "volunteers.accounts.forms.ConfirmPasswordResetCodeForm",
    "confirm_login_code": "volunteers.accounts.forms.ConfirmLoginCodeForm",
    "request_login_code": "volunteers.accounts.forms.RequestLoginCodeForm",
}
# Each SMS costs money and can be aimed at a stranger's phone: at most one a
# minute and five an hour per number in each flow.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "verify_phone": "1/m/key,5/h/key,20/m/ip",
    "reset_password": "20/m/ip,1/m/key,5/h/key",
    "request_login_code": "20/m/ip,1/m/key,5/h/key",
}
# SMS to numbers that belong to no account (sign-up codes, "no account for this number"
# notices): at most this many per client address per hour and per day, and per day for
# the whole site, on top of the per-number limits above.
SMS_UNKNOWN_NUMBER_CAPS = tuple(
    int(n) for n in os.environ.get("SMS_UNKNOWN_NUMBER_CAPS", "5,20,2000").split(",")
)
# Rate limits count per client IP: behind the load balancer, say how many proxies
# in X-Forwarded-For are ours, or every visitor shares the balancer's address.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# 在这台设备上保持登录 is a box on both login forms, ticked by default (volunteers.accounts):
# ticked, the session lasts 30 days (WeChat's browser would otherwise ask again and again);
# unticked, on a shared device, it ends when the browser closes. The admin uses the same
# sessions: its people are organisers in the field, on their own phones.
ACCOUNT_SESSION_REMEMBER = None
SESSION_COOKIE_AGE = 30 * 24 * 3600
ACCOUNT_LOGOUT_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {
    "weixin": {
        "APP": {
            "client_id": os.environ.get("WEIXIN_APP_ID", ""),
            "secret": os.environ.get("WEIXIN_APP_SECRET", ""),
        },
        "SCOPE": ["snsapi_login"],
    },
    "dingtalk": {
        "APP": {
            "client_id": os.environ.get("DINGTALK_APP_ID", ""),
            "secret": os.environ.get("DINGTALK_APP_SECRET", ""),
        },
    },
}

# SMS goes through a backend interface; the development backend logs the code.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.sms.LoggingSMSBackend")

# Protects stored ID numbers; falls back to one derived from SECRET_KEY.
ID_NUMBER_KEY = os.environ.get("ID_NUMBER_KEY", "")
