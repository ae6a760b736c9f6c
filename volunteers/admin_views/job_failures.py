"""Background job records in the Wagtail admin: read-only, for town administrators."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.views.snippets import SnippetViewSet

from core.models import JobFailure
from volunteers import permissions


class JobFailurePolicy(BasePermissionPolicy):
    """Town administrators look at job failures and may clear them; nobody adds or edits."""

    def user_has_permission(self, user, action):
        return action in {"view", "delete"} and permissions.administers_a_town(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(is_superuser=True, is_active=True)


job_failure_policy = JobFailurePolicy(JobFailure)


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
