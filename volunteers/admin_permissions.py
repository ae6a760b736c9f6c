"""Wagtail permission policies that take every answer from ``volunteers.permissions``.

Wagtail asks a policy "may this user add / change / publish / delete …"; for
activities each answer is the one rule (a publishing role on a node covers its
subtree), so the admin never grows a second idea of who may do what.
"""

from functools import update_wrapper

from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from wagtail.permission_policies.base import BasePermissionPolicy

from volunteers import permissions
from volunteers.models import (
    Activity,
    ActivityCategory,
    Campaign,
    Membership,
    NeedCategory,
    Organisation,
)

Action = permissions.Action

# What Wagtail may ask about an activity; all of it is "may publish for this subtree".
ACTIVITY_ACTIONS = frozenset({"add", "change", "delete", "publish", "view"})
CATEGORY_ACTIONS = frozenset({"add", "change", "delete", "view"})


def _active_role_holders(roles, organisations=None):
    memberships = Membership.objects.current().filter(role__in=roles, person__user__isnull=False)
    if organisations is not None:
        memberships = memberships.filter(organisation__in=organisations)
    User = get_user_model()
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=memberships.values("person__user"))
    )


class ActivityPermissionPolicy(BasePermissionPolicy):
    """Publishers see and change the activities of their own subtree, nothing else."""

    def user_has_permission(self, user, action):
        return action in ACTIVITY_ACTIONS and permissions.can_anywhere(user, Action.PUBLISH)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if action not in ACTIVITY_ACTIONS:
            return False
        if action == "delete" and (instance.live or instance.first_published_at is not None):
            # Once people could see it (and sign up), it is cancelled or unpublished, not deleted.
            return False
        return permissions.can(user, Action.PUBLISH, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not any(action in ACTIVITY_ACTIONS for action in actions):
            return Activity.objects.none()
        scope = permissions.scope_q(user, Action.PUBLISH, "organisation__path")
        queryset = Activity.objects.all()
        return queryset if scope is None else queryset.filter(scope)

    def users_with_any_permission(self, actions):
        if not any(action in ACTIVITY_ACTIONS for action in actions):
            return get_user_model().objects.none()
        return _active_role_holders(permissions.roles_granting(Action.PUBLISH))

    def users_with_any_permission_for_instance(self, actions, instance):
        if not any(action in ACTIVITY_ACTIONS for action in actions):
            return get_user_model().objects.none()
        above = Organisation.objects.filter(
            path__in=permissions.paths_at_and_above(instance.organisation.path)
        )
        return _active_role_holders(permissions.roles_granting(Action.PUBLISH), above)


class TownListPermissionPolicy(BasePermissionPolicy):
    """A town-wide list (activity categories, need categories): only the town's
    administrators edit it, and an entry still in use is not deleted."""

    def __init__(self, model, *, used_by: str | tuple[str, ...]) -> None:
        super().__init__(model)
        # The related names of the rows that use an entry (``category.activities``): rows
        # that PROTECT it, or (a campaign's) rows whose tag deleting it would wipe.
        self.used_by = (used_by,) if isinstance(used_by, str) else used_by

    def user_has_permission(self, user, action):
        return action in CATEGORY_ACTIONS and permissions.administers_a_town(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and any(getattr(instance, name).exists() for name in self.used_by):
            return False  # rows still use it (and PROTECT it, or would lose their tag)
        return self.user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if not any(action in CATEGORY_ACTIONS for action in actions):
            return get_user_model().objects.none()
        roots = Organisation.get_root_nodes()
        return _active_role_holders(permissions.roles_granting(Action.MANAGE_ROLES), roots)


def guard_object_urls(urlpatterns, model, policy):
    """Refuse every per-object admin URL the policy does not allow for that object.

    Wagtail checks only the model-wide permission on several of its views (history,
    usage, delete, revisions); wrapping each URL that names an object closes them all.
    An object outside the user's subtree is 404, as if it did not exist; one inside it
    that refuses this action (deleting a published activity) is 403.
    """
    for pattern in urlpatterns:
        if "pk" not in pattern.pattern.regex.groupindex:
            continue
        action = "delete" if pattern.name == "delete" else "change"
        pattern.callback = _guarded(pattern.callback, model, policy, action)
    return urlpatterns


def _guarded(view, model, policy, action):
    def guarded(request, *args, **kwargs):
        try:
            pk = int(unquote(str(kwargs.get("pk", ""))))
        except ValueError:
            raise Http404 from None
        instance = model._default_manager.filter(pk=pk).first()
        if instance is None:
            raise Http404
        if not policy.user_has_permission_for_instance(request.user, "change", instance):
            raise Http404  # outside the user's subtree: as if it did not exist
        if action != "change" and not policy.user_has_permission_for_instance(
            request.user, action, instance
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return update_wrapper(guarded, view)


activity_policy = ActivityPermissionPolicy(Activity)
category_policy = TownListPermissionPolicy(ActivityCategory, used_by="activities")
need_category_policy = TownListPermissionPolicy(NeedCategory, used_by="needs")
# A campaign something was tagged with is switched off (正在开展), not deleted: deleting
# it would quietly untag them and drop them from past quarters' reports.
campaign_policy = TownListPermissionPolicy(Campaign, used_by=("activities", "needs", "projects"))
