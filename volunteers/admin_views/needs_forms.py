"""The forms of the 需求清单 admin: its filters, 登记需求, 审核公开 and 关闭.

The forms only parse; the rules (a grid in the recorder's scope, a deadline not past, a
reason to close, no HTML in the texts) are ``services.needs``'s, so staff meet the same
ones as a resident on a phone, and a refusal comes back on its field.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from volunteers import permissions
from volunteers.admin_views.people_forms import DATE, OrganisationChoiceField, open_organisations
from volunteers.models import Campaign, Need, NeedCategory, Organisation

Action = permissions.Action

# The list's status filter: the need's own states, and two that staff look for.
CLOSING_SOON = "soon"
REPORTED = "reported"
STATUS_CHOICES = [
    ("", _("全部状态")),
    *Need.Status.choices,
    (REPORTED, _("有待确认的认领")),
    (CLOSING_SOON, _("临近截止未认领满")),
]
CAMPAIGN_HELP = _("已完成的需求计入所选提升行动本季度的“满足需求数”。")
PUBLIC_TITLE_HELP = _(
    "微心愿墙上公开显示的标题，请删去姓名、门牌号、电话等个人信息，例如“独居老人需要陪同就医”。"
)


class NeedFilterForm(forms.Form):
    """Filters read from the query string; one that cannot be read is left out, never a 500."""

    q = forms.CharField(label=_("搜索需求或需求人"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)
    organisation = forms.TypedChoiceField(
        label=_("社区 / 网格"), required=False, coerce=int, empty_value=None
    )
    category = forms.TypedChoiceField(label=_("类别"), required=False, coerce=int, empty_value=None)

    def __init__(
        self, data, *, organisations: list[Organisation], categories: list[NeedCategory]
    ) -> None:
        super().__init__(data)
        # The choices are read once by the view: drawing and checking them costs no query.
        indent = "\u3000"
        self.fields["organisation"].choices = [("", _("全部"))] + [  # type: ignore[attr-defined]
            (o.pk, f"{indent if o.kind == Organisation.Kind.GRID else ''}{o.name}")
            for o in organisations
        ]
        self.fields["category"].choices = [("", _("全部类别"))] + [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in categories
        ]

    def values(self) -> dict:
        """The filters that were read; a bad one is dropped (and shown on its field)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class NeedRecordForm(forms.Form):
    """登记需求: the grid's staff write down a resident's need (``need_record``)."""

    grid = OrganisationChoiceField(label=_("网格"), queryset=Organisation.objects.none())
    kind = forms.ChoiceField(
        label=_("需求类型"), choices=Need.Kind.choices, widget=forms.RadioSelect
    )
    category = forms.ModelChoiceField(label=_("类别"), queryset=NeedCategory.objects.all())
    title = forms.CharField(
        label=_("需求"),
        max_length=60,
        help_text=_("工作人员和认领人看到的标题，可以写明需求人。"),
    )
    description = forms.CharField(
        label=_("详细说明"), max_length=1000, required=False, widget=forms.Textarea({"rows": 4})
    )
    resident_name = forms.CharField(label=_("需求人姓名"), max_length=50)
    resident_phone = forms.CharField(
        label=_("联系电话"),
        max_length=11,
        required=False,
        help_text=_("只有本网格、社区的工作人员和认领人能看到。"),
    )
    address = forms.CharField(label=_("地址"), max_length=120, required=False)
    places = forms.IntegerField(
        label=_("认领人数"), min_value=1, max_value=20, initial=1, help_text=_("需要几人认领。")
    )
    deadline = forms.DateField(label=_("截止日期"), widget=DATE)
    public_title = forms.CharField(
        label=_("公开标题"), max_length=60, required=False, help_text=PUBLIC_TITLE_HELP
    )
    publish = forms.BooleanField(
        label=_("同时审核公开"),
        required=False,
        help_text=_("勾选后需求立即出现在微心愿墙上，党员可以认领。"),
    )
    campaign = forms.ModelChoiceField(
        label=_("提升行动"),
        queryset=Campaign.objects.filter(active=True),
        required=False,
        empty_label=_("不属于提升行动"),
        help_text=CAMPAIGN_HELP,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        grids = open_organisations(user, Action.MANAGE_NEEDS, Organisation.Kind.GRID)
        self.fields["grid"].queryset = grids  # type: ignore[attr-defined]


class NeedCampaignForm(forms.Form):
    """设置提升行动: the running campaigns, and the need's own even if it has stopped."""

    campaign = forms.ModelChoiceField(
        label=_("提升行动"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("不属于提升行动"),
        help_text=CAMPAIGN_HELP,
    )

    def __init__(self, *args, need: Need, **kwargs) -> None:
        kwargs.setdefault("initial", {"campaign": need.campaign_id})
        super().__init__(*args, **kwargs)
        running = Q(active=True) | Q(pk=need.campaign_id) if need.campaign_id else Q(active=True)
        self.fields["campaign"].queryset = Campaign.objects.filter(running)  # type: ignore[attr-defined]


class NeedPublishForm(forms.Form):
    public_title = forms.CharField(
        label=_("公开标题"), max_length=60, required=False, help_text=PUBLIC_TITLE_HELP
    )


class NeedCloseForm(forms.Form):
    # Not required here: the service refuses a blank reason with its own message.
    reason = forms.CharField(
        label=_("关闭原因"),
        max_length=200,
        required=False,
        help_text=_("需求人和已认领的党员会收到这条原因。"),
    )
