"""The volunteer's side of check-in, the /c/<token> landing: checking in and out, each
refusal with its page, the geofence asking the phone first, and odd input."""

import datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import ratelimit
from core.tokens import Purpose, make_token
from volunteers.models import Activity, Attendance, ScanAttempt
from volunteers.services.activities import activity_cancel
from volunteers.services.checkin import PERSON_SCAN_LIMIT

from ..clock import next_noon

Reason = ScanAttempt.Reason
NOON = next_noon()


# Every test here, fixtures included, runs at NOON unless it travels on from there.
pytestmark = pytest.mark.time_machine(NOON, tick=False)


def scan_url(activity, purpose=Purpose.CHECK_IN) -> str:
    return f"/c/{make_token(purpose=purpose, subject_id=activity.pk)}"


def text(response) -> str:
    return response.content.decode()


def local_hhmm(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def assert_no_store(response):
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def volunteer(volunteer_with_verified_phone):
    return volunteer_with_verified_phone


# --- Checking in --------------------------------------------------------------------------


def test_scanning_the_activity_qr_checks_in_and_shows_the_time(volunteer_client, make_activity):
    activity = make_activity(title="阳关中路文明交通劝导")

    response = volunteer_client.get(scan_url(activity))

    assert response.status_code == 200
    body = text(response)
    assert "签到成功" in body and "12:00" in body and "阳关中路文明交通劝导" in body
    assert_no_store(response)
    attendance = Attendance.objects.get(activity=activity)
    assert attendance.person.real_name == "陈小燕"
    assert attendance.check_in_method == "activity_qr"


def test_a_repeat_scan_shows_already_checked_in_with_the_first_time(
    volunteer_client, make_activity
):
    activity = make_activity()
    volunteer_client.get(scan_url(activity))
    with time_machine.travel(NOON + datetime.timedelta(minutes=7), tick=False):
        response = volunteer_client.get(scan_url(activity))

    body = text(response)
    assert response.status_code == 200
    assert "已签到" in body and "签到成功" not in body
    assert "您已于 12:00 签到" in body
    assert "12:07" not in body
    assert Attendance.objects.count() == 1


def test_a_first_scan_costs_seven_statements(
    volunteer_client, make_activity, django_assert_num_queries
):
    url = scan_url(make_activity())

    # user, person, the activity with the person's attendance (none), the insert in its
    # savepoint (three statements), the scan's log line
    with django_assert_num_queries(7):
        response = volunteer_client.get(url)

    assert "签到成功" in text(response)


def test_a_repeat_scan_costs_five_statements_and_no_insert_bound_to_fail(
    volunteer_client, make_activity, django_assert_num_queries
):
    url = scan_url(make_activity())
    volunteer_client.get(url)

    # user, person, the activity with the person's attendance, that attendance, the log
    # line: no savepoint, no insert to roll back, no second read of the activity
    with django_assert_num_queries(5):
        response = volunteer_client.get(url)

    assert "您已于 12:00 签到" in text(response)
    assert ScanAttempt.objects.filter(reason=Reason.ALREADY).count() == 1


def test_scanning_the_check_out_code_shows_the_minutes_served(volunteer_client, make_activity):
    activity = make_activity()  # started at 11:50
    volunteer_client.get(scan_url(activity))
    with time_machine.travel(NOON + datetime.timedelta(minutes=45), tick=False):
        response = volunteer_client.get(scan_url(activity, Purpose.CHECK_OUT))

    body = text(response)
    assert "签退成功" in body and "12:45" in body and "本次服务 45 分钟" in body
    assert Attendance.objects.get().minutes_served == 45


# --- Every refusal reaches its Chinese page with its status --------------------------------


def _expired(volunteer_client, make_activity, **_):
    activity = make_activity()
    url = scan_url(activity)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        return volunteer_client.get(url)


def _forged(volunteer_client, make_activity, **_):
    activity = make_activity()
    token = make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk)
    return volunteer_client.get("/c/" + token.replace(f"in.{activity.pk}", f"in.{activity.pk}9"))


def _wrong_purpose(volunteer_client, make_activity, **_):
    activity = make_activity()
    return volunteer_client.get(scan_url(activity, Purpose.PERSONAL))


