"""The public activity pages: the list, one activity, signing up and cancelling.

Thin on purpose: reads come from ``selectors``, writes from ``services.signups``;
these views turn answers and refusals into pages. Any query string is accepted:
what cannot be understood is ignored, never a 500.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict, DomainError
from volunteers import permissions, selectors
from volunteers.forms import ActivityFilterForm
from volunteers.models import Activity, SignUp
from volunteers.services.signups import signup_cancel, signup_create

PER_PAGE = 20
ADMIN_EDIT_URL_NAME = "wagtailsnippets_volunteers_activity:edit"


@require_GET
def activity_list(request):
    """Published activities, upcoming first; filters that cannot be read are ignored."""
    form = ActivityFilterForm(request.GET or None)
    chosen = {}
    if form.is_bound:
        form.is_valid()  # fields that fail are simply left out of cleaned_data
        chosen = {key: value for key, value in form.cleaned_data.items() if value}
    activities = selectors.activities_published(
        when=chosen.get("when", ""),
        category=chosen.get("category"),
        community=chosen.get("community"),
    )
    page = Paginator(activities, PER_PAGE).get_page(request.GET.get("page"))
    person = selectors.person_for_user(request.user)
    mine = selectors.person_activity_marks(person, [a.pk for a in page.object_list])
    for activity in page.object_list:
        activity.my_status = mine.get(activity.pk)
        activity.places_left = selectors.places_left(activity)
        activity.time_span = selectors.activity_time_span(activity)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "volunteers/activity_list.html",
        {
            "form": form,
            "page": page,
            "filtering": bool(chosen),
            "query": query.urlencode(),
            "now": timezone.now(),
        },
    )


def _meta_description(activity: Activity, time_span: str) -> str:
    """The search engines' and share cards' summary: when, where, who, then the description."""
    facts = [time_span, activity.address]
    if activity.organisation_id:
        facts.append(activity.organisation.name)
    summary = " · ".join(fact for fact in facts if fact)
    description = " ".join(activity.description.split())
    if description:
        summary = _("%(facts)s。%(description)s") % {"facts": summary, "description": description}
    return Truncator(summary).chars(150)


def _detail_context(request, activity: Activity) -> dict:
    """The page's facts, and the one status for its viewer (``selectors.activity_state_for``)."""
    person = selectors.person_for_user(request.user)
    state = selectors.activity_state_for(
        activity, person, timezone.now(), signed_in=request.user.is_authenticated
    )
    confirmed, waitlisted = selectors.signup_counts(activity)
    time_span = selectors.activity_time_span(activity)
    return {
        "activity": activity,
        "time_span": time_span,
        "meta_description": _meta_description(activity, time_span),
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "places_left": selectors.places_left(activity),
        "person": person,
        "state": state,
        "signup": state.signup,
        "waitlist_position": state.waitlist_position,
        "can_edit": permissions.can(request.user, permissions.Action.PUBLISH, activity),
        "can_run_checkin": permissions.can(request.user, permissions.Action.CHECK_IN, activity),
        "admin_edit_url": reverse(ADMIN_EDIT_URL_NAME, args=[activity.pk]),
    }


def _get_activity(pk: int) -> Activity:
    activity = selectors.activity_public(pk)
    if activity is None:  # a draft, or nothing at all: the public cannot tell which
        raise Http404(_("没有找到这个活动。"))
    return activity


@require_GET
def activity_detail(request, pk: int):
    activity = _get_activity(pk)
    return render(request, "volunteers/activity_detail.html", _detail_context(request, activity))


def _refused(request, activity: Activity, error: DomainError):
    """Show the activity again with the reason, and the status of its kind."""
    context = _detail_context(request, activity)
    context["error"] = error.message
    return render(request, "volunteers/activity_detail.html", context, status=error.status)


def _login_first(view):
    """Anonymous visitors log in and come back to the activity (not to a POST-only URL)."""

    @wraps(view)
    def wrapped(request, pk: int):
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("volunteers:activity_detail", args=[pk]))
        return view(request, pk)

    return wrapped


@require_POST
@_login_first
def activity_signup(request, pk: int):
    activity = _get_activity(pk)
    person = selectors.person_for_user(request.user)
    if person is None:
        return _refused(
            request,
            activity,
            Conflict("no_person", _("您的账号还没有登记人员信息，请先完善个人资料。")),
        )
    try:
        result = signup_create(activity=activity, person=person)
    except DomainError as error:
        return _refused(request, activity, error)
    if result.signup.status == SignUp.Status.CONFIRMED:
        messages.success(request, _("报名成功！请按时参加，到场后扫码签到。"))
    else:
        position = selectors.waitlist_position(result.signup)
        messages.info(
            request,
            _(
                "名额已满，您已进入候补名单（第 %(n)d 位）。"
                "有人取消时会自动转为正式报名并短信通知您。"
            )
            % {"n": position},
        )
    for warning in result.warnings:
        messages.warning(request, warning)
    return redirect("volunteers:activity_detail", pk=activity.pk)


@require_POST
@_login_first
def activity_signup_cancel(request, pk: int):
    activity = _get_activity(pk)
    person = selectors.person_for_user(request.user)
    signup = selectors.person_signup(activity, person)
    if signup is None or signup.status == SignUp.Status.CANCELLED:
        return _refused(request, activity, Conflict("not_signed_up", _("您没有报名该活动。")))
    try:
        signup_cancel(signup=signup, by=request.user)
    except DomainError as error:
        return _refused(request, activity, error)
    messages.success(request, _("已取消报名。"))
    return redirect("volunteers:activity_detail", pk=activity.pk)
