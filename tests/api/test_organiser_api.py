"""The API's 组织者 operations: today's activities, the screen's check-in token (and a
real round trip: the organiser's token, scanned by a volunteer through the API), scanning
a personal code, the attendance list, adding and withdrawing by hand; and who is refused."""

import datetime

import pytest
from django.utils import timezone

from volunteers import personal_codes
from volunteers.models import Attendance, AuditEvent, Method, ScanAttempt

from ..clock import next_noon

Reason = ScanAttempt.Reason

# Fixtures and requests at tomorrow's noon: no test straddles a midnight or a QR rotation.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(next_noon(), tick=False)]


@pytest.fixture
def leader(person_with_role, town):
    """梨园社区's team leader: runs check-in for 梨园's activities."""
    return person_with_role("leader", town.liyuan, real_name="王队长")


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="陈小燕", phone="13812345678", home_grid=town.liyuan_grid1)


@pytest.fixture
def activity(make_activity):
    """梨园社区's 阳关中路文明交通劝导: started ten minutes ago, for two hours."""
    return make_activity(title="阳关中路文明交通劝导")


def base(activity):
    return f"/api/v1/organiser/activities/{activity.pk}"


def test_today_lists_what_the_organiser_may_run_with_counts(
    signed_in, leader, volunteer, activity, make_activity, town
):
    ended = make_activity(
        title="早上的清扫", starts_at=timezone.now() - datetime.timedelta(hours=3)
    )
    make_activity(title="桥北的活动", organisation=town.qiaobei)
    make_activity(title="明天的活动", starts_at=timezone.now() + datetime.timedelta(days=1))
    client = signed_in(leader.user)
    token = client.get(f"{base(activity)}/checkin-token").json()["token"]
    signed_in(volunteer.user).post("/api/v1/checkin/scan", {"token": token})

    response = client.get("/api/v1/organiser/today")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [activity.pk, ended.pk]  # under way first
    now_running = items[0]
    assert now_running["running"] is True
    assert now_running["checkin_open"] is True
    assert now_running["checked_in_count"] == 1
    assert now_running["signed_up_count"] == 0
    assert items[1]["checkin_open"] is False
    # A volunteer runs nothing.
    assert signed_in(volunteer.user).get("/api/v1/organiser/today").json()["items"] == []


def test_round_trip_the_organisers_token_scanned_by_a_volunteer_checks_in_once(
    signed_in, leader, volunteer, activity
):
    organiser = signed_in(leader.user)
    screen = organiser.get(f"{base(activity)}/checkin-token", {"mode": "check_in"})
    assert screen.status_code == 200
    code = screen.json()
    assert code["url"] == f"http://testserver/c/{code['token']}"
    assert 1 <= code["refresh_after_seconds"] <= 30
    assert code["expires_at"].endswith("+08:00")
    assert code["notice"] == ""
    # Every screen of the activity shows the same code in one rotation.
    assert organiser.get(f"{base(activity)}/checkin-token").json()["token"] == code["token"]

    phone = signed_in(volunteer.user)
    scanned = phone.post("/api/v1/checkin/scan", {"token": code["url"]})

    assert scanned.status_code == 200
    assert scanned.json()["state"] == "checked_in"
    attendance = Attendance.objects.get(activity=activity, person=volunteer)
    assert attendance.check_in_method == Method.ACTIVITY_QR  # what the web scan makes

    repeat = phone.post("/api/v1/checkin/scan", {"token": code["token"]})

    assert repeat.json()["state"] == "already_in"
    assert Attendance.objects.filter(activity=activity).count() == 1
    assert organiser.get(f"{base(activity)}/checkin-token").json()["checked_in_count"] == 1


def test_the_check_out_token_checks_out(signed_in, leader, volunteer, activity):
    organiser = signed_in(leader.user)
    phone = signed_in(volunteer.user)
    check_in = organiser.get(f"{base(activity)}/checkin-token").json()["token"]
    phone.post("/api/v1/checkin/scan", {"token": check_in})
    check_out = organiser.get(f"{base(activity)}/checkin-token", {"mode": "check_out"}).json()
    assert check_out["mode"] == "check_out"
    assert phone.post("/api/v1/checkin/scan", {"token": check_out["token"]}).json()["state"] == (
        "checked_out"
    )


def test_the_token_of_an_activity_not_open_yet_carries_the_notice(signed_in, leader, make_activity):
    later = make_activity(starts_at=timezone.now() + datetime.timedelta(hours=5))
    body = signed_in(leader.user).get(f"{base(later)}/checkin-token").json()
    assert "现在扫码会被拒绝" in body["notice"]


@pytest.mark.parametrize(
    "path",
    ["/checkin-token", "/attendance"],
)
def test_another_communitys_organiser_and_a_volunteer_are_403(
    signed_in, person_with_role, town, volunteer, activity, path
):
    other = person_with_role("leader", town.qiaobei, real_name="桥北队长")
    for user in (other.user, volunteer.user):
        response = signed_in(user).get(base(activity) + path)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_writes_of_another_communitys_organiser_are_403_and_write_nothing(
    signed_in, person_with_role, town, volunteer, activity
):
    client = signed_in(person_with_role("leader", town.qiaobei).user)
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    scan = client.post(f"{base(activity)}/scan", {"code": short})
    add = client.post(
        f"{base(activity)}/attendance", {"phone": volunteer.phone, "reason": "手机没电"}
    )
    assert (scan.status_code, add.status_code) == (403, 403)
    assert not Attendance.objects.exists()


