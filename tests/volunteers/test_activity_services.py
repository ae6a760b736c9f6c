"""The activity services keep the rules themselves: a call without the admin is refused too.

``activity_create``, ``activity_update`` and ``activity_publish`` are what the Wagtail
admin calls (and the API will); each rule of ``Activity.clean`` refuses with its own
code, its Chinese message and the field it belongs to.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.errors import DomainError, Forbidden, Invalid
from volunteers.models import Activity, ActivityCategory, SignUp
from volunteers.services.activities import activity_create, activity_publish, activity_update
from volunteers.services.signups import signup_create


@pytest.fixture
def leader(person_with_role, town, Role):
    return person_with_role(Role.LEADER, town.team, real_name="张志强").user


def fields(town, **overrides):
    starts = timezone.now() + datetime.timedelta(days=3)
    values = {
        "organisation": town.team,
        "title": "早高峰文明交通劝导",
        "category": ActivityCategory.objects.get_or_create(name="文明交通劝导")[0],
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=2),
        "address": "阳关中路与鸣山路十字",
    }
    values.update(overrides)
    return values


def hours(n):
    return datetime.timedelta(hours=n)


# Each rule: what breaks it (relative to a start in three days and an end two hours
# later), the field it is refused on, its code and what the editor reads.
RULES = {
    "the end comes after the start": (
        lambda f: {"ends_at": f["starts_at"]},
        "ends_at",
        "bad_times",
        "结束时间必须晚于开始时间。",
    ),
    "sign-up closes after it opens": (
        lambda f: {
            "signup_opens_at": f["starts_at"] - hours(24),
            "signup_closes_at": f["starts_at"] - hours(30),
        },
        "signup_closes_at",
        "signup_closes_before_opening",
        "报名截止必须晚于报名开始。",
    ),
    "sign-up closes by the end": (
        lambda f: {"signup_closes_at": f["ends_at"] + hours(1)},
        "signup_closes_at",
        "signup_closes_after_end",
        "报名截止不能晚于活动结束。",
    ),
    "at least one place, or no limit": (
        lambda f: {"capacity": 0},
        "capacity",
        "no_places",
        "名额至少为 1；不限名额请留空。",
    ),
    "a team audience names its team": (
        lambda f: {"audience": Activity.Audience.TEAM, "audience_team": None},
        "audience_team",
        "team_missing",
        "参加对象为“指定队伍”时，请选择队伍。",
    ),
    "a check-in radius needs the place's coordinates": (
        lambda f: {"geofence_radius_m": 300, "latitude": Decimal("40.142"), "longitude": None},
        "geofence_radius_m",
        "geofence_without_place",
        "设置签到范围时，请同时填写活动地点的经纬度。",
    ),
}


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("publish", [True, False], ids=["published", "draft"])
def test_creating_refuses_what_breaks_a_rule(rule, publish, town, leader):
    breaking, field, code, message = RULES[rule]
    values = fields(town)
    values.update(breaking(values))
    with pytest.raises(Invalid) as refusal:
        activity_create(**values, by=leader, publish=publish)
    assert (refusal.value.field, refusal.value.code, str(refusal.value.message)) == (
        field,
        code,
        message,
    )
    assert not Activity.objects.exists()


@pytest.mark.parametrize("rule", RULES)
def test_changing_refuses_what_breaks_a_rule(rule, town, leader):
    activity = activity_create(**fields(town), by=leader)
    breaking, field, code, message = RULES[rule]
    times = {"starts_at": activity.starts_at, "ends_at": activity.ends_at}
    with pytest.raises(Invalid) as refusal:
        activity_update(activity=activity, by=leader, **breaking(times))
    assert (refusal.value.field, refusal.value.code, str(refusal.value.message)) == (
        field,
        code,
        message,
    )
    assert activity.revisions.count() == 1  # nothing saved, not even a draft


def test_a_team_named_for_another_audience_is_dropped_not_refused(town, leader):
    activity = activity_create(
        **fields(town), audience=Activity.Audience.EVERYONE, audience_team=town.team, by=leader
    )
    activity.refresh_from_db()
    assert activity.audience_team is None

    changed = activity_update(
        activity=activity, by=leader, audience=Activity.Audience.TEAM, audience_team=town.team
    )
    assert changed.audience_team == town.team
    dropped = activity_update(
        activity=activity, by=leader, audience=Activity.Audience.PARTY_MEMBERS
    )
    assert dropped.audience_team is None
    assert Activity.objects.get(pk=activity.pk).audience_team is None


def test_a_team_audience_names_a_team_not_any_organisation(town, leader):
    with pytest.raises(Invalid) as refusal:
        activity_create(
            **fields(town), audience=Activity.Audience.TEAM, audience_team=town.liyuan, by=leader
        )
    assert refusal.value.field == "audience_team"


def test_a_draft_may_leave_the_title_for_later_but_publishing_needs_it(town, leader):
    draft = activity_create(**fields(town, title="", address=""), by=leader, publish=False)
    assert not draft.live and draft.title == ""
    with pytest.raises(Invalid) as refusal:
        activity_publish(activity=draft, by=leader)
    assert refusal.value.field == "title"
    assert not Activity.objects.get(pk=draft.pk).live


def test_nobody_creates_or_moves_activities_outside_their_subtree(town, leader):
    with pytest.raises(Forbidden):
        activity_create(**fields(town, organisation=town.liyuan), by=leader)
    mine = activity_create(**fields(town), by=leader)
    with pytest.raises(Forbidden):
        activity_update(activity=mine, by=leader, organisation=town.other_team)
    assert Activity.objects.get(pk=mine.pk).organisation == town.team
    theirs = activity_create(**fields(town, organisation=town.other_team, title="敬老"))
    with pytest.raises(DomainError) as refusal:
        activity_update(activity=theirs, by=leader, title="改掉")
    assert refusal.value.code == "forbidden"


def test_creating_keeps_wagtails_revision_and_history(town, leader):
    activity = activity_create(**fields(town), by=leader)
    assert activity.live and activity.created_by == leader
    assert activity.live_revision == activity.latest_revision
    logged = list(
        ModelLogEntry.objects.for_instance(activity)
        .order_by("timestamp", "id")
        .values_list("action", "user")
    )
    assert logged == [("wagtail.create", leader.pk), ("wagtail.publish", leader.pk)]


def test_a_draft_change_to_a_live_activity_shows_only_once_published(town, leader):
    activity = activity_create(**fields(town), by=leader)
    draft = activity_update(activity=activity, by=leader, publish=False, title="改期后的劝导")
    assert draft.title == "改期后的劝导"
    public = Activity.objects.get(pk=activity.pk)
    assert public.title == "早高峰文明交通劝导" and public.has_unpublished_changes

    activity_publish(activity=activity, by=leader)
    public.refresh_from_db()
    assert public.title == "改期后的劝导" and not public.has_unpublished_changes
    assert ModelLogEntry.objects.for_instance(activity).filter(action="wagtail.edit").exists()


def test_a_change_to_a_live_activity_goes_live_unless_kept_as_a_draft(town, leader):
    activity = activity_create(**fields(town), by=leader)
    activity_update(activity=activity, by=leader, address="鸣山路口")
    assert Activity.objects.get(pk=activity.pk).address == "鸣山路口"
    draft = activity_create(**fields(town, title="草稿"), by=leader, publish=False)
    activity_update(activity=draft, by=leader, address="鸣山路口")
    assert not Activity.objects.get(pk=draft.pk).live


def test_raising_the_capacity_gives_waiting_people_the_new_places(town, leader, make_person):
    activity = activity_create(**fields(town), signup_required=True, capacity=1, by=leader)
    first = make_person(real_name="甲", with_user=False)
    second = make_person(real_name="乙", with_user=False)
    signup_create(activity=activity, person=first)
    signup_create(activity=activity, person=second)
    assert SignUp.objects.get(person=second).status == SignUp.Status.WAITLISTED

    activity_update(activity=activity, by=leader, capacity=2)

    assert SignUp.objects.get(person=second).status == SignUp.Status.CONFIRMED


def test_a_closed_organisation_publishes_no_new_activity(town, leader):
    town.team.closed_on = timezone.localdate()
    town.team.save(update_fields=["closed_on"])
    with pytest.raises(Invalid) as refusal:
        activity_create(**fields(town), by=leader)
    assert (refusal.value.field, refusal.value.code) == ("organisation", "organisation_closed")
    assert "已撤销" in str(refusal.value.message)
    assert not Activity.objects.exists()
