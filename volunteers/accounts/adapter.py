"""The allauth adapter: phones on Person, SMS through core.sms, logins and their limits."""

import logging
import secrets

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.stages import PhoneVerificationStage as AllauthPhoneVerificationStage
from allauth.core import context
from allauth.core.exceptions import RateLimited
from allauth.core.internal import ratelimit
from allauth.core.internal.cryptokit import generate_user_code
from allauth.core.internal.httpkit import get_client_ip, headed_redirect_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import ratelimit as site_ratelimit
from core.errors import DomainError
from core.identity import MOBILE_RE, normalise_phone
from core.sms import send_sms
from volunteers.accounts.devices import known_device, remember_device
from volunteers.accounts.sessions import apply_login_by_code_choice
from volunteers.forms import MainlandPhoneField
from volunteers.models import Person, UnverifiedPhone
from volunteers.selectors import person_for_user
from volunteers.services.accounts import account_phone_prove, account_phone_record

logger = logging.getLogger("shazhou.accounts")

# What people in China expect from an SMS code: six digits, no dashes.
SMS_CODE_FORMAT = {"length": 6, "numeric": True, "dashed": False}
PASSWORD_TOO_SHORT = _("密码太短，至少需要 %(min_length)d 个字符。")


def _client_ip(request) -> str:
    return (get_client_ip(request) if request is not None else None) or "unknown"


