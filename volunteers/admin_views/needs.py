"""需求清单 in the Wagtail admin: the needs a grid's or community's staff keep.

The list holds the needs on grids where the viewer holds ``Action.MANAGE_NEEDS`` (the one
rule), filtered and searched, with the ones closing unclaimed flagged 临近截止; a need
outside it is answered 404, as if there were none. 登记需求 records a resident's need;
the need's page shows everything about it (the resident's name, phone and address are
the staff's to see), its history from the audit log, and its actions: 审核公开 with the
public title, 关闭 with a reason, 确认完成 for each claim reported done. Every action is
a service call from ``services.needs``; a refusal comes back as a Wagtail error message
on the page, with its 4xx.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.errors import DomainError
from core.pagination import page_of, search_text
from volunteers import permissions
from volunteers.admin_views.menu import WaitingMenuItem
from volunteers.admin_views.needs_forms import (
    CLOSING_SOON,
    REPORTED,
    NeedCampaignForm,
    NeedCloseForm,
    NeedFilterForm,
    NeedPublishForm,
    NeedRecordForm,
)
from volunteers.audit_log import action_label, actor_name
from volunteers.models import Claim, Need, NeedCategory, Organisation
from volunteers.selectors.needs_admin import (
    closing_soon_q,
    is_closing_soon,
    need_history,
    needs_in_scope,
    reported_q,
)
from volunteers.selectors.needs_matching import matched_terms, need_suggestions
from volunteers.selectors.resources import resource_suggestions
from volunteers.services.needs import (
    claim_confirm,
    need_close,
    need_publish,
    need_record,
    need_set_campaign,
)

Action = permissions.Action
Status = Need.Status
INDEX = "needs_admin"
# Buttons that layers above add to a need's page (cms's 写成志愿动态): volunteers may not
# import them, so each registers ``fn(request, need)`` under this hook name, answering a
# list of ``{"label": …, "url": …, "method": "post" | "get"}`` (empty when not for them).
NEED_ADMIN_ACTIONS_HOOK = "register_need_admin_actions"


def need_admin_actions(request, need: Need) -> list[dict[str, str]]:
    actions: list[dict[str, str]] = []
    for fn in hooks.get_hooks(NEED_ADMIN_ACTIONS_HOOK):
        actions.extend(fn(request, need) or [])
    return actions


def require_need_staff(user) -> None:
    if not permissions.can_anywhere(user, Action.MANAGE_NEEDS):
        raise PermissionDenied


def need_url(need: Need) -> str:
    return reverse("needs_admin_need", args=[need.pk])


class NeedsIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "volunteers/admin/needs/index.html"
    page_title = gettext_lazy("需求清单")
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        require_need_staff(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("需求清单")}]

    def filter_form(self) -> NeedFilterForm:
        organisations = list(
            permissions.organisations_in_scope(self.request.user, Action.MANAGE_NEEDS)
            .filter(kind__in=(Organisation.Kind.COMMUNITY, Organisation.Kind.GRID))
            .order_by("path")
        )
        self.organisations = {o.pk: o for o in organisations}
        return NeedFilterForm(
            self.request.GET or None,
            organisations=organisations,
            categories=list(NeedCategory.objects.all()),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        form = self.filter_form()
        chosen = form.values()
        needs = needs_in_scope(self.request.user).select_related("grid", "category")
        query = search_text(self.request)
        if query:
            needs = needs.filter(
                Q(title__icontains=query)
                | Q(public_title__icontains=query)
                | Q(resident_name__icontains=query)
            )
        status = chosen.get("status")
        if status == CLOSING_SOON:
            needs = needs.filter(closing_soon_q(today))
        elif status == REPORTED:
            needs = needs.filter(pk__in=Need.objects.filter(reported_q()).values("pk"))
        elif status:
            needs = needs.filter(status=status)
        organisation = self.organisations.get(chosen.get("organisation"))
        if organisation is not None:
            needs = needs.filter(grid__path__startswith=organisation.path)
        if chosen.get("category"):
            needs = needs.filter(category_id=chosen["category"])
        page = page_of(self.request, needs.order_by("-created_at", "-id"))
        for need in page:
            need.closing_soon = is_closing_soon(need, today)
        context.update(
            page_obj=page,
            filter_form=form,
            query=query,
            filtered=bool(chosen or query),
        )
        return context


class NeedRecordView(WagtailAdminTemplateMixin, TemplateView):
    """登记需求: the form, and on success the new need's page."""

    template_name = "volunteers/admin/needs/record.html"
    page_title = gettext_lazy("登记需求")
    header_icon = "plus"

    def dispatch(self, request, *args, **kwargs):
        require_need_staff(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(INDEX), "label": _("需求清单")},
            {"url": "", "label": _("登记需求")},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", NeedRecordForm(user=self.request.user))
        return context

    def post(self, request, *args, **kwargs):
        form = NeedRecordForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            need = need_record(by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(form=form), status=error.status)
        if need.status == Status.PUBLISHED:
            messages.success(request, _("已登记并公开“%(title)s”。") % {"title": need.title})
        else:
            messages.success(
                request, _("已登记“%(title)s”，审核公开后党员才能认领。") % {"title": need.title}
            )
        return HttpResponseRedirect(need_url(need))


