"""The public 项目清单: a quarter's joint projects per community, one project, 我来认领.

Thin: reads from ``selectors.projects``, the claim from ``services.projects.post_claim``,
which decides under the post's row lock. A filter that cannot be read (a quarter like
``2026Q9``, an unknown community) is ignored and said so, never a 500.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict, DomainError
from core.quarters import Quarter
from volunteers import permissions, selectors
from volunteers.models import Organisation, Person, Project, ProjectPost
from volunteers.selectors import projects as project_selectors
from volunteers.selectors.claims import units_holding_posts
from volunteers.services.projects import post_claim, post_claim_refusal
from volunteers.views.needs_wall import unit_asked


class ProjectFilterForm(forms.Form):
    quarter = forms.CharField(label=gettext_lazy("季度"), required=False, max_length=6)
    community = forms.TypedChoiceField(
        label=gettext_lazy("社区"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data, *, communities: list[Organisation]) -> None:
        super().__init__(data)
        self.fields["community"].choices = [("", _("全部社区"))] + [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in communities
        ]

    def clean_quarter(self) -> str:
        value = self.cleaned_data.get("quarter") or ""
        if not value:
            return ""
        try:
            return Quarter.parse(value).key
        except ValueError:
            raise forms.ValidationError(_("季度应写成年份加季度，例如 2026Q4。")) from None


@require_GET
def project_list(request):
    communities = list(selectors.communities())
    form = ProjectFilterForm(request.GET or None, communities=communities)
    quarter = Quarter.current()
    community: Organisation | None = None
    if form.is_bound:
        form.is_valid()
        if form.cleaned_data.get("quarter"):
            quarter = Quarter.parse(form.cleaned_data["quarter"])
        chosen = form.cleaned_data.get("community")
        community = next((c for c in communities if c.pk == chosen), None)
    groups = project_selectors.public_projects(quarter.key, community, communities)
    return render(
        request,
        "volunteers/projects/list.html",
        {
            "form": form,
            "groups": groups,
            "quarter": quarter,
            "community": community,
            "ignored": form.is_bound and bool(form.errors),
            "today": timezone.localdate(),
        },
    )


def _project_or_404(pk: int) -> Project:
    project = project_selectors.public_project(pk)
    if project is None:
        raise Http404(_("没有找到这个项目。"))
    return project


def _detail_context(request, project: Project, person: Person | None) -> dict:
    today = timezone.localdate()
    mine = project_selectors.my_post_claims(person, project)
    posts = list(project.posts.all())
    # 单位认领: the units this viewer represents (none, and no query, for most).
    units = permissions.units_represented_by(request.user) if person is not None else []
    held = units_holding_posts(posts, units)
    for post in posts:
        post.claim_url = reverse("volunteers:post_claim", args=[post.pk])
        post.unit_offers = [
            {"unit": unit, "offer": "claimed" if (post.pk, unit.pk) in held else "open"}
            for unit in units
            if (post.pk, unit.pk) in held
            or post_claim_refusal(post, person, today=today, unit=unit) is None
        ]
        # What the post's box offers: mine, open (我来认领), or the reason it is not.
        post.my_claim = mine.get(post.pk)
        refusal = post_claim_refusal(post, person, today=today) if person else None
        post.offer = (
            "mine"
            if post.my_claim
            else "login"
            if not request.user.is_authenticated
            else "open"
            if person is not None and refusal is None
            else "none"
        )
        post.offer_note = str(refusal.message) if refusal is not None else ""
    return {
        "project": project,
        "posts": posts,
        "activities": project_selectors.project_activities(project),
        "person": person,
        "today": today,
    }


@require_GET
def project_detail(request, pk: int):
    person = selectors.person_for_user(request.user)
    project = _project_or_404(pk)
    return render(
        request, "volunteers/projects/detail.html", _detail_context(request, project, person)
    )


def _login_first(view):
    """Anonymous visitors log in and come back to the project (not to a POST-only URL)."""

    @wraps(view)
    def wrapped(request, pk: int):
        if not request.user.is_authenticated:
            post = ProjectPost.objects.filter(pk=pk).only("project_id").first()
            back = (
                reverse("volunteers:project_detail", args=[post.project_id])
                if post
                else reverse("volunteers:project_list")
            )
            return redirect_to_login(back)
        return view(request, pk)

    return wrapped


@require_POST
@_login_first
def post_claim_view(request, pk: int):
    """我来认领 on a post, or 以单位名义认领 with ``unit``: the service decides (party
    member or the unit's contact, places, deadline)."""
    post = ProjectPost.objects.filter(pk=pk).first()
    if post is None:
        raise Http404(_("没有找到这个岗位。"))
    project = _project_or_404(post.project_id)
    person = selectors.person_for_user(request.user)
    try:
        if person is None:
            raise Conflict("no_person", _("您的账号还没有登记人员信息，请先完善个人资料。"))
        unit = unit_asked(request)
        post_claim(post=post, person=person, unit=unit)
    except DomainError as error:
        # The page is read again: a place taken meanwhile shows as taken.
        project = _project_or_404(post.project_id)
        context = _detail_context(request, project, person)
        context["error"] = error.message
        return render(request, "volunteers/projects/detail.html", context, status=error.status)
    if unit is not None:
        messages.success(
            request,
            _("已以%(unit)s名义认领！完成服务后请在“我的认领”中提交完成情况。")
            % {"unit": unit.name},
        )
    else:
        messages.success(request, _("认领成功！完成服务后请在“我的认领”中提交完成情况。"))
    return redirect("volunteers:my_claims")
