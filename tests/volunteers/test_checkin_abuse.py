"""Check-in under probing: searching for the geofence, enumerating people by number at the
manual add, guessing six-character personal codes. Each is refused without telling the
prober what they were looking for, and each is stopped by a rate limit after a few tries.
"""

import itertools
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from core.identity import VOLUNTEER_NUMBER_ALPHABET
from core.tokens import Purpose, make_token
from volunteers import personal_codes
from volunteers.models import Activity, Attendance, AuditEvent, ScanAttempt
from volunteers.services.attendance import (
    MANUAL_LOOKUP_LIMIT,
    MANUAL_MISS_LIMIT,
    attendance_add_manual,
)
from volunteers.services.checkin import (
    GEOFENCE_TRY_LIMIT,
    ORGANISER_SCAN_LIMIT,
    TYPED_CODE_LIMITS,
    CheckInRefused,
    ScanSource,
    scan_activity_code,
    scan_personal_code,
)

from ..clock import next_noon

Reason = ScanAttempt.Reason
NOON = next_noon()
JSON = {"HTTP_ACCEPT": "application/json"}
FENCE = {"latitude": Decimal("40.142"), "longitude": Decimal("94.662"), "geofence_radius_m": 200}
FAR = ScanSource(latitude=40.152, longitude=94.662)  # ~1.1 km north of the fence's centre
NEAR = ScanSource(latitude=40.1425, longitude=94.6622)  # ~50 m away: inside

# Every test, fixtures included, runs at a standing NOON: noon is on a whole minute, ten
# minutes and hour, so every fixed window of these limits holds the whole test.
pytestmark = pytest.mark.time_machine(NOON, tick=False)


def text(response) -> str:
    return response.content.decode()


def field_errors(response, field: str) -> str:
    return text(response).split(f'for="id_{field}"')[1].split("</div>")[0]


def unused_codes(count: int) -> list[str]:
    """Six-character codes a guesser might type; none of them belongs to anyone."""
    codes = ("".join(chars) for chars in itertools.product(VOLUNTEER_NUMBER_ALPHABET, repeat=6))
    return list(itertools.islice(codes, count))


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="陈小燕", phone="13812345678", home_grid=town.liyuan_grid1)


@pytest.fixture
def outsider(make_person, town):
    """Lives in 桥北社区: outside a 梨园社区 activity's audience and outside its leader's scope."""
    return make_person(real_name="桥北居民", phone="13700001111", home_grid=town.qiaobei_grid1)


@pytest.fixture
def activity(make_activity):
    return make_activity(title="阳关中路文明交通劝导", audience=Activity.Audience.SUBTREE)


# --- (7) The geofence --------------------------------------------------------------------


def test_a_refusal_outside_the_geofence_does_not_say_how_far_away_the_phone_is(
    make_activity, volunteer
):
    activity = make_activity(**FENCE)
    with pytest.raises(CheckInRefused) as exc:
        scan_activity_code(
            token=make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk),
            person=volunteer,
            source=FAR,
        )
    assert exc.value.code == Reason.OUTSIDE_GEOFENCE
    assert "不在活动地点范围内" in exc.value.message
    assert not re.search(r"\d", exc.value.message), exc.value.message  # no distance, no radius
    assert ScanAttempt.objects.get().reason == Reason.OUTSIDE_GEOFENCE


def test_the_geofence_refusal_page_gives_a_hint_and_no_distance(client, make_activity, volunteer):
    activity = make_activity(**FENCE)
    url = f"/c/{make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk)}"
    client.force_login(volunteer.user)
    client.get(url)  # the page that asks the phone where it is
    response = client.post(url, {"latitude": "40.152", "longitude": "94.662"})

    assert response.status_code == 403
    body = text(response)
    assert "不在活动地点范围内" in body
    assert "我的签到码" in body  # the way in when the phone's position is wrong
    assert not re.search(r"\d+\s*米", body), "the page must not say a distance"
    assert not Attendance.objects.exists()


def test_a_search_for_the_geofence_is_stopped_after_a_few_positions(
    client, make_activity, volunteer
):
    activity = make_activity(**FENCE)
    url = f"/c/{make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk)}"
    client.force_login(volunteer.user)
    tries, _window = GEOFENCE_TRY_LIMIT
    # Walking a fake position towards the fence, 100 m a step from 1.1 km out.
    answers = [
        client.post(url, {"latitude": f"{40.152 - step * 0.0009:.4f}", "longitude": "94.662"})
        for step in range(tries)
    ]
    assert [a.status_code for a in answers] == [403] * tries

    # The next position is inside the fence, but it is one too many: nothing is said of it.
    stopped = client.post(url, {"latitude": "40.1425", "longitude": "94.6622"})

    assert stopped.status_code == 429
    body = text(stopped)
    assert "操作太频繁" in body and "位置" in body
    assert "签到成功" not in body and "不在活动地点范围内" not in body
    assert not Attendance.objects.exists()
    reasons = list(ScanAttempt.objects.order_by("id").values_list("reason", flat=True))
    assert reasons == [Reason.OUTSIDE_GEOFENCE] * tries + [Reason.RATE_LIMITED]


