"""The resident's side of the 需求清单: 提交微心愿 (/needs/new/) and 我的微心愿 (/me/needs/).

A resident with a home grid submits a need for their own community from a phone; it
waits for the grid's staff (待审核). On 我的微心愿 they follow it, see who claimed it
(name and phone: the two must arrange the visit), confirm a service the claimant says
is done, and withdraw a need nobody has claimed yet. Every write is a call into
``services.needs``; a refusal shows on the form next to the field it names, or at the
top of the list, with the status of its kind.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, Forbidden
from core.pagination import page_of
from core.refusals import refusal_response
from volunteers import selectors
from volunteers.models import Claim, JoinRequest, Need, Organisation, Person
from volunteers.needs_forms import NeedSubmitForm
from volunteers.selectors.needs_resident import (
    MY_NEEDS_PER_PAGE,
    community_grids,
    resident_needs,
)
from volunteers.services.needs import (
    SUBMISSIONS_PER_DAY,
    claim_confirm,
    community_of,
    need_close,
    need_submit,
)

# The deadline the form suggests: two weeks is long enough for a claimant to find a
# free weekend, short enough that a need does not sit forgotten on the wall.
DEADLINE_DAYS = 14


def _no_person(request):
    refused = Forbidden(
        "no_person",
        _("您的账号还没有关联人员信息。请联系所在社区的工作人员为账号关联信息。"),
    )
    return refusal_response(request, refused, title=_("账号未关联人员信息"))


def _submit_page(request, person: Person, **context):
    status = context.pop("status", 200)
    return render(
        request,
        "volunteers/needs/submit.html",
        {"person": person, "per_day": SUBMISSIONS_PER_DAY, **context},
        status=status,
    )


@never_cache  # what the resident typed about their home: not for a shared phone's back button
@login_required
@require_http_methods(["GET", "POST"])
def need_submit_view(request):
    """提交微心愿: the form, or the way to join a grid first."""
    person = selectors.person_for_user(request.user, "home_grid")
    if person is None:
        return _no_person(request)
    if person.home_grid is None:
        waiting = (
            selectors.person_join_requests(person)
            .filter(status=JoinRequest.Status.PENDING, organisation__kind=Organisation.Kind.GRID)
            .first()
        )
        return _submit_page(request, person, no_home_grid=True, waiting=waiting)
    community = community_of(person.home_grid)
    grids = list(community_grids(community))
    if request.method != "POST":
        initial = {
            "grid": person.home_grid_id,
            "deadline": timezone.localdate() + datetime.timedelta(days=DEADLINE_DAYS),
            "places": 1,
        }
        form = NeedSubmitForm(initial=initial, grids=grids)
        return _submit_page(request, person, form=form, community=community)
    form = NeedSubmitForm(request.POST, grids=grids)
    if not form.is_valid():
        return _submit_page(request, person, form=form, community=community, status=400)
    try:
        need_submit(person=person, **form.cleaned_data)
    except DomainError as exc:
        # The bound form keeps what was typed; the service wrote nothing.
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return _submit_page(request, person, form=form, community=community, status=exc.status)
    messages.success(request, _("已提交，等待网格员审核。审核通过后会在微心愿墙上公开。"))
    return redirect("volunteers:my_needs")


def _my_needs_page(request, person: Person, *, error: str = "", status: int = 200):
    return render(
        request,
        "volunteers/needs/my_needs.html",
        {
            "person": person,
            "page": page_of(request, resident_needs(person), MY_NEEDS_PER_PAGE),
            "error": error,
            "today": timezone.localdate(),
        },
        status=status,
    )


@never_cache  # the claimants' phone numbers
@login_required
@require_GET
def my_needs(request):
    """我的微心愿: my needs, their state, who claimed them, what waits for my confirmation."""
    person = selectors.person_for_user(request.user)
    if person is None:
        return _no_person(request)
    return _my_needs_page(request, person)


@never_cache
@login_required
@require_POST
def my_need_claim_confirm(request, pk: int):
    """确认完成: the resident confirms the service a claimant reported on their need.

    Only claims on the resident's own needs are found here (anyone else's is a 404, so
    no one learns which claims exist); the grid's staff confirm in the admin.
    """
    person = selectors.person_for_user(request.user)
    if person is None:
        return _no_person(request)
    claim = get_object_or_404(
        Claim.objects.select_related("need", "person"), pk=pk, need__resident=person
    )
    try:
        claim_confirm(claim=claim, by=request.user)
    except DomainError as exc:
        return _my_needs_page(request, person, error=str(exc.message), status=exc.status)
    messages.success(
        request,
        _("已确认%(name)s完成“%(title)s”，谢谢！服务时长和积分会计入认领人名下。")
        % {"name": claim.person.real_name, "title": claim.need.title},
    )
    return redirect("volunteers:my_needs")


@never_cache
@login_required
@require_POST
def my_need_withdraw(request, pk: int):
    """撤回: the resident closes their own need while nobody has claimed it."""
    person = selectors.person_for_user(request.user)
    if person is None:
        return _no_person(request)
    need = get_object_or_404(Need, pk=pk, resident=person)
    try:
        need_close(need=need, by=request.user, reason=_("本人撤回"))
    except DomainError as exc:
        return _my_needs_page(request, person, error=str(exc.message), status=exc.status)
    messages.info(request, _("已撤回微心愿“%(title)s”。") % {"title": need.title})
    return redirect("volunteers:my_needs")
