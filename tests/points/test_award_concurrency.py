"""Twenty simultaneous awards of one attendance make one entry (PostgreSQL, real transactions)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from points.models import PersonTotal, PointsEntry, ScopeTotal, ServiceRecord
from points.services import points_award_for_attendance
from points.verify import ledger_differences
from volunteers.models import Attendance, Method

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions"
    ),
]

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_awards_of_one_attendance_make_one_entry(
    make_activity, make_person, town
):
    starts_at = timezone.now() - datetime.timedelta(days=1)
    activity = make_activity(starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2))
    person = make_person(home_grid=town.liyuan_grid1)
    attendance = Attendance.objects.create(
        activity=activity,
        person=person,
        checked_in_at=starts_at,
        check_in_method=Method.MANUAL,
        checked_out_at=activity.ends_at,
        check_out_method=Method.MANUAL,
        minutes_served=120,
    )
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def award():
        try:
            barrier.wait(timeout=30)
            results.append(points_award_for_attendance(attendance=attendance))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=award) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert PointsEntry.objects.filter(person=person).count() == 1
    assert ServiceRecord.objects.filter(person=person).count() == 1
    assert sum(r.created for r in results) == 1
    assert {r.entry.pk for r in results} == {PointsEntry.objects.get().pk}
    all_time = PersonTotal.objects.get(person=person, period="all")
    assert (all_time.points, all_time.minutes) == (2, 120)
    assert ScopeTotal.objects.filter(person=person, period="all").count() == 3
    assert ledger_differences() == []
