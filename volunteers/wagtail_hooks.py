"""The volunteers app in the Wagtail admin: what is registered; the views are in ``admin_views``.

Activities (draft, preview, publish, revisions, cancelling) for secretaries and team
leaders; the activity category list and the background job records for town
administrators. Who sees and changes what is answered by ``volunteers.permissions``
through the policies registered here.
"""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from core.models import JobFailure
from volunteers.admin_permissions import activity_policy, category_policy
from volunteers.admin_views.activities import ActivityViewSet, publish_buttons_by_policy
from volunteers.admin_views.categories import ActivityCategoryViewSet
from volunteers.admin_views.job_failures import JobFailureViewSet, job_failure_policy
from volunteers.models import Activity, ActivityCategory

# Policies first: Wagtail looks them up as soon as a view set registers.
register_permission_policy(Activity, activity_policy, exact_class=True)
register_permission_policy(ActivityCategory, category_policy, exact_class=True)
register_permission_policy(JobFailure, job_failure_policy, exact_class=True)

register_snippet(ActivityViewSet)
register_snippet(ActivityCategoryViewSet)
register_snippet(JobFailureViewSet)

hooks.register("construct_snippet_action_menu", publish_buttons_by_policy)
