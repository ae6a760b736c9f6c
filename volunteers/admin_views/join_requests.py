"""加入申请 in the Wagtail admin: the requests a grid's or team's staff approve or refuse.

One page: the pending requests in the user's scope (``Action.ADMIT`` by the one rule),
each with 通过 and 拒绝 (a reason required), and the decided ones under 已处理. A
refusal of the service comes back on the page with its status and Chinese message.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.errors import DomainError, Invalid, NotFound
from core.pagination import page_of
from volunteers import permissions
from volunteers.admin_views.menu import WaitingMenuItem
from volunteers.models import JoinRequest
from volunteers.selectors import join_requests_in_scope, join_requests_to_decide
from volunteers.services.joining import TEXT_MAX_LENGTH, join_request_decide

Action = permissions.Action
Status = JoinRequest.Status
DECIDED = "decided"
URL_NAME = "join_requests_admin"


class JoinRequestsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "volunteers/admin/join_requests/index.html"
    page_title = gettext_lazy("加入申请")
    header_icon = "user"

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_anywhere(request.user, Action.ADMIT):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("加入申请")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        decided_tab = self.request.GET.get("tab") == DECIDED
        pending = join_requests_to_decide(user)
        if decided_tab:
            rows = (
                join_requests_in_scope(user)
                .exclude(status=Status.PENDING)
                .order_by("-decided_at", "-id")
            )
        else:
            rows = pending
        page = page_of(self.request, rows)
        context.update(
            decided_tab=decided_tab,
            page_obj=page,
            rows=list(page.object_list),
            pending_count=pending.count() if decided_tab else page.paginator.count,
            index_url=reverse(URL_NAME),
            reason_max_length=TEXT_MAX_LENGTH,
        )
        return context

    def post(self, request, *args, **kwargs):
        decision = request.POST.get("decision")
        reason = request.POST.get("reason", "")
        pk = request.POST.get("request", "")
        join_request = (
            JoinRequest.objects.select_related("person", "organisation").filter(pk=int(pk)).first()
            if pk.isdigit()
            else None
        )
        try:
            if join_request is None:
                raise NotFound("not_found", _("没有找到这条申请，可能已被撤回。"))
            if decision not in ("approve", "refuse"):
                raise Invalid("bad_decision", _("请点“通过”或“拒绝”。"))
            join_request_decide(
                request=join_request, by=request.user, approve=decision == "approve", reason=reason
            )
        except DomainError as error:
            context = self.get_context_data(
                error=error.message,
                error_for=join_request.pk if join_request is not None else None,
                reason=reason,
            )
            return self.render_to_response(context, status=error.status)
        name, org = join_request.person.real_name, join_request.organisation.name
        if decision == "approve":
            messages.success(
                request, _("已通过%(name)s加入%(org)s的申请。") % {"name": name, "org": org}
            )
        else:
            messages.info(
                request,
                _("已拒绝%(name)s加入%(org)s的申请，并告知原因。") % {"name": name, "org": org},
            )
        query = request.GET.urlencode()
        return redirect(f"{reverse(URL_NAME)}?{query}" if query else reverse(URL_NAME))


class JoinRequestsMenuItem(WaitingMenuItem):
    """Shown to whoever admits people somewhere, with the number waiting for them."""

    def is_shown(self, request):
        return permissions.can_anywhere(request.user, Action.ADMIT)

    def waiting(self, request) -> int:
        return join_requests_to_decide(request.user)[:100].count()


def join_requests_menu_item() -> JoinRequestsMenuItem:
    return JoinRequestsMenuItem(
        gettext_lazy("加入申请"),
        reverse(URL_NAME),
        name="join-requests",
        icon_name="user",
        order=250,
    )
