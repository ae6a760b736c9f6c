"""The volunteers app in the Wagtail admin: what is registered; the views are in ``admin_views``.

Activities (draft, preview, publish, revisions, cancelling) for secretaries and team
leaders; the activity and need category lists and the background job records for town
administrators. Who sees and changes what is answered by ``volunteers.permissions``
through the policies registered here.
"""

from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from core.models import JobFailure
from volunteers.admin_permissions import (
    activity_policy,
    campaign_policy,
    category_policy,
    need_category_policy,
)
from volunteers.admin_views.activities import ActivityViewSet, publish_buttons_by_policy
from volunteers.admin_views.audit_log import admin_urls as audit_log_urls
from volunteers.admin_views.audit_log import menu_item as audit_log_menu_item
from volunteers.admin_views.categories import (
    ActivityCategoryViewSet,
    CampaignViewSet,
    NeedCategoryViewSet,
)
from volunteers.admin_views.job_failures import JobFailureViewSet, job_failure_policy
from volunteers.admin_views.join_requests import JoinRequestsView, join_requests_menu_item
from volunteers.admin_views.needs import needs_menu_item
from volunteers.admin_views.needs import urlpatterns as needs_urls
from volunteers.admin_views.organisations import admin_urls as organisation_urls
from volunteers.admin_views.organisations import menu_item as organisations_menu_item
from volunteers.admin_views.people import people_menu_item
from volunteers.admin_views.people import urlpatterns as people_urls
from volunteers.admin_views.projects import projects_menu_item
from volunteers.admin_views.projects import urlpatterns as projects_urls
from volunteers.admin_views.resources import resources_menu_item
from volunteers.admin_views.resources import urlpatterns as resources_urls
from volunteers.models import Activity, ActivityCategory, Campaign, NeedCategory

# Policies first: Wagtail looks them up as soon as a view set registers.
register_permission_policy(Activity, activity_policy, exact_class=True)
register_permission_policy(ActivityCategory, category_policy, exact_class=True)
register_permission_policy(NeedCategory, need_category_policy, exact_class=True)
register_permission_policy(Campaign, campaign_policy, exact_class=True)
register_permission_policy(JobFailure, job_failure_policy, exact_class=True)

register_snippet(ActivityViewSet)
register_snippet(ActivityCategoryViewSet)
register_snippet(NeedCategoryViewSet)
register_snippet(CampaignViewSet)
register_snippet(JobFailureViewSet)

hooks.register("construct_snippet_action_menu", publish_buttons_by_policy)


# 加入申请: grid and team staff approve or refuse newcomers (admin_views.join_requests).
@hooks.register("register_admin_urls")
def join_request_urls():
    return [path("join-requests/", JoinRequestsView.as_view(), name="join_requests_admin")]


hooks.register("register_admin_menu_item", join_requests_menu_item)

# 需求清单: the grid's and community's staff record, approve and close needs and confirm
# claims (admin_views.needs).
hooks.register("register_admin_urls", lambda: needs_urls)
hooks.register("register_admin_menu_item", needs_menu_item)

# 项目清单: community staff and the quarter's chair unit's contacts keep the joint
# projects; community staff name the 轮值主席 (admin_views.projects).
hooks.register("register_admin_urls", lambda: projects_urls)
hooks.register("register_admin_menu_item", projects_menu_item)

# 资源清单: what units, teams and people offer a community (admin_views.resources).
hooks.register("register_admin_urls", lambda: resources_urls)
hooks.register("register_admin_menu_item", resources_menu_item)

# 人员: the people a member of staff looks after, and one person's page.
hooks.register("register_admin_urls", lambda: people_urls)
hooks.register("register_admin_menu_item", people_menu_item)

# 组织架构: the tree within the user's MANAGE_ROLES scope, and its per-node changes.
hooks.register("register_admin_urls", organisation_urls)
hooks.register("register_admin_menu_item", organisations_menu_item)

# 审计日志: the audit events within the reader's scope, filtered, and their .xlsx.
hooks.register("register_admin_urls", audit_log_urls)
hooks.register("register_admin_menu_item", audit_log_menu_item)
