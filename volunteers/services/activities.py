"""Creating, cancelling and finishing activities.

Editors normally write activities in the Wagtail admin (draft, preview, publish,
revisions); these services are what code, the demo seed and tests use, and they
own the state changes the admin does not: cancelling and finishing.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from volunteers import permissions
from volunteers.jobs import queue_after_commit
from volunteers.models import Activity, ActivityCategory, Organisation
from volunteers.services.audit import audit_record


def _require_publisher(by, organisation: Organisation) -> None:
    if by is not None and not permissions.can(by, permissions.Action.PUBLISH, organisation):
        raise DomainError("forbidden", _("您无权为该组织发布活动。"))


@transaction.atomic
def activity_create(
    *,
    organisation: Organisation,
    title: str,
    category: ActivityCategory,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    address: str,
    by=None,
    publish: bool = True,
    **fields,
) -> Activity:
    """Create an activity for ``organisation``; ``by=None`` means the system itself."""
    _require_publisher(by, organisation)
    activity = Activity(
        organisation=organisation,
        title=title,
        category=category,
        starts_at=starts_at,
        ends_at=ends_at,
        address=address,
        created_by=by,
        live=False,
        **fields,
    )
    try:
        activity.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError("invalid", messages[0], field=field) from None
    if activity.ends_at <= activity.starts_at:
        raise DomainError("bad_times", _("结束时间必须晚于开始时间。"), field="ends_at")
    activity.save()
    if publish:
        revision = activity.save_revision(user=by if by is not None else None)
        revision.publish(user=by, log_action=True)
        activity.refresh_from_db()
    return activity


@transaction.atomic
def activity_cancel(*, activity: Activity, reason: str, by=None) -> Activity:
    """Cancel (not unpublish): everyone signed up is told."""
    _require_publisher(by, activity.organisation)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("missing_reason", _("请填写取消原因。"), field="reason")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.cancelled_at:
        raise DomainError("already_cancelled", _("活动已经取消。"))
    if activity.finished_at:
        raise DomainError("already_finished", _("活动已结束，不能取消。"))
    activity.cancelled_at = timezone.now()
    activity.cancel_reason = reason[:200]
    activity.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
    audit_record(
        actor=by,
        action="activity.cancel",
        target=activity,
        organisation=activity.organisation,
        activity_id=activity.pk,
        reason=reason,
    )
    # Everyone signed up or waiting is told by SMS, once the cancellation is committed.
    # Queue away, the in-app notices are written here (a few rows a person), the texts
    # wait in 后台任务记录, and the organiser is asked to phone people.
    queue_after_commit(
        "volunteers.tasks.notify_activity_cancelled",
        activity.pk,
        run_here=True,
        tell=_("后台任务队列暂时不可用：短信和邮件没有发出，请电话告知已报名的人。"),
    )
    return activity
