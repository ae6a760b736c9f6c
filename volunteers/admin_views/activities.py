"""Activities in the Wagtail admin: draft, preview, publish, revisions, and cancelling.

Secretaries and team leaders publish here, where news is published too. What each
of them sees and may change is answered by ``volunteers.permissions`` through the
policies in ``admin_permissions``; the organisation list in the form offers only
their own subtree, and the form refuses any other organisation sent to it.

Every save goes through ``volunteers.services.activities``: ``activity_create`` and
``activity_update`` write the draft (and its revision), ``activity_publish`` makes it
public. The rules an activity keeps are ``Activity.clean``, which the form runs too, so
an editor sees a broken rule on its field before anything is written.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.mixins import RevisionsRevertMixin
from wagtail.admin.views.generic.models import CopyViewMixin
from wagtail.admin.widgets.button import Button
from wagtail.snippets.action_menu import PublishMenuItem, UnpublishMenuItem
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView, SnippetViewSet

from volunteers import permissions
from volunteers.admin_permissions import activity_policy, guard_object_urls
from volunteers.admin_views.activity_cancel import (
    ActivityCancelView,
    can_cancel,
    cancel_url,
    local_time,
)
from volunteers.admin_views.writes import RefusalOnTheForm, form_values
from volunteers.models import Activity, ActivityCategory, Organisation, Project
from volunteers.selectors import with_signup_counts
from volunteers.services.activities import activity_create, activity_publish, activity_update

Action = permissions.Action


# --- The edit form ------------------------------------------------------------------


class OrganisationChoiceField(forms.ModelChoiceField):
    """The tree as an indented list, so a secretary sees where each node sits."""

    def label_from_instance(self, obj: Organisation) -> str:
        indent = "\u3000" * max(0, obj.depth - 1)
        return f"{indent}{obj.name}（{obj.get_kind_display()}）"


class ActivityAdminForm(WagtailAdminModelForm):
    """Offers only the organisations the editor publishes for; the rules are the model's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        field = self.fields.get("organisation")
        if field is not None:
            # A closed organisation publishes nothing new (Activity.clean): not offered,
            # except as the current value of an activity being edited.
            scope = (
                permissions.organisations_in_scope(user, Action.PUBLISH)
                .filter(Q(closed_on__isnull=True) | Q(pk=self.instance.organisation_id))
                .order_by("path")
            )
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
        self._limit_tags()
        team = self.fields.get("audience_team")
        if team is not None and hasattr(team, "queryset"):
            team.queryset = team.queryset.filter(
                Q(closed_on__isnull=True) | Q(pk=self.instance.audience_team_id)
            )
            if not self.instance.pk and user is not None:
                # The top of the tree they publish for: a leader's team, a secretary's
                # community (the grids and based-in squads below it come after it).
                first = scope.first()
                if first is not None:
                    self.initial.setdefault("organisation", first.pk)

    def _limit_tags(self) -> None:
        """Only running campaigns and projects not yet over are offered, plus whatever the
        activity already has, so an old tag is kept rather than blanked by saving."""
        campaign = self.fields.get("campaign")
        if campaign is not None and hasattr(campaign, "queryset"):
            campaign.queryset = campaign.queryset.filter(
                Q(active=True) | Q(pk=self.instance.campaign_id)
            )
            campaign.empty_label = _("不属于提升行动")
        project = self.fields.get("project")
        if project is not None and hasattr(project, "queryset"):
            project.queryset = project.queryset.filter(
                Q(status__in=(Project.Status.DRAFT, Project.Status.OPEN))
                | Q(pk=self.instance.project_id)
            ).select_related("community")
            project.label_from_instance = _project_label
            project.empty_label = _("不属于共建项目")


def _project_label(project: Project) -> str:
    return f"{project.community.name} {project.quarter}：{project.title}"


