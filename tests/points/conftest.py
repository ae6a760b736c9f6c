"""Fixtures for the points tests: activities that are over, and attendances at them."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from volunteers.models import ActivityCategory, Attendance, Method

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
