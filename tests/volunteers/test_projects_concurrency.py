"""Twenty party members claiming a project post's last place at once make exactly one claim.

On PostgreSQL, with real concurrent transactions: the post's row lock makes the others
wait, count again, and hear that the places are taken, never a second claim or a counter
past the post's places.
"""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from core.errors import Conflict
from core.quarters import Quarter
from volunteers.models import Claim
from volunteers.services.projects import post_add, post_claim, project_create, project_open

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions"
    ),
]

CLAIMANTS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_claims_on_the_last_post_place_make_one(town, make_person, person_with_role):
    secretary = person_with_role("secretary", town.liyuan).user
    project = project_create(
        by=secretary,
        community=town.liyuan,
        quarter=Quarter.current().key,
        title="法律服务进社区",
        lead_unit=town.unit,
    )
    post = post_add(
        project=project,
        by=secretary,
        title="周末法律咨询",
        places=2,
        deadline=timezone.localdate() + datetime.timedelta(days=7),
    )
    project_open(project=project, by=secretary)
    post_claim(post=post, person=make_person(political_status="party_member"))  # one left
    people = [make_person(political_status="party_member") for _ in range(CLAIMANTS)]
    barrier = threading.Barrier(CLAIMANTS)
    claims, refusals, errors = [], [], []

    def claim(person):
        try:
            barrier.wait(timeout=30)
            claims.append(post_claim(post=post, person=person))
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
    assert refusals == ["post_full"] * (CLAIMANTS - 1)
    post.refresh_from_db()
    assert post.claimed_places == 2
    assert Claim.objects.filter(post=post).count() == 2
