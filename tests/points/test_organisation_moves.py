"""Moving a node of the tree: the rankings' pre-aggregated rows follow the people under it.

A person ranks under every node at or above their grid, branch, unit, reported community
and roles; a grid moved to another community takes its people's totals out of the old
community's rankings and into the new one's, in the move's transaction.
"""

import pytest

from points.models import ScopeTotal
from points.periods import ALL_TIME
from points.selectors.rankings import ranking_top
from points.verify import ledger_differences
from volunteers.models import Organisation
from volunteers.services.memberships import membership_grant
from volunteers.services.organisations import organisation_move


def top(organisation, population="volunteers"):
    """{name: points} of one all-time ranking, as the ranking pages read it."""
    rows = ranking_top(
        organisation=organisation, period=ALL_TIME, population=population, measure="points"
    )
    return {row.name: row.value for row in rows}


@pytest.fixture
def people_of_grid1(make_person, person_with_role, town, give):
    """Two people tied to 梨园社区第1网格 (a resident, a grid worker) and one in 第2网格."""
    resident = make_person(real_name="网格居民", home_grid=town.liyuan_grid1)
    worker = make_person(real_name="专职网格员")
    membership_grant(person=worker, organisation=town.liyuan_grid1, role="grid_worker")
    neighbour = make_person(real_name="二网格居民", home_grid=town.liyuan_grid2)
    give(resident, 5)
    give(worker, 3)
    give(neighbour, 4)
    return resident, worker, neighbour


def test_a_grid_moved_to_another_community_takes_its_peoples_points_along(
    people_of_grid1, town, verify_clean
):
    assert top(town.liyuan) == {"网格居民": 5, "二网格居民": 4, "专职网格员": 3}
    assert top(town.qiaobei) == {}

    organisation_move(organisation=town.liyuan_grid1, new_parent=town.qiaobei)

    assert top(town.liyuan) == {"二网格居民": 4}
    assert top(town.qiaobei) == {"网格居民": 5, "专职网格员": 3}
    assert top(town.town) == {"网格居民": 5, "二网格居民": 4, "专职网格员": 3}
    grid = Organisation.objects.get(code="liyuan-grid-1")
    assert top(grid) == {"网格居民": 5, "专职网格员": 3}
    assert ledger_differences() == []
    verify_clean()


def test_a_move_writes_only_the_rows_of_the_scopes_that_changed(people_of_grid1, town):
    resident = people_of_grid1[0]
    grid_rows = set(
        ScopeTotal.objects.filter(person=resident, organisation=town.liyuan_grid1).values_list(
            "period", "points"
        )
    )

    organisation_move(organisation=town.liyuan_grid1, new_parent=town.qiaobei)

    codes = set(
        ScopeTotal.objects.filter(person=resident, period=ALL_TIME).values_list(
            "organisation__code", flat=True
        )
    )
    assert codes == {"shazhou", "qiaobei", "liyuan-grid-1"}
    assert grid_rows == set(
        ScopeTotal.objects.filter(person=resident, organisation=town.liyuan_grid1).values_list(
            "period", "points"
        )
    )


def test_moving_a_party_branch_moves_its_members_rankings(make_person, town, give, verify_clean):
    member = make_person(
        real_name="支部党员",
        political_status="party_member",
        party_branch=town.liyuan_branch,
        home_grid=town.liyuan_grid1,
    )
    give(member, 6)
    committee = Organisation.objects.get(code="qiaobei-pc")

    organisation_move(organisation=town.liyuan_branch, new_parent=committee)

    # Still in 梨园 through the home grid; now in 桥北 through the branch.
    assert top(town.qiaobei, "party_members") == {"支部党员": 6}
    assert top(town.liyuan, "party_members") == {"支部党员": 6}
    assert top(Organisation.objects.get(code="liyuan-pc"), "party_members") == {}
    verify_clean()
