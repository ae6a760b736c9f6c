"""The organiser's side of check-in: who may open it, the rotating QR screen and its PNG,
and the scanner."""

import datetime
import io
import re

import pytest
import time_machine
import zxingcpp
from django.utils import timezone
from PIL import Image

from core.tokens import Purpose, make_token
from volunteers import personal_codes
from volunteers.models import Activity, Attendance, ScanAttempt
from volunteers.services.checkin import scan_activity_code

from ..clock import next_noon

Reason = ScanAttempt.Reason
NOON = next_noon()
JSON = {"HTTP_ACCEPT": "application/json"}


# Every test here, fixtures included, runs at NOON: the leader's role, the people and the
# activities all begin there, and no test can straddle a midnight or a rotation of the QR.
pytestmark = pytest.mark.time_machine(NOON, tick=False)


def text(response) -> str:
    return response.content.decode()


def token_in(url: str) -> str:
    match = re.fullmatch(r"http://testserver/c/(.+)", url)
    assert match, url
    return match.group(1)


# --- Who may see the organiser pages -------------------------------------------------------

ORGANISER_PAGES = [
    "/activities/{pk}/checkin/",
    "/activities/{pk}/checkin/?mode=out",
    "/activities/{pk}/scan/",
    "/activities/{pk}/attendance/",
]
ORGANISER_FILES = [
    "/activities/{pk}/checkin/current.json",
    "/activities/{pk}/qr.png",
    "/activities/{pk}/attendance.xlsx",
]


@pytest.mark.parametrize("path", ORGANISER_PAGES + ORGANISER_FILES)
def test_organiser_pages_refuse_a_volunteer_and_a_leader_of_another_community(
    path, client, activity, volunteer, person_with_role, town
):
    url = path.format(pk=activity.pk)
    client.force_login(volunteer.user)
    refused = client.get(url)
    assert refused.status_code == 403
    assert "组织者" in text(refused)
    client.force_login(person_with_role("leader", town.qiaobei).user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("path", [*ORGANISER_PAGES, "/activities/{pk}/qr.png"])
def test_organiser_pages_send_a_visitor_to_log_in(path, client, activity):
    response = client.get(path.format(pk=activity.pk))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")


@pytest.mark.parametrize("path", ORGANISER_PAGES + ORGANISER_FILES)
def test_organiser_pages_answer_no_store(path, leader_client, activity):
    response = leader_client.get(path.format(pk=activity.pk))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_activity_or_mode_is_a_chinese_4xx(leader_client, activity):
    missing = leader_client.get("/activities/999999/checkin/")
    assert missing.status_code == 404 and "没有找到这个活动" in text(missing)
    huge = leader_client.get("/activities/99999999999999999999999/checkin/")
    assert huge.status_code == 404
    bad_mode = leader_client.get(f"/activities/{activity.pk}/checkin/?mode=sideways")
    assert bad_mode.status_code == 400 and "签退（out）" in text(bad_mode)
    bad_json = leader_client.get(f"/activities/{activity.pk}/checkin/current.json?mode=x")
    assert bad_json.status_code == 400 and bad_json.json()["ok"] is False


def test_the_json_and_the_scanner_post_refuse_a_visitor_with_json(client, activity):
    assert client.get(f"/activities/{activity.pk}/checkin/current.json").status_code == 403
    response = client.post(f"/activities/{activity.pk}/scan/", {"code": "ABCDEF"}, **JSON)
    assert response.status_code == 403 and response.json()["message"] == "请先登录。"


# --- The QR screen -------------------------------------------------------------------------------


def test_the_qr_screen_shows_the_code_the_title_and_the_live_count(
    leader_client, activity, volunteer
):
    scan_activity_code(
        token=make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk), person=volunteer
    )
    response = leader_client.get(f"/activities/{activity.pk}/checkin/?mode=in")
    body = text(response)
    assert "阳关中路文明交通劝导" in body and "扫码签到" in body
    assert re.search(r"data-qr[^>]*><svg", body)
    assert re.search(r"data-count-in>1<", body) and re.search(r"data-count-out>0<", body)
    assert f"/activities/{activity.pk}/checkin/current.json?mode=in" in body
    assert "checkin-rotate.js" in body


def test_the_check_out_screen_says_check_out(leader_client, activity):
    body = text(leader_client.get(f"/activities/{activity.pk}/checkin/?mode=out"))
    assert "扫码签退" in body and "current.json?mode=out" in body


