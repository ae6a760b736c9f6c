"""The resident's 微心愿 form (/needs/new/): it reads what was typed, ``need_submit`` decides.

The form only turns the POST into values (a kind, a category, a grid, a date, a number),
with a Chinese message when one cannot be read. Every rule about them — the texts'
length and markup, the deadline's range, the number of places, the grid's community,
the daily limit — is ``services.needs``', so a rule lives in one place and the page shows
its refusal next to the field it names. The length attributes on the inputs only save
typing on a phone; the service is what holds them.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from volunteers.models import Need, NeedCategory, Organisation

_CHOOSE_KIND = _("请选择需求类型（物品类或服务类）。")
_CHOOSE_CATEGORY = _("请从列表中选择需求类别。")
_CHOOSE_GRID = _("请从列表中选择网格。")


class NeedSubmitForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=Need.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _CHOOSE_KIND, "invalid_choice": _CHOOSE_KIND},
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=NeedCategory.objects.all(),
        empty_label=_("请选择类别"),
        error_messages={"required": _CHOOSE_CATEGORY, "invalid_choice": _CHOOSE_CATEGORY},
    )
    title = forms.CharField(
        label=_("需求"),
        required=False,  # "请填写需求。" is the service's, with its other text rules
        help_text=_("一句话说清需要什么。不要写姓名和门牌号：微心愿墙上所有人都能看到。"),
        widget=forms.TextInput(
            attrs={
                "maxlength": 60,
                "required": True,
                "placeholder": _("例如：想学用智能手机视频通话"),
            }
        ),
    )
    description = forms.CharField(
        label=_("详细说明（选填）"),
        required=False,
        help_text=_("方便的时间、具体情况等，只有网格员和认领的党员能看到。"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )
    address = forms.CharField(
        label=_("地址（选填）"),
        required=False,
        help_text=_("上门服务或送物品的地址，只有网格员和认领的党员能看到。"),
        widget=forms.TextInput(attrs={"maxlength": 120, "autocomplete": "street-address"}),
    )
    grid = forms.ModelChoiceField(
        label=_("网格"),
        # Any grid is read; the list offers the home community's, and ``need_submit``
        # answers a grid from elsewhere with the community's name.
        queryset=Organisation.objects.filter(kind=Organisation.Kind.GRID),
        empty_label=_("请选择网格"),
        error_messages={"required": _CHOOSE_GRID, "invalid_choice": _CHOOSE_GRID},
    )
    deadline = forms.DateField(
        label=_("截止日期"),
        help_text=_("在这天之前需要完成；最多一年以内。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("请填写截止日期。"),
            "invalid": _("请按“年-月-日”填写正确的日期。"),
        },
    )
    places = forms.IntegerField(
        label=_("需要几人"),
        help_text=_("需要几位党员（或几家单位）来认领，1 到 20。"),
        widget=forms.NumberInput(attrs={"min": 1, "max": 20, "inputmode": "numeric"}),
        error_messages={
            "required": _("请填写需要几人。"),
            "invalid": _("需要几人请填写 1 到 20 之间的整数。"),
        },
    )

    def __init__(self, *args, grids: list[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The select lists the home community's grids only (read once by the view).
        grid = self.fields["grid"]
        grid.widget.choices = [("", grid.empty_label)] + [(g.pk, g.name) for g in grids]
