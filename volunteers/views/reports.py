"""在职党员报到 pages: the community's poster, the scan, the member's page, the secretary's queue.

Thin on purpose: every write is a call into ``services.reports``, every "may they?"
is ``permissions``; these views only turn answers and refusals into pages.
"""

import datetime
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import qr, tokens
from core.downloads import file_response
from core.errors import DomainError, Forbidden, Invalid
from core.pagination import page_of, search_text
from core.refusals import refusal_response
from volunteers import permissions, selectors
from volunteers.decorators import allowed_somewhere
from volunteers.models import CommunityReport, Organisation, Person
from volunteers.services.reports import (
    NOTE_MAX_LENGTH,
    not_in_service_message,
    report_apply,
    report_confirm,
    report_reject,
)

Action = permissions.Action
Status = CommunityReport.Status
Via = CommunityReport.Via
HISTORY_SHOWN = 20
# The member's links the 报到 pages show, read with the person in one query.
PERSON_SHOWN = ("reported_community", "party_branch", "employer_unit", "home_grid")

TOKEN_REFUSALS = {
    "expired": (
        gettext_lazy("报到码已过期"),
        gettext_lazy(
            "这张报到海报的二维码已过期。请告诉社区工作人员更换新海报，"
            "或在“我的 → 在职党员报到”页面选择社区申请。"
        ),
    ),
    "forged": (
        gettext_lazy("报到码无效"),
        gettext_lazy("这个二维码无效，可能已被修改或没有扫完整。请重新扫描社区张贴的报到海报。"),
    ),
    "wrong_purpose": (
        gettext_lazy("不是报到码"),
        gettext_lazy("这个二维码不是社区的报到码。在职党员报到请扫描社区张贴的报到海报。"),
    ),
}


def _page(request, template: str, context: dict, *, status: int = 200):
    return render(request, f"reports/{template}", context, status=status)


def _refused(request, error: DomainError, *, title: str):
    # The one refusal page, with the 报到 pages' own width and muted lead.
    return refusal_response(
        request, error, title=title, styles="reports/styles.html", page_class="reports"
    )


def _communities():
    return Organisation.objects.filter(kind=Organisation.Kind.COMMUNITY).order_by("path")


def _no_person(request):
    no_person = Forbidden(
        "no_person",
        _("您的账号还没有关联人员信息，不能报到。请联系所在社区的工作人员为账号关联信息。"),
    )
    return _refused(request, no_person, title=_("账号未关联人员信息"))


def _not_in_service(request, refusal: DomainError | None = None):
    refusal = refusal or Forbidden("not_in_service", not_in_service_message())
    return _refused(request, refusal, title=_("仅限在职党员报到"))


def _pending_of(person: Person) -> CommunityReport | None:
    return (
        person.community_reports.filter(status=Status.PENDING).select_related("community").first()
    )


# --- The poster ------------------------------------------------------------------


def secretary_of_community(view):
    """Signed in and allowed to manage people in the community; else a Chinese 403."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapped(request, pk: int, *args, **kwargs):
        community = get_object_or_404(Organisation, pk=pk, kind=Organisation.Kind.COMMUNITY)
        if not permissions.can(request.user, Action.MANAGE_PEOPLE, community):
            refused = Forbidden(
                "forbidden",
                _("报到海报只能由%(community)s的书记（管理员）打印。")
                % {"community": community.name},
            )
            return _refused(request, refused, title=_("没有权限"))
        return view(request, community, *args, **kwargs)

    return wrapped


def _scan_url(request, community: Organisation) -> str:
    token = tokens.make_token(purpose=tokens.Purpose.REPORT, subject_id=community.pk)
    return request.build_absolute_uri(reverse("volunteers:report_scan", args=[token]))


@secretary_of_community
@require_GET
def report_poster(request, community: Organisation):
    """A printable A4 poster: the community's long-lived reporting QR and how to use it."""
    url = _scan_url(request, community)
    return _page(
        request,
        "poster.html",
        {
            "community": community,
            # Only black modules as path data: the encoded URL never appears as text.
            "qr_svg": mark_safe(qr.qr_svg(url)),
            "valid_until": timezone.localtime()
            + datetime.timedelta(seconds=tokens.POSTER_LIFE_SECONDS),
        },
    )


@secretary_of_community
@require_GET
def report_poster_png(request, community: Organisation):
    png = qr.qr_png(_scan_url(request, community), box_size=16)
    filename = _("%(community)s在职党员报到码.png") % {"community": community.name}
    return file_response(png, filename, content_type="image/png")


# --- The member scans the poster -------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def report_scan(request, token: str):
    """The poster's QR: check the code, then let the member confirm their application."""
    try:
        read = tokens.read_token(token, purposes=tokens.Purpose.REPORT)
    except tokens.TokenError as exc:
        title, message = TOKEN_REFUSALS.get(exc.code, TOKEN_REFUSALS["forged"])
        return _refused(request, Invalid(exc.code, message), title=title)
    community = Organisation.objects.filter(
        pk=read.subject_id, kind=Organisation.Kind.COMMUNITY
    ).first()
    if community is None:
        title, message = TOKEN_REFUSALS["forged"]
        return _refused(request, Invalid("forged", message), title=title)
    if not request.user.is_authenticated:
        # The poster lives for a year, so nothing is lost by logging in first.
        return redirect_to_login(request.get_full_path())
    person = selectors.person_for_user(request.user, *PERSON_SHOWN)
    if person is None:
        return _no_person(request)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            report_apply(person=person, community=community, via=Via.POSTER)
        except DomainError as exc:
            if isinstance(exc, Forbidden):  # not an in-service party member
                return _not_in_service(request, exc)
            error, status = exc.message, exc.status
        else:
            messages.success(
                request,
                _("已向%(community)s提交报到申请，社区书记确认后即报到成功。")
                % {"community": community.name},
            )
            return redirect("volunteers:my_report")
    elif not person.in_service:
        return _not_in_service(request)
    return _page(
        request,
        "scan.html",
        {
            "community": community,
            "person": person,
            "pending": _pending_of(person),
            "already_here": person.reported_community_id == community.pk,
            "error": error,
        },
        status=status,
    )


