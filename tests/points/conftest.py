"""Fixtures for the points tests: activities that are over, and attendances at them; the
branch table's, 爱心超市's and 双报到反馈's."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from points.models import Reward
from points.periods import SHANGHAI
from points.services import points_adjust, points_award_for_attendance
from points.services.rewards import reward_redeem
from volunteers.models import ActivityCategory, Attendance, CommunityReport, Method
from volunteers.services.reports import report_apply, report_confirm

from ..clock import shazhou_at


@pytest.fixture
def category():
    return ActivityCategory.objects.get(name="文明交通劝导")


@pytest.fixture
def past_activity(make_activity):
    """An activity that ran for two hours (by default) and is over."""

    def make(*, starts_at=None, hours=2, **kwargs):
        starts_at = starts_at or timezone.now() - datetime.timedelta(days=1)
        return make_activity(
            starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours), **kwargs
        )

    return make


@pytest.fixture
def attend():
    """A closed attendance of ``minutes`` from the activity's start (test set-up, not a scan)."""

    def make(activity, person, minutes=None):
        minutes = activity.duration_minutes if minutes is None else minutes
        return Attendance.objects.create(
            activity=activity,
            person=person,
            checked_in_at=activity.starts_at,
            check_in_method=Method.MANUAL,
            checked_out_at=activity.starts_at + datetime.timedelta(minutes=minutes),
            check_out_method=Method.MANUAL,
            minutes_served=minutes,
        )

    return make


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="李志愿", home_grid=town.liyuan_grid1)


@pytest.fixture
def party_member(make_person, town):
    return make_person(
        real_name="王党员",
        home_grid=town.liyuan_grid2,
        political_status="party_member",
        party_branch=town.liyuan_branch,
    )


@pytest.fixture
def secretary(person_with_role, town, Role):
    """Secretary of 梨园社区: may adjust points of everyone under it."""
    return person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记").user


@pytest.fixture(autouse=True)
def _at_noon(request):
    """Points are booked by month, quarter and year: every test here runs from noon
    of the run's day in Shazhou (the clock ticks on from there), so none can straddle a
    midnight into another period. A test that needs another hour travels there itself."""
    if request.node.get_closest_marker("time_machine"):
        yield
        return
    with time_machine.travel(shazhou_at(hour=12), tick=True):
        yield


# --- The branch table -------------------------------------------------------------------------


@pytest.fixture
def awarded(past_activity, attend):
    """A two-hour activity yesterday, attended: 2 service points and 120 minutes."""

    def award(person, **kwargs):
        return points_award_for_attendance(attendance=attend(past_activity(**kwargs), person))

    return award


@pytest.fixture
def stranger(make_person, town):
    """Someone in 桥北, outside 梨园's secretary's subtree."""
    return make_person(real_name="孙桥北", home_grid=town.qiaobei_grid1)


@pytest.fixture
def secretary_client(client, secretary):
    client.force_login(secretary)
    return client


# --- 爱心超市 ------------------------------------------------------------------------------------


@pytest.fixture
def give(secretary):
    """Credit points through the real ledger (a secretary's adjustment)."""

    def credit(person, amount):
        return points_adjust(
            person=person, amount=amount, category="reward", reason="测试积分", by=secretary
        )

    return credit


@pytest.fixture
def make_reward(town):
    def make(**kwargs):
        kwargs.setdefault("community", town.liyuan)
        kwargs.setdefault("name", "洗衣粉")
        kwargs.setdefault("price", 10)
        kwargs.setdefault("stock", 5)
        kwargs.setdefault("per_person_limit", 1)
        return Reward.objects.create(**kwargs)

    return make


@pytest.fixture
def rich_volunteer(volunteer, give):
    give(volunteer, 50)
    return volunteer


@pytest.fixture
def redemption(rich_volunteer, make_reward):
    return reward_redeem(reward=make_reward(), person=rich_volunteer, by=rich_volunteer.user)


# --- 双报到反馈 ---------------------------------------------------------------------------------


@pytest.fixture
def qiaobei_secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user


@pytest.fixture
def in_service(request, make_person, town, secretary):
    """An in-service party member of ``unit`` (文旅局 unless given) who reported to
    ``community``, if given: 梨园's secretary confirms it, any other's 桥北's (made then)."""

    def make(real_name, *, community=None, unit=None):
        person = make_person(
            real_name=real_name,
            political_status="party_member",
            party_branch=town.liyuan_branch,
            employer_unit=unit or town.unit,
            in_service=True,
        )
        if community is not None:
            report = report_apply(person=person, community=community, via=CommunityReport.Via.SELF)
            if community == town.liyuan:
                by = secretary
            else:
                by = request.getfixturevalue("qiaobei_secretary")
            report_confirm(report=report, by=by)
            person.refresh_from_db()
        return person

    return make


@pytest.fixture
def serve(past_activity, attend):
    def serve(person, *, organisation, day, hours=2):
        starts_at = datetime.datetime.combine(day, datetime.time(9), tzinfo=SHANGHAI)
        activity = past_activity(starts_at=starts_at, hours=hours, organisation=organisation)
        return points_award_for_attendance(attendance=attend(activity, person))

    return serve
