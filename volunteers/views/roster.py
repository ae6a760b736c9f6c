"""Roster pages: upload, preview, confirm or discard, done; the template and the export.

Thin on purpose: parsing and checking live in ``roster``, every write in
``services.roster``; these views turn their answers and refusals into pages.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.downloads import xlsx_response
from core.errors import DomainError, Invalid
from core.refusals import refusal_response
from core.spreadsheets import XLSX_CONTENT_TYPE
from volunteers import permissions, roster
from volunteers.decorators import allowed_somewhere
from volunteers.models import Person, RosterImport
from volunteers.services.roster import (
    roster_export,
    roster_import_confirm,
    roster_import_discard,
    roster_import_preview,
)

Action = permissions.Action
Kind = RosterImport.Kind
GOOD_ROWS_SHOWN = 500


class RosterUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("名册类型"),
        choices=Kind.choices,
        initial=Kind.VOLUNTEERS,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择名册类型。"),
            "invalid_choice": gettext_lazy("请选择名册类型。"),
        },
    )
    file = forms.FileField(
        label=gettext_lazy("名册文件"),
        widget=forms.FileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
        error_messages={
            "required": gettext_lazy("请选择要上传的名册文件（.xlsx）。"),
            "empty": gettext_lazy("上传的文件是空的。"),
            "invalid": gettext_lazy("没有收到文件，请重新选择后上传。"),
            "missing": gettext_lazy("没有收到文件，请重新选择后上传。"),
        },
    )


manage_people_required = allowed_somewhere(
    Action.MANAGE_PEOPLE,
    message=gettext_lazy(
        "导入和导出名册需要社区、网格或党组织书记（管理员）的权限。如需开通，请联系所在社区。"
    ),
)


def _own_import(request, pk: int) -> RosterImport:
    # Someone else's upload is not theirs to see: answer as if it did not exist.
    return get_object_or_404(RosterImport, pk=pk, uploaded_by=request.user)


def _kind_or_error(request):
    kind = request.GET.get("kind", Kind.VOLUNTEERS)
    if kind in Kind.values:
        return kind, None
    bad_kind = Invalid(
        "bad_kind", _("名册类型只能是志愿者名册或党员名册，请从导入页面的链接下载。")
    )
    return None, refusal_response(request, bad_kind, title=_("名册类型有误"), links="back")


@manage_people_required
@require_http_methods(["GET", "POST"])
def roster_upload(request):
    status = 200
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                roster_import = roster_import_preview(
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            else:
                return redirect("volunteers:roster_preview", pk=roster_import.pk)
        else:
            status = 400
    else:
        form = RosterUploadForm()
    recent = RosterImport.objects.filter(uploaded_by=request.user).only(
        "pk", "kind", "file_name", "status", "good_count", "bad_count", "created_at"
    )[:10]
    return render(
        request,
        "volunteers/roster_upload.html",
        {"form": form, "recent": recent, "max_rows": roster.MAX_ROWS},
        status=status,
    )


def _preview(request, roster_import: RosterImport, *, error: str = "", status: int = 200):
    labels = dict(Person.PoliticalStatus.choices)
    good_rows = [
        {**row, "political_status_label": labels.get(row["political_status"], "")}
        for row in roster_import.good_rows[:GOOD_ROWS_SHOWN]
    ]
    return render(
        request,
        "volunteers/roster_preview.html",
        {
            "roster_import": roster_import,
            "good_rows": good_rows,
            "good_rows_hidden": max(0, roster_import.good_count - GOOD_ROWS_SHOWN),
            "is_party_roster": roster_import.kind == Kind.PARTY_MEMBERS,
            "error": error,
        },
        status=status,
    )


@manage_people_required
@require_GET
def roster_preview(request, pk: int):
    return _preview(request, _own_import(request, pk))


@manage_people_required
@require_POST
def roster_confirm(request, pk: int):
    roster_import = _own_import(request, pk)
    try:
        roster_import_confirm(roster_import=roster_import, by=request.user)
    except DomainError as exc:
        roster_import.refresh_from_db()
        return _preview(
            request,
            roster_import,
            error=exc.message,
            status=exc.status,
        )
    return redirect("volunteers:roster_done", pk=roster_import.pk)


@manage_people_required
@require_POST
def roster_discard(request, pk: int):
    roster_import = _own_import(request, pk)
    try:
        roster_import_discard(roster_import=roster_import, by=request.user)
    except DomainError as exc:
        roster_import.refresh_from_db()
        return _preview(request, roster_import, error=exc.message, status=exc.status)
    messages.info(
        request, _("已放弃导入“%(name)s”，没有写入任何人员。") % {"name": roster_import.file_name}
    )
    return redirect("volunteers:roster_upload")


@manage_people_required
@require_GET
def roster_done(request, pk: int):
    roster_import = _own_import(request, pk)
    if roster_import.status != RosterImport.Status.IMPORTED:
        return redirect("volunteers:roster_preview", pk=roster_import.pk)
    preview_url = reverse("volunteers:roster_preview", args=[roster_import.pk])
    return render(
        request,
        "volunteers/roster_done.html",
        {"roster_import": roster_import, "preview_url": preview_url},
    )


@manage_people_required
@require_GET
def roster_template(request):
    kind, error = _kind_or_error(request)
    if error:
        return error
    organisations = roster.lookup_organisations(request.user).order_by("path")[:5000]
    content = roster.build_template(kind=kind, organisations=organisations)
    return xlsx_response(content, f"{Kind(kind).label}模板.xlsx")


@manage_people_required
@require_GET
def roster_export_download(request):
    kind, error = _kind_or_error(request)
    if error:
        return error
    content = roster_export(by=request.user, kind=kind)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(content, f"{Kind(kind).label}-{stamp}.xlsx")