def test_the_geofence_tries_are_counted_per_person_and_activity(
    make_activity, volunteer, make_person, town
):
    activity = make_activity(**FENCE)
    token = make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk)
    tries, _window = GEOFENCE_TRY_LIMIT
    for _ in range(tries):
        with pytest.raises(CheckInRefused):
            scan_activity_code(token=token, person=volunteer, source=FAR)
    with pytest.raises(CheckInRefused) as exc:
        scan_activity_code(token=token, person=volunteer, source=NEAR)
    assert exc.value.code == Reason.RATE_LIMITED

    neighbour = make_person(real_name="李邻居", home_grid=town.liyuan_grid1)
    assert scan_activity_code(token=token, person=neighbour, source=NEAR).created
    other = make_activity(title="另一场", **FENCE)
    other_token = make_token(purpose=Purpose.CHECK_IN, subject_id=other.pk)
    assert scan_activity_code(token=other_token, person=volunteer, source=NEAR).created


# --- (8a, c) The manual add answers alike for nobody and for someone outside the audience ----


def post_manual_add(client, activity, who, reason="手机没电"):
    return client.post(f"/activities/{activity.pk}/attendance/", {"who": who, "reason": reason})


def test_manual_add_answers_the_same_for_an_unknown_number_and_someone_outside_the_audience(
    leader_client, activity, outsider
):
    unknown = post_manual_add(leader_client, activity, "13700009999")
    by_phone = post_manual_add(leader_client, activity, "13700001111")
    by_number = post_manual_add(leader_client, activity, outsider.volunteer_number)

    answers = [
        field_errors(r, "who").split('<ul class="errorlist">')[1]
        for r in (unknown, by_phone, by_number)
    ]
    assert [r.status_code for r in (unknown, by_phone, by_number)] == [400, 400, 400]
    assert "没有找到可以补录的人员" in answers[0]
    assert answers[0] == answers[1] == answers[2]
    for response in (unknown, by_phone, by_number):
        assert "桥北居民" not in text(response)
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action="attendance.add").exists()


def test_a_secretary_who_manages_the_person_is_told_who_is_outside_the_audience(
    client, person_with_role, town, activity, outsider
):
    client.force_login(person_with_role("secretary", town.town, real_name="镇书记").user)
    response = post_manual_add(client, activity, "13700001111")
    assert response.status_code == 400
    assert "桥北居民 不在本活动的参加对象范围内" in field_errors(response, "who")
    assert not Attendance.objects.exists()


def test_a_plain_leader_still_adds_someone_in_the_audience_by_name(
    leader_client, activity, volunteer
):
    response = post_manual_add(leader_client, activity, "138 1234 5678")
    assert response.status_code == 302
    assert "已为 陈小燕 补录签到" in text(leader_client.get(response.url))
    assert Attendance.objects.get().person == volunteer


def test_a_blank_reason_is_refused_before_the_number_is_looked_up(
    leader_client, activity, volunteer
):
    # Otherwise the two answers would differ, and a blank reason would probe for free.
    known = post_manual_add(leader_client, activity, "13812345678", reason=" ")
    unknown = post_manual_add(leader_client, activity, "13700009999", reason=" ")
    for response in (known, unknown):
        assert response.status_code == 400
        assert "请填写原因" in field_errors(response, "reason")
        assert "errorlist" not in field_errors(response, "who")
    assert not Attendance.objects.exists()


# --- (8b) Manual-add lookups are rate-limited per organiser -------------------------------


def test_manual_add_lookups_that_find_nobody_are_stopped_per_organiser(
    leader_client, person_with_role, client, activity, volunteer, town
):
    misses, _window = MANUAL_MISS_LIMIT
    for n in range(misses):
        assert post_manual_add(leader_client, activity, f"1370000{n:04d}").status_code == 400

    # Even a number that would be found is not looked up now.
    stopped = post_manual_add(leader_client, activity, "13812345678")

    assert stopped.status_code == 429
    assert "太频繁" in field_errors(stopped, "who") and "陈小燕" not in text(stopped)
    assert not Attendance.objects.exists()

    # Another organiser of the same activity is not held back.
    client.force_login(person_with_role("leader", town.liyuan).user)
    assert post_manual_add(client, activity, "13812345678").status_code == 302
    assert Attendance.objects.get().person == volunteer


