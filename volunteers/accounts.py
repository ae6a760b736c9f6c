"""allauth adapter: phone numbers live on ``Person``; SMS goes through volunteers.sms."""

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext as _

from volunteers.errors import DomainError
from volunteers.identity import normalise_phone
from volunteers.models import Person
from volunteers.services.people import person_create, person_set_phone
from volunteers.sms import send_sms


class AccountAdapter(DefaultAccountAdapter):
    def clean_phone(self, phone: str) -> str:
        from django import forms

        phone = normalise_phone(phone)
        from volunteers.identity import MOBILE_RE

        if not MOBILE_RE.match(phone):
            raise forms.ValidationError(_("请输入正确的11位手机号码，例如 13800138000。"))
        return phone

    def get_phone(self, user) -> tuple[str, bool] | None:
        person = Person.objects.filter(user=user).only("phone", "phone_verified").first()
        if person is None:
            return None
        return person.phone, person.phone_verified

    def set_phone(self, user, phone: str, verified: bool) -> None:
        person = Person.objects.filter(user=user).first()
        if person is None:
            # Claim a roster entry with this phone that has no account yet.
            person = Person.objects.filter(phone=phone, user__isnull=True).first()
            if person is not None:
                person.user = user
                person.phone_verified = verified
                person.save(update_fields=["user", "phone_verified", "updated_at"])
                return
            real_name = getattr(user, "_signup_real_name", "") or user.get_username()
            person_create(real_name=real_name, phone=phone, user=user, phone_verified=verified)
            return
        try:
            person_set_phone(person=person, phone=phone, verified=verified)
        except DomainError as exc:
            from django import forms

            raise forms.ValidationError(exc.message) from None

    def set_phone_verified(self, user, phone: str) -> None:
        Person.objects.filter(user=user, phone=phone).update(phone_verified=True)

    def get_user_by_phone(self, phone: str):
        person = (
            Person.objects.filter(phone=normalise_phone(phone), user__isnull=False)
            .select_related("user")
            .first()
        )
        return person.user if person else None

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        send_sms(
            phone=phone,
            message=_("【美丽沙州】您的验证码是 %(code)s，15分钟内有效。") % {"code": code},
        )

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        send_sms(phone=phone, message=_("【美丽沙州】该手机号尚未注册美丽沙州账号。"))

    def send_account_already_exists_sms(self, phone: str) -> None:
        send_sms(phone=phone, message=_("【美丽沙州】该手机号已注册，请直接登录或找回密码。"))
