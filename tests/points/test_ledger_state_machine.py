"""Random awards, reversals, adjustments, redemptions and back-fills never leave a total wrong.

A hypothesis state machine drives the services in random order; after every step
verify_ledger's check (``points.verify.ledger_differences``) must find nothing,
and the refusals must be the ones the rules promise.
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.errors import DomainError
from points.models import Category, Kind, PersonTotal, PointsEntry, PointsPolicy, PointsRule
from points.services import (
    points_adjust,
    points_award_for_attendance,
    points_redeem,
    points_reverse,
    servicerecord_approve,
    servicerecord_backfill,
)
from points.verify import ledger_differences
from volunteers.models import ActivityCategory, Attendance, Method
from volunteers.services.attendance import attendance_add_manual, attendance_remove


@pytest.fixture
def world(town, make_person, person_with_role, make_activity, Role):
    PointsPolicy.objects.filter(audience="party_members").update(
        yearly_total_cap=30, basic_cap=10, service_cap=12, reward_cap=8
    )
    people = [
        make_person(real_name="志愿者甲", home_grid=town.liyuan_grid1),
        make_person(
            real_name="党员乙",
            home_grid=town.liyuan_grid2,
            political_status="party_member",
            party_branch=town.liyuan_branch,
        ),
        make_person(real_name="志愿者丙", home_grid=town.liyuan_grid1),
    ]
    categories = list(ActivityCategory.objects.order_by("pk")[:2])
    PointsRule.objects.create(
        name="每日封顶", category=categories[0], points_per_hour=2, daily_cap=3, yearly_cap=9
    )
    first = timezone.now() - datetime.timedelta(days=40)
    activities = [
        make_activity(
            starts_at=first + datetime.timedelta(days=day, hours=hour),
            ends_at=first + datetime.timedelta(days=day, hours=hour + 2),
            category=categories[n % 2],
        )
        for n, (day, hour) in enumerate([(0, 0), (0, 4), (1, 0), (33, 0)])
    ]
    return {
        "people": people,
        "activities": activities,
        "secretary": person_with_role(Role.SECRETARY, town.liyuan, real_name="书记").user,
        "town_secretary": person_with_role(Role.SECRETARY, town.town, real_name="镇书记").user,
        "organiser": person_with_role(Role.LEADER, town.liyuan, real_name="队长").user,
    }


def test_random_ledger_operations_keep_verify_ledger_clean(world):
    people, activities = world["people"], world["activities"]
    secretary, organiser = world["secretary"], world["organiser"]
    person_index = st.integers(0, len(people) - 1)
    activity_index = st.integers(0, len(activities) - 1)

    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Each run is rolled back, so runs start from the same town.
            self._atomic = transaction.atomic()
            self._atomic.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _balance(self, person) -> int:
            row = PersonTotal.objects.filter(person=person, period="all").first()
            return row.balance if row else 0

        @rule(p=person_index, a=activity_index, minutes=st.integers(0, 120))
        def attend_and_award(self, p, a, minutes):
            person, activity = people[p], activities[a]
            attendance = Attendance.objects.filter(person=person, activity=activity).first()
            if attendance is None:
                attendance = Attendance.objects.create(
                    activity=activity,
                    person=person,
                    checked_in_at=activity.starts_at,
                    check_in_method=Method.MANUAL,
                    checked_out_at=activity.starts_at + datetime.timedelta(minutes=minutes),
                    check_out_method=Method.MANUAL,
                    minutes_served=minutes,
                )
            before = PointsEntry.objects.count()
            result = points_award_for_attendance(attendance=attendance)
            assert PointsEntry.objects.count() == before + (1 if result.created else 0)
            again = points_award_for_attendance(attendance=attendance)
            assert not again.created

        @rule(p=person_index, a=activity_index)
        def remove_attendance(self, p, a):
            attendance = Attendance.objects.filter(
                person=people[p], activity=activities[a], removed_at__isnull=True
            ).first()
            if attendance is not None:
                attendance_remove(attendance=attendance, reason="核查撤销", by=organiser)
                assert not PointsEntry.objects.filter(
                    attendance=attendance, kind=Kind.SERVICE, reversed_by__isnull=True
                ).exists()

        @rule(p=person_index, a=activity_index)
        def add_back(self, p, a):
            activity = activities[a]
            if Attendance.objects.filter(
                person=people[p], activity=activity, removed_at__isnull=False
            ).exists():
                attendance = attendance_add_manual(
                    activity=activity,
                    person=people[p],
                    reason="核实到场",
                    by=organiser,
                    checked_in_at=activity.starts_at,
                    checked_out_at=activity.ends_at,
                )
                points_award_for_attendance(attendance=attendance)

        @rule(
            p=person_index,
            amount=st.integers(-15, 15).filter(bool),
            category=st.sampled_from(Category.values),
        )
        def adjust(self, p, amount, category):
            person = people[p]
            balance = self._balance(person)
            try:
                points_adjust(
                    person=person, amount=amount, category=category, reason="随机调整", by=secretary
                )
            except DomainError as refusal:
                assert refusal.code in {"negative_balance", "over_cap", "bad_amount"}
                if refusal.code == "negative_balance":
                    assert balance + amount < 0
                if refusal.code == "bad_amount":
                    assert category == Category.DEDUCTION and amount > 0
            else:
                assert self._balance(person) == balance + amount

        @rule(p=person_index, amount=st.integers(1, 10), key=st.integers(0, 5))
        def redeem(self, p, amount, key):
            person = people[p]
            balance = self._balance(person)
            idempotency_key = f"redemption:{person.pk}:{key}"
            existing = PointsEntry.objects.filter(idempotency_key=idempotency_key).first()
            try:
                points_redeem(person=person, amount=amount, idempotency_key=idempotency_key)
            except DomainError as refusal:
                if refusal.code == "insufficient_balance":
                    assert balance < amount
                else:
                    assert refusal.code == "key_reused" and existing.amount != -amount
            else:
                spent = 0 if existing is not None else amount
                assert self._balance(person) == balance - spent
                assert existing is not None or balance >= amount

        @rule(pick=st.integers(0, 10_000))
        def reverse_something(self, pick):
            entries = list(PointsEntry.objects.order_by("pk").values_list("pk", flat=True))
            if not entries:
                return
            entry = PointsEntry.objects.get(pk=entries[pick % len(entries)])
            was_reversed = PointsEntry.objects.filter(reverses=entry).exists()
            balance = self._balance(entry.person)
            try:
                points_reverse(entry=entry, reason="随机冲正", by=secretary)
            except DomainError as refusal:
                if refusal.code == "would_go_negative":
                    # Below zero only when the reverser confirms, having seen the balance.
                    assert not was_reversed and entry.kind != Kind.REVERSAL
                    assert entry.amount > 0 and balance - entry.amount < 0
                    points_reverse(
                        entry=entry, reason="随机冲正", by=secretary, confirm_negative=True
                    )
                    assert self._balance(entry.person) == balance - entry.amount
                else:
                    assert refusal.code in {"already_reversed", "reversal_of_reversal"}
                    assert was_reversed or entry.kind == Kind.REVERSAL
            else:
                assert not was_reversed and entry.kind != Kind.REVERSAL

        @rule(p=person_index, a=activity_index, minutes=st.integers(60, 130))
        def backfill_and_approve(self, p, a, minutes):
            try:
                record = servicerecord_backfill(
                    person=people[p],
                    activity=activities[a],
                    minutes=minutes,
                    reason="随机补录",
                    by=secretary,
                )
            except DomainError as refusal:
                assert refusal.code in {
                    "too_long",
                    "below_share",
                    "has_attendance",
                    "already_recorded",
                }
                return
            servicerecord_approve(record=record, by=world["town_secretary"])

        @invariant()
        def totals_agree_with_the_ledger(self):
            differences = ledger_differences()
            assert differences == [], "\n".join(map(str, differences))

    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
