"""The API's 签到 operations: a volunteer scans the organiser's code (token or whole URL)
and is checked in or out exactly as by /c/<token>, refusals carry the scan's reason code
and hint, and 我的签到码 answers the rotating personal code."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.tokens import Purpose, make_token
from volunteers import personal_codes
from volunteers.models import Attendance, Method, ScanAttempt
from volunteers.services.checkin import attendance_check_in
from volunteers.services.signups import signup_create

from ..clock import next_noon

Reason = ScanAttempt.Reason
SCAN = "/api/v1/checkin/scan"
MY_CODE = "/api/v1/checkin/my-code"

# Fixtures and requests at tomorrow's noon: no test straddles a midnight or a QR rotation.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(next_noon(), tick=False)]


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)


@pytest.fixture
def activity(make_activity):
    """梨园社区's 阳关中路文明交通劝导: started ten minutes ago, for two hours."""
    return make_activity(title="阳关中路文明交通劝导")


def check_in_token(activity):
    return make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk)


def test_a_scan_checks_in_once_and_a_repeat_answers_already_in(signed_in, volunteer, activity):
    client = signed_in(volunteer.user)

    first = client.post(SCAN, {"token": check_in_token(activity)})

    assert first.status_code == 200, first.json()
    body = first.json()
    assert body["state"] == "checked_in"
    assert body["message"].startswith("签到成功")
    assert body["activity"] == {"id": activity.pk, "title": "阳关中路文明交通劝导"}
    assert body["time"].endswith("+08:00")
    assert body["outcome"] is None
    attendance = Attendance.objects.get(activity=activity, person=volunteer)
    assert attendance.check_in_method == Method.ACTIVITY_QR

    again = client.post(SCAN, {"token": check_in_token(activity)})

    assert again.status_code == 200
    assert again.json()["state"] == "already_in"
    assert again.json()["time"] == body["time"]
    assert "无需重复扫码" in again.json()["message"]
    assert Attendance.objects.filter(activity=activity).count() == 1
    reasons = list(ScanAttempt.objects.order_by("id").values_list("reason", flat=True))
    assert reasons == [Reason.OK, Reason.ALREADY]


def test_the_whole_url_inside_the_qr_is_accepted(signed_in, volunteer, activity):
    url = f"https://shazhou.example/c/{check_in_token(activity)}"
    response = signed_in(volunteer.user).post(SCAN, {"token": url})
    assert response.status_code == 200
    assert response.json()["state"] == "checked_in"


def test_check_out_tells_the_minutes_and_whether_they_count(signed_in, volunteer, activity):
    attendance_check_in(
        activity=activity,
        person=volunteer,
        method=Method.ACTIVITY_QR,
        at=timezone.now() - datetime.timedelta(minutes=5),
    )
    token = make_token(purpose=Purpose.CHECK_OUT, subject_id=activity.pk)

    response = signed_in(volunteer.user).post(SCAN, {"token": token})

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "checked_out"
    assert body["minutes_served"] == 5
    outcome = body["outcome"]
    assert outcome["minutes"] == 5
    assert outcome["counts"] is False  # 5 of 120 minutes is below the minimum share
    assert "不计入服务时长和积分" in outcome["message"]
    repeat = signed_in(volunteer.user).post(SCAN, {"token": token})
    assert repeat.json()["state"] == "already_out"


def test_a_refusal_carries_the_reason_code_and_its_hint(signed_in, volunteer, make_activity):
    must_sign_up = make_activity(
        signup_required=True, signup_closes_at=timezone.now() + datetime.timedelta(minutes=30)
    )

    response = signed_in(volunteer.user).post(SCAN, {"token": check_in_token(must_sign_up)})

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == Reason.NOT_SIGNED_UP
    assert body["message"] == "本活动须先报名，您还没有报名成功。"
    assert "报名成功后再扫码签到" in body["detail"]
    refused = ScanAttempt.objects.get()
    assert (refused.reason, refused.accepted) == (Reason.NOT_SIGNED_UP, False)
    # Once signed up, the same code checks in.
    signup_create(activity=must_sign_up, person=volunteer)
    again = signed_in(volunteer.user).post(SCAN, {"token": check_in_token(must_sign_up)})
    assert again.json()["state"] == "checked_in"


