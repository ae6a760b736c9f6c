"""志愿服务记录证明 pages: the person's certificates and PDF, the public check page, revocation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.downloads import file_response
from core.errors import DomainError, Forbidden, NotFound, Unavailable
from core.masking import mask_name, mask_volunteer_number
from core.refusals import refusal_response
from points.certificate_pdf import CertificateFontMissing, certificate_pdf
from points.models import Certificate
from points.services.certificates import (
    CERTIFICATE_ACTION,
    certificate_issue,
    certificate_lookup,
    certificate_revoke,
    service_facts,
)
from volunteers import permissions
from volunteers.selectors import person_for_user


def verify_url(request, certificate: Certificate) -> str:
    return request.build_absolute_uri(
        reverse("points:certificate_verify", args=[certificate.number])
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_certificates(request):
    """The person's certificates, and a button to issue one stating their hours today."""
    person = person_for_user(request.user)
    if person is None:
        no_person = Forbidden(
            "no_person",
            _("您的账号还没有关联志愿者信息，不能开具证明。请联系所在社区的工作人员。"),
        )
        return refusal_response(request, no_person, title=_("账号未关联人员信息"))
    error, status = "", 200
    if request.method == "POST":
        try:
            certificate = certificate_issue(person=person, by=request.user)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(
                request,
                _("已开具志愿服务记录证明，编号 %(number)s。") % {"number": certificate.number},
            )
            return redirect("points:my_certificates")
    service = service_facts(person)
    return render(
        request,
        "points/my_certificates.html",
        {
            "person": person,
            "certificates": list(person.certificates.select_related("issuing_organisation")),
            "total_hours": round(service["total_minutes"] / 60, 1),
            "by_year": [
                {"year": row["year"], "hours": round(row["minutes"] / 60, 1)}
                for row in service["by_year"]
            ],
            "error": error,
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def certificate_download(request, number: str):
    """The PDF, for the person it is about or those who manage them."""
    certificate = certificate_lookup(number)
    if certificate is None or not (
        certificate.person.user_id == request.user.pk
        or permissions.can(request.user, CERTIFICATE_ACTION, certificate.person)
    ):
        missing = NotFound("not_found", _("找不到这份证明。"))
        return refusal_response(request, missing, title=_("证明无效"))
    try:
        content = certificate_pdf(certificate, verify_url=verify_url(request, certificate))
    except CertificateFontMissing as exc:
        no_font = Unavailable("font_missing", str(exc))
        return refusal_response(request, no_font, title=_("暂时无法生成证明"))
    filename = _("志愿服务记录证明-%(number)s.pdf") % {"number": certificate.number}
    return file_response(content, filename, content_type="application/pdf")


def _verify_page(request, number: str, *, error: str = "", status: int | None = None):
    certificate = certificate_lookup(number)
    if certificate is None:
        # Altered, made up or never issued: the same answer for all three.
        return render(
            request, "points/certificate_verify.html", {"number": number[:64]}, status=404
        )
    facts = certificate.facts
    can_revoke = certificate.is_valid and permissions.can(
        request.user, CERTIFICATE_ACTION, certificate.person
    )
    return render(
        request,
        "points/certificate_verify.html",
        {
            "number": certificate.number,
            "certificate": certificate,
            "name": mask_name(facts["name"]),
            "id_number": facts.get("id_number_masked", ""),
            "volunteer_number": mask_volunteer_number(facts["volunteer_number"]),
            "by_year": [
                {"year": row["year"], "hours": round(row["minutes"] / 60, 1)}
                for row in facts["by_year"]
            ],
            "activity_count": len(facts["by_activity"]),
            "can_revoke": can_revoke,
            "error": error,
        },
        status=status or 200,
    )


@never_cache
@require_GET
def certificate_verify(request, number: str):
    """Public: anyone holding the paper scans its QR and sees 有效, 已撤销 or 无效."""
    return _verify_page(request, number)


@never_cache
@login_required
@require_POST
def certificate_revoke_view(request, number: str):
    certificate = certificate_lookup(number)
    if certificate is None:
        return _verify_page(request, number)
    try:
        certificate_revoke(
            certificate=certificate, by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return _verify_page(request, number, error=exc.message, status=exc.status)
    messages.success(request, _("已撤销证明 %(number)s。") % {"number": certificate.number})
    return redirect("points:certificate_verify", number=certificate.number)