ACTIVITY_PANELS = [
    FieldPanel("organisation"),
    FieldPanel("title"),
    FieldPanel("category", widget=forms.Select),
    # 三单一卡: the quarter's campaign and the joint project it serves (a plain list each,
    # not a chooser: a handful of running campaigns and the open projects).
    MultiFieldPanel(
        [FieldPanel("campaign", widget=forms.Select), FieldPanel("project", widget=forms.Select)],
        heading=gettext_lazy("提升行动与共建项目"),
    ),
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


class ActivityIndexView(IndexView):
    def get_delete_url(self, instance):
        if activity_policy.user_has_permission_for_instance(self.request.user, "delete", instance):
            return super().get_delete_url(instance)
        return None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if can_cancel(instance):
            buttons.append(
                MenuItem(_("取消活动"), url=cancel_url(instance), icon_name="cross", priority=40)
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


# --- Saving and publishing, through the services ------------------------------------------


class PublishedByTheService:
    """Wagtail's publish step with its hooks around it, the publishing done by
    ``activity_publish`` (which also gives waiting people any new places)."""

    def publish_action(self):
        hook_response = self.run_hook("before_publish", self.request, self.object)
        if hook_response is not None:
            return hook_response
        activity_publish(activity=self.object, revision=self.new_revision, by=self.request.user)
        hook_response = self.run_hook("after_publish", self.request, self.object)
        if hook_response is not None:
            return hook_response
        return None


class ActivityCreateView(RefusalOnTheForm, PublishedByTheService, CreateView):
    def save_instance(self):
        # A draft first, published (when asked) by ``publish_action``, as Wagtail does.
        activity = activity_create(**form_values(self.form), by=self.request.user, publish=False)
        self.new_revision = activity.latest_revision
        return activity


class ActivityCopyView(CopyViewMixin, ActivityCreateView):
    pass


class ActivityEditView(RefusalOnTheForm, PublishedByTheService, EditView):
    def save_instance(self):
        activity = activity_update(
            activity=self.object,
            by=self.request.user,
            publish=False,
            overwrite_revision=self.overwrite_revision,
            **form_values(self.form),
        )
        self.new_revision = activity.latest_revision
        return activity

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if can_cancel(self.live_object):
            buttons.append(
                Button(_("取消活动"), url=cancel_url(self.object), icon_name="cross", priority=40)
            )
        return buttons


class RevertedByTheService:
    """The revert view shows an earlier revision in the form; saving it brings it back,
    through ``activity_update`` (Wagtail's history says which revision it was)."""

    def save_instance(self):
        activity = activity_update(
            activity=self.object,
            by=self.request.user,
            publish=False,
            revert_to=self.revision,
            **form_values(self.form),
        )
        self.new_revision = activity.latest_revision
        self.has_content_changes = self.form.has_changed()
        return activity


# The buttons: Wagtail shows "发布" and "取消发布" to whoever holds Django's model
# permission, which only superusers hold here (the policy answers, as for every view).
# Without this a secretary or leader could only save drafts from the page.


class PublishByPolicyMenuItem(PublishMenuItem):
    def is_shown(self, context):
        if context.get("locked_for_user"):
            return False
        user, instance = context["request"].user, context.get("instance")
        if instance is None:
            return activity_policy.user_has_permission(user, "publish")
        return activity_policy.user_has_permission_for_instance(user, "publish", instance)


class UnpublishByPolicyMenuItem(UnpublishMenuItem):
    def is_shown(self, context):
        instance = context.get("instance")
        return (
            context["view"] == "edit"
            and not context.get("locked_for_user")
            and instance.live
            and activity_policy.user_has_permission_for_instance(
                context["request"].user, "publish", instance
            )
        )


def publish_buttons_by_policy(menu_items, request, context):
    """For activities, the publish and unpublish buttons follow the policy."""
    if context.get("model") is not Activity:
        return
    menu_items[:] = [
        item for item in menu_items if item.name not in {"action-publish", "action-unpublish"}
    ]
    for item in (UnpublishByPolicyMenuItem(order=20), PublishByPolicyMenuItem(order=30)):
        if item.is_shown(context):
            menu_items.append(item)
    menu_items.sort(key=lambda item: item.order)


# --- The chooser and the view set ---------------------------------------------------------


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
    add_view_class = ActivityCreateView
    copy_view_class = ActivityCopyView
    edit_view_class = ActivityEditView
    chooser_viewset_class = ActivityChooserViewSet
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
                accessor=lambda activity: local_time(activity.starts_at),
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
    def revisions_revert_view_class(self):
        return type(
            "ActivityRevertView",
            (RevertedByTheService, RevisionsRevertMixin, self.edit_view_class),
            {"view_name": "revisions_revert"},
        )

    @property
    def cancel_view(self):
        return self.construct_view(ActivityCancelView)

    def get_urlpatterns(self):
        patterns = [
            *super().get_urlpatterns(),
            path("cancel/<int:pk>/", self.cancel_view, name="cancel"),
        ]
        return guard_object_urls(patterns, self.model, activity_policy)
