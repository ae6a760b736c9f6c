"""The API's 志愿服务证明 operations: issue one, list mine, download its PDF.

As the page (``points.views.certificates``): a person issues a certificate stating their
approved service today; the PDF is for the person it is about and those who manage them,
and anyone else's id is 404. ``verify_url`` is the public check page the certificate's QR
opens (有效 / 已撤销 / 无效), which needs no sign-in.
"""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from api.auth import person
from api.errors import refusals
from api.pagination import Pages
from api.types import PathId
from core.downloads import file_response
from core.errors import Forbidden, NotFound, Unavailable
from points.certificate_pdf import CertificateFontMissing
from points.certificate_pdf import certificate_pdf as render_pdf
from points.models import Certificate
from points.services.certificates import CERTIFICATE_ACTION
from points.services.certificates import certificate_issue as issue
from volunteers import permissions
from volunteers.models import Person
from volunteers.selectors import person_for_user

router = Router(tags=["志愿服务证明"])


class YearHoursOut(Schema):
    year: str = Field(description="年度")
    hours: float = Field(description="该年度已认定的服务时长（小时，一位小数）")


class CertificateOut(Schema):
    id: int = Field(description="证明的编号（接口用）")
    number: str = Field(description="证明编号，印在证明上，如 SZC-2026-XXXXXXXX-XXXX")
    period_start: datetime.date | None = Field(description="证明所含服务的最早日期")
    period_end: datetime.date = Field(description="证明所含服务截至的日期（出具日期）")
    by_year: list[YearHoursOut] = Field(description="按年度的已认定服务时长")
    hours: float = Field(description="累计已认定服务时长（小时，一位小数）")
    minutes: int = Field(description="累计已认定服务时长（分钟）")
    issuing_organisation: str = Field(description="出具单位")
    issued_at: datetime.datetime = Field(description="出具时间")
    is_valid: bool = Field(description="是否有效；撤销后为 false")
    revoked_at: datetime.datetime | None = Field(description="撤销时间；未撤销时为空")
    pdf_url: str = Field(description="下载 PDF 的接口网址（需带访问令牌）")
    verify_url: str = Field(description="公开核验页的网址（证明上二维码打开的页面，无需登录）")

    @staticmethod
    def resolve_period_start(obj: Certificate) -> datetime.date | None:
        lines: list[dict[str, Any]] = obj.facts.get("by_activity") or []
        dates = [line["date"] for line in lines if line.get("date")]
        return datetime.date.fromisoformat(min(dates)) if dates else None

    @staticmethod
    def resolve_period_end(obj: Certificate) -> datetime.date:
        return obj.issued_on

    @staticmethod
    def resolve_by_year(obj: Certificate) -> list[dict[str, Any]]:
        return [
            {"year": str(row["year"]), "hours": round(row["minutes"] / 60, 1)}
            for row in obj.facts.get("by_year") or []
        ]

    @staticmethod
    def resolve_hours(obj: Certificate) -> float:
        return obj.total_hours

    @staticmethod
    def resolve_minutes(obj: Certificate) -> int:
        return obj.total_minutes

    @staticmethod
    def resolve_issuing_organisation(obj: Certificate) -> str:
        return str(obj.facts.get("organisation") or obj.issuing_organisation.name)

    @staticmethod
    def resolve_issued_at(obj: Certificate) -> datetime.datetime:
        return obj.created_at

    @staticmethod
    def resolve_pdf_url(obj: Certificate, context: dict) -> str:
        url = reverse("api-v1:certificate_pdf", kwargs={"id": obj.pk})
        return str(context["request"].build_absolute_uri(url))

    @staticmethod
    def resolve_verify_url(obj: Certificate, context: dict) -> str:
        return verify_url(context["request"], obj)


def verify_url(request: HttpRequest, certificate: Certificate) -> str:
    """The public check page, as the certificate's QR (and the page's 核验页 link) opens it."""
    return request.build_absolute_uri(
        reverse("points:certificate_verify", args=[certificate.number])
    )


def _person(request: HttpRequest) -> Person:
    found = person_for_user(request.user)
    if found is None:
        raise Forbidden(
            "no_person",
            _("您的账号还没有关联志愿者信息，不能开具证明。请联系所在社区的工作人员。"),
        )
    return found


@router.post(
    "",
    auth=person,
    response={200: CertificateOut, **refusals(403, 409)},
    summary="开具志愿服务记录证明",
)
def certificate_issue(request: HttpRequest) -> Certificate:
    """为本人开具一份新的志愿服务记录证明，写明截至今天已认定的服务时长（按年度和按活动）。

    与网页的“开具新的证明”相同，无需请求体。还没有已认定的服务时长答 409 `no_service`；
    账号没有关联志愿者信息答 403 `no_person`。
    """
    return issue(person=_person(request), by=request.user)


@router.get(
    "",
    auth=person,
    response={200: list[CertificateOut], **refusals(403)},
    summary="我的志愿服务记录证明",
)
@paginate(Pages)
def certificates_list(request: HttpRequest) -> QuerySet[Certificate]:
    """本人已开具的证明，最新的在前：编号、时长、是否有效、PDF 和核验页的网址。"""
    return (
        Certificate.objects.filter(person=_person(request))
        .select_related("issuing_organisation")
        .order_by("-created_at", "-id")
    )


@router.get(
    "/{id}/pdf",
    auth=person,
    response=refusals(404, 503),
    summary="下载证明 PDF",
    openapi_extra={
        "responses": {
            200: {
                "description": "证明的 PDF 文件",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def certificate_pdf(request: HttpRequest, id: PathId) -> HttpResponse:
    """证明的 PDF（A4，带核验二维码），给证明上的本人和管理本人的书记（管理员）。

    别人的证明答 404。服务器缺少中文字体时答 503 `font_missing`。
    """
    certificate = (
        Certificate.objects.select_related("person", "issuing_organisation").filter(pk=id).first()
    )
    if certificate is None or not (
        certificate.person.user_id == request.user.pk
        or permissions.can(request.user, CERTIFICATE_ACTION, certificate.person)
    ):
        raise NotFound("not_found", _("找不到这份证明。"))
    try:
        content = render_pdf(certificate, verify_url=verify_url(request, certificate))
    except CertificateFontMissing as exc:
        raise Unavailable("font_missing", str(exc)) from None
    filename = _("志愿服务记录证明-%(number)s.pdf") % {"number": certificate.number}
    return file_response(content, filename, content_type="application/pdf")
