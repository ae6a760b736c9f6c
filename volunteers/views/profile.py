"""编辑资料: a person changes their own name, skills, service interests, whether they want
微心愿 suggestions and (party members) employer unit. The home grid changes through a join
request (/me/join/)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from volunteers import selectors
from volunteers.models import Organisation, Person
from volunteers.selectors.resources import person_resources
from volunteers.services.people import person_update_own_profile


class ProfileForm(forms.Form):
    real_name = forms.CharField(
        label=gettext_lazy("姓名"),
        max_length=50,
        error_messages={"required": gettext_lazy("请填写姓名。")},
    )
    skills = forms.CharField(
        label=gettext_lazy("技能特长"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("例如 急救、手语、驾驶、摄影。"),
    )
    service_interests = forms.CharField(
        label=gettext_lazy("服务意向"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("愿意参加的服务，例如 文明交通劝导、助老助残、法律咨询。"),
    )
    # The opt-out of matching (volunteers.services.needs_matching): staff still see who fits.
    need_suggestions = forms.BooleanField(
        label=gettext_lazy("接收微心愿推荐"),
        required=False,
        help_text=gettext_lazy("社区有与您的技能特长或服务意向相符的微心愿时通知您。"),
    )
    employer_unit = forms.ModelChoiceField(
        label=gettext_lazy("在职单位"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("（未登记）"),
        help_text=gettext_lazy("在职党员的工作单位，社区报到和双报到反馈会用到。"),
    )

    def __init__(self, *args, person: Person, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "real_name": person.real_name,
                "skills": person.skills,
                "service_interests": person.service_interests,
                "need_suggestions": person.need_suggestions,
                "employer_unit": person.employer_unit_id,
            },
        )
        super().__init__(*args, **kwargs)
        if person.is_party_member:
            self.fields["employer_unit"].queryset = Organisation.objects.filter(
                kind=Organisation.Kind.UNIT, closed_on__isnull=True
            ).order_by("name")
        else:
            del self.fields["employer_unit"]


@never_cache  # personal data: not for a shared phone's back button
@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    person = selectors.person_for_user(request.user, "home_grid", "employer_unit")
    if person is None:
        messages.error(request, _("您的账号还没有关联志愿者信息，暂时不能编辑资料。"))
        return redirect("volunteers:me")
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST, person=person)
        if form.is_valid():
            try:
                person_update_own_profile(person=person, changes=form.cleaned_data)
            except DomainError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, str(error.message))
                status = error.status
            else:
                messages.success(request, _("资料已保存。"))
                return redirect("volunteers:me")
        else:
            status = 400
    else:
        form = ProfileForm(person=person)
    # 我提供的资源 (资源清单): a short list here, kept on /me/resources/.
    resources = list(person_resources(person).filter(active=True)[:5])
    return render(
        request,
        "volunteers/profile_edit.html",
        {"person": person, "form": form, "resources": resources},
        status=status,
    )
