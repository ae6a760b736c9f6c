"""Large .xlsx exports built in the background and offered on 我的导出.

``export_job_request`` checks the permission at once (a clear refusal on the
page), records the job and queues ``build_export`` after commit. The worker
checks again when it builds (a role may have ended meanwhile) through the same
services the direct downloads use, so both produce the same file. A job
redelivered after a crash finds its status and either builds again (it was not
finished) or does nothing (it was).

A file is written under a temporary name and renamed into place, so a crash
mid-write never leaves half a file under a job's name. ``exports_expire``
(a daily job) deletes files past ``settings.EXPORT_RETENTION_DAYS`` and marks
their jobs expired, and sweeps away anything a killed worker left.
"""

import contextlib
import datetime
import os
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, Forbidden, Gone, Invalid
from core.jobs import TRANSIENT_ERRORS, job_skip, queue_after_commit
from volunteers import permissions
from volunteers.attendance_sheet import attendance_export_filename, build_attendance_export
from volunteers.models import Activity, ExportJob, Notification, RosterImport, User
from volunteers.models.notifications import PrivateStorage, private_storage
from volunteers.selectors import person_for_user
from volunteers.services.notifications import notify
from volunteers.services.roster import roster_export

Action = permissions.Action
Kind = ExportJob.Kind
Status = ExportJob.Status

EXPORTS_DIR = "exports"
PARTIAL_DIR = f"{EXPORTS_DIR}/.partial"
RETENTION_DAYS = 7  # settings.EXPORT_RETENTION_DAYS overrides
# A partial file this old belongs to no running job (the longest export takes minutes):
# its worker was killed mid-write.
PARTIAL_MAX_AGE = datetime.timedelta(days=1)


def _check_request(by: User, kind: str, params: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Clean params and a title for the job, or a DomainError saying why not."""
    if kind == Kind.ROSTER:
        roster_kind = params.get("kind") or RosterImport.Kind.VOLUNTEERS
        if roster_kind not in RosterImport.Kind.values:
            raise Invalid("bad_kind", _("未知的名册类型。"), field="kind")
        if not permissions.can_anywhere(by, Action.MANAGE_PEOPLE):
            raise Forbidden("forbidden", _("您没有管理人员的权限，不能导出名册。"))
        return {"kind": roster_kind}, str(RosterImport.Kind(roster_kind).label)
    if kind == Kind.ATTENDANCE:
        try:
            activity_id = int(params.get("activity", ""))  # missing: ValueError, below
        except (TypeError, ValueError):
            raise Invalid("bad_activity", _("请选择要导出的活动。"), field="activity") from None
        activity = Activity.objects.filter(pk=activity_id).first()
        if activity is None:
            raise Invalid("bad_activity", _("没有找到这个活动，可能已被删除。"))
        if not permissions.can(by, Action.CHECK_IN, activity):
            raise Forbidden("forbidden", _("只有本活动的组织者可以导出签到名单。"))
        return {"activity": activity.pk}, _("签到名单：%(title)s") % {"title": activity.title}
    raise Invalid("bad_kind", _("未知的导出类型。"), field="kind")


def export_job_request(*, by: User, kind: str, params: dict[str, Any]) -> ExportJob:
    """Record an export for ``by`` and queue it; refused at once if they may not have it."""

    params, title = _check_request(by, kind, params or {})
    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=by, kind=kind, params=params, title=title)
        # Queue away: too big to build in the request, so failed at once (the view says so)
        # rather than listed on 我的导出 as queued for a job that will never run.
        queue_after_commit(
            "volunteers.tasks.build_export",
            job.pk,
            robust=False,
            if_unqueued=partial(
                _finish,
                job,
                status=Status.FAILED,
                error=_("后台任务队列暂时不可用，导出没有开始，请稍后重新导出。"),
            ),
        )
    return job


def _build(job: ExportJob) -> tuple[bytes, str]:
    by = job.requested_by
    stamp = timezone.localdate().strftime("%Y%m%d")
    if job.kind == Kind.ROSTER:
        kind = job.params.get("kind", RosterImport.Kind.VOLUNTEERS)
        content = roster_export(by=by, kind=kind)  # checks and audits, like the download
        return content, f"{RosterImport.Kind(kind).label}-{stamp}.xlsx"
    activity = Activity.objects.filter(pk=job.params.get("activity")).first()
    if activity is None:
        raise Gone("bad_activity", _("活动已被删除，无法导出。"))
    if not permissions.can(by, Action.CHECK_IN, activity):
        raise Forbidden("forbidden", _("您已不是本活动的组织者，不能导出签到名单。"))
    return build_attendance_export(activity), attendance_export_filename(activity)


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build the job's file (or record why not); None when the job no longer exists."""

    job = ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        job_skip("volunteers.tasks.build_export", f"export:{job_id}:gone", "export job deleted")
        return None
    if job.status in (Status.DONE, Status.FAILED, Status.EXPIRED):
        return job  # delivered again: it was finished
    ExportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING)
    try:
        content, filename = _build(job)
        job.file.name = _store(job, filename, content)
    except DomainError as refusal:
        _finish(job, status=Status.FAILED, error=str(refusal.message))
        return job
    except TRANSIENT_ERRORS:
        raise  # retried with backoff; the job stays running meanwhile
    except Exception:
        _finish(job, status=Status.FAILED, error=_("生成文件时出错，请稍后重试或联系管理员。"))
        raise  # recorded as a JobFailure for the administrators
    try:
        _finish(job, status=Status.DONE)
    except BaseException:
        job.file.storage.delete(job.file.name)  # not recorded, so not kept: the retry rebuilds
        raise
    return job