class NeedView(WagtailAdminTemplateMixin, TemplateView):
    """One need's page; the action views below post to it and re-use its context."""

    template_name = "volunteers/admin/needs/detail.html"
    page_title = gettext_lazy("需求")
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        require_need_staff(request.user)
        need = (
            needs_in_scope(request.user)
            .select_related("grid", "community", "category", "campaign", "submitted_by__person")
            .filter(pk=kwargs["pk"])
            .first()
        )
        if need is None:
            raise Http404  # outside the viewer's grids: as if it did not exist
        self.need = need
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.need.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(INDEX), "label": _("需求清单")},
            {"url": "", "label": self.need.title},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        need, user = self.need, self.request.user
        claims = list(
            need.claims.select_related("person", "unit", "confirmed_by__person").order_by(
                "claimed_at", "id"
            )
        )
        for claim in claims:
            # A claimant who is also staff here confirms nobody's service of their own.
            claim.may_confirm = claim.status == Claim.Status.REPORTED and claim.person.user_id != (
                user.pk
            )
        history = list(need_history(need, claims))
        for event in history:
            event.label = action_label(event.action)
            event.by = actor_name(event)
            extra = event.extra if isinstance(event.extra, dict) else {}
            event.reason = extra.get("reason", "")
        is_open = need.status not in (Status.DONE, Status.CLOSED)
        # Whom to ask while places are open: people in the community whose skills fit.
        suggestions = need_suggestions(need) if is_open and need.open_places else []
        for person in suggestions:
            person.matched = matched_terms(person, need.category)
        # And what units, teams and people offer that fits (资源清单), while it is open.
        resources = resource_suggestions(need) if is_open else []
        context.update(
            suggestions=suggestions,
            resources=resources,
            need=need,
            claims=claims,
            history=history,
            closing_soon=is_closing_soon(need, timezone.localdate()),
            public_url=(
                reverse("volunteers:need_detail", args=[need.pk])
                if need.status in Need.PUBLIC_STATUSES
                else ""
            ),
            publish_form=kwargs.get("publish_form")
            or (
                NeedPublishForm(initial={"public_title": need.public_title})
                if need.status == Status.PENDING
                else None
            ),
            close_form=kwargs.get("close_form") or (NeedCloseForm() if is_open else None),
            campaign_form=kwargs.get("campaign_form") or NeedCampaignForm(need=need),
            extra_actions=need_admin_actions(self.request, need),
        )
        return context


class NeedActionView(NeedView):
    """A button on the need's page posting to one service: success → back to the page
    with a message; a refusal → the page again, as a Wagtail error message, with its 4xx."""

    http_method_names = ["post"]
    form_class: type | None = None
    context_name = ""

    def get_form(self):
        return self.form_class(self.request.POST) if self.form_class else None

    def act(self, form) -> str:
        """Call the service; answer the success message."""
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        try:
            if form is not None and not form.is_valid():
                return self.refused(form, None, 400)
            message = self.act(form)
        except DomainError as error:
            if form is not None:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.refused(form, error.message, error.status)
        messages.success(request, message)
        return HttpResponseRedirect(need_url(self.need))

    def refused(self, form, message, status: int):
        if message:
            messages.error(self.request, message)
        context = self.get_context_data(**({self.context_name: form} if form else {}))
        return self.render_to_response(context, status=status)


class NeedPublishView(NeedActionView):
    form_class = NeedPublishForm
    context_name = "publish_form"

    def act(self, form) -> str:
        need = need_publish(
            need=self.need, by=self.request.user, public_title=form.cleaned_data["public_title"]
        )
        return _("已审核公开，微心愿墙上显示为“%(title)s”。") % {"title": need.public_title}


class NeedCloseView(NeedActionView):
    form_class = NeedCloseForm
    context_name = "close_form"

    def act(self, form) -> str:
        need_close(need=self.need, by=self.request.user, reason=form.cleaned_data["reason"])
        return _("需求已关闭。")


class NeedCampaignView(NeedActionView):
    context_name = "campaign_form"

    def get_form(self):
        return NeedCampaignForm(self.request.POST, need=self.need)

    def act(self, form) -> str:
        campaign = form.cleaned_data["campaign"]
        need_set_campaign(need=self.need, campaign=campaign, by=self.request.user)
        if campaign is None:
            return _("已取消这项需求的提升行动。")
        return _("已将这项需求列入“%(name)s”。") % {"name": campaign.name}


class ClaimConfirmView(NeedActionView):
    def act(self, form) -> str:
        claim = self.need.claims.select_related("person").filter(pk=self.kwargs["claim_pk"]).first()
        if claim is None:
            raise Http404
        claim_confirm(claim=claim, by=self.request.user)
        return _("已确认%(name)s的服务完成，服务时长和积分已计入。") % {
            "name": claim.person.real_name
        }


urlpatterns = [
    path("needs/", NeedsIndexView.as_view(), name=INDEX),
    path("needs/new/", NeedRecordView.as_view(), name="needs_admin_record"),
    path("needs/<int:pk>/", NeedView.as_view(), name="needs_admin_need"),
    path("needs/<int:pk>/publish/", NeedPublishView.as_view(), name="needs_admin_publish"),
    path("needs/<int:pk>/close/", NeedCloseView.as_view(), name="needs_admin_close"),
    path("needs/<int:pk>/campaign/", NeedCampaignView.as_view(), name="needs_admin_campaign"),
    path(
        "needs/<int:pk>/claims/<int:claim_pk>/confirm/",
        ClaimConfirmView.as_view(),
        name="needs_admin_confirm",
    ),
]


class NeedsMenuItem(WaitingMenuItem):
    """Shown to whoever keeps a needs list somewhere, with the number waiting for approval."""

    def is_shown(self, request):
        return permissions.can_anywhere(request.user, Action.MANAGE_NEEDS)

    def waiting(self, request) -> int:
        return needs_in_scope(request.user).filter(status=Status.PENDING)[:100].count()


def needs_menu_item() -> NeedsMenuItem:
    return NeedsMenuItem(
        gettext_lazy("需求清单"),
        reverse_lazy(INDEX),
        name="needs",
        icon_name="list-ul",
        order=255,
    )
