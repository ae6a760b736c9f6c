"""The forms of the 资源清单 admin: its filters, 登记资源 and 修改资源.

They only parse; who may offer what where, the one-provider rule and the texts' rules are
``services.resources``', so a refusal comes back on its field.
"""

from functools import reduce
from operator import or_

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from volunteers import permissions
from volunteers.admin_views.people_forms import OrganisationChoiceField
from volunteers.models import NeedCategory, Organisation, Person, Resource

Action = permissions.Action
Kind = Organisation.Kind

# Who offers resources: 共建单位 and their departments, the volunteer side's teams, the
# party organisations and the community itself (its 党群服务中心, say).
PROVIDER_KINDS = (
    Kind.COMMUNITY,
    Kind.PARTY_COMMITTEE,
    Kind.PARTY_BRANCH,
    Kind.DETACHMENT,
    Kind.SQUAD,
    Kind.TEAM,
    Kind.UNIT,
)
ACTIVE, RETIRED = "active", "retired"


class ResourceFilterForm(forms.Form):
    """Filters read from the query string; one that cannot be read is left out."""

    q = forms.CharField(label=_("搜索资源或提供方"), required=False, max_length=50)
    community = forms.TypedChoiceField(
        label=_("社区"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(
        label=_("资源类型"), required=False, choices=[("", _("全部类型")), *Resource.Kind.choices]
    )
    category = forms.TypedChoiceField(
        label=_("对应需求类别"), required=False, coerce=int, empty_value=None
    )
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("可用")), (RETIRED, _("已停用")), ("all", _("全部"))],
    )

    def __init__(
        self, data, *, communities: list[Organisation], categories: list[NeedCategory]
    ) -> None:
        super().__init__(data)
        self.fields["community"].choices = [("", _("全部社区"))] + [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in communities
        ]
        self.fields["category"].choices = [("", _("全部类别"))] + [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in categories
        ]

    def values(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class ResourceChangeForm(forms.Form):
    """What is offered: the part of a resource its keepers change."""

    kind = forms.ChoiceField(
        label=_("资源类型"), choices=Resource.Kind.choices, widget=forms.RadioSelect
    )
    category = forms.ModelChoiceField(
        label=_("对应需求类别"),
        queryset=NeedCategory.objects.all(),
        required=False,
        empty_label=_("（不对应具体类别）"),
        help_text=_("这类需求登记后，会在需求页面推荐这项资源。"),
    )
    title = forms.CharField(label=_("资源名称"), max_length=60)
    description = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea({"rows": 3})
    )
    availability = forms.CharField(
        label=_("可提供时间"),
        max_length=100,
        required=False,
        help_text=_("例如 每周六上午、工作日晚上。"),
    )
    contact = forms.CharField(
        label=_("联系方式"),
        max_length=50,
        required=False,
        help_text=_("只有社区和网格的工作人员能看到。"),
    )


class ResourceAddForm(ResourceChangeForm):
    """登记资源: the community it serves and who offers it, then what."""

    community = forms.ModelChoiceField(label=_("服务社区"), queryset=Organisation.objects.none())
    organisation = OrganisationChoiceField(
        label=_("提供单位"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("共建单位、部门、服务队或社区自己；个人提供的请留空，填写下面的手机号。"),
    )
    provider_phone = forms.CharField(
        label=_("提供人手机号"),
        max_length=11,
        required=False,
        help_text=_("个人提供的资源：填写提供人登记的手机号。"),
    )
    field_order = ["community", "organisation", "provider_phone"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.keeps = permissions.organisations_in_scope(user, Action.MANAGE_NEEDS).filter(
            kind=Kind.COMMUNITY, closed_on__isnull=True
        )
        open_nodes = Organisation.objects.filter(closed_on__isnull=True)
        if self.keeps.exists():
            self.fields["community"].queryset = self.keeps.order_by("path")  # type: ignore[attr-defined]
            self.fields["organisation"].queryset = open_nodes.filter(  # type: ignore[attr-defined]
                kind__in=PROVIDER_KINDS
            ).order_by("path")
        else:
            # A unit's contact: their unit (and its departments), for any community, since
            # which units are 共建 with which community is not recorded yet.
            units = permissions.chair_unit_ids_contacted_by(user)
            paths = Organisation.objects.filter(pk__in=units).values_list("path", flat=True)
            under = reduce(or_, (Q(path__startswith=path) for path in paths), Q(pk__in=[]))
            self.fields["community"].queryset = open_nodes.filter(  # type: ignore[attr-defined]
                kind=Kind.COMMUNITY
            ).order_by("path")
            self.fields["organisation"].queryset = open_nodes.filter(under).order_by("path")  # type: ignore[attr-defined]
            self.fields["organisation"].required = True
            del self.fields["provider_phone"]

    def clean(self):
        data = super().clean()
        phone = (data.pop("provider_phone", "") or "").strip()
        data["person"] = None
        if phone:
            data["person"] = Person.objects.filter(phone=phone).first()
            if data["person"] is None:
                self.add_error("provider_phone", _("没有找到登记这个手机号的人员。"))
        return data
