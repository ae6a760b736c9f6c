"""Building the organisation tree: adding, renaming, moving, closing, and basing a squad.

Each change is the one rule's (MANAGE_ROLES on the nodes concerned), keeps the tree's shape,
refuses in Chinese with nothing half-written, and leaves an audit line pointing at the node.
The admin pages (组织架构) call the same services and show their refusals on the form.
"""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.errors import Conflict, Forbidden, Invalid
from volunteers import permissions
from volunteers.models import AuditEvent, Membership, Organisation
from volunteers.services.organisations import (
    organisation_add,
    organisation_close,
    organisation_move,
    organisation_rename,
    organisation_set_based_in,
)

Kind = Organisation.Kind
Action = permissions.Action


def fresh(node):
    return Organisation.objects.get(pk=node.pk)


def paths():
    return dict(Organisation.objects.values_list("code", "path"))


def test_a_town_admin_adds_a_grid_and_the_audit_points_at_it(town, town_admin):
    grid = organisation_add(
        parent=town.liyuan, name="梨园社区第3网格", kind=Kind.GRID, code="ly-3", by=town_admin
    )

    assert fresh(grid).get_parent() == town.liyuan
    event = AuditEvent.objects.get(action="organisation.add", actor=town_admin)
    assert event.actor == town_admin
    assert event.target_type == ContentType.objects.get_for_model(Organisation)
    assert event.target_id == str(grid.pk)
    assert event.organisation == grid


@pytest.mark.parametrize(
    ("parent", "kind", "code", "message"),
    [
        ("team", Kind.GRID, "bad-grid", "“文明交通劝导队”下不能添加网格。"),
        ("liyuan", Kind.SQUAD, "bad-squad", "“梨园社区”下不能添加志愿服务小分队。"),
        ("liyuan", Kind.GRID, "ly 3!", "组织编码只能由英文字母、数字"),
    ],
)
def test_a_node_of_the_wrong_kind_or_code_is_refused(town, parent, kind, code, message):
    before = paths()
    with pytest.raises(Invalid) as refused:
        organisation_add(parent=getattr(town, parent), name="新组织", kind=kind, code=code)
    assert message in refused.value.message
    assert paths() == before


def test_without_a_code_a_node_gets_a_free_one_from_its_parents(town):
    # liyuan-grid-3 would come next, but a grid under 桥北 holds it already.
    organisation_add(
        parent=town.qiaobei, name="桥北社区第3网格", kind=Kind.GRID, code="liyuan-grid-3"
    )
    grid = organisation_add(parent=town.liyuan, name="梨园社区第3网格", kind=Kind.GRID, code="  ")
    assert grid.code == "liyuan-grid-4"
    assert fresh(grid).get_parent() == town.liyuan
    event = AuditEvent.objects.get(action="organisation.add", target_id=str(grid.pk))
    assert event.extra["code"] == "liyuan-grid-4"
    team = organisation_add(parent=town.squad, name="防溺水宣传队", kind=Kind.TEAM)
    assert team.code == "squad-liyuan-team-3"

    long_code = "x" * 64
    squad = organisation_add(
        parent=town.detachment, name="长编码小分队", kind=Kind.SQUAD, code=long_code
    )
    codes = {
        organisation_add(parent=squad, name=f"队{n}", kind=Kind.TEAM).code for n in range(1, 12)
    }
    assert len(codes) == 11
    assert all(len(code) <= 64 and code.startswith("x" * 50) for code in codes)
    assert "x" * 62 + "-1" in codes and "x" * 61 + "-11" in codes


def test_a_code_in_use_is_a_conflict_and_a_blank_name_invalid(town):
    with pytest.raises(Conflict) as clash:
        organisation_add(parent=town.liyuan, name="第3网格", kind=Kind.GRID, code="liyuan-grid-1")
    assert clash.value.message == "编码“liyuan-grid-1”已被其他组织使用。"
    with pytest.raises(Invalid, match="请填写组织名称。"):
        organisation_add(parent=town.liyuan, name="  ", kind=Kind.GRID, code="ly-3")
    assert not Organisation.objects.filter(code="ly-3").exists()


def test_nothing_is_added_under_a_closed_organisation(town):
    organisation_close(organisation=town.liyuan_group, reason="并入桥北党小组")
    organisation_close(organisation=town.liyuan_branch, reason="支部撤并")
    with pytest.raises(Conflict) as refused:
        organisation_add(
            parent=town.liyuan_branch, name="新党小组", kind=Kind.PARTY_GROUP, code="g-new"
        )
    assert refused.value.message == "“梨园社区第一网格党支部”已撤销，不能再在其下添加或移入组织。"
    assert not Organisation.objects.filter(code="g-new").exists()


def test_a_secretary_builds_no_tree_and_a_community_admin_only_their_own(
    town, actor, person_with_role
):
    secretary = actor("community_secretary").user
    with pytest.raises(Forbidden, match="您无权管理“梨园社区”的组织架构。"):
        organisation_add(
            parent=town.liyuan, name="第3网格", kind=Kind.GRID, code="ly-3", by=secretary
        )
    admin = person_with_role("admin", town.liyuan, real_name="梨园管理员").user
    organisation_rename(organisation=town.liyuan_grid1, name="梨园一网格", by=admin)
    with pytest.raises(Forbidden):
        organisation_rename(organisation=town.qiaobei_grid1, name="桥北一网格", by=admin)
    with pytest.raises(Forbidden):
        organisation_move(organisation=town.liyuan_grid1, new_parent=town.qiaobei, by=admin)
    assert fresh(town.qiaobei_grid1).name == "桥北社区第1网格"
    assert fresh(town.liyuan_grid1).get_parent() == town.liyuan