def test_manual_add_lookups_are_stopped_after_many_even_when_they_find_someone(
    leader_client, leader, activity, volunteer
):
    attendance_add_manual(activity=activity, person=volunteer, reason="补录", by=leader)
    lookups, _window = MANUAL_LOOKUP_LIMIT
    for _ in range(lookups):
        again = post_manual_add(leader_client, activity, "13812345678")
        assert again.status_code == 400 and "已于 12:00 签到" in text(again)

    stopped = post_manual_add(leader_client, activity, "13812345678")

    assert stopped.status_code == 429 and "太频繁" in field_errors(stopped, "who")
    assert Attendance.objects.count() == 1
    assert AuditEvent.objects.filter(action="attendance.add").count() == 1


# --- (8d) Typed personal codes are rate-limited per organiser -----------------------------


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "html"])
def test_guessing_typed_codes_hits_a_429_long_before_the_150th_and_every_guess_is_logged(
    leader_client, activity, as_json
):
    url = f"/activities/{activity.pk}/scan/?mode=in"
    extra = JSON if as_json else {}
    statuses = [
        leader_client.post(url, {"code": code}, **extra).status_code for code in unused_codes(150)
    ]

    first_stop = statuses.index(429)
    assert first_stop <= 15, "guessing was stopped too late"
    assert statuses[:first_stop] == [400] * first_stop
    assert statuses[first_stop:] == [429] * (150 - first_stop)
    scans = ScanAttempt.objects.filter(activity=activity, method="personal_code")
    assert scans.count() == 150
    assert scans.filter(reason=Reason.UNKNOWN_CODE).count() == first_stop
    assert scans.filter(reason=Reason.RATE_LIMITED, accepted=False).count() == 150 - first_stop

    answer = leader_client.post(url, {"code": "ZZZZZZ"}, **extra)
    assert answer.status_code == 429
    if as_json:
        assert answer.json()["ok"] is False and "操作太频繁" in answer.json()["message"]
    else:
        assert "scan-banner--error" in text(answer) and "操作太频繁" in text(answer)


def test_a_stopped_scanner_does_not_say_whose_a_good_code_is(leader_client, activity, volunteer):
    url = f"/activities/{activity.pk}/scan/?mode=in"
    for code in unused_codes(20):
        leader_client.post(url, {"code": code}, **JSON)
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())

    answer = leader_client.post(url, {"code": short}, **JSON)

    assert answer.status_code == 429
    assert answer.json()["name"] == "" and "陈小燕" not in text(answer)
    assert not Attendance.objects.exists()


def test_typed_codes_are_limited_per_organiser(
    leader_client, client, person_with_role, activity, volunteer, town
):
    url = f"/activities/{activity.pk}/scan/?mode=in"
    for code in unused_codes(20):
        leader_client.post(url, {"code": code}, **JSON)
    client.force_login(person_with_role("leader", town.liyuan).user)
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    answer = client.post(url, {"code": short}, **JSON)
    assert answer.status_code == 200 and answer.json()["message"] == "签到成功"


def test_a_camera_at_a_busy_gate_is_not_held_to_the_typed_code_limit(
    activity, leader, make_person, town
):
    typed_limit = TYPED_CODE_LIMITS[0][0]
    people = [make_person(real_name=f"志愿者{n}", home_grid=town.liyuan_grid1) for n in range(25)]
    assert len(people) > typed_limit
    for person in people:
        token, _short = personal_codes.current(person.pk, at=timezone.now())
        result = scan_personal_code(
            activity=activity, code=token, purpose=Purpose.CHECK_IN, by=leader
        )
        assert result.created
    assert Attendance.objects.count() == 25


def test_every_scan_by_one_organiser_is_limited_in_a_minute(activity, leader, volunteer):
    limit, _window = ORGANISER_SCAN_LIMIT
    token, _short = personal_codes.current(volunteer.pk, at=timezone.now())
    for _ in range(limit):
        scan_personal_code(activity=activity, code=token, purpose=Purpose.CHECK_IN, by=leader)
    with pytest.raises(CheckInRefused) as exc:
        scan_personal_code(activity=activity, code=token, purpose=Purpose.CHECK_IN, by=leader)
    assert exc.value.code == Reason.RATE_LIMITED and "操作太频繁" in exc.value.message
    assert ScanAttempt.objects.filter(reason=Reason.RATE_LIMITED).count() == 1
