"""The audit log (审计日志) in the Wagtail admin: the events a person may read, and their file.

Who sees which events is ``selectors.audit_events_visible_to``; the labels, details,
filters and the workbook are ``volunteers.audit_log``. Here: the page, 50 events a page,
each object linked to its own admin page while it still exists, and the .xlsx of the
filtered list (at most ``EXPORT_LIMIT`` rows: a longer one is refused with a message).
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic import BaseListingView

from core.downloads import xlsx_response
from core.errors import Invalid
from volunteers import permissions
from volunteers.admin_views.organisations import APP as ORGANISATIONS
from volunteers.admin_views.organisations import OVERVIEW_DEPTH as ORGANISATIONS_OVERVIEW_DEPTH
from volunteers.audit_log import (
    EXPORT_LIMIT,
    AuditEventFilterSet,
    action_label,
    actor_name,
    audit_log_workbook,
    event_details,
    export_filename,
    masked,
    target_type_key,
    target_type_label,
)
from volunteers.models import AuditEvent, Membership, Organisation, Person
from volunteers.selectors import audit_events_visible_to
from volunteers.services.audit import audit_record


@cache
def person_admin_url(pk: int) -> str:
    return reverse("shazhou_person", args=[pk])


def organisation_admin_url(node: Organisation) -> str:
    """The tree, scrolled to the node's row: the overview shows the top levels, a deeper
    node is shown in its own branch (``?under=``; its parent would cost a query a row)."""
    url = reverse(f"{ORGANISATIONS}:index")
    if node.depth <= ORGANISATIONS_OVERVIEW_DEPTH:
        return f"{url}#org-{node.pk}"
    return f"{url}?under={node.pk}#org-{node.pk}"


class AuditPaginator(WagtailPaginator):
    """The pager's footer says "共 N 条记录", not Wagtail's "N 审计记录"."""

    @cached_property
    def items_count_label(self):
        return _("共 %(count)s 条记录") % {"count": f"{self.count:,}"}


@dataclass
class Row:
    event: AuditEvent
    time: str
    actor: str
    action: str
    target: str
    target_url: str
    target_type: str
    history_url: str
    person: str
    person_url: str
    details: list[tuple[str, str]]


class AuditLogView(BaseListingView):
    """Newest first, filtered by person, action, date and object."""

    page_title = gettext_lazy("审计日志")
    header_icon = "history"
    template_name = "volunteers/admin/audit_log/index.html"
    results_template_name = "volunteers/admin/audit_log/results.html"
    index_url_name = "audit_log"
    index_results_url_name = "audit_log_results"
    filterset_class = AuditEventFilterSet
    paginate_by = 50
    paginator_class = AuditPaginator
    verbose_name_plural = gettext_lazy("审计记录")

    def dispatch(self, request, *args, **kwargs):
        if not permissions.reads_audit_log(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        return audit_events_visible_to(self.request.user)

    def filter_queryset(self, queryset):
        # A junk value in one filter shows its error on the form; the others still apply.
        if self.filters:
            self.filters.form.full_clean()
            return self.filters.filter_queryset(queryset)
        return queryset

    @cached_property
    def no_results_message(self):
        return _("没有符合条件的审计记录。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        total = context["items_count"]
        query = self.request.GET.copy()
        for name in (self.page_kwarg, "_w_filter_fragment"):
            query.pop(name, None)
        context.update(
            rows=self.rows(context["object_list"]),
            total=total,
            export_limit=EXPORT_LIMIT,
            export_url=f"{reverse('audit_log_export')}?{query.urlencode()}",
            may_export=0 < total <= EXPORT_LIMIT,
        )
        return context

    def rows(self, events) -> list[Row]:
        events = list(events)
        targets = self.targets(events)
        finder = AdminURLFinder(self.request.user)
        rows = []
        for event in events:
            target = targets.get((event.target_type_id, event.target_id))
            person = event.person
            rows.append(
                Row(
                    event=event,
                    time=date_format(timezone.localtime(event.created_at), "Y-m-d H:i"),
                    actor=actor_name(event),
                    action=action_label(event.action),
                    target=masked(event.target),
                    target_url=self.target_url(target, finder) if target is not None else "",
                    target_type=target_type_label(event.target_type),
                    history_url=self.history_url(event),
                    # The person concerned, when the object is something else of theirs.
                    person=person.real_name if person and target != person else "",
                    person_url=person_admin_url(person.pk) if person else "",
                    details=event_details(event, with_ids=False),
                )
            )
        return rows

    def targets(self, events: list[AuditEvent]) -> dict[tuple[int, str], object]:
        """The objects still there that this page's events point at, one query per type."""
        keys: dict[int, set[str]] = defaultdict(set)
        types = {}
        for event in events:
            if event.target_type_id and event.target_id.isdigit():
                keys[event.target_type_id].add(event.target_id)
                types[event.target_type_id] = event.target_type
        found: dict[tuple[int, str], object] = {}
        for type_id, ids in keys.items():
            model = types[type_id].model_class()
            if model is None:
                continue
            for obj in model._default_manager.filter(pk__in=[int(pk) for pk in ids]):
                found[(type_id, str(obj.pk))] = obj
        return found

    def target_url(self, target, finder: AdminURLFinder) -> str:
        if isinstance(target, Person):
            return person_admin_url(target.pk)
        if isinstance(target, Membership):
            return person_admin_url(target.person_id)
        if isinstance(target, Organisation):
            return organisation_admin_url(target)
        return finder.get_edit_url(target) or ""

    def history_url(self, event: AuditEvent) -> str:
        """This list narrowed to the event's object: everything that happened to it."""
        if event.target_type is None or not event.target_id.isdigit():
            return ""
        key = target_type_key(event.target_type)
        return f"{reverse('audit_log')}?target_type={key}&target_id={event.target_id}"


class AuditLogExportView(View):
    """The filtered list as .xlsx; the export itself is recorded (who took which events)."""

    def get(self, request):
        if not permissions.reads_audit_log(request.user):
            raise PermissionDenied
        filters = AuditEventFilterSet(
            data=request.GET, queryset=audit_events_visible_to(request.user), request=request
        )
        events = filters.qs
        count = events.count()
        if count > EXPORT_LIMIT:
            raise Invalid(
                "audit_export_too_long",
                _(
                    "符合条件的审计记录有 %(count)s 条，一次最多导出 %(limit)s 条。"
                    "请缩小日期范围或加上其他筛选条件后再导出。"
                )
                % {"count": f"{count:,}", "limit": f"{EXPORT_LIMIT:,}"},
            )
        content = audit_log_workbook(events)
        audit_record(
            actor=request.user,
            action="audit_log.export",
            target=_("审计日志"),
            rows=count,
            filters=filters.chosen,
        )
        return xlsx_response(content, export_filename())


def reads_audit_log(request) -> bool:
    return permissions.reads_audit_log(request.user)


class AuditLogMenuItem(MenuItem):
    def is_shown(self, request):
        return reads_audit_log(request)


def admin_urls():
    return [
        path("audit-log/", AuditLogView.as_view(), name="audit_log"),
        path(
            "audit-log/results/",
            AuditLogView.as_view(results_only=True),
            name="audit_log_results",
        ),
        path("audit-log/export.xlsx", AuditLogExportView.as_view(), name="audit_log_export"),
    ]


def menu_item():
    return AuditLogMenuItem(
        gettext_lazy("审计日志"), reverse("audit_log"), icon_name="history", order=900
    )
