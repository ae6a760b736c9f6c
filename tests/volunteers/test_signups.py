"""Signing up: capacity, the waiting list, promotion, deadlines, overlaps, the audience, SMS."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from core.errors import DomainError
from core.sms import LocmemSMSBackend
from volunteers.models import Activity, SignUp
from volunteers.services.activities import activity_cancel
from volunteers.services.memberships import membership_grant
from volunteers.services.signups import (
    signup_cancel,
    signup_create,
    signups_fill_free_places,
)
from volunteers.tasks.notifications import notify_activity_cancelled, notify_signup_promoted

Status = SignUp.Status


@pytest.fixture
def sms(settings):
    """SMS land in LocmemSMSBackend.outbox instead of being logged."""
    settings.SMS_BACKEND = "core.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def future_activity(make_activity):
    """An activity the day after tomorrow, sign-up open until it starts."""

    def make(**kwargs):
        starts = timezone.now() + datetime.timedelta(days=2)
        kwargs.setdefault("starts_at", starts)
        kwargs.setdefault("ends_at", kwargs["starts_at"] + datetime.timedelta(hours=2))
        kwargs.setdefault("signup_required", True)
        return make_activity(**kwargs)

    return make


@pytest.fixture
def people(make_person, town):
    def make(n, **kwargs):
        kwargs.setdefault("home_grid", town.liyuan_grid1)
        return [make_person(real_name=f"志愿者{i}", **kwargs) for i in range(n)]

    return make


def statuses(activity):
    return list(
        SignUp.objects.filter(activity=activity)
        .order_by("queued_at", "id")
        .values_list("person__real_name", "status")
    )


# --- Capacity, waiting list, promotion --------------------------------------------------


def test_signups_fill_the_capacity_then_join_the_waiting_list(future_activity, people):
    activity = future_activity(capacity=2)
    a, b, c, d = people(4)
    for person in (a, b, c, d):
        signup_create(activity=activity, person=person)
    assert statuses(activity) == [
        ("志愿者0", Status.CONFIRMED),
        ("志愿者1", Status.CONFIRMED),
        ("志愿者2", Status.WAITLISTED),
        ("志愿者3", Status.WAITLISTED),
    ]


def test_an_activity_without_a_limit_never_waitlists(future_activity, people):
    activity = future_activity(capacity=None)
    for person in people(5):
        assert signup_create(activity=activity, person=person).signup.status == Status.CONFIRMED


def test_cancelling_a_place_promotes_the_first_in_the_queue_and_texts_them(
    future_activity, people, sms, django_capture_on_commit_callbacks
):
    activity = future_activity(capacity=1, title="敬老院义务理发")
    first, second, third = people(3)
    taken = signup_create(activity=activity, person=first).signup
    signup_create(activity=activity, person=second)
    signup_create(activity=activity, person=third)

    with django_capture_on_commit_callbacks(execute=True):
        signup_cancel(signup=taken, by=first.user)

    promoted = SignUp.objects.get(activity=activity, person=second)
    assert promoted.status == Status.CONFIRMED
    assert promoted.promoted_at is not None
    assert SignUp.objects.get(activity=activity, person=third).status == Status.WAITLISTED
    assert SignUp.objects.get(pk=taken.pk).status == Status.CANCELLED
    assert len(sms) == 1
    assert sms[0]["phone"] == second.phone
    assert "候补转为正式报名" in sms[0]["message"] and "敬老院义务理发" in sms[0]["message"]


def test_leaving_the_waiting_list_promotes_nobody(future_activity, people, sms):
    activity = future_activity(capacity=1)
    first, second, third = people(3)
    signup_create(activity=activity, person=first)
    waiting = signup_create(activity=activity, person=second).signup
    signup_create(activity=activity, person=third)
    signup_cancel(signup=waiting, by=second.user)
    assert SignUp.objects.get(person=third).status == Status.WAITLISTED
    assert sms == []


def test_a_redelivered_promotion_task_texts_only_once(
    future_activity, people, sms, django_capture_on_commit_callbacks
):
    activity = future_activity(capacity=1)
    first, second = people(2)
    taken = signup_create(activity=activity, person=first).signup
    waiting = signup_create(activity=activity, person=second).signup
    with django_capture_on_commit_callbacks(execute=True):
        signup_cancel(signup=taken, by=first.user)
    assert notify_signup_promoted(waiting.pk) == 0  # the broker delivered it again
    assert [m["phone"] for m in sms] == [second.phone]


def test_raising_the_capacity_moves_waiting_people_into_the_new_places(future_activity, people):
    activity = future_activity(capacity=1)
    first, second, third = people(3)
    for person in (first, second, third):
        signup_create(activity=activity, person=person)
    Activity.objects.filter(pk=activity.pk).update(capacity=2)
    promoted = signups_fill_free_places(activity=activity)
    assert [s.person for s in promoted] == [second]
    assert SignUp.objects.get(person=third).status == Status.WAITLISTED


# --- Refusals ----------------------------------------------------------------------------


def refused(code, **kwargs):
    with pytest.raises(DomainError) as exc:
        signup_create(**kwargs)
    assert exc.value.code == code, exc.value.message
    return exc.value.message


def test_a_second_signup_is_refused(future_activity, people):
    activity = future_activity(capacity=1)
    first, second = people(2)
    signup_create(activity=activity, person=first)
    signup_create(activity=activity, person=second)
    assert "已报名" in refused("already_signed_up", activity=activity, person=first)
    assert "候补" in refused("already_waitlisted", activity=activity, person=second)
    assert SignUp.objects.filter(activity=activity).count() == 2


def test_signup_before_the_window_opens_is_refused(future_activity, people):
    opens = timezone.now() + datetime.timedelta(days=1)
    activity = future_activity(signup_opens_at=opens)
    (person,) = people(1)
    assert "报名尚未开始" in refused("not_open", activity=activity, person=person)
    later = opens + datetime.timedelta(minutes=1)
    assert signup_create(activity=activity, person=person, now=later).signup.status == "confirmed"


def test_signup_after_the_deadline_is_refused(future_activity, people):
    activity = future_activity()
    (person,) = people(1)
    late = activity.signup_deadline + datetime.timedelta(minutes=1)
    message = refused("closed", activity=activity, person=person, now=late)
    assert "报名已截止" in message
    assert not SignUp.objects.exists()


def test_signup_for_a_draft_a_cancelled_or_a_finished_activity_is_refused(
    future_activity, make_activity, people
):
    (person,) = people(1)
    draft = future_activity(publish=False)
    assert "尚未发布" in refused("not_published", activity=draft, person=person)
    cancelled = future_activity()
    activity_cancel(activity=cancelled, reason="沙尘暴预警")
    assert "已取消" in refused("cancelled", activity=cancelled, person=person)
    past_start = timezone.now() - datetime.timedelta(days=3)
    finished = make_activity(starts_at=past_start, ends_at=past_start + datetime.timedelta(hours=1))
    assert "已结束" in refused("finished", activity=finished, person=person)
    assert not SignUp.objects.exists()


def test_the_audience_is_enforced(future_activity, make_person, town, Role):
    masses = make_person(real_name="群众", home_grid=town.liyuan_grid1)
    member = make_person(
        real_name="党员", home_grid=town.liyuan_grid1, political_status="party_member"
    )
    party_only = future_activity(audience=Activity.Audience.PARTY_MEMBERS)
    assert "仅限党员" in refused("not_in_audience", activity=party_only, person=masses)
    assert signup_create(activity=party_only, person=member).signup.status == "confirmed"

    team_only = future_activity(
        organisation=town.team, audience=Activity.Audience.TEAM, audience_team=town.team
    )
    assert "文明交通劝导队" in refused("not_in_audience", activity=team_only, person=masses)
    membership_grant(person=masses, organisation=town.team, role=Role.MEMBER)
    assert signup_create(activity=team_only, person=masses).signup.status == "confirmed"

    liyuan_only = future_activity(audience=Activity.Audience.SUBTREE)
    outsider = make_person(real_name="桥北居民", home_grid=town.qiaobei_grid1)
    assert "梨园社区" in refused("not_in_audience", activity=liyuan_only, person=outsider)


# --- Cancelling and signing up again -----------------------------------------------------


def test_cancelling_is_allowed_until_the_deadline_and_refused_after(future_activity, people):
    closes = timezone.now() + datetime.timedelta(days=1)
    activity = future_activity(signup_closes_at=closes)
    first, second = people(2)
    early = signup_create(activity=activity, person=first).signup
    late = signup_create(activity=activity, person=second).signup

    signup_cancel(signup=early, by=first.user, now=closes - datetime.timedelta(minutes=1))
    assert SignUp.objects.get(pk=early.pk).status == Status.CANCELLED

    with pytest.raises(DomainError) as exc:
        signup_cancel(signup=late, by=second.user, now=closes + datetime.timedelta(minutes=1))
    assert exc.value.code == "deadline_passed"
    assert "截止时间" in exc.value.message
    assert SignUp.objects.get(pk=late.pk).status == Status.CONFIRMED


def test_signing_up_again_after_cancelling_reuses_the_row(future_activity, people):
    activity = future_activity(capacity=1)
    first, second = people(2)
    mine = signup_create(activity=activity, person=first).signup
    signup_cancel(signup=mine, by=first.user)
    signup_create(activity=activity, person=second)  # takes the freed place

    again = signup_create(activity=activity, person=first).signup
    assert again.pk == mine.pk
    assert again.status == Status.WAITLISTED  # behind the one who took the place
    assert again.cancelled_at is None
    assert SignUp.objects.filter(activity=activity, person=first).count() == 1


def test_nobody_may_cancel_someone_elses_signup_but_its_organiser(
    future_activity, people, person_with_role, town, Role
):
    activity = future_activity()
    owner, stranger = people(2)
    signup = signup_create(activity=activity, person=owner).signup
    with pytest.raises(DomainError) as exc:
        signup_cancel(signup=signup, by=stranger.user)
    assert exc.value.code == "forbidden"
    secretary = person_with_role(Role.SECRETARY, town.liyuan)
    signup_cancel(signup=signup, by=secretary.user)
    assert SignUp.objects.get(pk=signup.pk).status == Status.CANCELLED


# --- Overlaps ----------------------------------------------------------------------------


def test_an_overlapping_signup_succeeds_with_a_warning(future_activity, people):
    starts = timezone.now() + datetime.timedelta(days=3)
    morning = future_activity(
        title="早高峰劝导", starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )
    overlapping = future_activity(
        title="敬老院理发",
        starts_at=starts + datetime.timedelta(hours=1),
        ends_at=starts + datetime.timedelta(hours=3),
    )
    afterwards = future_activity(
        title="晚间巡逻",
        starts_at=starts + datetime.timedelta(hours=2),
        ends_at=starts + datetime.timedelta(hours=4),
    )
    (person,) = people(1)
    assert signup_create(activity=morning, person=person).warnings == []
    result = signup_create(activity=overlapping, person=person)
    assert result.signup.status == Status.CONFIRMED
    assert len(result.warnings) == 1 and "早高峰劝导" in result.warnings[0]
    assert "时间重叠" in result.warnings[0]
    # Back to back is not an overlap with the morning one (ends exactly when this starts).
    warnings = signup_create(activity=afterwards, person=person).warnings
    assert [w for w in warnings if "早高峰劝导" in w] == []


# --- Cancelling the activity tells everyone, once ----------------------------------------


def test_cancelling_the_activity_texts_each_signed_up_person_exactly_once(
    future_activity, people, sms, django_capture_on_commit_callbacks
):
    activity = future_activity(capacity=2, title="阳关中路文明交通劝导")
    confirmed_a, confirmed_b, waiting, gone = people(4)
    for person in (confirmed_a, confirmed_b, waiting):
        signup_create(activity=activity, person=person)
    left = signup_create(activity=activity, person=gone).signup
    signup_cancel(signup=left, by=gone.user)

    with django_capture_on_commit_callbacks(execute=True):
        activity_cancel(activity=activity, reason="沙尘暴预警")

    assert sorted(m["phone"] for m in sms) == sorted(
        p.phone for p in (confirmed_a, confirmed_b, waiting)
    )
    assert all("阳关中路文明交通劝导" in m["message"] for m in sms)
    assert all("沙尘暴预警" in m["message"] for m in sms)

    # The broker delivers the task again: nobody hears it twice.
    assert notify_activity_cancelled(activity.pk) == 0
    assert len(sms) == 3


def test_nothing_is_sent_when_the_cancellation_rolls_back(
    future_activity, people, sms, django_capture_on_commit_callbacks
):
    activity = future_activity()
    (person,) = people(1)
    signup_create(activity=activity, person=person)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        activity_cancel(activity=activity, reason="   ")
    assert sms == []


# --- Race: the last place -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_never_exceed_the_capacity(future_activity, people):
    activity = future_activity(capacity=3)
    crowd = people(12)
    barrier = threading.Barrier(len(crowd))
    errors = []

    def sign_up(person):
        try:
            barrier.wait(timeout=30)
            signup_create(activity=activity, person=person)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(p,)) for p in crowd]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert SignUp.objects.filter(activity=activity, status=Status.CONFIRMED).count() == 3
    assert SignUp.objects.filter(activity=activity, status=Status.WAITLISTED).count() == 9
