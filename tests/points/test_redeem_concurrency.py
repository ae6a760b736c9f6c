"""Twenty people redeem the last item at once: exactly one gets it (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection, connections

from core.errors import DomainError
from points.models import Kind, PersonTotal, PointsEntry, Redemption, Reward
from points.services import points_adjust
from points.services.rewards import reward_redeem
from points.verify import ledger_differences

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions"
    ),
]

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_redemptions_of_the_last_item_make_one(
    make_person, person_with_role, town, Role
):
    secretary = person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记").user
    people = []
    for n in range(THREADS):
        person = make_person(real_name=f"志愿者{n}", home_grid=town.liyuan_grid1)
        points_adjust(person=person, amount=50, category="reward", reason="测试积分", by=secretary)
        people.append(person)
    reward = Reward.objects.create(
        community=town.liyuan, name="大米", price=30, stock=1, per_person_limit=1
    )
    barrier = threading.Barrier(THREADS)
    successes, refusals, errors = [], [], []

    def redeem(person):
        try:
            barrier.wait(timeout=30)
            successes.append(reward_redeem(reward=reward, person=person, by=person.user))
        except DomainError as refusal:
            refusals.append(refusal.code)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(successes) == 1
    assert refusals == ["out_of_stock"] * (THREADS - 1)
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.count() == 1
    assert PointsEntry.objects.filter(kind=Kind.REDEMPTION).count() == 1
    winner = successes[0].person
    balances = dict(PersonTotal.objects.filter(period="all").values_list("person_id", "balance"))
    assert balances[winner.pk] == 20
    assert sorted(balances[p.pk] for p in people if p.pk != winner.pk) == [50] * (THREADS - 1)
    assert ledger_differences() == []


@pytest.mark.django_db(transaction=True)
def test_the_same_confirmation_sent_five_times_at_once_spends_once(
    make_person, person_with_role, town, Role
):
    """A double (or quintuple) tap on 确认兑换: one request id, one redemption."""
    secretary = person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记").user
    person = make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)
    points_adjust(person=person, amount=50, category="reward", reason="测试积分", by=secretary)
    reward = Reward.objects.create(
        community=town.liyuan, name="毛巾", price=10, stock=5, per_person_limit=0
    )
    taps = 5
    barrier = threading.Barrier(taps)
    results, errors = [], []

    def tap():
        try:
            barrier.wait(timeout=30)
            results.append(
                reward_redeem(reward=reward, person=person, by=person.user, request="tap-1").pk
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap) for _ in range(taps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == taps and len(set(results)) == 1  # every tap sees the one redemption
    assert Redemption.objects.count() == 1
    reward.refresh_from_db()
    assert reward.stock == 4
    assert PersonTotal.objects.get(person=person, period="all").balance == 40
    assert ledger_differences() == []
