"""The organiser's attendance list: who came and how, manual add and remove, and the
export."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.utils import timezone

from core.tokens import Purpose, make_token
from volunteers.models import Activity, Attendance, AuditEvent, ScanAttempt, SignUp
from volunteers.services.attendance import attendance_add_manual, attendance_remove
from volunteers.services.checkin import CheckInRefused, scan_activity_code

from ..clock import next_noon

Reason = ScanAttempt.Reason
NOON = next_noon()
TOMORROW = NOON + datetime.timedelta(days=1)


# Every test here, fixtures included, runs at NOON: the leader's role, the people and the
# activities all begin there, and no test can straddle a midnight or a rotation of the QR.
pytestmark = pytest.mark.time_machine(NOON, tick=False)


def text(response) -> str:
    return response.content.decode()


# --- The attendance list --------------------------------------------------------------------------


def test_the_attendance_list_shows_who_came_how_and_who_did_not(
    leader_client, leader, activity, volunteer, make_person
):
    no_show = make_person(real_name="李未到", phone="13900001111")
    SignUp.objects.create(activity=activity, person=no_show, status=SignUp.Status.CONFIRMED)
    SignUp.objects.create(activity=activity, person=volunteer, status=SignUp.Status.CONFIRMED)
    scan_activity_code(
        token=make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk), person=volunteer
    )
    manual = make_person(real_name="赵补录")
    attendance_add_manual(activity=activity, person=manual, reason="手机没电", by=leader)
    with pytest.raises(CheckInRefused):
        scan_activity_code(token="forged", person=make_person(real_name="孙被拒"))

    body = text(leader_client.get(f"/activities/{activity.pk}/attendance/"))

    assert "陈小燕" in body and "138****5678" in body and "13812345678" not in body
    assert "扫活动码" in body and "手工补录" in body and "赵补录" in body
    noshows = body.split('id="noshow-title"')[1].split("</section>")[0]
    assert "李未到" in noshows and "139****1111" in noshows and "陈小燕" not in noshows
    refused = body.split('id="refused-title"')[1].split("</section>")[0]
    assert "孙被拒" not in refused  # a forged code names no activity, so it is not listed here
    assert "导出 Excel" in body and f"/activities/{activity.pk}/checkin/?mode=in" in body
    assert f"/activities/{activity.pk}/scan/?mode=in" in body


def test_the_attendance_list_shows_refused_scans_with_their_reason(
    leader_client, make_activity, make_person
):
    activity = make_activity(signup_required=True)
    outsider = make_person(real_name="孙未报名")
    with pytest.raises(CheckInRefused):
        scan_activity_code(
            token=make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk), person=outsider
        )
    body = text(leader_client.get(f"/activities/{activity.pk}/attendance/"))
    refused = body.split('id="refused-title"')[1].split("</section>")[0]
    assert "孙未报名" in refused and "未报名" in refused


@pytest.mark.parametrize("attendees", [2, 12])
def test_the_attendance_list_costs_the_same_queries_for_any_number_of_people(
    leader_client, leader, activity, make_person, attendees, django_assert_max_num_queries
):
    for n in range(attendees):
        person = make_person(real_name=f"志愿者{n}")
        SignUp.objects.create(activity=activity, person=person, status=SignUp.Status.CONFIRMED)
        if n % 2:
            attendance_add_manual(activity=activity, person=person, reason="测试", by=leader)
        ScanAttempt.objects.create(
            activity=activity,
            person=person,
            purpose="in",
            method="activity_qr",
            accepted=False,
            reason=Reason.EXPIRED,
            scanned_at=timezone.now(),
        )
    # session, user, activity, roles, attendances, no-shows, refused scans, the unread badge
    with django_assert_max_num_queries(8):
        response = leader_client.get(f"/activities/{activity.pk}/attendance/")
    assert response.status_code == 200 and "志愿者1" in text(response)
    # session, user, activity, roles, then one query each
    for path in ("checkin/", "scan/", "checkin/current.json", "attendance.xlsx"):
        with django_assert_max_num_queries(5):
            assert leader_client.get(f"/activities/{activity.pk}/{path}").status_code == 200


def test_manual_add_needs_a_reason_shown_next_to_the_field(leader_client, activity, volunteer):
    response = leader_client.post(
        f"/activities/{activity.pk}/attendance/", {"who": "138 1234 5678", "reason": "  "}
    )
    assert response.status_code == 400
    field = text(response).split('for="id_reason"')[1].split("</div>")[0]
    assert "请填写原因" in field
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action="attendance.add").exists()


def test_manual_add_by_volunteer_number_is_recorded_and_audited(
    leader_client, leader, activity, volunteer
):
    response = leader_client.post(
        f"/activities/{activity.pk}/attendance/",
        {"who": volunteer.volunteer_number.lower(), "reason": "手机没电，现场核实"},
        follow=True,
    )
    assert "已为 陈小燕 补录签到" in text(response)
    attendance = Attendance.objects.get()
    assert attendance.person == volunteer and attendance.check_in_method == "manual"
    event = AuditEvent.objects.get(action="attendance.add")
    assert event.actor == leader and event.extra["reason"] == "手机没电，现场核实"


def test_manual_add_with_times_records_them(leader_client, activity, volunteer):
    start = timezone.localtime(activity.starts_at)
    with time_machine.travel(NOON + datetime.timedelta(hours=1), tick=False):
        response = leader_client.post(
            f"/activities/{activity.pk}/attendance/",
            {
                "who": "13812345678",
                "reason": "补录",
                "checked_in_at": start.strftime("%Y-%m-%dT%H:%M"),
                "checked_out_at": (start + datetime.timedelta(minutes=5)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
            },
        )
    assert response.status_code == 302
    assert Attendance.objects.get().minutes_served == 5


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"who": "13700000000", "reason": "x"}, "who", "没有找到可以补录的人员"),
        ({"who": "", "reason": "x"}, "who", "请填写手机号或志愿者编号"),
        ({"who": "13812345678", "reason": "x", "checked_in_at": "昨天"}, "checked_in_at", "请按"),
        (
            {"who": "13812345678", "reason": "x", "checked_in_at": f"{TOMORROW:%Y-%m-%dT%H:%M}"},
            "checked_in_at",
            "不能晚于现在",
        ),
    ],
)
def test_manual_add_refuses_bad_input_next_to_the_field(
    leader_client, activity, volunteer, data, field, words
):
    response = leader_client.post(f"/activities/{activity.pk}/attendance/", data)
    assert response.status_code == 400
    assert words in text(response).split(f'for="id_{field}"')[1].split("</div>")[0]
    assert not Attendance.objects.exists()


def test_manual_add_out_of_order_times_are_refused_by_the_service(
    leader_client, activity, volunteer
):
    start = timezone.localtime(activity.starts_at)
    with time_machine.travel(NOON + datetime.timedelta(hours=1), tick=False):
        response = leader_client.post(
            f"/activities/{activity.pk}/attendance/",
            {
                "who": "13812345678",
                "reason": "补录",
                "checked_in_at": (start + datetime.timedelta(minutes=30)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
                "checked_out_at": start.strftime("%Y-%m-%dT%H:%M"),
            },
        )
    assert response.status_code == 400
    field = text(response).split('for="id_checked_out_at"')[1].split("</div>")[0]
    assert "签退时间不能早于签到时间" in field


def test_manual_add_only_from_the_audience_without_naming_an_outsider(
    leader_client, make_activity, make_person, town
):
    activity = make_activity(audience=Activity.Audience.SUBTREE)
    make_person(real_name="桥北居民", phone="13700001111", home_grid=town.qiaobei_grid1)
    response = leader_client.post(
        f"/activities/{activity.pk}/attendance/", {"who": "13700001111", "reason": "路过"}
    )
    assert response.status_code == 400
    field = text(response).split('for="id_who"')[1].split("</div>")[0]
    assert "没有找到可以补录的人员" in field and "参加对象范围内" in field
    assert "桥北居民" not in text(response)  # a leader without people rights over them
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action="attendance.add").exists()


def test_manual_add_twice_says_already_checked_in(leader_client, leader, activity, volunteer):
    attendance_add_manual(activity=activity, person=volunteer, reason="补录", by=leader)
    response = leader_client.post(
        f"/activities/{activity.pk}/attendance/", {"who": "13812345678", "reason": "再补"}
    )
    assert response.status_code == 400 and "陈小燕 已于 12:00 签到" in text(response)


def test_remove_needs_a_reason_and_is_audited(leader_client, leader, activity, volunteer):
    attendance = attendance_add_manual(
        activity=activity, person=volunteer, reason="补录", by=leader
    )
    url = f"/activities/{activity.pk}/attendance/{attendance.pk}/remove/"

    blank = leader_client.post(url, {"reason": ""})
    assert blank.status_code == 400
    row = text(blank).split(f'id="attendance-{attendance.pk}"')[1].split("</li>\n")[0]
    assert "请填写原因" in row and '<details class="attendee__remove" open>' in row
    attendance.refresh_from_db()
    assert attendance.removed_at is None

    done = leader_client.post(url, {"reason": "重复登记"}, follow=True)
    assert "已撤销 陈小燕 的签到" in text(done)
    assert "已撤销" in text(done) and "重复登记" in text(done)
    attendance.refresh_from_db()
    assert attendance.removed_at is not None and attendance.removed_reason == "重复登记"
    event = AuditEvent.objects.get(action="attendance.remove")
    assert event.actor == leader and event.extra["reason"] == "重复登记"

    twice = leader_client.post(url, {"reason": "再撤"})
    assert twice.status_code == 409 and "该签到已撤销" in text(twice)


def test_remove_refuses_another_activitys_attendance(
    leader_client, leader, activity, make_activity, volunteer
):
    other = make_activity(title="另一场")
    attendance = attendance_add_manual(activity=other, person=volunteer, reason="补录", by=leader)
    response = leader_client.post(
        f"/activities/{activity.pk}/attendance/{attendance.pk}/remove/", {"reason": "x"}
    )
    assert response.status_code == 404
    attendance.refresh_from_db()
    assert attendance.removed_at is None


def test_remove_is_post_only(leader_client, leader, activity, volunteer):
    attendance = attendance_add_manual(
        activity=activity, person=volunteer, reason="补录", by=leader
    )
    response = leader_client.get(f"/activities/{activity.pk}/attendance/{attendance.pk}/remove/")
    assert response.status_code == 405


# --- The export -----------------------------------------------------------------------------------


def test_the_xlsx_export_has_the_list_columns_and_the_attendee_rows(
    leader_client, leader, activity, volunteer, make_person
):
    scan_activity_code(
        token=make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk),
        person=volunteer,
    )
    formula = make_person(real_name="=1+1")
    removed = attendance_add_manual(activity=activity, person=formula, reason="补录", by=leader)
    attendance_remove(attendance=removed, reason="误加", by=leader)

    response = leader_client.get(f"/activities/{activity.pk}/attendance.xlsx")

    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "姓名",
        "手机号",
        "志愿者编号",
        "签到时间",
        "签到方式",
        "签退时间",
        "签退方式",
        "服务时长（分钟）",
        "自动签退",
        "已撤销",
        "撤销原因",
    )
    assert rows[1][:5] == (
        "陈小燕",
        "138****5678",
        volunteer.volunteer_number,
        timezone.localtime(NOON).replace(tzinfo=None),  # Excel has no time zones: Shazhou time
        "扫活动码",
    )
    assert rows[2][0] == "'=1+1"  # quoted text, never run as a formula (volunteers.spreadsheets)
    assert rows[2][9:] == ("是", "误加")
    assert len(rows) == 3
