from django import forms
from django.utils.translation import gettext_lazy as _


class SignupExtraForm(forms.Form):
    """Fields allauth's signup form lacks: the person's real name."""

    real_name = forms.CharField(label=_("真实姓名"), max_length=50)

    def signup(self, request, user) -> None:
        user._signup_real_name = self.cleaned_data["real_name"].strip()
