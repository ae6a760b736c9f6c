"""Yearly points expiry: only where a policy asks, first in first out, once per person and year."""

import datetime

from points.models import Kind, PersonTotal, PointsEntry, PointsPolicy
from points.periods import SHANGHAI
from points.services import points_adjust, points_redeem
from points.tasks import expire_points


def _at(year: int, month: int = 6) -> datetime.datetime:
    return datetime.datetime(year, month, 1, 10, tzinfo=SHANGHAI)


def _balance(person) -> int:
    return PersonTotal.objects.get(person=person, period="all").balance


def _earn(person, secretary, amount, year):
    points_adjust(
        person=person,
        amount=amount,
        category="reward",
        reason="表彰",
        by=secretary,
        occurred_at=_at(year),
    )


def test_nothing_expires_while_the_policy_sets_no_validity(volunteer, secretary):
    _earn(volunteer, secretary, 10, 2023)
    assert expire_points(2026) == 0
    assert _balance(volunteer) == 10


def test_unspent_points_of_the_expired_year_go_oldest_first_and_once(
    volunteer, secretary, verify_clean
):
    PointsPolicy.objects.update_or_create(
        audience="volunteers", defaults={"expires_after_years": 1}
    )
    _earn(volunteer, secretary, 10, 2024)  # valid to the end of 2025
    _earn(volunteer, secretary, 5, 2025)  # valid to the end of 2026
    points_redeem(person=volunteer, amount=4, idempotency_key="redeem:1")  # from 2024's first

    assert expire_points(2026) == 1
    assert expire_points(2026) == 0  # the job runs again: nothing twice

    entry = PointsEntry.objects.get(kind=Kind.EXPIRY)
    assert entry.amount == -6 and entry.idempotency_key == f"expiry:{volunteer.pk}:2024"
    assert _balance(volunteer) == 5
    verify_clean()


def test_party_members_policy_does_not_touch_volunteers(volunteer, party_member, secretary):
    PointsPolicy.objects.update_or_create(
        audience="party_members", defaults={"expires_after_years": 0}
    )
    _earn(volunteer, secretary, 3, 2025)
    _earn(party_member, secretary, 3, 2025)

    assert expire_points(2026) == 1
    assert _balance(volunteer) == 3 and _balance(party_member) == 0


def test_the_beat_schedule_runs_the_expiry_job_that_lives_in_points(settings):
    from config.celery import app

    task = app.tasks[settings.CELERY_BEAT_SCHEDULE["expire-points"]["task"]]
    assert task.__module__ == "points.tasks"
    assert task.name == expire_points.name
