"""加入网格和志愿服务队: the newcomer's page (/me/join/), in two plain steps.

First the community (a GET form: the page reloads with its grids and teams, no script
needed), then the grid, any teams and a note. Every write is a call into
``services.joining``; these views only turn answers and refusals into the page.
"""

from functools import reduce
from operator import or_

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, Forbidden
from core.refusals import refusal_response
from volunteers import selectors
from volunteers.models import JoinRequest, Membership, Organisation, Person
from volunteers.services.joining import (
    MAX_TEAMS,
    TEXT_MAX_LENGTH,
    join_request_withdraw,
    join_requests_submit,
)

Kind = Organisation.Kind
Status = JoinRequest.Status
TEAMS_SHOWN = 200  # the town's teams (沙州 has 52); a province's other towns are not listed


def _open(kind: str):
    return Organisation.objects.filter(kind=kind, closed_on__isnull=True).order_by("path")


def _community_teams_q(community: Organisation) -> Q:
    """Teams of the community: under it, or under a squad based in it."""
    paths = [community.path]
    paths += Organisation.objects.filter(kind=Kind.SQUAD, based_in=community).values_list(
        "path", flat=True
    )
    return reduce(or_, (Q(path__startswith=path) for path in paths))


class JoinForm(forms.Form):
    grid = forms.ModelChoiceField(
        label=gettext_lazy("所属网格"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("请选择居住地所在网格"),
        help_text=gettext_lazy("按居住地选择；不清楚属于哪个网格，可以问社区工作人员。"),
        error_messages={"invalid_choice": gettext_lazy("请从列表中选择网格。")},
    )
    teams = forms.ModelMultipleChoiceField(
        label=gettext_lazy("志愿服务队（可多选）"),
        queryset=Organisation.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("请从列表中选择志愿服务队。"),
            "invalid_pk_value": gettext_lazy("请从列表中选择志愿服务队。"),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("申请说明（选填）"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("例如住址的楼栋、想参加的服务、方便的时间。"),
        error_messages={"max_length": gettext_lazy("申请说明最多 200 个字。")},
    )

    def __init__(self, *args, community: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["grid"].queryset = _open(Kind.GRID).filter(path__startswith=community.path)
        town = community.path[: Organisation.steplen]
        self.fields["teams"].queryset = _open(Kind.TEAM).filter(path__startswith=town)


def _community_from(request) -> tuple[Organisation | None, str]:
    """The community chosen in step one, or an error when the value is not one."""
    value = (request.POST if request.method == "POST" else request.GET).get("community", "")
    if not value:
        return None, ""
    community = None
    if value.isdigit():
        community = _open(Kind.COMMUNITY).filter(pk=int(value)).first()
    if community is None:
        return None, _("请从列表中选择社区。")
    return community, ""


def _teams_for(person: Person, community: Organisation) -> tuple[list, list]:
    """The community's teams and the others, each marked joined or waiting."""
    town = community.path[: Organisation.steplen]
    teams = list(_open(Kind.TEAM).filter(path__startswith=town)[:TEAMS_SHOWN])
    mine = set(
        Membership.objects.current()
        .filter(person=person, organisation__kind=Kind.TEAM)
        .values_list("organisation_id", flat=True)
    )
    waiting = set(
        person.join_requests.filter(status=Status.PENDING).values_list("organisation_id", flat=True)
    )
    local = set(_open(Kind.TEAM).filter(_community_teams_q(community)).values_list("pk", flat=True))
    for team in teams:
        team.joined = team.pk in mine
        team.waiting = team.pk in waiting
    return [t for t in teams if t.pk in local], [t for t in teams if t.pk not in local]


def _page(
    request, person: Person, *, community=None, community_error="", form=None, error="", status=200
):
    if form is None and community is not None:
        form = JoinForm(community=community)
    local_teams, other_teams = _teams_for(person, community) if community else ([], [])
    chosen = (
        {str(pk) for pk in request.POST.getlist("teams")} if request.method == "POST" else set()
    )
    return render(
        request,
        "volunteers/join.html",
        {
            "person": person,
            "communities": list(_open(Kind.COMMUNITY)),
            "community": community,
            "community_error": community_error,
            "form": form,
            "local_teams": local_teams,
            "other_teams": other_teams,
            "other_chosen": any(str(t.pk) in chosen for t in other_teams),
            "chosen": chosen,
            "max_teams": MAX_TEAMS,
            "requests": list(selectors.person_join_requests(person)),
            "error": error,
        },
        status=status,
    )


def _no_person(request):
    refused = Forbidden(
        "no_person",
        _("您的账号还没有关联人员信息，不能申请加入。请联系所在社区的工作人员为账号关联信息。"),
    )
    return refusal_response(request, refused, title=_("账号未关联人员信息"))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def join(request):
    """Choose a community, then a grid and teams; see and withdraw my requests."""
    person = selectors.person_for_user(request.user, "home_grid")
    if person is None:
        return _no_person(request)
    community, community_error = _community_from(request)
    if request.method != "POST" or community is None:
        if request.method == "POST" and not community_error:
            community_error = _("请先选择社区。")
        status = 400 if community_error else 200
        return _page(
            request,
            person,
            community=community,
            community_error=community_error,
            status=status,
        )
    form = JoinForm(request.POST, community=community)
    if not form.is_valid():
        return _page(request, person, form=form, community=community, status=400)
    try:
        created = join_requests_submit(
            person=person,
            grid=form.cleaned_data["grid"],
            teams=list(form.cleaned_data["teams"]),
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
        else:
            form.add_error(None, exc.message)
        return _page(request, person, form=form, community=community, status=exc.status)
    names = "、".join(r.organisation.name for r in created)
    messages.success(
        request,
        _("已提交加入%(names)s的申请。负责人审核后会通知您，请留意消息中心。") % {"names": names},
    )
    return redirect("volunteers:join")


@never_cache
@login_required
@require_POST
def join_withdraw(request, pk: int):
    person = selectors.person_for_user(request.user, "home_grid")
    if person is None:
        return _no_person(request)
    join_request = get_object_or_404(JoinRequest.objects.select_related("organisation"), pk=pk)
    try:
        join_request_withdraw(request=join_request, person=person)
    except DomainError as exc:
        return _page(request, person, error=exc.message, status=exc.status)
    messages.info(request, _("已撤回加入%(org)s的申请。") % {"org": join_request.organisation.name})
    return redirect("volunteers:join")
