"""Large .xlsx exports built in the background and offered on 我的导出.

``export_job_request`` checks the permission at once (a clear refusal on the
page), records the job and queues ``build_export`` after commit. The worker
checks again when it builds (a role may have ended meanwhile) through the same
services the direct downloads use, so both produce the same file. A job
redelivered after a crash finds its status and either builds again (it was not
finished) or does nothing (it was).
"""

from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from volunteers import permissions
from volunteers.errors import DomainError
from volunteers.exports import attendance_export_filename, build_attendance_export
from volunteers.models import Activity, ExportJob, Notification, RosterImport
from volunteers.selectors import person_for_user

from .notifications import notify
from .roster import roster_export

Action = permissions.Action
Kind = ExportJob.Kind
Status = ExportJob.Status


def _check_request(by, kind: str, params: dict) -> tuple[dict, str]:
    """Clean params and a title for the job, or a DomainError saying why not."""
    if kind == Kind.ROSTER:
        roster_kind = params.get("kind") or RosterImport.Kind.VOLUNTEERS
        if roster_kind not in RosterImport.Kind.values:
            raise DomainError("bad_kind", _("未知的名册类型。"), field="kind")
        if not permissions.can_anywhere(by, Action.MANAGE_PEOPLE):
            raise DomainError("forbidden", _("您没有管理人员的权限，不能导出名册。"))
        return {"kind": roster_kind}, str(RosterImport.Kind(roster_kind).label)
    if kind == Kind.ATTENDANCE:
        try:
            activity_id = int(params.get("activity"))
        except (TypeError, ValueError):
            raise DomainError("bad_activity", _("请选择要导出的活动。"), field="activity") from None
        activity = Activity.objects.filter(pk=activity_id).first()
        if activity is None:
            raise DomainError("bad_activity", _("没有找到这个活动，可能已被删除。"))
        if not permissions.can(by, Action.CHECK_IN, activity):
            raise DomainError("forbidden", _("只有本活动的组织者可以导出签到名单。"))
        return {"activity": activity.pk}, _("签到名单：%(title)s") % {"title": activity.title}
    raise DomainError("bad_kind", _("未知的导出类型。"), field="kind")


def export_job_request(*, by, kind: str, params: dict) -> ExportJob:
    """Record an export for ``by`` and queue it; refused at once if they may not have it."""
    from volunteers.tasks import build_export

    params, title = _check_request(by, kind, params or {})
    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=by, kind=kind, params=params, title=title)
        transaction.on_commit(partial(build_export.delay, job.pk))
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
        raise DomainError("bad_activity", _("活动已被删除，无法导出。"))
    if not permissions.can(by, Action.CHECK_IN, activity):
        raise DomainError("forbidden", _("您已不是本活动的组织者，不能导出签到名单。"))
    return build_attendance_export(activity), attendance_export_filename(activity)


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build the job's file (or record why not); None when the job no longer exists."""
    from volunteers.tasks import TRANSIENT_ERRORS, job_skip

    job = ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        job_skip("volunteers.tasks.build_export", f"export:{job_id}:gone", "export job deleted")
        return None
    if job.status in (Status.DONE, Status.FAILED):
        return job  # delivered again: it was finished
    ExportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING)
    try:
        content, filename = _build(job)
    except DomainError as refusal:
        _finish(job, status=Status.FAILED, error=str(refusal.message))
        return job
    except TRANSIENT_ERRORS:
        raise  # retried with backoff; the job stays running meanwhile
    except Exception:
        _finish(job, status=Status.FAILED, error=_("生成文件时出错，请稍后重试或联系管理员。"))
        raise  # recorded as a JobFailure for the administrators
    job.file.save(filename, ContentFile(content), save=False)
    _finish(job, status=Status.DONE)
    return job


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
