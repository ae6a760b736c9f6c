"""The demo town's points history: awards, basic points, published months."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from points.models import (
    Kind,
    Objection,
    PersonTotal,
    PointsEntry,
    RankingSnapshot,
    RankingSnapshotRow,
)
from points.policies import may_answer_objection
from volunteers.models import Activity, Attendance, AuditEvent


def user(username):
    return get_user_model().objects.get(username=username)


def test_after_the_seed_the_ledger_is_clean_and_partymember_is_ranked(verify_clean):
    verify_clean()
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "all totals agree" in out.getvalue()

    partymember = user("partymember").person
    assert PersonTotal.objects.get(person=partymember, period="all").points > 0
    kinds = set(PointsEntry.objects.filter(person=partymember).values_list("kind", "category"))
    assert {("service", "service"), ("adjustment", "basic")} <= kinds
    assert RankingSnapshotRow.objects.filter(person=partymember).exists()


def test_past_attendances_were_awarded_through_the_ledger_once_each():
    finished = Activity.objects.filter(finished_at__isnull=False)
    attendances = Attendance.objects.filter(activity__in=finished, removed_at__isnull=True)
    assert attendances.exists()
    assert not attendances.filter(finalised_at__isnull=True).exists()
    awarded = PointsEntry.objects.filter(kind=Kind.SERVICE, attendance__isnull=False)
    assert awarded.count() == awarded.values("attendance").distinct().count() > 20
    # Every party member has basic points, under a key per person and month.
    basic = PointsEntry.objects.filter(idempotency_key__startswith="demo:basic:")
    assert basic.filter(person=user("partymember").person).count() >= 2
    assert AuditEvent.objects.filter(action="points.adjust").exists()  # the demo accounts'


def test_past_months_are_published_and_the_latest_is_open_for_objections():
    months = sorted(set(RankingSnapshot.objects.values_list("period", flat=True)))
    assert len(months) >= 2
    now = timezone.now()
    latest = RankingSnapshot.objects.filter(period=months[-1])
    assert all(s.notice_open(now) for s in latest)
    assert not any(s.notice_open(now) for s in RankingSnapshot.objects.filter(period=months[0]))
    town = latest.get(organisation__code="shazhou", population="volunteers", measure="points")
    assert town.people > 0

    objection = Objection.objects.get()
    assert objection.person == user("partymember").person
    assert objection.status == "pending" and objection.snapshot.period == months[-1]
    assert may_answer_objection(user("secretary"), objection)
