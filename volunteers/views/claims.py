"""双项认领卡 (/me/claims/): a party member's claims of a quarter, reporting one done,
withdrawing one, and the card as an A4 PDF.

Thin on purpose: what the card holds and counts is ``selectors.claims.claim_card``'s
answer; every write is ``services.needs``. Someone else's claim is a 404, never a hint
that it exists. A ``?quarter=`` that cannot be read shows this quarter and says so; the
PDF, which someone is about to print and hand over, refuses it with a 400 instead of
printing a quarter that was not asked for.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.downloads import file_response
from core.errors import Conflict, DomainError, Forbidden, Invalid, Unavailable
from core.pdf import CjkFontMissing
from core.quarters import Quarter
from core.refusals import refusal_response
from volunteers import selectors
from volunteers.claim_card_pdf import claim_card_pdf
from volunteers.models import Claim, Person
from volunteers.selectors.claims import claim_card, claim_of, claim_place, claim_title
from volunteers.services.needs import claim_report, claim_withdraw

CARD_TEMPLATE = "volunteers/claims/card.html"
REPORT_TEMPLATE = "volunteers/claims/report.html"
# The card's person facts, read with the person in one query.
PERSON_RELATED = ("party_branch", "employer_unit", "reported_community")


# ---------------------------------------------------------------- the quarter asked for


def _quarter_asked(query: QueryDict) -> tuple[Quarter, bool]:
    """(the quarter, whether ``?quarter=`` was given but could not be used).

    Junk, and quarters still to come (nothing to show yet), read as this quarter.
    """
    current = Quarter.current()
    key = query.get("quarter", "")
    if not key:
        return current, False
    try:
        quarter = Quarter.parse(key)
    except ValueError:
        return current, True
    if quarter > current:
        return current, True
    return quarter, False


def _card_url(quarter: Quarter | None = None) -> str:
    url = reverse("volunteers:my_claims")
    return f"{url}?quarter={quarter.key}" if quarter is not None else url


def _no_person(request: HttpRequest) -> HttpResponse:
    refused = Forbidden(
        "no_person",
        _("您的账号还没有关联人员信息，没有双项认领卡。请联系所在社区的工作人员为账号关联信息。"),
    )
    return refusal_response(request, refused, title=_("账号未关联人员信息"))


# ---------------------------------------------------------------- the card


def _card_page(
    request: HttpRequest,
    person: Person,
    quarter: Quarter,
    *,
    ignored: bool = False,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    current = Quarter.current()
    return render(
        request,
        CARD_TEMPLATE,
        {
            "person": person,
            "card": claim_card(person, quarter),
            "quarter": quarter,
            "is_current": quarter == current,
            "previous_url": _card_url(quarter.previous),
            "next_url": _card_url(quarter.next) if quarter < current else "",
            "current_url": _card_url(),
            "pdf_url": f"{reverse('volunteers:claim_card_pdf')}?quarter={quarter.key}",
            "ignored": ignored,
            "error": error,
        },
        status=status,
    )


@never_cache  # residents' phones and addresses: not for a shared phone's back button
@login_required
@require_GET
def my_claims(request: HttpRequest) -> HttpResponse:
    """The card of ``?quarter=`` (default this one), with what is still to do on top."""
    person = selectors.person_for_user(request.user, *PERSON_RELATED)
    if person is None:
        return _no_person(request)
    quarter, ignored = _quarter_asked(request.GET)
    return _card_page(request, person, quarter, ignored=ignored)


@never_cache
@login_required
@require_GET
def claim_card_pdf_view(request: HttpRequest) -> HttpResponse:
    """The card as an A4 PDF to stamp; a quarter that cannot be read is a 400."""
    person = selectors.person_for_user(request.user, *PERSON_RELATED)
    if person is None:
        return _no_person(request)
    quarter, ignored = _quarter_asked(request.GET)
    if ignored:
        bad = Invalid(
            "quarter_invalid",
            _("季度应写成年份加季度，例如 %(example)s，且不能晚于本季度。")
            % {"example": Quarter.current().key},
        )
        return refusal_response(request, bad, title=_("季度有误"))
    try:
        content = claim_card_pdf(claim_card(person, quarter))
    except CjkFontMissing as exc:
        no_font = Unavailable("font_missing", str(exc))
        return refusal_response(request, no_font, title=_("暂时无法生成认领卡"))
    filename = _("双项认领卡-%(quarter)s-%(name)s.pdf") % {
        "quarter": quarter.key,
        "name": person.real_name,
    }
    return file_response(content, filename, content_type="application/pdf")


# ---------------------------------------------------------------- reporting a claim done


class ClaimReportForm(forms.Form):
    """What the claimant says about the service; the rules (ranges, plain text, a real
    image) are ``claim_report``'s, so the form only turns the fields into values."""

    served_on = forms.DateField(
        label=gettext_lazy("服务日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("请填写服务日期。"),
            "invalid": gettext_lazy("请填写正确的日期，例如 2026-10-05。"),
        },
    )
    hours = forms.IntegerField(
        label=gettext_lazy("小时"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 24}),
        error_messages={
            "invalid": gettext_lazy("小时数请填写整数。"),
            "min_value": gettext_lazy("服务时长不能是负数。"),
        },
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("分钟"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 1440}),
        error_messages={
            "invalid": gettext_lazy("分钟数请填写整数。"),
            "min_value": gettext_lazy("服务时长不能是负数。"),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("完成情况"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 300}),
        help_text=gettext_lazy("做了什么、需求人是否满意，300 字以内。"),
    )
    photo = forms.FileField(
        label=gettext_lazy("照片（可选）"),
        required=False,
        # No ``capture``: it would open the camera only, and a photo taken during the
        # service is usually in the album by the time the report is written.
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text=gettext_lazy("拍照或从相册选择，JPG 或 PNG，不超过 5 MB。"),
    )

    def __init__(self, *args, claim: Claim, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        served_on = self.fields["served_on"]
        served_on.initial = today
        served_on.widget.attrs.update(
            {"min": timezone.localdate(claim.claimed_at).isoformat(), "max": today.isoformat()}
        )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        hours, minutes = cleaned.get("hours"), cleaned.get("minutes")
        if "hours" in self.errors or "minutes" in self.errors:
            return cleaned
        if hours is None and minutes is None:
            self.add_error("minutes", _("请填写服务时长。"))
            return cleaned
        cleaned["total_minutes"] = (hours or 0) * 60 + (minutes or 0)
        return cleaned


def _own_claim(request: HttpRequest, pk: int) -> tuple[Person, Claim]:
    person = selectors.person_for_user(request.user, *PERSON_RELATED)
    claim = claim_of(person, pk)
    if person is None or claim is None:
        raise Http404(_("没有找到这条认领记录。"))
    return person, claim


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def claim_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    """提交完成情况: date, duration, what was done, an optional photo."""
    person, claim = _own_claim(request, pk)
    if claim.status != Claim.Status.CLAIMED:
        done = Conflict(
            "claim_not_open",
            _("这条认领当前为“%(status)s”，不需要再提交完成情况。")
            % {"status": claim.get_status_display()},
        )
        return refusal_response(request, done, title=_("无需提交"))
    status = 200
    if request.method == "POST":
        form = ClaimReportForm(request.POST, request.FILES, claim=claim)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim_report(
                    claim=claim,
                    person=person,
                    minutes=data["total_minutes"],
                    served_on=data["served_on"],
                    note=data["note"],
                    photo=data["photo"],
                )
            except DomainError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, str(error.message))
                status = error.status
            else:
                messages.success(request, _("已提交，等待网格员或需求人确认。"))
                return redirect(_card_url())
        else:
            status = 400
    else:
        form = ClaimReportForm(claim=claim)
    return render(
        request,
        REPORT_TEMPLATE,
        {
            "claim": claim,
            "need": claim.need,
            "title": claim_title(claim),
            "place": claim_place(claim),
            "form": form,
        },
        status=status,
    )


# ---------------------------------------------------------------- withdrawing a claim


@never_cache
@login_required
@require_POST
def claim_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """撤回认领: the place goes back to the need (the card's button asks to confirm)."""
    person, claim = _own_claim(request, pk)
    quarter, _ignored = _quarter_asked(request.POST)
    try:
        claim_withdraw(claim=claim, person=person)
    except DomainError as error:
        return _card_page(request, person, quarter, error=str(error.message), status=error.status)
    messages.success(
        request,
        _("已撤回对“%(title)s”的认领，名额已让给其他党员。") % {"title": claim_title(claim)},
    )
    return redirect(_card_url(quarter))
