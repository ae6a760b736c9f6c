"""Creating, changing, publishing and cancelling activities.

Every write goes through here: the Wagtail admin (draft, preview, publish, revisions),
the demo seed, tests, and the API to come. The rules an activity keeps are ``Activity.clean``;
a service refuses what breaks one with an ``Invalid`` on that field. Drafts, revisions
and Wagtail's history are kept the way Wagtail keeps them, through its own actions.
"""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.actions.create import CreateAction
from wagtail.actions.edit import EditAction
from wagtail.models import Revision

from core.errors import Conflict, Forbidden, Invalid
from core.jobs import queue_after_commit
from core.writes import apply_changes, empty_fields, refuse_invalid
from volunteers import permissions
from volunteers.models import Activity, ActivityCategory, Organisation, User
from volunteers.services.audit import audit_record
from volunteers.services.signups import signups_fill_free_places


def _require_publisher(by: User | None, organisation: Organisation) -> None:
    if by is not None and not permissions.can(by, permissions.Action.PUBLISH, organisation):
        raise Forbidden("forbidden", _("您无权为该组织发布活动。"))


def _check(activity: Activity, *, complete: bool) -> None:
    """The activity's rules (``Activity.clean``, its fields, its constraints) as a refusal.

    A draft (``complete=False``) may leave for later what the database can store empty,
    as the admin lets an editor save a draft without a title; the rules still hold.
    """
    refuse_invalid(activity, exclude=None if complete else empty_fields(activity))


def _lock(activity: Activity) -> Activity:
    """The activity as stored, locked: updating and publishing write the whole row, so a
    cancellation or finishing committed meanwhile waits, or is read, and never lost."""
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=activity.pk)
    )


def _publish(activity: Activity, revision: Revision, by: User | None) -> Activity:
    # Wagtail publishes ``revision.content_object.with_content_json(…)``, which takes the
    # cancellation and finishing from that object (``Activity.with_content_json``). A
    # revision the caller held may cache the object from before a cancellation: read those
    # fields again, from the row the caller has locked. (Not the revision afresh: its JSON
    # keeps times to the millisecond, and the new revision's own values are exact.)
    revision.content_object.refresh_from_db(fields=Activity.ROW_FIELDS)
    revision.publish(user=by, skip_permission_checks=True)  # ``can`` has answered already
    published = Activity.objects.get(pk=activity.pk)
    # An editor may have raised the capacity: people waiting take the new places at once.
    signups_fill_free_places(activity=published)
    return published


@transaction.atomic
def activity_create(
    *,
    organisation: Organisation,
    title: str,
    category: ActivityCategory,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    address: str,
    by: User | None = None,
    publish: bool = True,
    **fields: Any,
) -> Activity:
    """Create an activity for ``organisation``, published or as a draft; ``by=None`` is
    the system itself. Its first revision and Wagtail's history entry are written too."""
    _require_publisher(by, organisation)
    activity = Activity(
        organisation=organisation,
        title=title,
        category=category,
        starts_at=starts_at,
        ends_at=ends_at,
        address=address,
        created_by=by,
        **fields,
    )
    _check(activity, complete=publish)
    action = CreateAction(activity, user=by, clean=False)  # checked above
    activity = action.execute(skip_permission_checks=True)
    if publish:
        return _publish(activity, action.revision, by)
    return activity


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    by: User | None = None,
    publish: bool | None = None,
    overwrite_revision: Revision | None = None,
    revert_to: Revision | None = None,
    **changes: Any,
) -> Activity:
    """Change an activity's fields, as a new revision of its latest version.

    ``publish=True`` makes the change public; ``False`` saves it as a draft (a live
    activity goes on showing what it showed); ``None`` keeps the state it is in.
    ``overwrite_revision`` is the admin's autosave, replacing its own latest draft;
    ``revert_to`` names the earlier revision the changes bring back, for the history.
    """
    current = _lock(activity)
    _require_publisher(by, current.organisation)
    moved_to = changes.get("organisation")
    if moved_to is not None and moved_to.pk != current.organisation_id:
        _require_publisher(by, moved_to)
    if publish is None:
        publish = current.live
    edited = current.get_latest_revision_as_object()
    changed = apply_changes(edited, changes)
    _check(edited, complete=publish)
    if revert_to is not None:
        revision = _save_reverting(edited, revert_to, by, changed=bool(changed))
    else:
        action = EditAction(edited, user=by, clean=False, overwrite_revision=overwrite_revision)
        action.content_changed = bool(changed)  # what the admin's form reports as changed
        edited = action.execute(skip_permission_checks=True)
        revision = action.revision
    if publish:
        return _publish(edited, revision, by)
    return edited


def _save_reverting(
    edited: Activity, revert_to: Revision, by: User | None, *, changed: bool
) -> Revision:
    """As Wagtail's revert: a draft's row is written, a live one's waits for publishing,
    and the history says which revision was brought back."""
    if not edited.live:
        edited.save()
    return edited.save_revision(
        user=by, changed=changed, log_action=True, previous_revision=revert_to, clean=False
    )


@transaction.atomic
def activity_publish(
    *, activity: Activity, by: User | None = None, revision: Revision | None = None
) -> Activity:
    """Make a revision (by default the latest) what the public sees."""
    current = _lock(activity)
    _require_publisher(by, current.organisation)
    if revision is None:
        revision = current.latest_revision or current.save_revision(user=by)
    content = revision.as_object()
    if content.organisation_id != current.organisation_id:
        _require_publisher(by, content.organisation)
    _check(content, complete=True)
    return _publish(current, revision, by)


@transaction.atomic
def activity_cancel(*, activity: Activity, reason: str, by: User | None = None) -> Activity:
    """Cancel (not unpublish): everyone signed up is told."""
    _require_publisher(by, activity.organisation)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("missing_reason", _("请填写取消原因。"), field="reason")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.cancelled_at:
        raise Conflict("already_cancelled", _("活动已经取消。"))
    if activity.finished_at:
        raise Conflict("already_finished", _("活动已结束，不能取消。"))
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