# --- The member's own page -------------------------------------------------------


class ReportApplyForm(forms.Form):
    community = forms.ModelChoiceField(
        label=gettext_lazy("报到社区"),
        queryset=Organisation.objects.none(),
        empty_label=gettext_lazy("请选择居住地所在社区"),
        help_text=gettext_lazy("在职党员向居住地所在社区报到，参加社区的志愿服务。"),
        error_messages={
            "required": gettext_lazy("请选择要报到的社区。"),
            "invalid_choice": gettext_lazy("请从列表中选择社区。"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = _communities()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_report(request):
    """The member's own 报到 page: where they serve now, their history, and an application."""
    person = selectors.person_for_user(request.user, *PERSON_SHOWN)
    if person is None:
        return _no_person(request)
    form = ReportApplyForm()
    status = 200
    if request.method == "POST":
        if not person.in_service:
            return _not_in_service(request)
        form = ReportApplyForm(request.POST)
        if form.is_valid():
            try:
                report_apply(person=person, community=form.cleaned_data["community"], via=Via.SELF)
            except DomainError as exc:
                form.add_error("community" if exc.field == "community" else None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("已向%(community)s提交报到申请，社区书记确认后即报到成功。")
                    % {"community": form.cleaned_data["community"].name},
                )
                return redirect("volunteers:my_report")
        else:
            status = 400
    history = person.community_reports.select_related("community").order_by("-applied_at", "-id")
    return _page(
        request,
        "mine.html",
        {
            "person": person,
            "history": list(history),
            "pending": _pending_of(person),
            "form": form,
        },
        status=status,
    )


# --- The secretary's queue -------------------------------------------------------


manage_people_required = allowed_somewhere(
    Action.MANAGE_PEOPLE,
    message=gettext_lazy("确认在职党员报到需要社区书记（管理员）的权限。"),
)


def _queue(request, *, error_for: int | None = None, error: str = "", note: str = "", status=200):
    user = request.user
    reports = CommunityReport.objects.select_related(
        "person__home_grid",
        "person__party_branch",
        "person__employer_unit",
        "person__reported_community",
        "community",
    )
    search = search_text(request)
    pending_qs = (
        permissions.reports_user_may_decide(user, reports.filter(status=Status.PENDING))
        .filter(selectors.people_matching(search, via="person__"))
        .order_by("applied_at", "id")
    )
    # Oldest first, 50 a page; a search finds one member among many.
    page = page_of(request, pending_qs)
    pending = list(page.object_list)
    decided = list(
        permissions.reports_user_may_decide(
            user,
            reports.exclude(status=Status.PENDING).select_related("decided_by__person"),
        ).order_by("-decided_at", "-id")[:HISTORY_SHOWN]
    )
    scope = permissions.scope_q(user, Action.MANAGE_PEOPLE)
    communities = Organisation.objects.filter(kind=Organisation.Kind.COMMUNITY).order_by("path")
    if scope is not None:
        communities = communities.filter(scope)
    return _page(
        request,
        "queue.html",
        {
            "pending": pending,
            "page": page,
            "search": search,
            "decided": decided,
            "communities": list(communities),
            "error_for": error_for,
            # A report decided meanwhile is no longer listed: say why at the top instead.
            "error_on_top": bool(error) and all(r.pk != error_for for r in pending),
            "error": error,
            "note": note,
            "note_max_length": NOTE_MAX_LENGTH,
        },
        status=status,
    )


@manage_people_required
@require_GET
def report_queue(request):
    return _queue(request)


def _decide(request, pk: int, decide):
    """Run ``decide(report)``; return (report, None) or (None, the refusal page)."""
    report = get_object_or_404(CommunityReport.objects.select_related("community", "person"), pk=pk)
    try:
        return decide(report), None
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            return None, _refused(request, exc, title=_("没有权限"))
        return None, _queue(
            request,
            error_for=report.pk,
            error=exc.message,
            note=request.POST.get("note", ""),
            status=exc.status,
        )


@manage_people_required
@require_POST
def report_confirm_view(request, pk: int):
    report, refused = _decide(
        request, pk, lambda report: report_confirm(report=report, by=request.user)
    )
    if refused is not None:
        return refused
    messages.success(
        request,
        _("已确认%(name)s向%(community)s报到。")
        % {"name": report.person.real_name, "community": report.community.name},
    )
    return redirect("volunteers:report_queue")


@manage_people_required
@require_POST
def report_reject_view(request, pk: int):
    report, refused = _decide(
        request,
        pk,
        lambda report: report_reject(
            report=report, by=request.user, note=request.POST.get("note", "")
        ),
    )
    if refused is not None:
        return refused
    messages.info(
        request, _("已退回%(name)s的报到申请，并告知原因。") % {"name": report.person.real_name}
    )
    return redirect("volunteers:report_queue")
