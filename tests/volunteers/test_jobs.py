"""The background jobs, run eagerly: each does its work once, and records what it must skip."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import JobFailure
from core.sms import LocmemSMSBackend
from points.models import PointsEntry
from volunteers.models import Attendance, Method, Notification, SignUp
from volunteers.services.activities import activity_cancel
from volunteers.tasks.activities import finish_activity, finish_due_activities
from volunteers.tasks.reminders import send_activity_reminder, send_due_reminders

NOW = timezone.now


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = "core.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def signed_up(make_activity, make_person, town):
    """An activity starting in ``minutes`` with two confirmed people and one waiting."""

    def make(minutes: int, **kwargs):
        starts = NOW() + datetime.timedelta(minutes=minutes)
        activity = make_activity(
            starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), **kwargs
        )
        people = [
            make_person(real_name=f"志愿者{n}", home_grid=town.liyuan_grid1) for n in range(3)
        ]
        for person, status in zip(people, ("confirmed", "confirmed", "waitlisted"), strict=True):
            SignUp.objects.create(activity=activity, person=person, status=status)
        return activity, people

    return make


def _reminders(activity):
    return Notification.objects.filter(
        kind=Notification.Kind.REMINDER, idempotency_key__startswith=f"reminder:{activity.pk}:"
    )


# --- Reminders ---------------------------------------------------------------------------


def test_the_sweep_reminds_people_signed_up_an_hour_before_by_sms_once(
    signed_up, sms, django_capture_on_commit_callbacks
):
    activity, (a, b, _waiting) = signed_up(50, title="敬老院义务理发")

    for _run in range(2):  # the sweep runs every few minutes
        with django_capture_on_commit_callbacks(execute=True):
            send_due_reminders()

    keys = sorted(_reminders(activity).values_list("idempotency_key", flat=True))
    assert keys == sorted(f"reminder:{activity.pk}:1h:{p.pk}" for p in (a, b))
    assert sorted(m["phone"] for m in sms) == sorted([a.phone, b.phone])
    assert all("敬老院义务理发" in m["message"] for m in sms)


def test_the_day_before_reminder_is_in_app_and_by_email_not_sms(
    signed_up, sms, django_capture_on_commit_callbacks
):
    activity, _people = signed_up(20 * 60)

    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders()

    assert _reminders(activity).filter(idempotency_key__contains=":24h:").count() == 2
    assert sms == []


def test_a_reminder_task_delivered_twice_reminds_once(
    signed_up, sms, django_capture_on_commit_callbacks
):
    activity, _people = signed_up(30)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_activity_reminder(activity.pk, "1h")
        again = send_activity_reminder(activity.pk, "1h")

    assert (first, again) == (2, 0)
    assert len(sms) == 2


def test_a_cancelled_activity_gets_no_reminder_and_the_skip_is_recorded(
    signed_up, sms, django_capture_on_commit_callbacks
):
    activity, _people = signed_up(30)
    activity_cancel(activity=activity, reason="沙尘暴预警")
    sms.clear()

    assert send_activity_reminder(activity.pk, "1h") == 0
    assert send_activity_reminder(activity.pk, "1h") == 0

    assert not _reminders(activity).exists()
    skipped = JobFailure.objects.get()
    assert skipped.outcome == JobFailure.Outcome.SKIPPED
    assert skipped.error == "activity cancelled"


def test_a_deleted_activity_is_recorded_and_skipped(db):
    assert send_activity_reminder(999_999, "1h") == 0
    assert JobFailure.objects.get().key == "reminder:999999:1h:gone"


# --- Finishing and awarding --------------------------------------------------------------


@pytest.fixture
def ended(make_activity, make_person, town):
    """An activity that ended three hours ago: one attendance left open, one closed."""
    starts = NOW() - datetime.timedelta(hours=5)
    activity = make_activity(starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    people = [make_person(real_name=f"队员{n}", home_grid=town.liyuan_grid1) for n in range(2)]
    Attendance.objects.create(
        activity=activity, person=people[0], checked_in_at=starts, check_in_method=Method.MANUAL
    )
    Attendance.objects.create(
        activity=activity,
        person=people[1],
        checked_in_at=starts,
        check_in_method=Method.MANUAL,
        checked_out_at=starts + datetime.timedelta(hours=2),
        check_out_method=Method.MANUAL,
        minutes_served=120,
    )
    return activity


def test_activities_past_their_end_are_closed_awarded_and_finished_once(
    ended, django_capture_on_commit_callbacks
):
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            finish_due_activities()

    ended.refresh_from_db()
    assert ended.finished_at is not None
    open_one = Attendance.objects.get(activity=ended, check_out_method=Method.AUTOMATIC)
    assert open_one.auto_closed and open_one.finalised_at is not None
    entries = PointsEntry.objects.filter(activity=ended, kind="service")
    assert entries.count() == 2  # one per attendance, however often the job runs
    assert sorted(entries.values_list("amount", flat=True)) == [2, 2]


def test_finishing_again_after_a_crash_half_way_awards_only_the_rest(ended):
    from volunteers.services.finalise import attendances_close_due_and_finalise

    closed = Attendance.objects.get(activity=ended, checked_out_at__isnull=False)
    attendances_close_due_and_finalise(attendance=closed)  # the lost worker got this far

    assert finish_activity(ended.pk) == 1
    assert PointsEntry.objects.filter(activity=ended).count() == 2
    assert finish_activity(ended.pk) == 0  # redelivered once more: nothing


def test_a_cancelled_activity_is_not_finished_and_the_skip_is_recorded(ended):
    type(ended).objects.filter(pk=ended.pk).update(cancelled_at=NOW(), cancel_reason="测试")

    assert finish_activity(ended.pk) == 0
    assert not PointsEntry.objects.filter(activity=ended).exists()
    assert JobFailure.objects.get().key == f"finish:{ended.pk}:cancelled"


def test_an_activity_still_running_is_neither_picked_nor_awarded_early(make_activity, make_person):
    running = make_activity()
    Attendance.objects.create(
        activity=running,
        person=make_person(),
        checked_in_at=running.starts_at,
        check_in_method=Method.MANUAL,
        checked_out_at=NOW(),
        check_out_method=Method.MANUAL,
        minutes_served=10,
    )
    assert finish_due_activities() == 0
    assert finish_activity(running.pk) == 0  # queued by hand: still waits for the end
    running.refresh_from_db()
    assert running.finished_at is None
    assert not PointsEntry.objects.filter(activity=running).exists()


# --- A job that fails leaves a record -----------------------------------------------------


def test_a_job_that_fails_leaves_a_record_with_its_traceback(db, monkeypatch):
    from volunteers.tasks.activities import close_open_attendances

    def broken():
        raise ValueError("磁盘已满")

    monkeypatch.setattr("volunteers.tasks.activities.attendances_close_open", broken)
    with pytest.raises(ValueError):
        close_open_attendances.apply(throw=False).get()

    failure = JobFailure.objects.get()
    assert failure.outcome == JobFailure.Outcome.FAILED
    assert failure.task_name == "volunteers.tasks.close_open_attendances"
    assert failure.error == "ValueError: 磁盘已满"
    assert "attendances_close_open" in failure.traceback or "broken" in failure.traceback


def test_writing_jobs_ack_late_and_retry_transient_errors_with_backoff():
    from django.db import OperationalError

    from cms.tasks import draft_activity_report
    from points.tasks import expire_points
    from volunteers.tasks.exports import build_export
    from volunteers.tasks.notifications import deliver_notification

    for task in (
        finish_activity,
        send_activity_reminder,
        deliver_notification,
        build_export,
        expire_points,
        draft_activity_report,
    ):
        assert task.acks_late and task.reject_on_worker_lost, task.name
        assert OperationalError in task.autoretry_for and task.retry_backoff, task.name
        assert task.max_retries == 6


# --- In-process schedule (make run, no Redis) --------------------------------------------


def test_the_in_process_scheduler_reminds_and_finishes(
    signed_up, ended, sms, django_capture_on_commit_callbacks
):
    activity, _people = signed_up(40)

    out = StringIO()
    # Outside tests the command runs in autocommit, where on_commit work runs at once.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic_jobs", "--once", stdout=out)

    assert _reminders(activity).count() == 2 and len(sms) == 2
    ended.refresh_from_db()
    assert ended.finished_at is not None
    assert PointsEntry.objects.filter(activity=ended).count() == 2
    assert "finish-due-activities: 1" in out.getvalue()
    assert "send-due-reminders: 1" in out.getvalue()


# --- Administrators see the records --------------------------------------------------------


def test_town_admins_see_job_records_in_the_admin_and_secretaries_do_not(
    client, django_user_model, person_with_role, town, Role
):
    from core.jobs import job_skip

    job_skip("volunteers.tasks.finish_activity", "finish:1:cancelled", "activity cancelled")
    record = JobFailure.objects.get()
    url = "/admin/snippets/core/jobfailure/"

    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    listing = client.get(url)
    assert listing.status_code == 200
    assert "volunteers.tasks.finish_activity" in listing.content.decode()
    detail = client.get(f"{url}inspect/{record.pk}/")
    assert detail.status_code == 200 and "activity cancelled" in detail.content.decode()

    client.force_login(person_with_role(Role.SECRETARY, town.liyuan).user)
    assert client.get(url).status_code in (302, 403)
    assert client.get(f"{url}inspect/{record.pk}/").status_code in (302, 403)
