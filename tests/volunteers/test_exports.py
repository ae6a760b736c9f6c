"""我的导出: big .xlsx built in the background, downloadable by the requester only."""

import io

import pytest
from openpyxl import load_workbook

from core.models import JobFailure
from volunteers.models import ExportJob, Notification

EXPORTS = "/me/exports/"


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记")


def test_a_roster_export_is_built_in_the_background_and_downloaded_by_its_requester(
    client, secretary, make_person, town, django_capture_on_commit_callbacks
):
    make_person(real_name="李志愿", home_grid=town.liyuan_grid1)
    client.force_login(secretary.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{EXPORTS}new/", {"export": "roster", "kind": "volunteers"}, follow=True
        )

    assert "已开始生成“志愿者名册”" in response.content.decode()
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE
    body = client.get(EXPORTS).content.decode()
    assert "已完成" in body and f"{EXPORTS}{job.pk}/download/" in body
    download = client.get(f"{EXPORTS}{job.pk}/download/")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "李志愿" in names
    assert Notification.objects.filter(
        recipient=secretary, idempotency_key=f"export:{job.pk}"
    ).exists()


def test_nobody_else_can_download_an_export(
    client, secretary, make_person, django_capture_on_commit_callbacks
):
    client.force_login(secretary.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{EXPORTS}new/", {"export": "roster", "kind": "volunteers"})
    job = ExportJob.objects.get()

    client.force_login(make_person(real_name="王路人").user)
    assert client.get(f"{EXPORTS}{job.pk}/download/").status_code == 404
    assert job.title not in client.get(EXPORTS).content.decode()
    client.logout()
    assert client.get(f"{EXPORTS}{job.pk}/download/").status_code == 302


def test_someone_without_the_right_is_refused_at_once_and_nothing_is_queued(
    client, make_person, make_activity
):
    client.force_login(make_person(real_name="王路人").user)

    roster = client.post(f"{EXPORTS}new/", {"export": "roster", "kind": "volunteers"})
    attendance = client.post(
        f"{EXPORTS}new/", {"export": "attendance", "activity": make_activity().pk}
    )
    junk = client.post(f"{EXPORTS}new/", {"export": "attendance", "activity": "abc"})

    assert roster.status_code == 403 and "没有管理人员的权限" in roster.content.decode()
    assert attendance.status_code == 403 and "组织者" in attendance.content.decode()
    assert junk.status_code == 400 and "请选择要导出的活动" in junk.content.decode()
    assert not ExportJob.objects.exists()


def test_an_attendance_export_for_the_organiser(
    client, person_with_role, town, Role, make_activity, django_capture_on_commit_callbacks
):
    leader = person_with_role(Role.SECRETARY, town.liyuan)
    activity = make_activity(title="河道清理")
    client.force_login(leader.user)
    assert "后台导出" in client.get(f"/activities/{activity.pk}/attendance/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{EXPORTS}new/", {"export": "attendance", "activity": activity.pk})

    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE and job.title == "签到名单：河道清理"
    assert job.file.name.endswith(".xlsx")


def test_a_role_lost_before_the_worker_runs_fails_the_job_with_the_reason(
    client, secretary, django_capture_on_commit_callbacks
):
    from volunteers.services.exports import export_job_request
    from volunteers.tasks.exports import build_export

    job = export_job_request(by=secretary.user, kind="roster", params={"kind": "volunteers"})
    secretary.memberships.all().delete()
    secretary.user.refresh_from_db()

    build_export(job.pk)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "没有管理人员的权限" in job.error
    assert build_export(job.pk) == "failed"  # delivered again: left as it is


def test_an_unexpected_error_fails_the_job_and_leaves_a_record(secretary, monkeypatch):
    from volunteers.services.exports import export_job_request
    from volunteers.tasks.exports import build_export

    job = export_job_request(by=secretary.user, kind="roster", params={"kind": "volunteers"})

    def broken(**kwargs):
        raise KeyError("column")

    monkeypatch.setattr("volunteers.services.exports.roster_export", broken)
    result = build_export.apply(args=(job.pk,), throw=False)

    assert result.failed()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "出错" in job.error
    assert JobFailure.objects.get().task_name == "volunteers.tasks.build_export"
