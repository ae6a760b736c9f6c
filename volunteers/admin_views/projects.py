"""项目清单 in the Wagtail admin: the joint projects a community's staff or the quarter's
chair unit's contacts manage, and the 轮值主席 the community's staff name.

The list holds the projects the viewer manages (``permissions.project_scope_q``) of a
quarter; one outside it is answered 404. Every action is a service call from
``services.projects`` (or ``services.needs.claim_confirm`` for 确认完成); a refusal comes
back as a Wagtail error message on the page, with its 4xx.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.errors import DomainError
from core.quarters import Quarter
from volunteers import permissions
from volunteers.admin_views.projects_forms import ChairForm, PostForm, ProjectCloseForm, ProjectForm
from volunteers.models import Claim, Organisation, Project, RotatingChair
from volunteers.selectors.projects import chairs_of, projects_managed_by
from volunteers.services.needs import claim_confirm
from volunteers.services.projects import (
    chair_name,
    post_add,
    project_close,
    project_create,
    project_open,
    project_update,
)

Action = permissions.Action
INDEX = "projects_admin"


def require_project_staff(user) -> None:
    if not permissions.manages_projects_anywhere(user):
        raise PermissionDenied


def chair_communities(user) -> QuerySet[Organisation]:
    """The communities whose 轮值主席 ``user`` names (their secretary, admins, the town's)."""
    return (
        permissions.organisations_in_scope(user, Action.MANAGE_NEEDS)
        .filter(kind=Organisation.Kind.COMMUNITY, closed_on__isnull=True)
        .order_by("path")
    )


def project_communities(user) -> QuerySet[Organisation]:
    """Communities where ``user`` may create a project of some quarter."""
    units = permissions.chair_unit_ids_contacted_by(user)
    chaired = RotatingChair.objects.filter(unit_id__in=units).values("community_id")
    staff = chair_communities(user).values("pk")
    return Organisation.objects.filter(
        Q(pk__in=staff) | Q(pk__in=chaired),
        kind=Organisation.Kind.COMMUNITY,
        closed_on__isnull=True,
    ).order_by("path")


def project_url(project: Project) -> str:
    return reverse("projects_admin_project", args=[project.pk])


class StaffOnly:
    def dispatch(self, request, *args, **kwargs):
        require_project_staff(request.user)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ProjectsIndexView(StaffOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "volunteers/admin/projects/index.html"
    page_title = gettext_lazy("项目清单")
    header_icon = "list-ul"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("项目清单")}]

    def quarter(self) -> Quarter:
        try:
            return Quarter.parse(self.request.GET.get("quarter", ""))
        except ValueError:
            return Quarter.current()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        quarter = self.quarter()
        user = self.request.user
        projects = list(
            projects_managed_by(user).filter(quarter=quarter.key).order_by("community__path", "id")
        )
        communities = list(chair_communities(user))
        chairs = chairs_of(quarter.key, communities)
        context.update(
            quarter=quarter,
            projects=projects,
            chairs=[(c, chairs.get(c.pk)) for c in communities],
            chair_form=kwargs.get("chair_form")
            or (
                ChairForm(
                    initial={"quarter": quarter.key},
                    communities=chair_communities(user),
                )
                if communities
                else None
            ),
        )
        return context


class ChairNameView(ProjectsIndexView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = ChairForm(request.POST, communities=chair_communities(request.user))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(chair_form=form), status=400)
        try:
            chair = chair_name(by=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
            return self.render_to_response(
                self.get_context_data(chair_form=form), status=error.status
            )
        messages.success(
            request,
            _("已指定%(unit)s为%(community)s %(quarter)s的轮值主席单位。")
            % {
                "unit": chair.unit.name,
                "community": chair.community.name,
                "quarter": chair.quarter,
            },
        )
        return HttpResponseRedirect(f"{reverse(INDEX)}?quarter={chair.quarter}")


class ProjectCreateView(StaffOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "volunteers/admin/projects/form.html"
    page_title = gettext_lazy("新建项目")
    header_icon = "plus"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(INDEX), "label": _("项目清单")},
            {"url": "", "label": _("新建项目")},
        ]

    def form(self, data=None) -> ProjectForm:
        return ProjectForm(
            data,
            communities=project_communities(self.request.user),
            initial={"quarter": Quarter.current().key},
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["action"] = reverse("projects_admin_new")
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            project = project_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(form=form), status=error.status)
        messages.success(
            request, _("已新建项目“%(title)s”，添加岗位后即可开始。") % {"title": project.title}
        )
        return HttpResponseRedirect(project_url(project))