def test_outside_the_window_is_409_with_the_times(signed_in, volunteer, make_activity):
    tomorrow = make_activity(starts_at=timezone.now() + datetime.timedelta(days=1))
    response = signed_in(volunteer.user).post(SCAN, {"token": check_in_token(tomorrow)})
    assert response.status_code == 409
    assert response.json()["code"] == Reason.OUTSIDE_WINDOW
    assert "签到时间" in response.json()["message"]


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        ("not-a-token", 400, Reason.FORGED),
        ("https://shazhou.example/c/garbage", 400, Reason.FORGED),
    ],
)
def test_a_bad_code_is_400_forged(signed_in, volunteer, token, status, code):
    response = signed_in(volunteer.user).post(SCAN, {"token": token})
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_an_expired_code_is_410_and_a_personal_code_is_the_wrong_purpose(
    signed_in, volunteer, activity, time_machine
):
    old = check_in_token(activity)
    time_machine.shift(datetime.timedelta(minutes=5))
    client = signed_in(volunteer.user)
    expired = client.post(SCAN, {"token": old})
    assert (expired.status_code, expired.json()["code"]) == (410, Reason.EXPIRED)
    personal = make_token(purpose=Purpose.PERSONAL, subject_id=volunteer.pk)
    wrong = client.post(SCAN, {"token": personal})
    assert (wrong.status_code, wrong.json()["code"]) == (400, Reason.WRONG_PURPOSE)


def test_a_geofenced_activity_asks_for_the_position_then_checks_it(
    signed_in, volunteer, make_activity
):
    fenced = make_activity(
        latitude=Decimal("40.142"), longitude=Decimal("94.662"), geofence_radius_m=200
    )
    client = signed_in(volunteer.user)
    token = check_in_token(fenced)

    asked = client.post(SCAN, {"token": token})
    assert (asked.status_code, asked.json()["code"]) == (409, "location_needed")
    assert not ScanAttempt.objects.exists()  # nothing logged, no try counted

    far = client.post(SCAN, {"token": token, "latitude": 40.152, "longitude": 94.662})
    assert (far.status_code, far.json()["code"]) == (403, Reason.OUTSIDE_GEOFENCE)
    near = client.post(SCAN, {"token": token, "latitude": 40.1425, "longitude": 94.6622})
    assert near.json()["state"] == "checked_in"


def test_bad_coordinates_are_400(signed_in, volunteer, activity):
    client = signed_in(volunteer.user)
    token = check_in_token(activity)
    for body in (
        {"token": token, "latitude": 91, "longitude": 0},
        {"token": token, "latitude": 40.1},
        {"token": ""},
    ):
        response = client.post(SCAN, body)
        assert response.status_code == 400, body
    assert not Attendance.objects.exists()


def test_scanning_needs_a_token_and_a_person(api_client, signed_in, activity, django_user_model):
    assert api_client.post(SCAN, {"token": check_in_token(activity)}).status_code == 401
    nobody = django_user_model.objects.create_user(username="no-person", password="x" * 12)
    response = signed_in(nobody).post(SCAN, {"token": check_in_token(activity)})
    assert (response.status_code, response.json()["code"]) == (403, Reason.NO_PERSON)


def test_my_code_is_the_rotating_personal_code(signed_in, volunteer):
    response = signed_in(volunteer.user).get(MY_CODE)

    assert response.status_code == 200
    body = response.json()
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    assert body["code"] == short
    assert personal_codes.resolve(body["token"], at=timezone.now()) == volunteer.pk
    assert 1 <= body["seconds_left"] <= 30
    assert body["expires_at"].endswith("+08:00")


def test_my_code_without_a_person_is_404(signed_in, django_user_model, api_client):
    nobody = django_user_model.objects.create_user(username="no-person", password="x" * 12)
    response = signed_in(nobody).get(MY_CODE)
    assert (response.status_code, response.json()["code"]) == (404, "no_person")
    assert api_client.get(MY_CODE).status_code == 401
