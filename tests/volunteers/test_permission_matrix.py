"""The permission matrix: each role against each kind of object, allowed and refused."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from volunteers.models import Membership
from volunteers.permissions import (
    Action,
    can,
    can_anywhere,
    organisations_in_scope,
    outermost,
    people_in_scope,
)
from volunteers.services.memberships import membership_end

# The spec, written out by hand: what each role may do inside its own subtree.
ORGANISER = {"view", "publish", "check_in", "admit"}
EXPECTED = {
    "member": {"view"},
    "leader": ORGANISER | {"write_news"},
    "deputy": ORGANISER | {"write_news"},
    "secretary": ORGANISER | {"manage_people", "adjust_points", "write_news", "manage_needs"},
    "admin": ORGANISER
    | {
        "manage_people",
        "adjust_points",
        "manage_roles",
        "write_news",
        "manage_needs",
        "represent_unit",
    },
    "editor": {"view", "write_news"},
    "grid_head": ORGANISER | {"manage_people", "manage_needs"},
    "grid_worker": {"view", "check_in", "manage_people", "admit", "manage_needs"},
    "street_head": {"view"},
    "party_household": {"view"},
    "informant": {"view"},
    "contact": {"view", "represent_unit"},
}
ACTIONS = sorted(Action.ALL)


def _objects(town, make_person):
    """Objects of every kind inside the 梨园 community subtree and outside it."""
    inside = {
        "community": town.liyuan,
        "grid": town.liyuan_grid1,
        "party_branch": town.liyuan_branch,
        "party_group": town.liyuan_group,
        "resident": make_person(real_name="梨园居民", home_grid=town.liyuan_grid2),
        "party_member": make_person(
            real_name="梨园党员",
            political_status="party_member",
            party_branch=town.liyuan_branch,
        ),
    }
    outside = {
        "town": town.town,
        "other_community": town.qiaobei,
        "other_grid": town.qiaobei_grid1,
        "other_branch": town.qiaobei_branch,
        "team": town.team,
        "unit": town.unit,
        "other_resident": make_person(real_name="桥北居民", home_grid=town.qiaobei_grid1),
    }
    return inside, outside


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_on_a_community_covers_its_subtree_and_nothing_else(
    role, town, make_person, person_with_role
):
    holder = person_with_role(role, town.liyuan, real_name=f"{role}持有人")
    user = holder.user
    inside, outside = _objects(town, make_person)

    for action in ACTIONS:
        allowed = action in EXPECTED[role]
        for name, obj in inside.items():
            assert can(user, action, obj) is allowed, (role, action, name)
        for name, obj in outside.items():
            assert can(user, action, obj) is False, (role, action, name)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_on_a_team_covers_the_team_but_not_its_sibling_or_squad(role, town, person_with_role):
    user = person_with_role(role, town.team).user
    for action in ACTIONS:
        assert can(user, action, town.team) is (action in EXPECTED[role]), (role, action)
        assert can(user, action, town.other_team) is False
        assert can(user, action, town.squad) is False


def test_town_admin_may_do_everything_everywhere(town, make_person, person_with_role):
    user = person_with_role("admin", town.town).user
    inside, outside = _objects(town, make_person)
    for obj in [*inside.values(), *outside.values()]:
        for action in ACTIONS:
            assert can(user, action, obj), (action, obj)


def test_anonymous_and_roleless_users_may_do_nothing(town, make_person):
    roleless = make_person(real_name="无角色", home_grid=town.liyuan_grid1)
    for user in (AnonymousUser(), roleless.user):
        for action in ACTIONS:
            assert can(user, action, town.liyuan_grid1) is False
            assert can_anywhere(user, action) is False


def test_a_person_may_view_their_own_record_but_not_change_it(town, make_person):
    person = make_person(home_grid=town.liyuan_grid1)
    assert can(person.user, Action.VIEW, person) is True
    assert can(person.user, Action.MANAGE_PEOPLE, person) is False


def test_an_ended_role_grants_nothing_from_that_day(town, person_with_role):
    holder = person_with_role("secretary", town.liyuan)
    user = holder.user
    assert can(user, Action.MANAGE_PEOPLE, town.liyuan_grid1) is True
    membership_end(membership=holder.memberships.get())
    assert can(user, Action.MANAGE_PEOPLE, town.liyuan_grid1) is False


def test_a_role_that_starts_tomorrow_grants_nothing_today(town, person_with_role):
    holder = person_with_role("secretary", town.liyuan)
    holder.memberships.update(start_date=timezone.localdate() + datetime.timedelta(days=1))
    user = type(holder.user).objects.get(pk=holder.user.pk)
    assert can(user, Action.VIEW, town.liyuan_grid1) is False


def test_a_person_is_in_scope_through_any_of_their_organisations(
    town, make_person, person_with_role
):
    secretary = person_with_role("secretary", town.liyuan).user
    via_branch = make_person(
        real_name="只在支部", political_status="party_member", party_branch=town.liyuan_branch
    )
    via_team = make_person(real_name="只在队伍")
    Membership.objects.create(person=via_team, organisation=town.team, role="member")
    assert can(secretary, Action.MANAGE_PEOPLE, via_branch) is True
    assert (
        can(secretary, Action.MANAGE_PEOPLE, via_team) is False
    )  # the team is not in 梨园's subtree


def test_scope_queries_agree_with_the_rule(town, make_person, person_with_role):
    secretary = person_with_role("secretary", town.liyuan).user
    inside = make_person(real_name="里", home_grid=town.liyuan_grid1)
    outside = make_person(real_name="外", home_grid=town.qiaobei_grid1)

    people = set(people_in_scope(secretary, Action.MANAGE_PEOPLE))
    assert inside in people and outside not in people
    assert people == {p for p in people if can(secretary, Action.MANAGE_PEOPLE, p)}

    orgs = set(organisations_in_scope(secretary, Action.MANAGE_PEOPLE))
    assert town.liyuan_grid2 in orgs and town.qiaobei_grid1 not in orgs
    assert all(can(secretary, Action.MANAGE_PEOPLE, o) for o in orgs)


def test_the_permission_question_costs_one_query_per_request(
    town, person_with_role, django_assert_num_queries
):
    user = person_with_role("secretary", town.liyuan).user
    user = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        for node in (town.liyuan_grid1, town.liyuan_grid2, town.qiaobei_grid1, town.liyuan_branch):
            can(user, Action.PUBLISH, node)


def test_unknown_action_is_a_programming_error(town, person_with_role):
    user = person_with_role("admin", town.town).user
    with pytest.raises(ValueError):
        can(user, "fly", town.town)


def test_outermost_keeps_only_paths_no_other_path_contains():
    assert outermost(["00010002", "0001", "00020001", "000100020003"]) == ("0001", "00020001")
    assert outermost([]) == ()