def test_an_unknown_activity_is_404(signed_in, leader):
    response = signed_in(leader.user).get("/api/v1/organiser/activities/999999/checkin-token")
    assert response.status_code == 404
    assert response.json()["code"] == "activity_not_found"


def test_scanning_a_typed_personal_code_checks_in_then_out(signed_in, leader, volunteer, activity):
    client = signed_in(leader.user)
    _token, short = personal_codes.current(volunteer.pk, at=timezone.now())
    typed = f" {short[:3].lower()} {short[3:]} "

    response = client.post(f"{base(activity)}/scan", {"code": typed})

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["name"], body["checked_in_count"]) == ("checked_in", "陈小燕", 1)
    attendance = Attendance.objects.get(person=volunteer)
    assert attendance.check_in_method == Method.PERSONAL_CODE
    assert attendance.recorded_by == leader.user
    out = client.post(f"{base(activity)}/scan", {"code": short, "mode": "check_out"})
    assert out.json()["state"] == "checked_out"
    assert out.json()["checked_out_count"] == 1


def test_a_wrong_personal_code_is_refused_with_its_hint(signed_in, leader, activity):
    response = signed_in(leader.user).post(f"{base(activity)}/scan", {"code": "ABCDEF"})
    assert response.status_code == 400
    assert response.json()["code"] == Reason.UNKNOWN_CODE
    assert "刷新" in response.json()["detail"]
    blank = signed_in(leader.user).post(f"{base(activity)}/scan", {"code": "   "})
    assert (blank.status_code, blank.json()["code"]) == (400, "missing_code")


def test_the_attendance_list_masks_phones_as_the_page_does(
    signed_in, leader, volunteer, make_person, town, activity
):
    client = signed_in(leader.user)
    for who in (volunteer, make_person(real_name="李淑芬", home_grid=town.liyuan_grid2)):
        client.post(f"{base(activity)}/attendance", {"phone": who.phone, "reason": "手机没电"})

    response = client.get(f"{base(activity)}/attendance")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["陈小燕", "李淑芬"]
    assert items[0]["phone"] == "138****5678"
    assert items[0]["check_in_method"] == "manual"
    assert items[0]["check_in_method_label"] == "手工补录"
    assert items[0]["removed"] is False
    found = client.get(f"{base(activity)}/attendance", {"q": "5678"}).json()["items"]
    assert [item["name"] for item in found] == ["陈小燕"]


def test_adding_by_hand_needs_a_reason_and_is_audited(signed_in, leader, volunteer, activity):
    client = signed_in(leader.user)
    url = f"{base(activity)}/attendance"

    missing = client.post(url, {"phone": volunteer.phone, "reason": "  "})
    assert (missing.status_code, missing.json()["code"]) == (400, "missing_reason")
    assert missing.json()["detail"] == {"field": "reason"}

    added = client.post(url, {"volunteer_number": volunteer.volunteer_number, "reason": "没电"})

    assert added.status_code == 200
    assert added.json()["name"] == "陈小燕"
    assert added.json()["person_id"] == volunteer.pk
    assert AuditEvent.objects.filter(action="attendance.add").count() == 1
    again = client.post(url, {"person_id": volunteer.pk, "reason": "没电"})
    assert (again.status_code, again.json()["code"]) == (400, Reason.ALREADY)


def test_adding_someone_outside_the_audience_or_nobody_gets_one_answer(
    signed_in, leader, make_person, town, activity
):
    client = signed_in(leader.user)
    url = f"{base(activity)}/attendance"
    stranger = make_person(home_grid=town.qiaobei_grid1)
    answers = []
    for body in (
        {"phone": "13999999999", "reason": "补录"},
        {"person_id": 2_000_000_000, "reason": "补录"},
    ):
        response = client.post(url, body)
        answers.append((response.status_code, response.json()["code"]))
    assert set(answers) == {(400, "person_not_found")}
    both = client.post(url, {"phone": stranger.phone, "person_id": stranger.pk, "reason": "x"})
    assert (both.status_code, both.json()["code"]) == (400, "missing_who")
    future = client.post(
        url,
        {
            "phone": stranger.phone,
            "reason": "x",
            "checked_in_at": (timezone.now() + datetime.timedelta(hours=2)).isoformat(),
        },
    )
    assert (future.status_code, future.json()["code"]) == (400, "future_time")


def test_withdrawing_a_check_in_needs_a_reason_and_happens_once(
    signed_in, leader, volunteer, activity
):
    client = signed_in(leader.user)
    added = client.post(
        f"{base(activity)}/attendance", {"phone": volunteer.phone, "reason": "补录"}
    ).json()
    url = f"{base(activity)}/attendance/{added['id']}/remove"

    missing = client.post(url, {"reason": ""})
    assert (missing.status_code, missing.json()["code"]) == (400, "missing_reason")
    removed = client.post(url, {"reason": "误录"})

    assert removed.status_code == 200
    assert removed.json()["removed"] is True
    assert removed.json()["removed_reason"] == "误录"
    assert removed.json()["name"] == "陈小燕"
    assert Attendance.objects.get(pk=added["id"]).removed_at is not None
    twice = client.post(url, {"reason": "误录"})
    assert (twice.status_code, twice.json()["code"]) == (409, "already_removed")
    elsewhere = client.post(f"{base(activity)}/attendance/999999/remove", {"reason": "x"})
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "attendance_not_found")
