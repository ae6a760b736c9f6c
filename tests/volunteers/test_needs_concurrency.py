"""Twenty party members claiming a need's last place at once make exactly one claim.

On PostgreSQL, with real concurrent transactions: the need's row lock makes the others
wait, count again, and hear that the places are taken (a conflict), never a second claim
or a counter past the need's places.
"""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from core.errors import Conflict
from volunteers.models import Claim, Need, NeedCategory
from volunteers.services.needs import need_claim, need_record

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions"
    ),
]

CLAIMANTS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_claims_on_the_last_place_make_one(town, make_person, person_with_role):
    worker = person_with_role("grid_worker", town.liyuan_grid1)
    need = need_record(
        by=worker.user,
        grid=town.liyuan_grid1,
        kind=Need.Kind.SERVICE,
        category=NeedCategory.objects.get_or_create(name="法律咨询与援助")[0],  # after a flush
        title="劳动合同纠纷法律咨询",
        resident_name="王女士",
        places=2,
        deadline=timezone.localdate() + datetime.timedelta(days=7),
        publish=True,
    )
    first = make_person(political_status="party_member")
    need_claim(need=need, person=first)  # one place left
    people = [make_person(political_status="party_member") for _ in range(CLAIMANTS)]
    barrier = threading.Barrier(CLAIMANTS)
    claims, refusals, errors = [], [], []

    def claim(person):
        try:
            barrier.wait(timeout=30)
            claims.append(need_claim(need=need, person=person))
        except Conflict as refusal:
            refusals.append(refusal.code)
        except Exception as exc:  # anything else is the bug this test is for
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(claims) == 1
    assert refusals == ["need_full"] * (CLAIMANTS - 1)
    need.refresh_from_db()
    assert (need.status, need.claimed_places) == (Need.Status.CLAIMED, 2)
    assert Claim.objects.filter(need=need).count() == 2
