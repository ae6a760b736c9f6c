"""Fifty simultaneous scans by one person make one attendance (PostgreSQL, real transactions)."""

import threading

import pytest
from django.db import connection, connections

from core.tokens import Purpose, make_token
from volunteers.models import Attendance, ScanAttempt
from volunteers.services import checkin
from volunteers.services.checkin import scan_activity_code

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions"
    ),
]

THREADS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_scans_make_exactly_one_attendance(
    make_activity, make_person, town, monkeypatch
):
    # The per-person rate limit would turn most of these away first; the race is what we test.
    monkeypatch.setattr(checkin, "PERSON_SCAN_LIMIT", (10_000, 60))
    activity = make_activity()
    person = make_person(home_grid=town.liyuan_grid1)
    token = make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk)
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def scan():
        try:
            barrier.wait(timeout=30)
            results.append(scan_activity_code(token=token, person=person))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Attendance.objects.filter(activity=activity, person=person).count() == 1
    assert sum(r.created for r in results) == 1
    first = Attendance.objects.get().checked_in_at
    assert {r.attendance.checked_in_at for r in results} == {first}  # everyone hears 09:03
    reasons = list(ScanAttempt.objects.values_list("reason", flat=True))
    assert sorted(reasons) == ["already"] * (THREADS - 1) + ["ok"]
