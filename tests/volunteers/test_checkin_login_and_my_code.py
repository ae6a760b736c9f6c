"""The volunteer's side of check-in: a scan made before logging in (or signing up) is
honoured at its own time, and 我的签到码."""

import datetime
import re
from urllib.parse import quote

import pytest
import time_machine
from django.utils import timezone

from core.tokens import TOKEN_LIFE_SECONDS
from volunteers import personal_codes
from volunteers.models import Attendance, ScanAttempt, SignUp

from ..clock import next_noon
from .test_checkin_landing import assert_no_store, scan_url

Reason = ScanAttempt.Reason
LOGIN_URL = "/accounts/login/"
NOON = next_noon()


# Every test here, fixtures included, runs at NOON unless it travels on from there.
pytestmark = pytest.mark.time_machine(NOON, tick=False)


@pytest.fixture
def volunteer(volunteer_with_verified_phone):
    return volunteer_with_verified_phone


def text(response) -> str:
    return response.content.decode()


# --- Logging in first ---------------------------------------------------------------------


def test_an_anonymous_scan_is_honoured_after_login_at_the_original_time(
    client, volunteer, make_activity
):
    activity = make_activity()
    url = scan_url(activity)
    first = client.get(url)
    assert first.status_code == 302
    assert first.url == f"{LOGIN_URL}?next={quote(url, safe='/')}"
    assert not ScanAttempt.objects.exists()

    # Finding the password took three minutes: twice the code's life.
    later = NOON + datetime.timedelta(seconds=2 * TOKEN_LIFE_SECONDS)
    with time_machine.travel(later, tick=False):
        login = client.post(
            LOGIN_URL, {"login": "13812345678", "password": "shazhou2026", "next": url}
        )
        assert login.status_code == 302 and login.url == url
        response = client.get(login.url)

    assert response.status_code == 200
    assert "签到成功" in text(response) and "12:00" in text(response)
    attendance = Attendance.objects.get()
    assert attendance.checked_in_at == NOON and attendance.person == volunteer


def test_someone_new_signs_up_and_is_checked_in_at_the_scan_time(client, make_activity):
    from django.test import override_settings

    from core.sms import LocmemSMSBackend

    activity = make_activity()
    url = scan_url(activity)
    client.get(url)
    LocmemSMSBackend.outbox.clear()
    # Signing up and waiting for the SMS took four minutes.
    with (
        time_machine.travel(NOON + datetime.timedelta(minutes=4), tick=False),
        override_settings(SMS_BACKEND="core.sms.LocmemSMSBackend"),
    ):
        signed_up = client.post(
            f"/accounts/signup/?next={quote(url)}",
            {
                "real_name": "李桂兰",
                "phone": "13912345678",
                "password1": "Shazhou-2026!",
                "password2": "Shazhou-2026!",
                "username": "",
                "email": "",
                "next": url,
            },
        )
        assert signed_up.status_code == 302
        code = re.search(r"验证码 (\d{6})", LocmemSMSBackend.outbox[-1]["message"]).group(1)
        response = client.post(signed_up.url, {"code": code}, follow=True)
    LocmemSMSBackend.outbox.clear()

    assert response.redirect_chain[-1][0] == url
    assert "签到成功" in text(response) and "12:00" in text(response)
    attendance = Attendance.objects.get()
    assert attendance.person.real_name == "李桂兰" and attendance.checked_in_at == NOON


def test_the_login_page_says_the_scan_time_is_kept(client, make_activity):
    response = client.get(scan_url(make_activity()), follow=True)
    assert "登录后将自动完成签到" in text(response)


def test_without_a_remembered_scan_a_late_login_finds_the_code_expired(
    client, volunteer, make_activity
):
    url = scan_url(make_activity())
    with time_machine.travel(NOON + datetime.timedelta(minutes=3), tick=False):
        client.force_login(volunteer.user)
        response = client.get(url)
    assert response.status_code == 410
    assert not Attendance.objects.exists()


def test_a_remembered_scan_is_used_only_for_its_own_code(client, volunteer, make_activity):
    activity = make_activity()
    client.get(scan_url(activity))  # remembered at 12:00
    with time_machine.travel(NOON + datetime.timedelta(minutes=1), tick=False):
        client.force_login(volunteer.user)
        fresh = scan_url(activity)
        response = client.get(fresh)
    assert "签到成功" in text(response) and "12:01" in text(response)


def test_an_anonymous_junk_code_is_refused_without_asking_to_log_in(client, db):
    response = client.get("/c/not-a-real-code")
    assert response.status_code == 400
    assert "二维码无效" in text(response)
    assert ScanAttempt.objects.get().reason == Reason.FORGED


# --- 我的签到码 -------------------------------------------------------------------------------


def shown_code(response) -> str:
    match = re.search(r"data-code>([A-Z0-9]{6})<", text(response))
    assert match, "no short code on the page"
    return match.group(1)


def test_my_code_page_shows_a_qr_and_the_short_code(volunteer_client, volunteer):
    response = volunteer_client.get("/me/code/")
    assert response.status_code == 200
    body = text(response)
    assert "我的签到码" in body and "陈小燕" in body
    assert re.search(r"data-qr[^>]*><svg", body)
    code = shown_code(response)
    assert personal_codes.resolve(code, at=timezone.now()) == volunteer.pk
    assert_no_store(response)


def test_my_code_json_gives_the_same_short_code_within_a_rotation_and_a_new_one_after(
    volunteer_client,
):
    first = volunteer_client.get("/me/code.json").json()
    again = volunteer_client.get("/me/code.json").json()
    with time_machine.travel(NOON + datetime.timedelta(seconds=30), tick=False):
        later = volunteer_client.get("/me/code.json").json()
    assert first["ok"] and first["svg"].startswith("<svg")
    assert first["code"] == again["code"] != later["code"]
    assert first["expires_in"] == 30


def test_my_code_needs_a_login(client, db):
    assert client.get("/me/code/").url.startswith(LOGIN_URL)
    assert client.get("/me/code.json").status_code == 403


def test_an_account_without_a_person_is_told_why_there_is_no_code(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="operator"))
    response = client.get("/me/code/")
    assert "还没有关联志愿者信息" in text(response) and "data-qr" not in text(response)
    assert client.get("/me/code.json").status_code == 404


def test_the_code_on_my_page_is_accepted_by_the_organisers_scanner(
    client, volunteer, make_activity, person_with_role, town
):
    activity = make_activity()
    client.force_login(volunteer.user)
    code = shown_code(client.get("/me/code/"))

    client.force_login(person_with_role("leader", town.liyuan).user)
    response = client.post(
        f"/activities/{activity.pk}/scan/?mode=in",
        {"code": code.lower()},
        HTTP_ACCEPT="application/json",
    )

    answer = response.json()
    assert answer["ok"] and answer["name"] == "陈小燕" and answer["message"] == "签到成功"
    assert Attendance.objects.get().check_in_method == "personal_code"


def test_signed_up_volunteers_can_check_in_where_sign_up_is_required(
    volunteer_client, volunteer, make_activity
):
    activity = make_activity(signup_required=True)
    SignUp.objects.create(activity=activity, person=volunteer, status=SignUp.Status.CONFIRMED)
    assert "签到成功" in text(volunteer_client.get(scan_url(activity)))
