"""我的 (/me/): the person's own page.

From the top: for organisers a 工作台 (today's activity with big buttons to run its
check-in, then their other tools); the figures card that the layers above add through
the ``construct_me_page_panels`` hook (points answers with points, hours, star level and
community place: volunteers does not import points); the person's next activities; their
tools; their profile, party details and organisations; the account, and 退出登录.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from wagtail import hooks

from volunteers import permissions, selectors
from volunteers.models import JoinRequest, Organisation

# Each hook is called as ``hook(request, person, panels)`` (``person`` may be None) and
# appends components (``render_html()``) to ``panels``, shown in order under 工作台.
PANELS_HOOK = "construct_me_page_panels"


@never_cache  # personal data: not for a shared phone's back button or a proxy
@login_required
def me(request):
    """The person's own page: 工作台, figures, next activities, tools, profile, roles."""
    person = selectors.person_for_user(
        request.user, "home_grid", "party_branch", "employer_unit", "reported_community"
    )
    current_memberships, past_memberships = [], []
    if person is not None:
        memberships = person.memberships.select_related("organisation").order_by(
            "-start_date", "organisation__name"
        )
        for membership in memberships:
            (current_memberships if membership.is_active else past_memberships).append(membership)
    pending_join_requests = list(
        selectors.person_join_requests(person).filter(status=JoinRequest.Status.PENDING)
    )
    user = request.user
    can = permissions.can_anywhere
    runs_check_in = can(user, permissions.Action.CHECK_IN)
    activity_now = selectors.activity_to_run_today(user) if runs_check_in else None
    panels: list = []
    for hook in hooks.get_hooks(PANELS_HOOK):
        hook(request, person, panels)
    return render(
        request,
        "volunteers/me.html",
        {
            "person": person,
            "current_memberships": current_memberships,
            "past_memberships": past_memberships,
            "upcoming_signups": selectors.person_upcoming_signups(person),
            "pending_join_requests": pending_join_requests,
            "pending_grid_request": next(
                (r for r in pending_join_requests if r.organisation.kind == Organisation.Kind.GRID),
                None,
            ),
            "organiser": {
                "check_in": runs_check_in,
                "manage_people": can(user, permissions.Action.MANAGE_PEOPLE),
                "adjust_points": can(user, permissions.Action.ADJUST_POINTS),
                "admin": user.has_perm("wagtailadmin.access_admin"),
                "dashboard": permissions.may_see_dashboard(user),
            },
            "activities_to_run": selectors.activities_to_run(user)[:6] if runs_check_in else [],
            "activity_now": activity_now,
            "activity_now_running": activity_now is not None
            and activity_now.starts_at <= timezone.now(),
            "panels": panels,
        },
    )