def test_the_screen_warns_when_scans_would_be_refused(leader_client, make_activity):
    start = timezone.now() + datetime.timedelta(days=2)
    later = make_activity(starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    assert "现在扫码会被拒绝" in text(leader_client.get(f"/activities/{later.pk}/checkin/"))


def test_current_json_rotates_every_thirty_seconds_and_each_code_checks_in(
    leader_client,
    client,
    activity,
    volunteer,
    make_person,
    town,
    django_assert_max_num_queries,
):
    url = f"/activities/{activity.pk}/checkin/current.json?mode=in"
    with time_machine.travel(NOON + datetime.timedelta(seconds=3), tick=False):
        with django_assert_max_num_queries(5):
            first = leader_client.get(url).json()
        same = leader_client.get(url).json()
    with time_machine.travel(NOON + datetime.timedelta(seconds=33), tick=False):
        later = leader_client.get(url).json()

    assert first["url"] == same["url"] != later["url"]
    assert first["expires_in"] == 27 and later["expires_in"] == 27
    assert first["svg"].startswith("<svg") and first["count_in"] == 0
    assert first["mode"] == "in"
    with time_machine.travel(NOON + datetime.timedelta(seconds=40), tick=False):
        for url_shown, person in ((first["url"], volunteer), (later["url"], make_person())):
            result = scan_activity_code(token=token_in(url_shown), person=person)
            assert result.created


def test_qr_png_is_the_current_code_and_decodes_to_a_working_check_in_link(
    leader_client, client, activity, volunteer
):
    shown = leader_client.get(f"/activities/{activity.pk}/checkin/current.json").json()
    response = leader_client.get(f"/activities/{activity.pk}/qr.png?mode=in")

    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert len(decoded) == 1
    url = decoded[0].text
    assert url == shown["url"]

    client.force_login(volunteer.user)
    page = client.get(url.removeprefix("http://testserver"))
    assert "签到成功" in text(page)
    assert Attendance.objects.get().person == volunteer


def test_the_check_out_png_checks_out(leader_client, client, activity, volunteer):
    scan_activity_code(
        token=make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk), person=volunteer
    )
    png = leader_client.get(f"/activities/{activity.pk}/qr.png?mode=out").content
    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text
    client.force_login(volunteer.user)
    assert "签退成功" in text(client.get(url.removeprefix("http://testserver")))


# --- The scanner ---------------------------------------------------------------------------------


def scan(client, activity, code, mode="in", **extra):
    return client.post(f"/activities/{activity.pk}/scan/?mode={mode}", {"code": code}, **extra)


def test_the_scanner_page_offers_the_camera_and_a_typed_code(leader_client, activity):
    body = text(leader_client.get(f"/activities/{activity.pk}/scan/?mode=in"))
    assert "打开摄像头" in body and 'name="code"' in body and "csrfmiddlewaretoken" in body
    assert "vendor/jsqr/jsQR.js" in body and "checkin-scanner.js" in body


def test_the_scanner_checks_in_by_qr_token_and_answers_json(leader_client, activity, volunteer):
    token, _short = personal_codes.current(volunteer.pk, at=timezone.now())
    first = scan(leader_client, activity, token, **JSON)
    with time_machine.travel(NOON + datetime.timedelta(minutes=1), tick=False):
        token, _short = personal_codes.current(volunteer.pk, at=timezone.now())
        again = scan(leader_client, activity, token, **JSON)

    assert first.status_code == 200
    assert first.json() == {
        "ok": True,
        "state": "in",
        "message": "签到成功",
        "name": "陈小燕",
        "time": "12:00",
        "count_in": 1,
        "count_out": 0,
    }
    assert again.json()["message"] == "已于 12:00 签到" and again.json()["state"] == "already_in"
    attendance = Attendance.objects.get()
    assert attendance.check_in_method == "personal_code"
    assert attendance.recorded_by.person.real_name == "王队长"


def test_the_scanner_checks_out_with_the_minutes(leader_client, activity, volunteer):
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    scan(leader_client, activity, short, **JSON)
    with time_machine.travel(NOON + datetime.timedelta(minutes=50), tick=False):
        _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
        answer = scan(leader_client, activity, f" {short[:3]} {short[3:]} ", mode="out", **JSON)
    assert answer.json()["message"] == "签退成功，服务 50 分钟"
    assert answer.json()["count_out"] == 1


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        ("ZZZZZZ", 400, "签到码无效"),
        ("not-a-code", 400, "二维码无效"),
        ("", 400, "请扫描或输入签到码"),
        ("   ", 400, "请扫描或输入签到码"),
        ("签到" * 400, 400, "二维码无效"),
        ("x\x01y", 400, "二维码无效"),  # NUL: a 400 before any view (tests/test_nul_input.py)
    ],
)
def test_the_scanner_refuses_bad_codes_with_a_red_answer(
    leader_client, activity, code, status, words
):
    response = scan(leader_client, activity, code, **JSON)
    assert response.status_code == status
    assert response.json()["ok"] is False and words in response.json()["message"]
    assert not Attendance.objects.exists()


def test_the_scanner_says_an_activity_qr_is_the_wrong_kind_of_code(leader_client, activity):
    activity_qr = "http://testserver/c/" + make_token(purpose=Purpose.CHECK_IN, subject_id=1)
    answer = scan(leader_client, activity, activity_qr, **JSON)
    assert answer.status_code == 400 and "不是本操作所用的二维码" in answer.json()["message"]
    assert ScanAttempt.objects.get().reason == Reason.WRONG_PURPOSE


def test_the_scanner_names_a_volunteer_it_refuses(leader_client, make_activity, volunteer, town):
    team_only = make_activity(audience=Activity.Audience.TEAM, audience_team=town.team)
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    answer = scan(leader_client, team_only, short, **JSON)
    assert answer.status_code == 403
    assert answer.json()["name"] == "陈小燕" and "文明交通劝导队" in answer.json()["message"]


def test_without_javascript_the_typed_code_gives_a_page_with_the_banner(
    leader_client, activity, volunteer
):
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    response = scan(leader_client, activity, short)
    assert response.status_code == 200
    body = text(response)
    assert "scan-banner--ok" in body and "陈小燕" in body and "签到成功" in body