def unknown_number_sms_allowed(phone: str) -> bool:
    """Count one SMS to ``phone``; False when it belongs to no account and a cap is reached.

    Numbers of people with an account are limited by allauth per number only. The caps
    here (per client address per hour and per day, and per day for the whole site)
    bound what strangers can cost by asking codes for numbers nobody has registered.
    """
    if Person.objects.filter(phone=phone, user__isnull=False).exists():
        return True
    ip = _client_ip(context.request)
    per_hour, per_day, site_per_day = settings.SMS_UNKNOWN_NUMBER_CAPS
    allowed = site_ratelimit.hit_all(
        [
            (f"sms:unknown:ip-hour:{ip}", per_hour, 3600),
            (f"sms:unknown:ip-day:{ip}", per_day, 86400),
            ("sms:unknown:site-day", site_per_day, 86400),
        ]
    )
    if not allowed:
        logger.warning("SMS to an unregistered number refused: cap reached (address %s)", ip)
    return allowed


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # One message for both: saying which half was wrong tells an attacker too much.
        "phone_password_mismatch": _("账号或密码不正确，请重新输入。"),
        "username_password_mismatch": _("账号或密码不正确，请重新输入。"),
        "invalid_login": _("账号或密码不正确，请重新输入。"),
        "account_inactive": _("该账号已停用，如有疑问请联系所在社区。"),
        "incorrect_code": _("验证码不正确，请核对短信后重新输入。"),
        "incorrect_password": _("密码不正确。"),
        "enter_current_password": _("当前密码不正确，请重新输入。"),
        "phone_taken": _("该手机号已被其他账号使用。"),
        "unknown_phone": _("该手机号没有对应的账号。"),
        "username_taken": _("该用户名已被使用，请换一个。"),
        "too_many_login_attempts": _("尝试次数过多。请改用短信验证码登录，或过几分钟再试。"),
        "rate_limited": _("操作太频繁，请稍等一分钟再试。"),
        "same_as_current": _("新值不能与当前的相同。"),
    }

    # --- forms ---------------------------------------------------------------

    def phone_form_field(self, **kwargs) -> MainlandPhoneField:
        kwargs.pop("label", None)  # allauth passes an English "Phone"; ours is Chinese
        return MainlandPhoneField(**kwargs)

    def generate_unique_username(self, txts, regex=None) -> str:
        # Sign-up asks for no username: one from the person's name or number would be
        # guessable, and a form that said "taken" would tell who has an account.
        User = get_user_model()
        while True:
            username = f"sz{secrets.token_hex(5)}"
            if not User.objects.filter(username=username).exists():
                return username

    def clean_username(self, username: str, shallow: bool = False) -> str:
        # A username that is a phone number would shadow that number at login.
        if MOBILE_RE.match(normalise_phone(username)):
            raise forms.ValidationError(
                _("用户名不能是手机号；手机号本身就可以用来登录。"), code="username_is_phone"
            )
        return super().clean_username(username, shallow=shallow)

    def clean_password(self, password: str, user=None) -> str:
        try:
            return super().clean_password(password, user=user)
        except forms.ValidationError as exc:
            # Django 5.2 reworded the too-short message and its Chinese catalogue
            # has not caught up; every other validator message is translated.
            raise forms.ValidationError(
                [
                    forms.ValidationError(PASSWORD_TOO_SHORT, code=error.code, params=error.params)
                    if error.code == "password_too_short"
                    else error
                    for error in exc.error_list
                ]
            ) from None

    @transaction.atomic
    def save_user(self, request, user, form, commit=True):
        # allauth stores the phone (our set_phone, which creates the Person) inside
        # save_user, before the custom form's signup() runs: hand the name over now.
        user._shazhou_real_name = form.cleaned_data.get("real_name", "")
        return super().save_user(request, user, form, commit=commit)

    def get_signup_redirect_url(self, request) -> str:
        # A newcomer whose phone is proven but who has no home grid yet goes on to choose
        # their community and grid (加入申请); anyone placed already, by a roster, to /me/.
        person = person_for_user(request.user)
        if person is not None and person.home_grid_id is None:
            return reverse("volunteers:join")
        return super().get_signup_redirect_url(request)

    # --- phone storage (allauth's phone interface) --------------------------

    def get_phone(self, user) -> tuple[str, bool] | None:
        person = person_for_user(user)
        if person is not None:
            return person.phone, person.phone_verified
        pending = UnverifiedPhone.objects.filter(user=user).first() if user.pk else None
        return (pending.phone, False) if pending is not None else None

    def set_phone(self, user, phone: str, verified: bool) -> None:
        phone = normalise_phone(phone)
        try:
            if verified:
                account_phone_prove(user=user, phone=phone)
            else:
                real_name = getattr(user, "_shazhou_real_name", "")
                account_phone_record(user=user, phone=phone, real_name=real_name)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None

    def set_phone_verified(self, user, phone: str) -> None:
        # After a phone change the verified number is a new one, so this also stores it.
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str):
        person = (
            Person.objects.filter(phone=normalise_phone(phone), user__isnull=False)
            .select_related("user")
            .first()
        )
        return person.user if person else None

    # --- codes and SMS --------------------------------------------------------

    def generate_phone_verification_code(self, *, user, phone: str) -> str:
        return generate_user_code(**SMS_CODE_FORMAT)

    def generate_password_reset_code(self) -> str:
        return generate_user_code(**SMS_CODE_FORMAT)

    # --- logging in -----------------------------------------------------------

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth's failed-login limit, counted apart for a browser the account knows."""
        key = self._get_login_attempts_cache_key(request, **credentials)
        device = known_device(request, self._user_for_credentials(**credentials))
        if device:
            key = f"{key}:device:{device}"
        self._login_failed_rl_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed", key=key
        )
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys the failed-login limit by e-mail or username only, so every login
        # by phone shared one key: five failures anywhere locked out every phone.
        login = credentials.get("phone") or credentials.get("email") or credentials.get("username")
        return f"login:{(login or '').lower()}"

    def _user_for_credentials(self, **credentials):
        if credentials.get("phone"):
            return self.get_user_by_phone(credentials["phone"])
        if credentials.get("username"):
            return get_user_model().objects.filter(username=credentials["username"]).first()
        return None

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        remember_device(request, response, user)
        apply_login_by_code_choice(request)
        return response

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        if not unknown_number_sms_allowed(phone):
            raise RateLimited
        # allauth passes ``reauthentication`` only for login codes, which expire sooner.
        minutes = (
            account_settings.LOGIN_BY_CODE_TIMEOUT
            if "reauthentication" in kwargs
            else account_settings.PHONE_VERIFICATION_TIMEOUT
        ) // 60
        send_sms(
            phone=phone,
            message=gettext("【美丽沙州】验证码 %(code)s，%(minutes)s分钟内有效，请勿告诉他人。")
            % {"code": code, "minutes": minutes},
        )

    def send_password_reset_code_sms(self, phone: str, code: str) -> None:
        minutes = account_settings.PASSWORD_RESET_BY_CODE_TIMEOUT // 60
        send_sms(
            phone=phone,
            message=gettext(
                "【美丽沙州】您正在找回密码，验证码 %(code)s，%(minutes)s分钟内有效。"
                "如非本人操作，请忽略本短信。"
            )
            % {"code": code, "minutes": minutes},
        )

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        if not unknown_number_sms_allowed(phone):
            return  # answered the same on the page; nothing tells the asker it was not sent
        send_sms(
            phone=phone,
            message=gettext(
                "【美丽沙州】有人用本手机号申请验证码，但该号码尚未注册美丽沙州账号。"
                "如非本人操作，请忽略本短信。"
            ),
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Sent when a signup collides with an existing account; the collision may
        # be on the e-mail address rather than on this number.
        send_sms(
            phone=phone,
            message=gettext(
                "【美丽沙州】您注册时填写的手机号或邮箱已有账号，请直接登录；"
                "忘记密码可在登录页用短信找回。"
            ),
        )

    # --- login stages ---------------------------------------------------------

    def get_login_stages(self) -> list[str]:
        return [
            "volunteers.accounts.adapter.PhoneVerificationStage"
            if path == "allauth.account.stages.PhoneVerificationStage"
            else path
            for path in super().get_login_stages()
        ]


class PhoneVerificationStage(AllauthPhoneVerificationStage):
    """allauth's "verify your phone before you are in" stage, with two fixes.

    - Operator accounts (``createsuperuser``) have no Person and so no phone;
      allauth would silently bounce them back to the login page. Every signup
      has a phone, because the phone is a required signup field.
    - The code SMS is rate limited per number; allauth lets that exception
      escape the signup and login views as a server error. Instead the person
      lands on the code page, where they can ask for a new code after a minute.
    """

    def handle(self):
        adapter = get_adapter(self.request)
        if self.login.user is not None and adapter.get_phone(self.login.user) is None:
            return None, True
        try:
            return super().handle()
        except RateLimited:
            adapter.add_message(
                self.request, messages.ERROR, message=adapter.error_messages["rate_limited"]
            )
            return headed_redirect_response("account_verify_phone"), True


# --- allauth's forms, in Chinese ----------------------------------------------
