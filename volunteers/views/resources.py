"""我提供的资源 (/me/resources/): a person offers their skills, a venue, goods or a service
to their community's 资源清单, and retires what they no longer offer.

What they add is seen by the community's and grids' staff only (the admin's 资源清单 and
the suggestions on a need's page): never on the public 微心愿墙. The community is the one
of their home grid, or the one they reported to (在职党员报到); with both, they choose.
Every write is a call into ``services.resources``; a refusal shows on the form next to
the field it names, with the status of its kind.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, Forbidden
from core.refusals import refusal_response
from volunteers import permissions, selectors
from volunteers.models import NeedCategory, Organisation, Person, Resource
from volunteers.selectors.resources import person_resources
from volunteers.services.resources import resource_add, resource_retire

_CHOOSE_KIND = gettext_lazy("请选择资源类型。")


class MyResourceForm(forms.Form):
    community = forms.ModelChoiceField(
        label=gettext_lazy("服务社区"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("请从列表中选择社区。")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("资源类型"),
        choices=Resource.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _CHOOSE_KIND, "invalid_choice": _CHOOSE_KIND},
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("能帮哪类需求"),
        queryset=NeedCategory.objects.all(),
        required=False,
        empty_label=gettext_lazy("（不限类别）"),
        help_text=gettext_lazy("社区有这类微心愿时，网格员会看到您的资源。"),
    )
    title = forms.CharField(
        label=gettext_lazy("我能提供"),
        required=False,  # "请填写资源名称。" is the service's, with its other text rules
        widget=forms.TextInput(
            attrs={"maxlength": 60, "required": True, "placeholder": gettext_lazy("例如：理发")}
        ),
    )
    availability = forms.CharField(
        label=gettext_lazy("什么时间方便（选填）"),
        required=False,
        widget=forms.TextInput(
            attrs={"maxlength": 100, "placeholder": gettext_lazy("例如：每周六上午")}
        ),
    )
    description = forms.CharField(
        label=gettext_lazy("说明（选填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )
    contact = forms.CharField(
        label=gettext_lazy("联系方式（选填）"),
        required=False,
        help_text=gettext_lazy("只有社区和网格的工作人员能看到，不会公开。"),
        widget=forms.TextInput(attrs={"maxlength": 50, "autocomplete": "tel"}),
    )

    def __init__(self, *args, communities: list[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        field.queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=[c.pk for c in communities]
        ).order_by("path")
        if len(communities) == 1:
            field.widget = forms.HiddenInput()
            field.initial = communities[0].pk


def _no_person(request):
    refused = Forbidden(
        "no_person",
        _("您的账号还没有关联人员信息。请联系所在社区的工作人员为账号关联信息。"),
    )
    return refusal_response(request, refused, title=_("账号未关联人员信息"))


def _page(request, person: Person, communities, form, *, status: int = 200, error: str = ""):
    return render(
        request,
        "volunteers/resources/my_resources.html",
        {
            "person": person,
            "communities": communities,
            "form": form,
            "resources": list(person_resources(person)),
            "error": error,
        },
        status=status,
    )


@never_cache  # the contact typed: not for a shared phone's back button
@login_required
@require_http_methods(["GET", "POST"])
def my_resources(request):
    """我提供的资源: what I offer, and the form to offer more."""
    person = selectors.person_for_user(request.user, "home_grid")
    if person is None:
        return _no_person(request)
    communities = list(permissions.own_resource_communities(person).order_by("path"))
    if request.method != "POST":
        form = MyResourceForm(communities=communities, initial={"contact": person.phone})
        return _page(request, person, communities, form)
    form = MyResourceForm(request.POST, communities=communities)
    if not form.is_valid():
        return _page(request, person, communities, form, status=400)
    try:
        resource = resource_add(by=request.user, person=person, **form.cleaned_data)
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return _page(request, person, communities, form, status=exc.status)
    messages.success(
        request,
        _("已登记“%(title)s”，社区有相符的微心愿时网格员会联系您。") % {"title": resource.title},
    )
    return redirect("volunteers:my_resources")


@never_cache
@login_required
@require_POST
def my_resource_retire(request, pk: int):
    """停用: no longer offered. Only one's own are found here (anyone else's is a 404)."""
    person = selectors.person_for_user(request.user)
    if person is None:
        return _no_person(request)
    resource = get_object_or_404(Resource, pk=pk, person=person)
    try:
        resource_retire(resource=resource, by=request.user)
    except DomainError as exc:
        communities = list(permissions.own_resource_communities(person).order_by("path"))
        form = MyResourceForm(communities=communities, initial={"contact": person.phone})
        return _page(request, person, communities, form, status=exc.status, error=str(exc.message))
    messages.info(request, _("已停用“%(title)s”。") % {"title": resource.title})
    return redirect("volunteers:my_resources")
