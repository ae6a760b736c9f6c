"""志愿服务记录证明 through the API: issue one, list mine with its PDF and check-page links,
download the PDF; anyone else's certificate is 404, as on the page."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from points.certificate_pdf import _resolve
from points.models import Certificate
from points.services import points_award_for_attendance
from points.services.certificates import certificate_issue, certificate_revoke
from volunteers.models import Attendance, Method

from ..clock import shazhou_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_noon():
    """Service is booked by day and year: run from noon so no test straddles a midnight."""
    with time_machine.travel(shazhou_at(hour=12), tick=True):
        yield


@pytest.fixture
def served(make_person, make_activity, town):
    """李志愿 of 梨园社区 with two approved services yesterday: 2 h and 1.5 h."""
    person = make_person(real_name="李志愿", home_grid=town.liyuan_grid1)
    starts = timezone.now() - datetime.timedelta(days=1)
    for title, minutes in (("文明交通劝导", 120), ("敬老院探访", 90)):
        activity = make_activity(
            title=title, starts_at=starts, ends_at=starts + datetime.timedelta(minutes=minutes)
        )
        attendance = Attendance.objects.create(
            activity=activity,
            person=person,
            checked_in_at=starts,
            check_in_method=Method.MANUAL,
            checked_out_at=starts + datetime.timedelta(minutes=minutes),
            check_out_method=Method.MANUAL,
            minutes_served=minutes,
        )
        points_award_for_attendance(attendance=attendance)
    return person


def test_issuing_states_my_hours_and_links_the_pdf_and_the_check_page(signed_in, served):
    client = signed_in(served.user)

    response = client.post("/api/v1/certificates")

    assert response.status_code == 200
    body = response.json()
    certificate = Certificate.objects.get(person=served)
    assert body["id"] == certificate.pk and body["number"] == certificate.number
    assert body["minutes"] == 210 and body["hours"] == 3.5
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert body["period_start"] == yesterday.isoformat()
    assert body["period_end"] == timezone.localdate().isoformat()
    assert body["by_year"] == [{"year": str(yesterday.year), "hours": 3.5}]
    assert body["issuing_organisation"] == "梨园社区"
    assert body["is_valid"] is True and body["revoked_at"] is None
    assert body["issued_at"].endswith("+08:00")
    assert body["pdf_url"] == f"http://testserver/api/v1/certificates/{certificate.pk}/pdf"
    assert body["verify_url"] == f"http://testserver/certificates/{certificate.number}/"
    assert client.get(body["verify_url"]).status_code == 200  # public: no sign-in


def test_a_retried_issue_with_the_same_key_issues_once(signed_in, served):
    client = signed_in(served.user)
    first = client.post("/api/v1/certificates", HTTP_IDEMPOTENCY_KEY="issue-1")
    again = client.post("/api/v1/certificates", HTTP_IDEMPOTENCY_KEY="issue-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Certificate.objects.filter(person=served).count() == 1


def test_no_approved_service_is_409(signed_in, make_person, town):
    newcomer = make_person(real_name="新人", home_grid=town.liyuan_grid1)
    response = signed_in(newcomer.user).post("/api/v1/certificates")
    assert response.status_code == 409
    assert response.json()["code"] == "no_service"
    assert "服务时长" in response.json()["message"]
    assert not Certificate.objects.exists()


def test_an_account_without_a_person_is_403(signed_in, django_user_model):
    nobody = django_user_model.objects.create_user(username="ops", password="shazhou2026")
    client = signed_in(nobody)
    for response in (client.post("/api/v1/certificates"), client.get("/api/v1/certificates")):
        assert response.status_code == 403
        assert response.json()["code"] == "no_person"


def test_the_list_is_mine_newest_first_and_shows_revocation(
    signed_in, served, make_person, person_with_role, Role, town
):
    older = certificate_issue(person=served, by=served.user)
    newer = certificate_issue(person=served, by=served.user)
    secretary = person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记").user
    certificate_revoke(certificate=older, by=secretary, reason="信息有误")
    someone = make_person(real_name="王五", home_grid=town.liyuan_grid2)

    body = signed_in(served.user).get("/api/v1/certificates").json()

    assert body["count"] == 2
    assert [item["number"] for item in body["items"]] == [newer.number, older.number]
    assert body["items"][0]["is_valid"] is True
    assert body["items"][1]["is_valid"] is False and body["items"][1]["revoked_at"]
    assert signed_in(someone.user).get("/api/v1/certificates").json()["count"] == 0


@pytest.mark.cjk_font
def test_the_pdf_is_a_pdf_for_me(signed_in, served):
    client = signed_in(served.user)
    pdf_url = client.post("/api/v1/certificates").json()["pdf_url"]

    response = client.get(pdf_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert ".pdf" in response["Content-Disposition"]


def test_another_persons_certificate_pdf_is_404(signed_in, served, make_person, town):
    certificate = certificate_issue(person=served, by=served.user)
    stranger = make_person(real_name="孙桥北", home_grid=town.qiaobei_grid1)

    response = signed_in(stranger.user).get(f"/api/v1/certificates/{certificate.pk}/pdf")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    unknown = signed_in(served.user).get("/api/v1/certificates/999999/pdf")
    assert unknown.status_code == 404


def test_a_missing_font_is_503_font_missing(signed_in, served, settings):
    certificate = certificate_issue(person=served, by=served.user)
    settings.CERTIFICATE_FONT = "/nonexistent/font.otf"
    _resolve.cache_clear()
    try:
        response = signed_in(served.user).get(f"/api/v1/certificates/{certificate.pk}/pdf")
    finally:
        _resolve.cache_clear()
    assert response.status_code == 503
    assert response.json()["code"] == "font_missing"


def test_certificates_need_a_token(api_client):
    assert api_client.get("/api/v1/certificates").status_code == 401
    assert api_client.post("/api/v1/certificates").status_code == 401
    assert api_client.get("/api/v1/certificates/1/pdf").status_code == 401