def _store(job: ExportJob, filename: str, content: bytes) -> str:
    """Write the job's file whole under a temporary name, then rename it into place."""
    storage = job.file.storage
    field = job.file.field
    name = storage.get_available_name(
        field.generate_filename(job, filename), max_length=field.max_length
    )
    partial_name = f"{PARTIAL_DIR}/{uuid.uuid4().hex}.part"
    try:
        partial_name = storage.save(partial_name, ContentFile(content))
        with open(storage.path(partial_name), "rb") as written:
            os.fsync(written.fileno())  # on disk before it takes its real name
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(storage.path(partial_name), target)  # atomic on one filesystem
    except BaseException:
        storage.delete(partial_name)
        raise
    return name


def _finish(job: ExportJob, *, status: str, error: str = "") -> None:
    job.status = status
    job.error = error[:300]
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "error", "finished_at", "file"])
        person = person_for_user(job.requested_by)
        if person is not None:
            done = status == Status.DONE
            notify(
                person=person,
                kind=Notification.Kind.EXPORT,
                key=f"export:{job.pk}",
                title=(_("导出完成：%(title)s") if done else _("导出失败：%(title)s"))
                % {"title": job.title},
                body=_("文件已生成，请在“我的导出”中下载。") if done else job.error,
                url=reverse("volunteers:my_exports"),
                channels=(),  # in-app only: the file is behind a login anyway
            )


def export_retention() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "EXPORT_RETENTION_DAYS", RETENTION_DAYS))


def exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete files past the retention period, marking their jobs expired; how many jobs."""
    now = now or timezone.now()
    cutoff = now - export_retention()
    storage = private_storage()
    expired = 0
    due = ExportJob.objects.filter(status=Status.DONE, finished_at__lt=cutoff).order_by("pk")
    for pk in due.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().filter(pk=pk, status=Status.DONE).first()
            if job is None:
                continue  # expired meanwhile by another run
            name = job.file.name
            ExportJob.objects.filter(pk=pk).update(status=Status.EXPIRED, file="")
        # After the row lets go of it; a crash in between leaves a stray the sweep removes.
        if name:
            storage.delete(name)
        expired += 1
    _sweep_strays(storage)
    return expired


def _storage_now(root: Path) -> float:
    """The time on the storage's own clock: a file's age is read against it, not this
    host's clock, which shared storage (NFS) need not keep, nor a test run that moves it."""
    probe = root / f".now.{uuid.uuid4().hex}"
    probe.touch()
    try:
        return probe.stat().st_mtime
    finally:
        probe.unlink(missing_ok=True)


def _sweep_strays(storage: PrivateStorage) -> None:
    """Files no job names (a killed worker's partial file, a file whose row was never
    saved) once they are old enough not to be an export in progress; then empty folders."""
    root = Path(storage.path(EXPORTS_DIR))
    if not root.is_dir():
        return
    location = Path(storage.location)
    named = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
    storage_now = _storage_now(root)
    partial_cutoff = storage_now - PARTIAL_MAX_AGE.total_seconds()
    stray_cutoff = storage_now - export_retention().total_seconds()
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(location).as_posix()
        if name in named:
            continue
        limit = partial_cutoff if name.startswith(f"{PARTIAL_DIR}/") else stray_cutoff
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
    # Deepest first; a folder touched lately may be about to receive a file: left alone.
    folders = sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
    for folder in folders:
        with contextlib.suppress(OSError):  # not empty, or gone: either is fine
            if folder.stat().st_mtime < partial_cutoff:
                folder.rmdir()
