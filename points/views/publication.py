"""公示 pages: a published ranking, a person's objection to it, and the secretary's queue.

Thin on purpose: writes are ``services.publication`` calls, "may they?" is
``points.policies``; these views turn answers and refusals into pages.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, Forbidden
from core.masking import public_name, public_names
from core.pagination import page_of, search_text
from core.refusals import refusal_response
from points.models import Objection, PersonTotal, RankingSnapshot, RankingSnapshotRow
from points.periods import period_label
from points.policies import objections_user_may_answer
from points.services.publication import (
    ANSWER_MAX_LENGTH,
    OBJECTION_MAX_LENGTH,
    notice_over_message,
    objection_answer,
    objection_lodge,
)
from volunteers import permissions
from volunteers.decorators import allowed_somewhere
from volunteers.selectors import people_matching, person_for_user

Action = permissions.Action
Status = Objection.Status
HISTORY_SHOWN = 20


def _snapshot(pk: int) -> RankingSnapshot:
    return get_object_or_404(RankingSnapshot.objects.select_related("organisation"), pk=pk)


def _describe(snapshot: RankingSnapshot) -> None:
    """Labels every page about a snapshot shows (no queries)."""
    snapshot.period_label = period_label(snapshot.period)
    snapshot.last_notice_day = timezone.localtime(
        snapshot.notice_until - datetime.timedelta(microseconds=1)
    ).date()


# --- A published ranking -------------------------------------------------------------


@require_GET
def snapshot_detail(request, pk: int):
    """The whole frozen ranking (names as the site setting says), and the way to object."""
    snapshot = _snapshot(pk)
    _describe(snapshot)
    names = public_names(request)
    rows = list(snapshot.rows.order_by("place", "person_id"))
    for row in rows:
        row.shown_name = public_name(row.display_name, names)
        row.shown_value = snapshot.shown_value(row.value)
    return render(
        request,
        "points/snapshot.html",
        {"snapshot": snapshot, "rows": rows, "notice_open": snapshot.notice_open()},
    )


# --- The person's objection ----------------------------------------------------------


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("异议内容"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": OBJECTION_MAX_LENGTH}),
        help_text=gettext_lazy(
            "写明哪一项不对、您认为应是多少，例如：10月12日文明交通劝导2小时未计入。"
        ),
        required=False,  # the service says what is missing, in its own words
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def objection_lodge_view(request, pk: int):
    snapshot = _snapshot(pk)
    _describe(snapshot)
    person = person_for_user(request.user)
    if person is None:
        no_person = Forbidden(
            "no_person",
            _("您的账号还没有关联人员信息，不能提出异议。请联系所在社区的工作人员。"),
        )
        return refusal_response(request, no_person, title=_("账号未关联人员信息"))
    mine = Objection.objects.filter(snapshot=snapshot, person=person).first()
    form = ObjectionForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and mine is None:
        try:
            objection_lodge(snapshot=snapshot, person=person, text=request.POST.get("text", ""))
        except DomainError as exc:
            if isinstance(exc, Forbidden):  # not in the ranking's scope
                return refusal_response(request, exc, title=_("不能提出异议"))
            error, status = exc.message, exc.status
            if exc.field:
                form.add_error(exc.field, exc.message)
                error = ""
        else:
            messages.success(request, _("异议已提交，所在社区书记会在这里答复您。"))
            return redirect("points:my_objections")
    elif request.method == "POST":
        error, status = _("您已对这份榜单提出过异议，请等待答复。"), 409
    row = RankingSnapshotRow.objects.filter(snapshot=snapshot, person=person).first()
    notice_open = snapshot.notice_open()
    return render(
        request,
        "points/objection_form.html",
        {
            "snapshot": snapshot,
            "row": row,
            "shown_value": snapshot.shown_value(row.value) if row else None,
            "mine": mine,
            "form": form,
            "error": error,
            "notice_open": notice_open,
            "notice_over": "" if notice_open else notice_over_message(snapshot),
            "max_length": OBJECTION_MAX_LENGTH,
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def my_objections(request):
    """The person's objections and the answers to them, newest first."""
    person = person_for_user(request.user)
    objections = []
    if person is not None:
        objections = list(
            Objection.objects.filter(person=person)
            .select_related("snapshot")
            .order_by("-lodged_at", "-id")[:HISTORY_SHOWN]
        )
        for objection in objections:
            _describe(objection.snapshot)
    return render(
        request, "points/my_objections.html", {"person": person, "objections": objections}
    )


