"""allauth's forms in Chinese, for mainland phone numbers; ``ACCOUNT_FORMS`` names them."""

import logging

from allauth.account import app_settings as account_settings
from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.password_reset_by_code import (
    PasswordResetVerificationProcess,
)
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.identity import MOBILE_RE, normalise_phone
from volunteers.accounts.sessions import remember_login_by_code
from volunteers.forms import MainlandPhoneField

logger = logging.getLogger("shazhou.accounts")


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("手机号或用户名")
        login.error_messages["required"] = _("请填写手机号或用户名。")
        login.widget.attrs.update(
            placeholder=_("手机号或用户名"),
            autocomplete="username",
            autocapitalize="none",
            spellcheck="false",
        )
        password = self.fields["password"]
        password.label = _("密码")
        password.help_text = ""  # the template links to password reset itself
        password.error_messages["required"] = _("请输入密码。")
        password.widget.attrs["placeholder"] = _("密码")
        if "remember" in self.fields:
            remember_field(self.fields["remember"])

    def clean_login(self) -> str:
        # "138 0013 8000" and "+8613800138000" are the same account, and the
        # same key for the failed-login rate limit.
        login = super().clean_login()
        phone = normalise_phone(login)
        return phone if MOBILE_RE.match(phone) else login


def remember_field(field: forms.BooleanField | None = None) -> forms.BooleanField:
    """在这台设备上保持登录, ticked unless the person unticks it on a shared device.

    Ticked: the session lasts ``SESSION_COOKIE_AGE`` (30 days); unticked: it ends when
    the browser closes. An unticked box sends nothing, so a form posted without it is
    not remembered.
    """
    field = field or forms.BooleanField(required=False)
    field.label = _("在这台设备上保持登录")
    field.help_text = _("公用设备请取消勾选。")
    field.initial = True
    return field


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """验证码登录: the phone, and whether to stay logged in, carried to the code page."""

    remember = remember_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        phone = self.fields["phone"]
        phone.help_text = _("验证码将以短信发送到这个手机号。")
        self.order_fields(["phone", "remember"])

    def clean_phone(self) -> str:
        try:
            return super().clean_phone()
        except ValidationError as exc:
            # allauth says "too many login attempts" when the per-number SMS limit is hit;
            # on this page the person has only asked for a code.
            if exc.code == "too_many_login_attempts":
                raise ValidationError(
                    _("获取验证码太频繁，请稍后再试：同一手机号每分钟最多一次、每小时最多五次。"),
                    code="too_many_codes",
                ) from None
            raise

    def clean(self) -> dict:
        cleaned_data = super().clean()
        if not self.errors:
            remember_login_by_code(cleaned_data.get("remember", False))
        return cleaned_data


class SignupForm(allauth_forms.SignupForm):
    field_order = ["real_name", "phone", "password1", "password2", "email"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["phone"].help_text = _("用于登录和接收验证码，注册后需要短信验证。")
        if "email" in fields:
            fields["email"].label = _("电子邮箱（选填）")
            fields["email"].widget.attrs["placeholder"] = ""
        if "password1" in fields:
            fields["password1"].label = _("设置密码")
            fields["password1"].error_messages["required"] = _("请设置密码。")
            fields["password1"].widget.attrs["placeholder"] = ""
        if "password2" in fields:
            fields["password2"].label = _("再次输入密码")
            fields["password2"].error_messages["required"] = _("请再次输入密码。")
            fields["password2"].widget.attrs["placeholder"] = ""


class SMSCodeMixin:
    """The code field as a phone keyboard shows it best."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = _("短信验证码")
        code.error_messages["required"] = _("请输入短信验证码。")
        code.widget.attrs.update(
            placeholder=_("6位数字"),
            inputmode="numeric",
            autocomplete="one-time-code",
            maxlength="6",
            pattern="[0-9]*",
        )


class VerifyPhoneForm(SMSCodeMixin, allauth_forms.VerifyPhoneForm):
    pass


class ConfirmPasswordResetCodeForm(SMSCodeMixin, allauth_forms.ConfirmPasswordResetCodeForm):
    pass


class ConfirmLoginCodeForm(SMSCodeMixin, allauth_forms.ConfirmLoginCodeForm):
    pass


# --- password reset by SMS code ------------------------------------------------


class PhonePasswordResetProcess(PasswordResetVerificationProcess):
    """allauth's reset-by-code flow, with the code sent by SMS.

    allauth keys the flow's state by "email"; here that slot holds the phone.
    Its confirm and complete views resume the flow through the base class,
    which never sends anything, so only ``send`` needs to differ.
    """

    def send(self) -> None:
        adapter = get_adapter(self.request)
        phone = self.state["email"]
        if self.user is None:
            adapter.send_unknown_account_sms(phone)
            return
        self.state["code"] = adapter.generate_password_reset_code()
        adapter.send_password_reset_code_sms(phone, self.code)

    @classmethod
    def initiate_by_phone(cls, *, request, user, phone: str) -> "PhonePasswordResetProcess":
        process = cls(request, state=cls.initial_state(user, email=phone), user=user)
        process.send()
        process.persist()
        return process


class PhonePasswordResetForm(forms.Form):
    phone = MainlandPhoneField()

    user = None

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        user = get_adapter().get_user_by_phone(phone)
        self.user = user if user is not None and user.is_active else None
        if self.user is None and not account_settings.PREVENT_ENUMERATION:
            raise get_adapter().validation_error("unknown_phone")
        return phone

    def clean(self) -> dict:
        cleaned_data = super().clean()
        if "phone" in cleaned_data:
            # allauth's reset view rate-limits per cleaned_data["email"].
            cleaned_data["email"] = cleaned_data["phone"]
        return cleaned_data

    def save(self, request, **kwargs) -> str:
        phone = self.cleaned_data["phone"]
        PhonePasswordResetProcess.initiate_by_phone(request=request, user=self.user, phone=phone)
        return phone