def _outside_window(volunteer_client, make_activity, **_):
    start = timezone.now() + datetime.timedelta(hours=3)
    activity = make_activity(starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    return volunteer_client.get(scan_url(activity))


def _not_in_audience(volunteer_client, make_activity, town, **_):
    activity = make_activity(organisation=town.qiaobei, audience=Activity.Audience.SUBTREE)
    return volunteer_client.get(scan_url(activity))


def _not_signed_up(volunteer_client, make_activity, **_):
    activity = make_activity(signup_required=True)
    return volunteer_client.get(scan_url(activity))


def _outside_geofence(volunteer_client, make_activity, **_):
    activity = make_activity(
        latitude=Decimal("40.142"), longitude=Decimal("94.662"), geofence_radius_m=200
    )
    url = scan_url(activity)
    volunteer_client.get(url)  # the page that asks for the location
    return volunteer_client.post(url, {"latitude": "40.152", "longitude": "94.662"})


def _cancelled(volunteer_client, make_activity, **_):
    activity = make_activity()
    activity_cancel(activity=activity, reason="大风天气")
    return volunteer_client.get(scan_url(activity))


def _rate_limited(volunteer_client, make_activity, volunteer, **_):
    activity = make_activity()
    limit, window = PERSON_SCAN_LIMIT
    for _ in range(limit):
        ratelimit.hit(f"scan:person:{volunteer.pk}", limit=limit, window_seconds=window)
    return volunteer_client.get(scan_url(activity))


@pytest.mark.parametrize(
    ("scenario", "reason", "status", "words"),
    [
        (_expired, Reason.EXPIRED, 410, ["二维码已过期", "最新的二维码"]),
        (_forged, Reason.FORGED, 400, ["二维码无效", "可能已被修改"]),
        (_wrong_purpose, Reason.WRONG_PURPOSE, 400, ["二维码用途不符"]),
        (_outside_window, Reason.OUTSIDE_WINDOW, 409, ["不在签到时间内", "签到时间："]),
        (_not_in_audience, Reason.NOT_IN_AUDIENCE, 403, ["本活动仅限桥北社区的成员参加"]),
        (_not_signed_up, Reason.NOT_SIGNED_UP, 403, ["未报名", "去报名"]),
        (_outside_geofence, Reason.OUTSIDE_GEOFENCE, 403, ["不在活动地点范围内", "我的签到码"]),
        (_cancelled, Reason.CANCELLED, 409, ["活动已取消"]),
        (_rate_limited, Reason.RATE_LIMITED, 429, ["操作太频繁", "稍等一分钟"]),
    ],
    ids=lambda value: getattr(value, "__name__", None) if callable(value) else None,
)
def test_every_refusal_has_its_chinese_page_and_status(
    scenario, reason, status, words, volunteer_client, make_activity, volunteer, town
):
    response = scenario(
        volunteer_client=volunteer_client,
        make_activity=make_activity,
        volunteer=volunteer,
        town=town,
    )

    assert response.status_code == status
    body = text(response)
    assert "签到未成功" in body
    for word in words:
        assert word in body
    assert_no_store(response)
    assert not Attendance.objects.exists()
    assert ScanAttempt.objects.filter(reason=reason, accepted=False).exists()


def test_a_refused_check_out_says_check_out(volunteer_client, make_activity):
    activity = make_activity()
    response = volunteer_client.get(scan_url(activity, Purpose.CHECK_OUT))
    assert response.status_code == 409
    assert "签退未成功" in text(response) and "还没有签到" in text(response)


def test_an_account_without_a_person_is_told_what_to_do(client, django_user_model, make_activity):
    client.force_login(django_user_model.objects.create_user(username="operator"))
    response = client.get(scan_url(make_activity()))
    assert response.status_code == 403
    assert "还没有登记人员信息" in text(response)


# --- The geofence asks the phone first ---------------------------------------------------


def test_a_geofenced_activity_asks_for_the_location_then_checks_in_at_the_scan_time(
    volunteer_client, make_activity
):
    activity = make_activity(
        latitude=Decimal("40.142"), longitude=Decimal("94.662"), geofence_radius_m=200
    )
    url = scan_url(activity)
    ask = volunteer_client.get(url)
    assert ask.status_code == 200
    assert "正在确认您在活动现场" in text(ask)
    assert 'name="csrfmiddlewaretoken"' in text(ask)
    assert "checkin-locate.js" in text(ask)
    assert not Attendance.objects.exists()

    # The phone took two minutes to find itself: longer than the code lives.
    with time_machine.travel(NOON + datetime.timedelta(minutes=2), tick=False):
        response = volunteer_client.post(url, {"latitude": "40.1425", "longitude": "94.6622"})

    assert response.status_code == 200
    assert "签到成功" in text(response) and "12:00" in text(response)
    assert Attendance.objects.get().checked_in_at == NOON


def test_asking_for_the_location_writes_nothing_to_the_scan_log(volunteer_client, make_activity):
    activity = make_activity(
        latitude=Decimal("40.142"), longitude=Decimal("94.662"), geofence_radius_m=200
    )
    ask = volunteer_client.get(scan_url(activity))
    assert "正在确认您在活动现场" in text(ask)
    # Only the answer (the POST with a position, or its refusal) is a scan to log.
    assert not ScanAttempt.objects.exists()


def test_a_geofenced_scan_outside_the_window_is_refused_before_asking_the_phone(
    volunteer_client, make_activity
):
    later = timezone.now() + datetime.timedelta(days=2)
    activity = make_activity(
        latitude=Decimal("40.142"),
        longitude=Decimal("94.662"),
        geofence_radius_m=200,
        starts_at=later,
    )
    response = volunteer_client.get(scan_url(activity))
    # Asking for a position would be wasted: the scan is refused whatever it says.
    assert response.status_code == 409
    assert "正在确认您在活动现场" not in text(response)
    assert ScanAttempt.objects.get().reason == Reason.OUTSIDE_WINDOW


def test_a_repeat_scan_at_a_geofenced_activity_answers_at_once(volunteer_client, make_activity):
    activity = make_activity(
        latitude=Decimal("40.142"), longitude=Decimal("94.662"), geofence_radius_m=200
    )
    url = scan_url(activity)
    volunteer_client.post(url, {"latitude": "40.1425", "longitude": "94.6622"})
    response = volunteer_client.get(scan_url(activity))
    assert "已签到" in text(response)


@pytest.mark.parametrize(
    "position",
    [{}, {"latitude": "nan", "longitude": "inf"}, {"latitude": "北纬", "longitude": "1e999"}],
)
def test_junk_coordinates_are_refused_as_outside_the_geofence(
    volunteer_client, make_activity, position
):
    activity = make_activity(
        latitude=Decimal("40.142"), longitude=Decimal("94.662"), geofence_radius_m=200
    )
    response = volunteer_client.post(scan_url(activity), position)
    assert response.status_code == 403
    assert "允许获取位置" in text(response)


# --- No input gives a 500 ---------------------------------------------------------------------

_path_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=400)


@pytest.mark.parametrize("logged_in", [False, True])
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=_path_text)
def test_no_path_text_gives_a_server_error(raw, logged_in, client, volunteer, make_activity):
    if logged_in:
        client.force_login(volunteer.user)
    response = client.get("/c/" + quote(raw, safe=""))
    assert 400 <= response.status_code < 500, (raw, response.status_code)
    assert "美丽沙州" in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/c/",
        "/c/" + "A" * 5000,
        "/c/签到码",
        "/c/in.1:abc:%01",  # NUL is refused before any view: tests/test_nul_input.py
        "/c/in.1%0a:abc",
        "/c/../../etc/passwd",
        "/c/%F0%9F%98%80",
        "/c/%ff%fe",
    ],
)
def test_odd_paths_get_a_chinese_refusal(volunteer_client, path):
    response = volunteer_client.get(path)
    assert 400 <= response.status_code < 500
    assert "二维码" in text(response)


def test_a_nul_in_the_user_agent_is_no_trouble(volunteer_client, make_activity):
    response = volunteer_client.get(scan_url(make_activity()), HTTP_USER_AGENT="x\x00y")
    assert response.status_code == 200
    assert ScanAttempt.objects.get().user_agent == "xy"
