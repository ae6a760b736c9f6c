"""Plain Django forms and fields: people's phone numbers, the activity list's filters.

allauth imports this module while it builds its own signup form (it derives
from ``SignupExtraForm``), so nothing here may import ``allauth.account.forms``:
the allauth form subclasses live in ``volunteers.accounts.forms``.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.identity import normalise_phone, validate_mainland_mobile
from volunteers import selectors


class MainlandPhoneField(forms.CharField):
    """A mainland mobile number as people type it: spaces, dashes and +86 are tolerated."""

    default_error_messages = {"required": _("请填写手机号。")}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("手机号"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "inputmode": "tel",
                    "autocomplete": "tel-national",
                    "placeholder": _("11位手机号"),
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        return normalise_phone(super().to_python(value))

    def validate(self, value: str) -> None:
        super().validate(value)
        if value:
            try:
                validate_mainland_mobile(value)
            except ValidationError as exc:
                raise ValidationError(exc.messages[0], code="invalid_phone") from None


class SignupExtraForm(forms.Form):
    """What allauth's signup form lacks: the person's real name.

    allauth calls ``signup()`` after it has saved the user, and it stores the
    phone (that is, creates or claims the ``Person``) before that, inside
    ``AccountAdapter.save_user``; the adapter reads the real name from this
    form's cleaned data there. Nothing is left to do here.
    """

    real_name = forms.CharField(
        label=_("真实姓名"),
        max_length=50,
        error_messages={"required": _("请填写真实姓名。")},
        help_text=_("与身份证上的姓名一致，用于记录服务时长和积分。"),
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": _("例如 张三")}),
    )

    def clean_real_name(self) -> str:
        real_name = " ".join(self.cleaned_data["real_name"].split())
        if not real_name:
            raise ValidationError(_("请填写真实姓名。"), code="required")
        return real_name

    def signup(self, request, user) -> None:
        """Required by allauth; the Person already exists by the time this runs."""


class ActivityFilterForm(forms.Form):
    when = forms.ChoiceField(
        label=_("时间"),
        required=False,
        choices=[
            ("", _("全部")),
            (selectors.UPCOMING, _("即将开始")),
            (selectors.PAST, _("往期活动")),
        ],
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        required=False,
        queryset=selectors.activity_categories(),
        empty_label=_("全部类别"),
    )
    community = forms.ModelChoiceField(
        label=_("社区"),
        required=False,
        queryset=selectors.communities(),
        empty_label=_("全部社区"),
    )
