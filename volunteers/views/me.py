from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from volunteers import permissions, selectors
from volunteers.models import JoinRequest, Organisation


@never_cache  # personal data: not for a shared phone's back button or a proxy
@login_required
def me(request):
    """The person's own page: their profile and the roles they hold."""
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
                "check_in": can(user, permissions.Action.CHECK_IN),
                "manage_people": can(user, permissions.Action.MANAGE_PEOPLE),
                "adjust_points": can(user, permissions.Action.ADJUST_POINTS),
                "admin": user.has_perm("wagtailadmin.access_admin"),
                "dashboard": permissions.may_see_dashboard(user),
            },
            "activities_to_run": (
                selectors.activities_to_run(user)[:6]
                if can(user, permissions.Action.CHECK_IN)
                else []
            ),
        },
    )