# --- The secretary's queue -----------------------------------------------------------


adjust_points_required = allowed_somewhere(
    Action.ADJUST_POINTS,
    message=gettext_lazy("答复公示异议需要社区或支部书记（管理员）的权限。"),
)


def _queue(request, *, error_for=None, error="", answer="", status=200):
    user = request.user
    objections = Objection.objects.select_related(
        "snapshot", "person__home_grid", "person__party_branch"
    )
    search = search_text(request)
    page = page_of(
        request,
        objections_user_may_answer(user, objections.filter(status=Status.PENDING))
        .filter(people_matching(search, via="person__"))
        .order_by("lodged_at", "id"),
    )
    answered = list(
        objections_user_may_answer(
            user,
            objections.exclude(status=Status.PENDING).select_related("answered_by__person"),
        ).order_by("-answered_at", "-id")[:HISTORY_SHOWN]
    )
    shown = list(page.object_list)
    # Each pending objection beside the person's published place and their total now:
    # two queries for the whole queue.
    pairs = Q(pk__in=[])
    totals = Q(pk__in=[])
    for objection in shown:
        pairs |= Q(snapshot_id=objection.snapshot_id, person_id=objection.person_id)
        totals |= Q(person_id=objection.person_id, period=objection.snapshot.period)
    places = {}
    now_totals = {}
    if shown:
        places = {(r.snapshot_id, r.person_id): r for r in RankingSnapshotRow.objects.filter(pairs)}
        now_totals = {(t.person_id, t.period): t for t in PersonTotal.objects.filter(totals)}
    for objection in [*shown, *answered]:
        _describe(objection.snapshot)
    for objection in shown:
        snapshot = objection.snapshot
        row = places.get((snapshot.pk, objection.person_id))
        objection.place = row.place if row else None
        objection.published_value = snapshot.shown_value(row.value) if row else None
        total = now_totals.get((objection.person_id, snapshot.period))
        current = 0
        if total is not None:
            current = total.points if snapshot.measure == "points" else total.minutes
        objection.current_value = snapshot.shown_value(current)
    return render(
        request,
        "points/objection_queue.html",
        {
            "pending": shown,
            "page": page,
            "search": search,
            "answered": answered,
            "error_for": error_for,
            "error_on_top": bool(error) and all(o.pk != error_for for o in shown),
            "error": error,
            "answer": answer,
            "answer_max_length": ANSWER_MAX_LENGTH,
            "outcomes": [
                (Status.UPHELD, Status.UPHELD.label),
                (Status.DISMISSED, Status.DISMISSED.label),
            ],
        },
        status=status,
    )


@adjust_points_required
@require_GET
def objection_queue(request):
    return _queue(request)


@adjust_points_required
@require_POST
def objection_answer_view(request, pk: int):
    objection = get_object_or_404(Objection.objects.select_related("person"), pk=pk)
    try:
        objection = objection_answer(
            objection=objection,
            answer=request.POST.get("answer", ""),
            outcome=request.POST.get("outcome", ""),
            by=request.user,
        )
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            return refusal_response(request, exc, title=_("没有权限"))
        return _queue(
            request,
            error_for=objection.pk,
            error=exc.message,
            answer=request.POST.get("answer", ""),
            status=exc.status,
        )
    messages.success(
        request,
        _("已答复%(name)s的异议（%(outcome)s）。")
        % {"name": objection.person.real_name, "outcome": objection.get_status_display()},
    )
    return redirect("points:objection_queue")
