"""Activities in the Wagtail admin: draft, preview, publish, revisions, and cancelling.

Secretaries and team leaders publish here, where news is published too. What each
of them sees and may change is answered by ``volunteers.permissions`` through the
policies in ``admin_permissions``; the organisation list in the form offers only
their own subtree, and the form refuses any other organisation sent to it.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet
from wagtail.snippets.views.snippets import EditView, IndexView, SnippetViewSet

from core.errors import DomainError
from volunteers import permissions
from volunteers.admin_permissions import activity_policy, category_policy, guard_object_urls
from volunteers.models import Activity, ActivityCategory, JobFailure, Organisation
from volunteers.selectors import with_signup_counts
from volunteers.services.activities import activity_cancel
from volunteers.services.signups import signups_fill_free_places

Action = permissions.Action

# Policies first: Wagtail looks them up as soon as a view set registers.
register_permission_policy(Activity, activity_policy, exact_class=True)
register_permission_policy(ActivityCategory, category_policy, exact_class=True)


def _local(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


# --- The edit form ------------------------------------------------------------------


class OrganisationChoiceField(forms.ModelChoiceField):
    """The tree as an indented list, so a secretary sees where each node sits."""

    def label_from_instance(self, obj: Organisation) -> str:
        indent = "\u3000" * max(0, obj.depth - 1)
        return f"{indent}{obj.name}（{obj.get_kind_display()}）"


class ActivityAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        field = self.fields.get("organisation")
        if field is not None:
            scope = permissions.organisations_in_scope(user, Action.PUBLISH).order_by("path")
            replacement = OrganisationChoiceField(
                queryset=scope,
                label=field.label,
                help_text=_("只能选择您有权发布活动的组织（含下级）。"),
                error_messages={
                    "required": _("请选择发布组织。"),
                    "invalid_choice": _("只能选择您有权发布活动的组织。"),
                },
                empty_label=None if self.instance.pk else "---------",
            )
            self.fields["organisation"] = replacement
            if not self.instance.pk and user is not None:
                own = list(scope[:2])
                if len(own) == 1:
                    self.initial.setdefault("organisation", own[0].pk)
        if self.instance.pk is None and user is not None and user.is_authenticated:
            self.instance.created_by = user

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        opens, closes = cleaned.get("signup_opens_at"), cleaned.get("signup_closes_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("结束时间必须晚于开始时间。"))
        if opens and closes and closes <= opens:
            self.add_error("signup_closes_at", _("报名截止必须晚于报名开始。"))
        if ends and closes and closes > ends:
            self.add_error("signup_closes_at", _("报名截止不能晚于活动结束。"))
        if cleaned.get("capacity") == 0:
            self.add_error("capacity", _("名额至少为 1；不限名额请留空。"))
        audience = cleaned.get("audience")
        if audience == Activity.Audience.TEAM and not cleaned.get("audience_team"):
            self.add_error("audience_team", _("参加对象为“指定队伍”时，请选择队伍。"))
        if audience != Activity.Audience.TEAM and cleaned.get("audience_team"):
            cleaned["audience_team"] = None
            self.instance.audience_team = None
        lat, lng, radius = (
            cleaned.get("latitude"),
            cleaned.get("longitude"),
            cleaned.get("geofence_radius_m"),
        )
        if radius and (lat is None or lng is None):
            self.add_error("geofence_radius_m", _("设置签到范围时，请同时填写活动地点的经纬度。"))
        return cleaned


ACTIVITY_PANELS = [
    FieldPanel("organisation"),
    FieldPanel("title"),
    FieldPanel("category", widget=forms.Select),
    FieldPanel("description"),
    FieldPanel("cover_image"),
    MultiFieldPanel(
        [FieldPanel("starts_at"), FieldPanel("ends_at"), FieldPanel("checkin_opens_minutes")],
        heading=gettext_lazy("时间"),
    ),
    MultiFieldPanel(
        [
            FieldPanel("address"),
            FieldPanel("latitude"),
            FieldPanel("longitude"),
            FieldPanel("geofence_radius_m"),
        ],
        heading=gettext_lazy("地点"),
    ),
    MultiFieldPanel(
        [
            FieldPanel("signup_required"),
            FieldPanel("signup_opens_at"),
            FieldPanel("signup_closes_at"),
            FieldPanel("capacity"),
            FieldPanel("audience"),
            FieldPanel("audience_team", widget=forms.Select),
        ],
        heading=gettext_lazy("报名"),
    ),
    MultiFieldPanel(
        [FieldPanel("checkout_required"), FieldPanel("min_share_percent")],
        heading=gettext_lazy("签到与服务时长"),
    ),
]


# --- The listing ----------------------------------------------------------------------


STATUS_FILTERS = {
    Activity.Status.DRAFT: {"live": False, "cancelled_at__isnull": True},
    Activity.Status.PUBLISHED: {
        "live": True,
        "cancelled_at__isnull": True,
        "finished_at__isnull": True,
    },
    Activity.Status.CANCELLED: {"cancelled_at__isnull": False},
    Activity.Status.FINISHED: {"finished_at__isnull": False, "cancelled_at__isnull": True},
}


def _organisations_for(request):
    if request is None:
        return Organisation.objects.none()
    return permissions.organisations_in_scope(request.user, Action.PUBLISH).order_by("path")


class ActivityFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label=gettext_lazy("发布组织（含下级）"),
        queryset=_organisations_for,
        method="filter_subtree",
    )
    category = django_filters.ModelChoiceFilter(
        label=gettext_lazy("类别"), queryset=ActivityCategory.objects.all()
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"), choices=Activity.Status.choices, method="filter_status"
    )

    class Meta:
        model = Activity
        fields = ["organisation", "category", "status"]

    def filter_subtree(self, queryset, name, value):
        return queryset.filter(organisation__path__startswith=value.path)

    def filter_status(self, queryset, name, value):
        return queryset.filter(**STATUS_FILTERS.get(value, {}))


def _cancel_url(activity: Activity) -> str:
    return reverse(Activity.snippet_viewset.get_url_name("cancel"), args=[activity.pk])


def _can_cancel(activity: Activity) -> bool:
    return activity.live and not activity.cancelled_at and not activity.finished_at


class ActivityIndexView(IndexView):
    def get_delete_url(self, instance):
        if activity_policy.user_has_permission_for_instance(self.request.user, "delete", instance):
            return super().get_delete_url(instance)
        return None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if _can_cancel(instance):
            buttons.append(
                MenuItem(
                    _("取消活动"),
                    url=reverse(
                        Activity.snippet_viewset.get_url_name("cancel"), args=[instance.pk]
                    ),
                    icon_name="cross",
                    priority=40,
                )
            )
        buttons.append(
            MenuItem(
                _("查看公开页面"),
                url=instance.get_absolute_url(),
                icon_name="link-external",
                priority=50,
            )
        )
        return buttons


class ActivityEditView(EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if _can_cancel(self.live_object):
            buttons.append(
                Button(
                    _("取消活动"),
                    url=_cancel_url(self.object),
                    icon_name="cross",
                    priority=40,
                )
            )
        return buttons


# --- Cancelling -----------------------------------------------------------------------


class ActivityCancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("取消原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("短信会把这个原因告诉每一位已报名和候补的人。"),
        error_messages={
            "required": gettext_lazy("请填写取消原因。"),
            "max_length": gettext_lazy("取消原因最多 200 个字。"),
        },
    )


class ActivityCancelView(WagtailAdminTemplateMixin, FormView):
    """Cancel (not unpublish): everyone signed up is told by SMS."""

    form_class = ActivityCancelForm
    template_name = "volunteers/admin/activity_cancel.html"
    page_title = gettext_lazy("取消活动")
    header_icon = "cross"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.activity = get_object_or_404(
            with_signup_counts(Activity.objects.select_related("organisation")), pk=kwargs["pk"]
        )

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can(request.user, Action.PUBLISH, self.activity):
            raise PermissionDenied
        if not _can_cancel(self.activity):
            if self.activity.cancelled_at:
                messages.warning(request, _("活动已经取消。"))
            else:
                messages.warning(request, _("只有已发布、尚未结束的活动可以取消。"))
            return redirect(self.edit_url)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def edit_url(self) -> str:
        return reverse(Activity.snippet_viewset.get_url_name("edit"), args=[self.activity.pk])

    def get_page_subtitle(self):
        return str(self.activity)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(Activity.snippet_viewset.get_url_name("list")),
                "label": _("活动"),
            },
            {"url": self.edit_url, "label": str(self.activity)},
            {"url": "", "label": _("取消活动")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            activity=self.activity,
            starts=_local(self.activity.starts_at),
            action_url=self.request.path,
            submit_button_label=_("确认取消活动"),
            submit_button_active_label=_("正在取消…"),
            notified=self.activity.confirmed_count + self.activity.waitlist_count,
            edit_url=self.edit_url,
        )
        return context

    def form_valid(self, form):
        try:
            activity_cancel(
                activity=self.activity, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except DomainError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("活动“%(title)s”已取消，正在通过短信通知已报名的人。") % {"title": self.activity},
        )
        return redirect(reverse(Activity.snippet_viewset.get_url_name("list")))


# --- The view sets ----------------------------------------------------------------------


def _signups_cell(activity: Activity) -> str:
    capacity = activity.capacity if activity.capacity is not None else _("不限")
    text = f"{activity.confirmed_count} / {capacity}"
    if activity.waitlist_count:
        text += _("（候补 %(n)d）") % {"n": activity.waitlist_count}
    return text


class ScopedChooseMixin:
    def get_object_list(self):
        return activity_policy.instances_user_has_any_permission_for(
            self.request.user, ["change"]
        ).select_related("organisation")


class ActivityChooseView(ScopedChooseMixin, ChooseView):
    pass


class ActivityChooseResultsView(ScopedChooseMixin, ChooseResultsView):
    pass


class ActivityChooserViewSet(SnippetChooserViewSet):
    """The chooser lists only the activities the user may publish, and opens no others."""

    choose_view_class = ActivityChooseView
    choose_results_view_class = ActivityChooseResultsView

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, activity_policy)


class ActivityViewSet(SnippetViewSet):
    model = Activity
    icon = "date"
    menu_label = gettext_lazy("活动")
    menu_name = "activities"
    menu_order = 150
    add_to_admin_menu = True
    index_view_class = ActivityIndexView
    chooser_viewset_class = ActivityChooserViewSet
    edit_view_class = ActivityEditView
    filterset_class = ActivityFilterSet
    search_fields = ["title"]
    ordering = ["-starts_at", "-id"]
    list_per_page = 30
    copy_view_enabled = True
    edit_handler = ObjectList(ACTIVITY_PANELS, base_form_class=ActivityAdminForm)

    @cached_property
    def list_display(self):
        return [
            "title",
            Column(
                "organisation",
                label=gettext_lazy("发布组织"),
                accessor=lambda activity: activity.organisation.name,
            ),
            Column(
                "starts_at",
                label=gettext_lazy("开始时间"),
                accessor=lambda activity: _local(activity.starts_at),
                sort_key="starts_at",
            ),
            Column("status", label=gettext_lazy("状态"), accessor="get_status_display"),
            Column(
                "signups",
                label=gettext_lazy("报名 / 名额"),
                accessor=_signups_cell,
                sort_key="confirmed_count",
            ),
        ]

    def get_queryset(self, request):
        scoped = activity_policy.instances_user_has_any_permission_for(request.user, ["change"])
        return with_signup_counts(scoped.select_related("organisation", "category"))

    @property
    def cancel_view(self):
        return self.construct_view(ActivityCancelView)

    def get_urlpatterns(self):
        patterns = [
            *super().get_urlpatterns(),
            path("cancel/<int:pk>/", self.cancel_view, name="cancel"),
        ]
        return guard_object_urls(patterns, self.model, activity_policy)


class ActivityCategoryViewSet(SnippetViewSet):
    model = ActivityCategory
    icon = "tag"
    menu_label = gettext_lazy("活动类别")
    menu_name = "activity-categories"
    add_to_settings_menu = True
    list_display = ["name", "sort_order"]
    sort_order_field = "sort_order"
    ordering = ["sort_order", "id"]
    copy_view_enabled = False
    panels = [FieldPanel("name"), FieldPanel("sort_order")]

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, category_policy)


register_snippet(ActivityViewSet)
register_snippet(ActivityCategoryViewSet)


@hooks.register("after_edit_snippet")
def fill_places_after_publishing(request, instance):
    """An editor may have raised the capacity: people waiting take the new places at once."""
    if isinstance(instance, Activity) and instance.live and not instance.cancelled_at:
        signups_fill_free_places(activity=instance)


# --- Background job records: read-only, for town administrators ----------------------------


class JobFailurePolicy(BasePermissionPolicy):
    """Town administrators look at job failures and may clear them; nobody adds or edits."""

    def user_has_permission(self, user, action):
        from volunteers.admin_permissions import is_town_admin

        return action in {"view", "delete"} and is_town_admin(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(is_superuser=True, is_active=True)


job_failure_policy = JobFailurePolicy(JobFailure)
register_permission_policy(JobFailure, job_failure_policy, exact_class=True)


class JobFailureViewSet(SnippetViewSet):
    model = JobFailure
    icon = "warning"
    menu_label = gettext_lazy("后台任务记录")
    menu_name = "job-failures"
    add_to_settings_menu = True
    list_display = ["failed_at", "task_name", "outcome", "error"]
    list_filter = ["outcome", "task_name"]
    search_fields = ["task_name", "error"]
    ordering = ["-failed_at", "-id"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "task_name",
        "task_id",
        "outcome",
        "key",
        "args",
        "error",
        "traceback",
        "failed_at",
    ]
    copy_view_enabled = False


register_snippet(JobFailureViewSet)
