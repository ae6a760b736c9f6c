"""The composite policies: each actor (tests.actors) against objects inside and outside
its subtree, allowed and refused."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from volunteers.models import Activity, CommunityReport, Organisation
from volunteers.permissions import (
    TOWN_EDITORS,
    Action,
    administers_a_town,
    administers_town_of,
    audience_refusal_message,
    can,
    forget_grants,
    in_audience,
    is_town_editor,
    may_write_news_for,
    news_communities_for,
    organisations_in_scope,
    oversees_points_scope_of,
    people_visible_by_name,
    reports_user_may_decide,
)
from volunteers.services.memberships import membership_end
from volunteers.services.organisations import organisation_add, organisation_set_based_in

from ..actors import ACTORS


def cases(table: dict[str, tuple[bool, ...]], targets: tuple[str, ...]) -> list:
    """``{actor: (answer for each target)}`` as (actor, target, answer) cases.

    Every actor is asked (the anonymous visitor may be left out only where the question
    is about a person, which they are not)."""
    assert set(ACTORS) - {"anonymous"} <= set(table), table
    return [
        pytest.param(name, target, answer, id=f"{name}-{target}")
        for name, answers in table.items()
        for target, answer in zip(targets, answers, strict=True)
    ]


NOBODY = (False, False)


@pytest.fixture
def other_town(db):
    """A second town, beside 沙州镇 (its own root), with one community."""
    kind = Organisation.Kind
    root = organisation_add(parent=None, name="月牙泉镇", kind=kind.TOWN, code="yueyaquan")
    community = organisation_add(parent=root, name="月牙泉社区", kind=kind.COMMUNITY, code="yyq")
    community.refresh_from_db()
    return community


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("town_admin", True),
        ("community_secretary", False),
        ("branch_secretary", False),
        ("team_leader", False),
        ("grid_member", False),
        ("volunteer", False),
        ("anonymous", False),
        ("ended_secretary", False),
    ],
)
def test_only_an_administrator_of_the_town_edits_its_town_wide_lists(name, answer, actor):
    assert administers_a_town(actor(name).user) is answer


def test_an_ended_town_administrator_no_longer_edits_town_wide_lists(town, person_with_role):
    admin = person_with_role("admin", town.town)
    membership_end(membership=admin.memberships.get())
    user = type(admin.user).objects.get(pk=admin.user_id)
    assert administers_a_town(user) is False


@pytest.mark.parametrize(
    ("name", "target", "answer"),
    cases(
        {
            "town_admin": (True, False),
            "community_secretary": NOBODY,
            "branch_secretary": NOBODY,
            "team_leader": NOBODY,
            "grid_member": NOBODY,
            "volunteer": NOBODY,
            "anonymous": NOBODY,
            "ended_secretary": NOBODY,
        },
        ("in_own_town", "in_other_town"),
    ),
)
def test_the_administrator_of_a_town_is_asked_about_nodes_of_that_town_only(
    name, target, answer, actor, town, other_town
):
    node = {"in_own_town": town.liyuan_grid1, "in_other_town": other_town}[target]
    assert administers_town_of(actor(name).user, node) is answer


@pytest.mark.parametrize(
    ("name", "target", "answer"),
    cases(
        {
            "town_admin": (True, True, True, False),
            "community_secretary": (True, False, False, False),
            "branch_secretary": (False, False, False, False),
            "team_leader": (False, False, False, False),
            "grid_member": (False, False, False, False),
            "volunteer": (False, False, False, False),
            "anonymous": (False, False, False, False),
            "ended_secretary": (False, False, False, False),
        },
        ("grid_secretary_inside", "grid_secretary_outside", "peer_secretary", "town_admin"),
    ),
)
def test_only_someone_whose_points_scope_strictly_contains_another_is_above_them(
    name, target, answer, actor, town, person_with_role
):
    role, node = {
        "grid_secretary_inside": ("secretary", town.liyuan_grid1),
        "grid_secretary_outside": ("secretary", town.qiaobei_grid1),
        "peer_secretary": ("secretary", town.liyuan),
        "town_admin": ("admin", town.town),
    }[target]
    other = person_with_role(role, node, real_name="录入人").user
    assert oversees_points_scope_of(actor(name).user, other) is answer


def test_nobody_is_above_no_one(actor):
    assert oversees_points_scope_of(actor("town_admin").user, None) is False


@pytest.mark.parametrize(
    ("name", "target", "answer"),
    cases(
        {
            "town_admin": (True, True, True),
            "community_secretary": (True, False, True),
            "branch_secretary": (True, False, True),
            "team_leader": (False, False, True),
            "grid_member": (True, False, True),
            "volunteer": (False, False, True),
            "anonymous": (False, False, False),
            "ended_secretary": (False, False, True),
        },
        ("inside", "outside", "self"),
    ),
)
def test_a_ranking_shows_full_names_of_oneself_and_of_ones_subtree_only(
    name, target, answer, actor, town, make_person
):
    viewer = actor(name)
    seen = {
        "inside": lambda: make_person(
            real_name="梨园党员",
            home_grid=town.liyuan_grid1,
            political_status="party_member",
            party_branch=town.liyuan_branch,
        ),
        "outside": lambda: make_person(real_name="桥北居民", home_grid=town.qiaobei_grid1),
        "self": lambda: viewer.person or make_person(real_name="陌生人"),
    }[target]()
    visible = people_visible_by_name(viewer.user, viewer.person, [seen.pk])
    assert (seen.pk in visible) is answer


def test_no_rows_means_only_oneself_is_named(actor):
    viewer = actor("town_admin")
    assert people_visible_by_name(viewer.user, viewer.person, []) == {viewer.person.pk}


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
        ("to_own_community", "to_other_community"),
    ),
)
def test_a_report_is_decided_by_who_manages_the_people_of_its_community(
    name, target, answer, actor, town, make_person
):
    community = {"to_own_community": town.liyuan, "to_other_community": town.qiaobei}[target]
    report = CommunityReport.objects.create(
        person=make_person(real_name="在职党员", political_status="party_member"),
        community=community,
        via=CommunityReport.Via.SELF,
        applied_at=timezone.now(),
    )
    decided = reports_user_may_decide(actor(name).user, CommunityReport.objects.all())
    assert (report in decided) is answer


NEWS_ACTORS = (*ACTORS, "town_editor")


@pytest.fixture
def news_actor(actor, make_person):
    """``actor``, and a town editor: no role, but in the 镇编辑 group."""

    def make(name: str):
        if name != "town_editor":
            return actor(name).user
        editor = make_person(real_name="镇编辑").user
        editor.groups.add(Group.objects.get_or_create(name=TOWN_EDITORS)[0])
        return type(editor).objects.get(pk=editor.pk)

    return make


@pytest.mark.parametrize(
    ("name", "target", "answer"),
    cases(
        {
            "town_admin": (True, True, False),
            "community_secretary": (True, False, False),
            "branch_secretary": (False, False, False),
            "team_leader": (False, False, False),
            "grid_member": (False, False, False),
            "volunteer": (False, False, False),
            "anonymous": (False, False, False),
            "ended_secretary": (False, False, False),
            "town_editor": (True, True, True),
        },
        ("own_community", "other_community", "whole_town"),
    ),
)
def test_news_is_written_for_a_community_one_may_publish_for_or_by_a_town_editor(
    name, target, answer, news_actor, town
):
    community = {
        "own_community": town.liyuan,
        "other_community": town.qiaobei,
        "whole_town": None,
    }[target]
    user = news_actor(name)
    assert may_write_news_for(user, community) is answer
    if community is not None:
        assert (community in news_communities_for(user)) is answer


@pytest.mark.parametrize("name", NEWS_ACTORS)
def test_only_the_town_editor_group_makes_a_town_editor(name, news_actor):
    assert is_town_editor(news_actor(name)) is (name == "town_editor")


AUDIENCES = ("everyone", "party_members", "team", "own_subtree", "other_subtree")


@pytest.mark.parametrize(
    ("name", "target", "answer"),
    cases(
        {
            "town_admin": (True, False, False, False, False),
            "community_secretary": (True, False, False, True, False),
            "branch_secretary": (True, True, False, True, False),
            "team_leader": (True, False, True, False, False),
            "grid_member": (True, False, False, True, False),
            "volunteer": (True, False, False, True, False),
            "ended_secretary": (True, False, False, False, False),
        },
        AUDIENCES,
    ),
)
def test_an_activity_is_for_its_audience_by_current_ties_only(
    name, target, answer, actor, town, make_activity
):
    Audience = Activity.Audience
    audience, organisation = {
        "everyone": (Audience.EVERYONE, town.liyuan),
        "party_members": (Audience.PARTY_MEMBERS, town.liyuan),
        "team": (Audience.TEAM, town.liyuan),
        "own_subtree": (Audience.SUBTREE, town.liyuan),
        "other_subtree": (Audience.SUBTREE, town.qiaobei),
    }[target]
    activity = make_activity(
        organisation=organisation,
        audience=audience,
        audience_team=town.team if audience == Audience.TEAM else None,
    )
    assert in_audience(activity, actor(name).person) is answer


def test_a_team_member_whose_role_ended_is_no_longer_the_teams_audience(
    town, person_with_role, make_activity
):
    member = person_with_role("member", town.team)
    activity = make_activity(audience=Activity.Audience.TEAM, audience_team=town.team)
    assert in_audience(activity, member) is True
    membership_end(membership=member.memberships.get())
    assert in_audience(activity, member) is False


@pytest.mark.parametrize(
    ("audience", "message"),
    [
        (Activity.Audience.SUBTREE, "本活动仅限梨园社区的成员参加。"),
        (Activity.Audience.PARTY_MEMBERS, "本活动仅限党员参加。"),
        (Activity.Audience.TEAM, "本活动仅限文明交通劝导队参加。"),
    ],
)
def test_someone_outside_the_audience_is_told_who_it_is_for(audience, message, town, make_activity):
    activity = make_activity(
        audience=audience,
        audience_team=town.team if audience == Activity.Audience.TEAM else None,
    )
    assert audience_refusal_message(activity) == message


# A squad hangs under the town's detachment; once it is based in 梨园社区, 梨园's own staff
# run it and its teams too (publish, check in), and nobody else gains anything.
SQUAD_ACTIONS = (Action.PUBLISH, Action.CHECK_IN, Action.MANAGE_PEOPLE)


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        ("town_admin", (True, True, True), (True, True, True)),
        ("community_secretary", (False, False, False), (True, True, True)),
        ("branch_secretary", (False, False, False), (False, False, False)),
        ("team_leader", (True, True, False), (True, True, False)),
        ("grid_member", (False, False, False), (False, False, False)),
        ("volunteer", (False, False, False), (False, False, False)),
        ("anonymous", (False, False, False), (False, False, False)),
        ("ended_secretary", (False, False, False), (False, False, False)),
    ],
)
def test_a_squad_based_in_a_community_is_run_by_that_communitys_staff(
    name, before, after, actor, town
):
    user = actor(name).user

    def answers():
        forget_grants(user)
        return tuple(can(user, action, town.team) for action in SQUAD_ACTIONS)

    assert answers() == before
    organisation_set_based_in(squad=town.squad, community=town.liyuan)
    assert answers() == after
    listed = organisations_in_scope(user, Action.CHECK_IN).filter(pk=town.team.pk).exists()
    assert listed is after[1]  # lists follow the same rule as single questions
