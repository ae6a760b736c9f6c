"""The forms of the admin's person page: each one posts to one service.

The forms only parse; the rules (which role fits which node, who needs a reason, a
valid phone or ID number) are the services', so every writer meets the same ones.
"""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers import permissions
from volunteers.models import Membership, Organisation, Person

Action = permissions.Action
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_HELP = _("修改姓名、手机号、身份证号或政治面貌时必填，会记入审计记录。")


class OrganisationChoiceField(forms.ModelChoiceField):
    """Organisations indented by their place in the tree, with their kind."""

    def label_from_instance(self, obj: Organisation) -> str:
        indent = "\u3000" * max(obj.depth - 1, 0)
        return f"{indent}{obj.name}（{obj.get_kind_display()}）"


def open_organisations(user, action: str, *kinds: str):
    """The organisations ``user`` may ``action`` on and that are not closed, tree order."""
    queryset = permissions.organisations_in_scope(user, action).filter(closed_on__isnull=True)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    return queryset.order_by("path")


class PersonEditForm(forms.Form):
    real_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20)
    political_status = forms.ChoiceField(
        label=_("政治面貌"), choices=Person.PoliticalStatus.choices
    )
    party_branch = forms.ModelChoiceField(
        label=_("所在党支部"), queryset=Organisation.objects.none(), required=False
    )
    employer_unit = forms.ModelChoiceField(
        label=_("在职单位"), queryset=Organisation.objects.none(), required=False
    )
    in_service = forms.BooleanField(label=_("在职党员"), required=False)
    skills = forms.CharField(label=_("技能特长"), max_length=200, required=False)
    service_interests = forms.CharField(label=_("服务意向"), max_length=200, required=False)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=30,
        required=False,
        help_text=_("只在需要登记或更正时填写；留空则保留原号码。号码加密保存，不会完整显示。"),
    )
    reason = forms.CharField(
        label=_("修改原因"), max_length=200, required=False, help_text=REASON_HELP
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "real_name": person.real_name,
                "phone": person.phone,
                "political_status": person.political_status,
                "party_branch": person.party_branch_id,
                "employer_unit": person.employer_unit_id,
                "in_service": person.in_service,
                "skills": person.skills,
                "service_interests": person.service_interests,
            },
        )
        super().__init__(*args, **kwargs)
        open_nodes = Organisation.objects.filter(closed_on__isnull=True).order_by("path")
        self.fields["party_branch"].queryset = open_nodes.filter(
            kind=Organisation.Kind.PARTY_BRANCH
        )
        self.fields["employer_unit"].queryset = open_nodes.filter(kind=Organisation.Kind.UNIT)
        if person.id_number_masked:
            self.fields["id_number"].widget.attrs["placeholder"] = person.id_number_masked

    def changes(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "reason"}
        if not data.get("id_number"):
            data.pop("id_number", None)
        return data


class AppointForm(forms.Form):
    organisation = OrganisationChoiceField(label=_("组织"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(
        label=_("角色"),
        choices=Membership.Role.choices,
        help_text=_(
            "网格长、专职网格员、街巷长、网格党员中心户、兼职信息员只设在网格；"
            "单位联络人只设在在职单位；队长、副队长设在志愿服务队、小分队、支队或党小组；"
            "书记设在镇、社区、大党委或党支部；编辑设在镇或社区。"
        ),
    )
    start_date = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    reason = forms.CharField(label=_("任命说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = open_organisations(user, Action.MANAGE_ROLES)


class TeamJoinForm(forms.Form):
    team = OrganisationChoiceField(label=_("志愿服务队"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, user, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        in_teams = person.memberships.current().filter(role=Membership.Role.MEMBER)
        self.fields["team"].queryset = open_organisations(
            user, Action.MANAGE_ROLES, Organisation.Kind.TEAM
        ).exclude(pk__in=in_teams.values("organisation_id"))


class MembershipEndForm(forms.Form):
    end_date = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=DATE,
        help_text=_("当天起不再担任。"),
    )
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        error_messages={"required": _("请填写结束原因。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
