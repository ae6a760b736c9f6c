"""The forms of the 项目清单 admin: a project, a post, closing, and naming the chair.

The forms only parse; the rules (who manages which quarter, same-community needs and
resources, a deadline not past, no HTML) are ``services.projects``'s.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.quarters import Quarter
from volunteers.admin_views.people_forms import DATE, OrganisationChoiceField
from volunteers.models import Campaign, Need, Organisation, Resource

Kind = Organisation.Kind


def open_units():
    return Organisation.objects.filter(kind=Kind.UNIT, closed_on__isnull=True).order_by("path")


class QuarterField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("help_text", _("例如 2026Q4。"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return Quarter.parse(value).key
        except ValueError:
            raise forms.ValidationError(_("季度应写成年份加季度，例如 2026Q4。")) from None


class ProjectForm(forms.Form):
    """新建 / 编辑项目. On edit the community and quarter stay (they decide who manages it)."""

    community = forms.ModelChoiceField(label=_("社区"), queryset=Organisation.objects.none())
    quarter = QuarterField(label=_("季度"))
    title = forms.CharField(label=_("项目名称"), max_length=80)
    description = forms.CharField(
        label=_("项目内容"), max_length=2000, required=False, widget=forms.Textarea({"rows": 4})
    )
    lead_unit = OrganisationChoiceField(label=_("牵头单位"), queryset=Organisation.objects.none())
    partner_units = forms.ModelMultipleChoiceField(
        label=_("参与单位"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    campaign = forms.ModelChoiceField(
        label=_("提升行动"),
        queryset=Campaign.objects.filter(active=True),
        required=False,
        empty_label=_("不属于提升行动"),
    )
    needs = forms.ModelMultipleChoiceField(
        label=_("对应需求"),
        queryset=Need.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    resources = forms.ModelMultipleChoiceField(
        label=_("使用资源"),
        queryset=Resource.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, communities, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        units = open_units()
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["partner_units"].queryset = units  # type: ignore[attr-defined]
        # The pickers hold the communities' own needs and resources only.
        self.fields["needs"].queryset = Need.objects.filter(  # type: ignore[attr-defined]
            community__in=communities
        ).exclude(status=Need.Status.CLOSED)
        self.fields["resources"].queryset = Resource.objects.filter(  # type: ignore[attr-defined]
            community__in=communities, active=True
        )
        if editing:
            del self.fields["community"]
            del self.fields["quarter"]


class PostForm(forms.Form):
    title = forms.CharField(label=_("岗位"), max_length=60)
    description = forms.CharField(label=_("岗位说明"), max_length=300, required=False)
    places = forms.IntegerField(label=_("名额"), min_value=1, max_value=100, initial=1)
    deadline = forms.DateField(label=_("认领截止"), widget=DATE)


class ProjectCloseForm(forms.Form):
    cancel = forms.BooleanField(
        label=_("取消项目（而不是完成）"),
        required=False,
        help_text=_("尚未服务的认领会被撤回，认领人会收到通知。"),
    )


class ChairForm(forms.Form):
    community = forms.ModelChoiceField(label=_("社区"), queryset=Organisation.objects.none())
    quarter = QuarterField(label=_("季度"))
    unit = OrganisationChoiceField(label=_("轮值主席单位"), queryset=Organisation.objects.none())

    def __init__(self, *args, communities, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.fields["unit"].queryset = open_units()  # type: ignore[attr-defined]
