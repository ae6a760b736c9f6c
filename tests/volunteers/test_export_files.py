"""我的导出 files on disk: written whole or not at all, and deleted after the retention period."""

import datetime
import errno
import os
import uuid

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from volunteers.models import ExportJob

EXPORTS = "/me/exports/"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.EXPORT_RETENTION_DAYS = 7
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记")


@pytest.fixture
def built(secretary, make_person, town):
    """A finished roster export of the secretary's, its file on disk."""
    from volunteers.services.exports import export_job_request
    from volunteers.tasks.exports import build_export

    make_person(real_name="李志愿", home_grid=town.liyuan_grid1)

    def build() -> ExportJob:
        job = export_job_request(by=secretary.user, kind="roster", params={"kind": "volunteers"})
        build_export(job.pk)
        job.refresh_from_db()
        assert job.status == ExportJob.Status.DONE
        return job

    return build


def files_under(root) -> list[str]:
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def age(path, days: float) -> None:
    # From the file's own time: the storage's clock, which a moved test clock does not move.
    then = os.stat(path).st_mtime - days * 86400
    os.utime(path, (then, then))


def finished_days_ago(job: ExportJob, days: int) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=days)
    )
    age(job.file.path, days)


def test_a_crash_mid_write_leaves_no_file_behind(secretary, private_root, monkeypatch, built):
    from volunteers.services.exports import export_job_request
    from volunteers.tasks.exports import build_export

    job = export_job_request(by=secretary.user, kind="roster", params={"kind": "volunteers"})

    def disk_full_half_way(self, chunk_size=None):
        self.seek(0)
        data = self.read()
        yield data[: len(data) // 2]
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(ContentFile, "chunks", disk_full_half_way)
        result = build_export.apply(args=(job.pk,), throw=False)

    assert result.failed()
    assert files_under(private_root) == []
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "出错" in job.error
    assert not job.file

    done = built()  # the next export is written whole, under its own name only
    assert files_under(private_root) == [done.file.name]


def test_the_cleanup_deletes_old_exports_and_what_crashes_left_and_keeps_the_rest(
    built, private_root
):
    from volunteers.tasks.exports import expire_old_exports

    old, new = built(), built()
    finished_days_ago(old, 8)
    stray = private_root / "exports" / uuid.uuid4().hex / "名册.xlsx"  # a job's lost file
    dead_partial = private_root / "exports" / ".partial" / f"{uuid.uuid4().hex}.part"
    live_partial = private_root / "exports" / ".partial" / f"{uuid.uuid4().hex}.part"
    for path in (stray, dead_partial, live_partial):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PK")
    age(stray, 8)
    age(dead_partial, 2)  # its worker died two days ago; the other is being written now

    assert expire_old_exports() == 1

    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == ExportJob.Status.EXPIRED and not old.file
    assert new.status == ExportJob.Status.DONE
    assert files_under(private_root) == sorted(
        [new.file.name, live_partial.relative_to(private_root).as_posix()]
    )
    assert expire_old_exports() == 0  # run again: nothing more to do
    assert files_under(private_root) == sorted(
        [new.file.name, live_partial.relative_to(private_root).as_posix()]
    )


def test_the_retention_period_is_a_setting(built, settings):
    from volunteers.tasks.exports import expire_old_exports

    job = built()
    finished_days_ago(job, 3)
    assert expire_old_exports() == 0
    settings.EXPORT_RETENTION_DAYS = 2
    assert expire_old_exports() == 1


def test_asking_for_an_expired_export_says_so_in_chinese(client, secretary, built):
    from volunteers.tasks.exports import expire_old_exports

    job = built()
    finished_days_ago(job, 8)
    expire_old_exports()
    client.force_login(secretary.user)

    response = client.get(f"{EXPORTS}{job.pk}/download/")

    assert response.status_code == 410
    body = response.content.decode()
    assert "导出文件已过期" in body and "7 天" in body and "重新导出" in body
    listing = client.get(EXPORTS).content.decode()
    assert "已过期" in listing and "只保留 7 天，已删除；如需要请重新导出" in listing
    assert f"{EXPORTS}{job.pk}/download/" not in listing


def test_a_file_gone_from_disk_is_answered_like_an_expired_one(client, secretary, built):
    job = built()
    os.remove(job.file.path)
    client.force_login(secretary.user)

    response = client.get(f"{EXPORTS}{job.pk}/download/")

    assert response.status_code == 410
    assert "重新导出" in response.content.decode()