def test_rename_is_audited_with_the_old_name(town, town_admin):
    organisation_rename(
        organisation=town.team, name="红马甲交通劝导队", description="早晚高峰", by=town_admin
    )
    team = fresh(town.team)
    assert (team.name, team.description) == ("红马甲交通劝导队", "早晚高峰")
    event = AuditEvent.objects.get(action="organisation.rename")
    assert event.extra["old_name"] == "文明交通劝导队"
    assert event.target_id == str(team.pk)


def test_a_move_under_its_own_descendant_is_refused_and_nothing_changes(town, town_admin):
    before = paths()
    with pytest.raises(Invalid) as refused:
        organisation_move(organisation=town.liyuan, new_parent=town.liyuan_grid1, by=town_admin)
    assert (
        refused.value.message == "不能把“梨园社区”移到它自己或它的下级组织“梨园社区第1网格”之下。"
    )
    with pytest.raises(Invalid, match="不能把“梨园社区”移到它自己"):
        organisation_move(organisation=town.liyuan, new_parent=town.liyuan, by=town_admin)
    assert paths() == before
    assert not AuditEvent.objects.filter(action="organisation.move").exists()


def test_a_move_keeps_the_kind_rules(town, town_admin):
    with pytest.raises(Invalid, match="网格不能放在志愿服务小分队“梨园志愿服务小分队”之下。"):
        organisation_move(organisation=town.liyuan_grid1, new_parent=town.squad, by=town_admin)
    moved = organisation_move(
        organisation=town.liyuan_grid1, new_parent=town.qiaobei, by=town_admin
    )
    assert moved.get_parent() == town.qiaobei
    assert fresh(town.qiaobei).contains(moved) and not fresh(town.liyuan).contains(moved)
    event = AuditEvent.objects.get(action="organisation.move")
    assert (event.extra["old_parent"], event.extra["new_parent"]) == ("梨园社区", "桥北社区")


def test_closing_twice_and_closing_with_an_open_child_are_refused(town, town_admin):
    with pytest.raises(Conflict) as open_child:
        organisation_close(organisation=town.squad, reason="撤并", by=town_admin)
    assert "文明交通劝导队、敬老助残服务队" in open_child.value.message
    assert fresh(town.squad).closed_on is None

    organisation_close(organisation=town.team, reason="并入敬老助残服务队", by=town_admin)
    assert fresh(town.team).closed_on == timezone.localdate()
    with pytest.raises(Conflict, match=r"已于 .* 撤销"):
        organisation_close(organisation=fresh(town.team), reason="再撤一次", by=town_admin)
    assert AuditEvent.objects.filter(action="organisation.close").count() == 1
    assert AuditEvent.objects.get(action="organisation.close").extra["reason"] == (
        "并入敬老助残服务队"
    )


def test_closing_ends_its_roles_and_the_admin_access_they_gave(town, person_with_role):
    leader = person_with_role("leader", town.team, real_name="张队长")
    assert leader.user.groups.exists()

    organisation_close(organisation=town.team, reason="队伍解散")

    assert not Membership.objects.current().filter(organisation=town.team).exists()
    user = type(leader.user).objects.get(pk=leader.user.pk)  # no grants cached
    assert not user.groups.exists()
    assert not permissions.can(user, Action.PUBLISH, fresh(town.team))


def test_an_organisation_with_upcoming_activities_is_not_closed(town, make_activity):
    soon = timezone.now() + datetime.timedelta(days=2)
    for title in ("早高峰劝导", "晚高峰劝导"):
        make_activity(
            organisation=town.team,
            title=title,
            starts_at=soon,
            ends_at=soon + datetime.timedelta(hours=2),
        )
    with pytest.raises(Conflict) as refused:
        organisation_close(organisation=town.team, reason="解散")
    assert "还有 2 个已发布、尚未结束的活动" in refused.value.message
    assert fresh(town.team).closed_on is None


def test_a_community_secretary_runs_the_squads_activities_once_it_is_based_there(
    town, actor, make_activity, town_admin
):
    activity = make_activity(organisation=town.team)
    secretary = actor("community_secretary").user
    assert not permissions.can(secretary, Action.CHECK_IN, activity)

    organisation_set_based_in(squad=town.squad, community=town.liyuan, by=town_admin)

    secretary = type(secretary).objects.get(pk=secretary.pk)  # no grants cached
    assert permissions.can(secretary, Action.CHECK_IN, activity)
    event = AuditEvent.objects.get(action="organisation.based_in")
    assert event.extra["community"] == "梨园社区"


def test_only_a_squad_is_based_and_only_in_a_community(town, town_admin):
    with pytest.raises(Invalid, match="只有志愿服务小分队可以设置所在社区。"):
        organisation_set_based_in(squad=town.team, community=town.liyuan, by=town_admin)
    with pytest.raises(Invalid, match="“梨园社区第1网格”不是社区。"):
        organisation_set_based_in(squad=town.squad, community=town.liyuan_grid1, by=town_admin)
    assert fresh(town.squad).based_in is None