class ProjectView(StaffOnly, WagtailAdminTemplateMixin, TemplateView):
    """One project's page; the action views below post to it and re-use its context."""

    template_name = "volunteers/admin/projects/detail.html"
    page_title = gettext_lazy("共建项目")
    header_icon = "list-ul"
    form_class: type | None = None
    context_name = ""

    def dispatch(self, request, *args, **kwargs):
        require_project_staff(request.user)
        project = projects_managed_by(request.user).filter(pk=kwargs["pk"]).first()
        if project is None:
            raise Http404  # outside the viewer's projects: as if it did not exist
        self.project = project
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.project.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": f"{reverse(INDEX)}?quarter={self.project.quarter}", "label": _("项目清单")},
            {"url": "", "label": self.project.title},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        project, user = self.project, self.request.user
        posts = list(project.posts.order_by("id"))
        claims = list(
            Claim.objects.filter(post__project=project)
            .select_related("person", "unit", "post")
            .order_by("claimed_at", "id")
        )
        for claim in claims:
            claim.may_confirm = claim.status == Claim.Status.REPORTED and (
                claim.person.user_id != user.pk
            )
        finished = project.status in (Project.Status.DONE, Project.Status.CANCELLED)
        context.update(
            project=project,
            posts=posts,
            claims=claims,
            finished=finished,
            post_form=kwargs.get("post_form") or (None if finished else PostForm()),
            close_form=kwargs.get("close_form") or (None if finished else ProjectCloseForm()),
            public_url=(
                reverse("volunteers:project_detail", args=[project.pk])
                if project.status in (Project.Status.OPEN, Project.Status.DONE)
                else ""
            ),
        )
        return context

    def act(self, form) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST) if self.form_class else None
        try:
            if form is not None and not form.is_valid():
                return self.refused(form, None, 400)
            message = self.act(form)
        except DomainError as error:
            if form is not None:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.refused(form, error.message, error.status)
        messages.success(request, message)
        return HttpResponseRedirect(project_url(self.project))

    def refused(self, form, message, status: int):
        if message:
            messages.error(self.request, message)
        context = self.get_context_data(**({self.context_name: form} if form else {}))
        return self.render_to_response(context, status=status)


class ProjectEditView(ProjectView):
    template_name = "volunteers/admin/projects/form.html"
    page_title = gettext_lazy("编辑项目")

    def form(self, data=None) -> ProjectForm:
        project = self.project
        communities = Organisation.objects.filter(pk=project.community_id)
        initial = {
            "title": project.title,
            "description": project.description,
            "lead_unit": project.lead_unit,
            "partner_units": list(project.partner_units.all()),
            "campaign": project.campaign,
            "needs": list(project.needs.all()),
            "resources": list(project.resources.all()),
        }
        return ProjectForm(data, communities=communities, editing=True, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = TemplateView.get_context_data(self, **kwargs)
        context.update(
            WagtailAdminTemplateMixin.get_context_data(self, **kwargs),
            form=kwargs.get("form") or self.form(),
            action=reverse("projects_admin_edit", args=[self.project.pk]),
            project=self.project,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            project_update(project=self.project, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(form=form), status=error.status)
        messages.success(request, _("项目已保存。"))
        return HttpResponseRedirect(project_url(self.project))


class ProjectActionView(ProjectView):
    http_method_names = ["post"]


class ProjectOpenView(ProjectActionView):
    def act(self, form) -> str:
        project_open(project=self.project, by=self.request.user)
        return _("项目已开始，党员可以认领岗位。")


class ProjectCloseView(ProjectActionView):
    form_class = ProjectCloseForm
    context_name = "close_form"

    def act(self, form) -> str:
        cancel = form.cleaned_data["cancel"]
        project_close(project=self.project, by=self.request.user, cancel=cancel)
        return _("项目已取消。") if cancel else _("项目已完成。")


class PostAddView(ProjectActionView):
    form_class = PostForm
    context_name = "post_form"

    def act(self, form) -> str:
        post = post_add(project=self.project, by=self.request.user, **form.cleaned_data)
        return _("已添加岗位“%(title)s”。") % {"title": post.title}


class PostClaimConfirmView(ProjectActionView):
    def act(self, form) -> str:
        claim = (
            Claim.objects.filter(post__project=self.project, pk=self.kwargs["claim_pk"])
            .select_related("person")
            .first()
        )
        if claim is None:
            raise Http404
        claim_confirm(claim=claim, by=self.request.user)
        return _("已确认%(name)s的服务完成，服务时长和积分已计入。") % {
            "name": claim.person.real_name
        }


urlpatterns = [
    path("projects/", ProjectsIndexView.as_view(), name=INDEX),
    path("projects/chair/", ChairNameView.as_view(), name="projects_admin_chair"),
    path("projects/new/", ProjectCreateView.as_view(), name="projects_admin_new"),
    path("projects/<int:pk>/", ProjectView.as_view(), name="projects_admin_project"),
    path("projects/<int:pk>/edit/", ProjectEditView.as_view(), name="projects_admin_edit"),
    path("projects/<int:pk>/open/", ProjectOpenView.as_view(), name="projects_admin_open"),
    path("projects/<int:pk>/close/", ProjectCloseView.as_view(), name="projects_admin_close"),
    path("projects/<int:pk>/posts/", PostAddView.as_view(), name="projects_admin_post"),
    path(
        "projects/<int:pk>/claims/<int:claim_pk>/confirm/",
        PostClaimConfirmView.as_view(),
        name="projects_admin_confirm",
    ),
]


class ProjectsMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.manages_projects_anywhere(request.user)


def projects_menu_item() -> ProjectsMenuItem:
    return ProjectsMenuItem(
        gettext_lazy("项目清单"),
        reverse_lazy(INDEX),
        name="projects",
        icon_name="list-ul",
        order=256,
    )
