"""Who may do what to points objects (``points.policies``): each role against objects
inside and outside its subtree, an ended role and an anonymous visitor."""

import datetime

import pytest
from django.utils import timezone

from points.models import Measure, Objection, Population, RankingSnapshot, ServiceRecord
from points.policies import (
    may_answer_objection,
    may_decide_backfill,
    may_object_to,
    may_run_shop,
    objections_user_may_answer,
)
from points.services.publication import previous_month

from ..actors import ACTORS

NOBODY = (False, False)


def cases(table: dict[str, tuple[bool, ...]], targets: tuple[str, ...]) -> list:
    """``{actor: (answer for each target)}`` as (actor, target, answer) cases; the
    anonymous visitor may be left out only where the question is about a person."""
    assert set(ACTORS) - {"anonymous"} <= set(table), table
    return [
        pytest.param(name, target, answer, id=f"{name}-{target}")
        for name, answers in table.items()
        for target, answer in zip(targets, answers, strict=True)
    ]


@pytest.fixture
def inside(make_person, town):
    """A party member of 梨园: home in its first grid, in its party branch."""
    return make_person(
        real_name="梨园党员",
        home_grid=town.liyuan_grid1,
        political_status="party_member",
        party_branch=town.liyuan_branch,
    )


@pytest.fixture
def outside(make_person, town):
    return make_person(real_name="桥北居民", home_grid=town.qiaobei_grid1)


@pytest.fixture
def snapshot(town):
    """梨园's volunteer points ranking of last month, in its notice period."""
    now = timezone.now()
    return RankingSnapshot.objects.create(
        organisation=town.liyuan,
        period=previous_month(now),
        population=Population.VOLUNTEERS,
        measure=Measure.POINTS,
        scope_name=town.liyuan.name,
        published_at=now,
        notice_until=now + datetime.timedelta(days=7),
    )


@pytest.mark.parametrize(
    ("name", "target", "answer"),
    cases(
        {
            "town_admin": (True, True),
            "community_secretary": (True, False),
            "branch_secretary": NOBODY,
            "team_leader": NOBODY,
            "grid_member": NOBODY,
            "volunteer": NOBODY,
            "anonymous": NOBODY,
            "ended_secretary": NOBODY,
        },
        ("own_community", "other_community"),
    ),
)
def test_a_communitys_shop_is_run_by_who_adjusts_points_there(name, target, answer, actor, town):
    community = {"own_community": town.liyuan, "other_community": town.qiaobei}[target]
    assert may_run_shop(actor(name).user, community) is answer


ANSWERERS = {
    "town_admin": (True, True),
    "community_secretary": (True, False),
    "branch_secretary": (True, False),
    "team_leader": NOBODY,
    "grid_member": NOBODY,
    "volunteer": NOBODY,
    "anonymous": NOBODY,
    "ended_secretary": NOBODY,
}


@pytest.mark.parametrize(("name", "target", "answer"), cases(ANSWERERS, ("inside", "outside")))
def test_an_objection_is_answered_by_who_adjusts_the_points_of_its_author(
    name, target, answer, actor, snapshot, request
):
    objection = Objection.objects.create(
        snapshot=snapshot, person=request.getfixturevalue(target), text="我的积分少算了"
    )
    user = actor(name).user
    assert may_answer_objection(user, objection) is answer
    # The secretary's queue is the same answer, as one query.
    assert (objection in objections_user_may_answer(user, Objection.objects.all())) is answer


BACKFILLS = ("inside", "outside", "by_a_peer")


@pytest.mark.parametrize(
    ("name", "target", "answer"),
    cases(
        {
            "town_admin": (True, True, True),
            "community_secretary": (True, False, False),
            "branch_secretary": (False, False, False),
            "team_leader": (False, False, False),
            "grid_member": (False, False, False),
            "volunteer": (False, False, False),
            "anonymous": (False, False, False),
            "ended_secretary": (False, False, False),
        },
        BACKFILLS,
    ),
)
def test_a_backfill_is_decided_above_whoever_entered_it_or_by_the_town_administrator(
    name, target, answer, actor, town, person_with_role, past_activity, request
):
    """Inside: a 梨园 grid secretary entered it for a 梨园 party member at a 梨园 activity
    (the branch secretary may adjust that person's points, but is not above the grid).
    Outside: the same in 桥北. By a peer: another 梨园 community secretary entered it."""
    person, organisation, role, node = {
        "inside": ("inside", town.liyuan, "secretary", town.liyuan_grid1),
        "outside": ("outside", town.qiaobei, "secretary", town.qiaobei_grid1),
        "by_a_peer": ("inside", town.liyuan, "secretary", town.liyuan),
    }[target]
    record = ServiceRecord(
        person=request.getfixturevalue(person),
        activity=past_activity(organisation=organisation),
        source=ServiceRecord.Source.BACKFILL,
        status=ServiceRecord.Status.PENDING,
        minutes=60,
        entered_by=person_with_role(role, node, real_name="录入人").user,
    )
    assert may_decide_backfill(actor(name).user, record) is answer


def test_nobody_decides_a_backfill_they_entered_themselves(actor, inside, past_activity):
    admin = actor("town_admin").user
    record = ServiceRecord(
        person=inside,
        activity=past_activity(),
        source=ServiceRecord.Source.BACKFILL,
        status=ServiceRecord.Status.PENDING,
        minutes=60,
        entered_by=admin,
    )
    assert may_decide_backfill(admin, record) is False


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("town_admin", False),  # ranks under the town, not in 梨园's list
        ("community_secretary", True),
        ("branch_secretary", True),
        ("team_leader", False),
        ("grid_member", True),
        ("volunteer", True),
        ("ended_secretary", False),
    ],
)
def test_whoever_ranks_in_the_lists_scope_may_object_to_it(name, answer, actor, snapshot):
    assert may_object_to(actor(name).person, snapshot) is answer


def test_someone_outside_the_lists_scope_may_not_object(outside, snapshot):
    assert may_object_to(outside, snapshot) is False
