"""A revision carries what the editor wrote, never whether the activity was cancelled or finished.

Wagtail builds the object it publishes from the revision's content JSON, every field of
it. ``cancelled_at``, ``cancel_reason`` and ``finished_at`` are set only by
``activity_cancel`` and ``activity_finish``, on the row and never in a revision: a draft
saved before them (or any edit after them) must not put the old values back when it is
published, or a cancelled activity would open again for sign-ups.
"""

import datetime

import pytest
from django.utils import timezone

from volunteers.models import Activity
from volunteers.services.activities import (
    activity_cancel,
    activity_publish,
    activity_update,
)
from volunteers.services.finalise import activity_finish

from .test_activity_admin import edit_url, form_data

REASON = "沙尘暴预警"


@pytest.fixture
def leader(person_with_role, town, Role):
    """Leads 文明交通劝导队."""
    return person_with_role(Role.LEADER, town.team, real_name="张志强")


@pytest.fixture
def soon(make_activity, town):
    """A published activity of 文明交通劝导队 in two days."""
    starts = timezone.now() + datetime.timedelta(days=2)
    return make_activity(
        organisation=town.team,
        title="早高峰文明交通劝导",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        signup_required=True,
    )


@pytest.fixture
def over(make_activity, town):
    """A published activity of 文明交通劝导队 that ended yesterday."""
    starts = timezone.now() - datetime.timedelta(days=1)
    return make_activity(
        organisation=town.team, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )


def assert_still_cancelled(activity, cancelled):
    activity = Activity.objects.get(pk=activity.pk)
    assert activity.cancelled_at == cancelled.cancelled_at
    assert activity.cancel_reason == REASON
    assert activity.status == Activity.Status.CANCELLED
    assert not Activity.objects.published().filter(pk=activity.pk).exists()
    assert not Activity.objects.upcoming().filter(pk=activity.pk).exists()
    return activity


# --- Cancelled ---------------------------------------------------------------------------


def test_publishing_a_draft_saved_before_cancelling_keeps_it_cancelled(soon, leader):
    activity_update(activity=soon, by=leader.user, publish=False, title="改期后的劝导")
    cancelled = activity_cancel(activity=soon, reason=REASON, by=leader.user)

    activity_publish(activity=soon, by=leader.user)

    activity = assert_still_cancelled(soon, cancelled)
    assert activity.title == "改期后的劝导"  # the draft's own change is published
    assert activity.live and not activity.has_unpublished_changes


def test_publishing_an_older_revision_keeps_it_cancelled(soon, leader):
    first = soon.latest_revision
    activity_update(activity=soon, by=leader.user, publish=True, title="改期后的劝导")
    cancelled = activity_cancel(activity=soon, reason=REASON, by=leader.user)

    activity_publish(activity=soon, by=leader.user, revision=first)

    assert assert_still_cancelled(soon, cancelled).title == "早高峰文明交通劝导"


def test_editing_and_publishing_a_cancelled_activity_keeps_it_cancelled(soon, leader):
    cancelled = activity_cancel(activity=soon, reason=REASON, by=leader.user)

    activity_update(activity=soon, by=leader.user, publish=True, description="改到下周。")

    assert assert_still_cancelled(soon, cancelled).description == "改到下周。"


def test_a_draft_is_built_from_the_live_lifecycle_not_the_revision(soon, leader):
    activity_update(activity=soon, by=leader.user, publish=False, title="改期后的劝导")
    cancelled = activity_cancel(activity=soon, reason=REASON, by=leader.user)

    draft = Activity.objects.get(pk=soon.pk).get_latest_revision_as_object()

    assert draft.title == "改期后的劝导"
    assert (draft.cancelled_at, draft.cancel_reason) == (cancelled.cancelled_at, REASON)


def test_a_revision_fetched_before_cancelling_cannot_uncancel(soon, leader):
    """The admin holds the revision (and Wagtail's cached object behind it) across the
    request; the one it publishes must still see the cancellation made meanwhile."""
    draft = activity_update(activity=soon, by=leader.user, publish=False, title="改期后的劝导")
    revision = draft.latest_revision
    assert revision.content_object.cancelled_at is None  # cached, from before
    cancelled = activity_cancel(activity=soon, reason=REASON, by=leader.user)

    activity_publish(activity=draft, by=leader.user, revision=revision)

    assert_still_cancelled(soon, cancelled)


def test_publishing_a_stale_draft_in_the_admin_keeps_it_cancelled(client, soon, leader, town):
    client.force_login(leader.user)
    data = form_data(town.team, title="改期后的劝导")
    assert client.post(edit_url(soon), data).status_code == 302  # a draft
    cancelled = activity_cancel(activity=soon, reason=REASON, by=leader.user)

    response = client.post(edit_url(soon), {**data, "action-publish": "action-publish"})

    assert response.status_code == 302
    assert assert_still_cancelled(soon, cancelled).title == "改期后的劝导"


# --- Finished ----------------------------------------------------------------------------


def test_publishing_a_draft_saved_before_finishing_keeps_it_finished(over, leader):
    activity_update(activity=over, by=leader.user, publish=False, description="补充说明。")
    activity_finish(activity=over)
    finished_at = Activity.objects.get(pk=over.pk).finished_at
    assert finished_at is not None

    activity_publish(activity=over, by=leader.user)

    activity = Activity.objects.get(pk=over.pk)
    assert activity.finished_at == finished_at
    assert activity.status == Activity.Status.FINISHED
    assert activity.description == "补充说明。"
