import datetime
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from volunteers.models import Attendance
from volunteers.services.checkin import attendance_check_in


def test_the_in_process_scheduler_closes_attendances_left_open(make_activity, make_person, town):
    now = timezone.now()
    ended = make_activity(
        starts_at=now - datetime.timedelta(hours=4), ends_at=now - datetime.timedelta(hours=2)
    )
    running = make_activity(title="进行中")
    person = make_person(home_grid=town.liyuan_grid1)
    attendance_check_in(
        activity=ended,
        person=person,
        method="activity_qr",
        at=ended.starts_at + datetime.timedelta(minutes=5),
    )
    attendance_check_in(activity=running, person=person, method="activity_qr", at=now)

    out = StringIO()
    call_command("run_periodic_jobs", "--once", stdout=out)

    closed = Attendance.objects.get(activity=ended)
    assert closed.auto_closed and closed.checked_out_at == ended.ends_at
    assert closed.minutes_served == 115
    assert Attendance.objects.get(activity=running).checked_out_at is None
    assert "close-open-attendances: 1" in out.getvalue()
