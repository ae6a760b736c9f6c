"""资源清单 in the Wagtail admin: what units, teams and people offer each community.

The list holds the resources the viewer reads (``permissions.resource_admin_q``): those of
the communities where they keep needs — a grid's staff read their community's, to find
help — and a unit contact's own unit's. 登记资源 adds one for a unit, a team, the
community or a person (by phone); a resource's page changes it or retires it (停用), when
the viewer may (``permissions.may_change_resource``), else shows it. Every write is a
call into ``services.resources``; a refusal shows on the form with its 4xx. A resource
outside the viewer's list is answered 404.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.errors import DomainError
from core.pagination import page_of, search_text
from volunteers import permissions
from volunteers.admin_views.resources_forms import (
    RETIRED,
    ResourceAddForm,
    ResourceChangeForm,
    ResourceFilterForm,
)
from volunteers.models import NeedCategory, Organisation
from volunteers.selectors.resources import filtered, resources_in_scope
from volunteers.services.resources import resource_add, resource_retire, resource_update

INDEX = "resources_admin"
CHANGED_FIELDS = ("kind", "category", "title", "description", "availability", "contact")


def require_resource_reader(user) -> None:
    if not permissions.reads_resources_anywhere(user):
        raise PermissionDenied


def resource_url(resource) -> str:
    return reverse("resources_admin_resource", args=[resource.pk])


class ResourceAdminMixin(WagtailAdminTemplateMixin):
    header_icon = "folder-open-inverse"

    def dispatch(self, request, *args, **kwargs):
        require_resource_reader(request.user)
        return super().dispatch(request, *args, **kwargs)

    def crumb(self) -> str:
        """The last breadcrumb, after 资源清单; none on the list itself."""
        return ""

    def get_breadcrumbs_items(self):
        if not self.crumb():
            return [*self.breadcrumbs_items, {"url": "", "label": _("资源清单")}]
        return [
            *self.breadcrumbs_items,
            {"url": reverse(INDEX), "label": _("资源清单")},
            {"url": "", "label": self.crumb()},
        ]


class ResourcesIndexView(ResourceAdminMixin, TemplateView):
    template_name = "volunteers/admin/resources/index.html"
    page_title = gettext_lazy("资源清单")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        resources = resources_in_scope(user)
        communities = list(
            Organisation.objects.filter(
                kind=Organisation.Kind.COMMUNITY,
                pk__in=resources.values("community_id"),
            ).order_by("path")
        )
        form = ResourceFilterForm(
            self.request.GET or None,
            communities=communities,
            categories=list(NeedCategory.objects.all()),
        )
        chosen = form.values()
        query = search_text(self.request)
        state = chosen.get("state")
        if state == RETIRED:
            resources = resources.filter(active=False)
        elif state != "all":
            resources = resources.filter(active=True)
        if chosen.get("community"):
            resources = resources.filter(community_id=chosen["community"])
        resources = filtered(
            resources, kind=chosen.get("kind"), category_id=chosen.get("category"), search=query
        )
        context.update(
            page_obj=page_of(self.request, resources.order_by("-created_at", "-id")),
            filter_form=form,
            query=query,
            filtered=bool(chosen or query),
        )
        return context


class ResourceAddView(ResourceAdminMixin, TemplateView):
    """登记资源: the form, and on success the list with the new one at its top."""

    template_name = "volunteers/admin/resources/add.html"
    page_title = gettext_lazy("登记资源")
    header_icon = "plus"

    def crumb(self) -> str:
        return _("登记资源")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ResourceAddForm(user=self.request.user))
        return context

    def post(self, request, *args, **kwargs):
        form = ResourceAddForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            resource = resource_add(by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(form=form), status=error.status)
        messages.success(request, _("已登记资源“%(title)s”。") % {"title": resource.title})
        return HttpResponseRedirect(reverse(INDEX))


class ResourceView(ResourceAdminMixin, TemplateView):
    """One resource: its facts, and for those who may, 修改 and 停用."""

    template_name = "volunteers/admin/resources/detail.html"
    page_title = gettext_lazy("资源")

    def dispatch(self, request, *args, **kwargs):
        require_resource_reader(request.user)
        resource = resources_in_scope(request.user).filter(pk=kwargs["pk"]).first()
        if resource is None:
            raise Http404  # outside the viewer's list: as if it did not exist
        self.resource = resource
        self.may_change = resource.active and permissions.may_change_resource(
            request.user, resource
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.resource.title

    def crumb(self) -> str:
        return self.resource.title

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        resource = self.resource
        form = kwargs.get("form")
        if form is None and self.may_change:
            form = ResourceChangeForm(
                initial={name: getattr(resource, name) for name in CHANGED_FIELDS}
            )
        context.update(resource=resource, form=form, may_change=self.may_change)
        return context

    def post(self, request, *args, **kwargs):
        if not self.may_change:
            raise PermissionDenied
        form = ResourceChangeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            resource_update(resource=self.resource, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(form=form), status=error.status)
        messages.success(request, _("资源已保存。"))
        return HttpResponseRedirect(resource_url(self.resource))


class ResourceRetireView(ResourceView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            resource_retire(resource=self.resource, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(), status=error.status)
        messages.success(
            request,
            _("已停用“%(title)s”，需求页面不再推荐它。") % {"title": self.resource.title},
        )
        return HttpResponseRedirect(reverse(INDEX))


urlpatterns = [
    path("resources/", ResourcesIndexView.as_view(), name=INDEX),
    path("resources/new/", ResourceAddView.as_view(), name="resources_admin_add"),
    path("resources/<int:pk>/", ResourceView.as_view(), name="resources_admin_resource"),
    path("resources/<int:pk>/retire/", ResourceRetireView.as_view(), name="resources_admin_retire"),
]


class ResourcesMenuItem(MenuItem):
    """Shown to whoever keeps needs somewhere, and to units' contacts."""

    def is_shown(self, request):
        return permissions.reads_resources_anywhere(request.user)


def resources_menu_item() -> ResourcesMenuItem:
    return ResourcesMenuItem(
        gettext_lazy("资源清单"),
        reverse_lazy(INDEX),
        name="resources",
        icon_name="folder-open-inverse",
        order=256,
    )
