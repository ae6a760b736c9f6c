"""接口密钥 in the Wagtail admin (设置): town staff make and stop their systems' API keys.

A town that adopts the platform connects its own systems (智慧敦煌, a party-building
platform) without us: its administrators list the keys of their town, make one for a
system — named, and scoped to a node of their town — and stop one. The secret is shown
once, on the answer to 新建, and kept nowhere but as its digest: the page answers the POST
itself (no redirect through the session, where the secret would wait in the database),
marked ``no-store`` so no cache keeps it. Every write is ``api.services.keys``, which
checks ``administers_town_of`` and audits; the pages are for whoever administers a town.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import path, reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from api.models import ApiKey
from api.services.keys import create_key, revoke_key
from core.errors import DomainError
from volunteers.models import Organisation
from volunteers.permissions import administers_any_town, towns_administered_by

INDEX = "api_keys_admin"


def _under(towns: QuerySet[Organisation], field_name: str) -> Q:
    q = Q(pk__in=[])
    for town_path in towns.values_list("path", flat=True):
        q |= Q(**{f"{field_name}__startswith": town_path})
    return q


def scopes_for(user) -> QuerySet[Organisation]:
    """What a key made by ``user`` may read: any node of a town they administer."""
    return Organisation.objects.filter(_under(towns_administered_by(user), "path")).order_by("path")


def keys_for(user) -> QuerySet[ApiKey]:
    """The keys of the towns ``user`` administers, live ones first, newest first."""
    return (
        ApiKey.objects.filter(_under(towns_administered_by(user), "organisation__path"))
        .select_related("organisation", "created_by__person")
        .order_by("revoked_at", "-created_at", "-pk")
    )


class ScopeChoice(forms.ModelChoiceField):
    """The town's nodes in tree order, indented by depth: 沙州镇, 　梨园社区, 　　第1网格…"""

    def label_from_instance(self, obj: Organisation) -> str:
        return "　" * (obj.depth - 1) + f"{obj.name}（{obj.get_kind_display()}）"


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("系统名称"),
        max_length=80,
        help_text=gettext_lazy("使用这个密钥的系统，如“智慧敦煌”。"),
    )
    organisation = ScopeChoice(
        label=gettext_lazy("可读范围"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=gettext_lazy(
            "密钥只能读取这个组织及其下级的汇总数据（服务时长、人数、积分、活动场次），"
            "读不到任何个人信息。"
        ),
    )

    def __init__(self, *args: Any, user, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = scopes_for(user)


def require_town_admin(user) -> None:
    if not administers_any_town(user):
        raise PermissionDenied


class ApiKeyAdminMixin(WagtailAdminTemplateMixin):
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        require_town_admin(request.user)
        return super().dispatch(request, *args, **kwargs)

    def crumb(self) -> str:
        """The last breadcrumb, after 接口密钥; none on the list itself."""
        return ""

    def get_breadcrumbs_items(self):
        if not self.crumb():
            return [*self.breadcrumbs_items, {"url": "", "label": _("接口密钥")}]
        return [
            *self.breadcrumbs_items,
            {"url": reverse(INDEX), "label": _("接口密钥")},
            {"url": "", "label": self.crumb()},
        ]


class ApiKeysIndexView(ApiKeyAdminMixin, TemplateView):
    template_name = "api/admin/index.html"
    page_title = gettext_lazy("接口密钥")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["keys"] = list(keys_for(self.request.user))
        return context


class ApiKeyAddView(ApiKeyAdminMixin, TemplateView):
    """新建: the form; its answer shows the new secret, once."""

    template_name = "api/admin/add.html"
    page_title = gettext_lazy("新建接口密钥")
    header_icon = "plus"

    issued = False

    def crumb(self) -> str:
        return _("密钥已创建") if self.issued else _("新建")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if not self.issued:
            context.setdefault("form", ApiKeyForm(user=self.request.user))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any):
        form = ApiKeyForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            issued = create_key(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.render_to_response(self.get_context_data(form=form), status=error.status)
        self.issued, self.header_icon = True, "key"
        self.template_name = "api/admin/issued.html"
        response = self.render_to_response(
            self.get_context_data(key=issued.key, secret=issued.secret)
        )
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True)
        return response


class ApiKeyRevokeView(ApiKeyAdminMixin, TemplateView):
    """停用: asks first (GET), stops the key (POST)."""

    template_name = "api/admin/revoke.html"
    page_title = gettext_lazy("停用接口密钥")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        require_town_admin(request.user)
        key = keys_for(request.user).filter(pk=kwargs["pk"], revoked_at__isnull=True).first()
        if key is None:
            raise Http404  # another town's, or stopped already: nothing to stop here
        self.key = key
        return super().dispatch(request, *args, **kwargs)

    def crumb(self) -> str:
        return self.key.name

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["key"] = self.key
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any):
        try:
            revoke_key(actor=request.user, key=self.key)
        except DomainError as error:
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(), status=error.status)
        messages.success(
            request,
            _("已停用“%(name)s”的接口密钥，它之后的请求都会被拒绝。") % {"name": self.key.name},
        )
        return HttpResponseRedirect(reverse(INDEX))


urlpatterns = [
    path("api-keys/", ApiKeysIndexView.as_view(), name=INDEX),
    path("api-keys/new/", ApiKeyAddView.as_view(), name="api_keys_admin_add"),
    path("api-keys/<int:pk>/revoke/", ApiKeyRevokeView.as_view(), name="api_keys_admin_revoke"),
]


class ApiKeysMenuItem(MenuItem):
    """Under 设置, for those who administer a town."""

    def is_shown(self, request):
        return administers_any_town(request.user)


def api_keys_menu_item() -> ApiKeysMenuItem:
    return ApiKeysMenuItem(
        gettext_lazy("接口密钥"),
        reverse_lazy(INDEX),
        name="api-keys",
        icon_name="key",
        order=900,
    )
