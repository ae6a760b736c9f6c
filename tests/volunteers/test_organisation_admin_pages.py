"""组织架构 in the Wagtail admin: the tree within one's scope, and refusals on the form.

Every page checks its node with the one rule (MANAGE_ROLES): a node outside one's scope
answers 403 in Chinese; a refused change comes back on the form with its 4xx and writes
nothing; a change made shows a success message on the tree.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from volunteers.models import Organisation
from volunteers.services.organisations import organisation_add, organisation_close

INDEX = "/admin/organisations/"


def url(node, what):
    return f"{INDEX}{node.pk}/{what}/"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def community_admin(person_with_role, town):
    """管理员 of 梨园社区: builds its part of the tree, nothing in 桥北 or the detachment."""
    return person_with_role("admin", town.liyuan, real_name="梨园管理员").user


@pytest.fixture
def admin_client(client, community_admin):
    client.force_login(community_admin)
    return client


def row(page: str, node) -> str:
    """The HTML of ``node``'s row on the tree, or "" when it is not shown."""
    start = page.find(f'<tr id="org-{node.pk}"')
    return "" if start < 0 else page[start : page.index("</tr>", start)]


def test_the_tree_shows_only_ones_own_subtree_with_member_counts(
    admin_client, town, person_with_role
):
    person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员")
    page = text(admin_client.get(INDEX))
    assert "组织架构" in page
    assert "梨园社区第1网格" in page and "梨园社区大党委" in page
    assert "桥北社区" not in page and "文明交通劝导队" not in page
    assert f"/admin/people/?organisation={town.liyuan_grid1.pk}" in page
    assert url(town.liyuan, "add") in page
    assert url(town.liyuan_grid1, "add") not in page  # nothing goes under a grid
    assert "liyuan-grid-1" not in page and "liyuan-pc" not in page  # no codes on the tree

    # The overview is the top two levels; the party tree below 大党委 is one click away.
    assert "梨园社区第一党小组" not in page
    committee = Organisation.objects.get(code="liyuan-pc")
    assert f"{INDEX}?under={committee.pk}" in row(page, committee)  # 展开
    branch = text(admin_client.get(INDEX, {"under": committee.pk}))
    assert "梨园社区第一党小组" in row(branch, town.liyuan_group)
    assert "梨园社区第1网格" not in branch
    assert "位置：" in branch and "梨园社区" in branch


def test_a_town_admin_narrows_the_tree_by_branch_and_by_name(client, actor, town):
    client.force_login(actor("town_admin").user)
    page = text(client.get(INDEX))
    for node in (town.town, town.liyuan, town.qiaobei, town.detachment, town.unit):
        assert row(page, node), node.name
    for node in (town.liyuan_grid1, town.squad, town.team):
        assert not row(page, node), node.name
    assert f'<option value="{town.detachment.pk}"' in page  # 只看 the detachment
    assert f'<option value="{town.unit.pk}"' not in page  # nothing under a unit

    detachment = text(client.get(INDEX, {"under": town.detachment.pk}))
    assert row(detachment, town.squad) and row(detachment, town.team)
    assert not row(detachment, town.liyuan)

    found = text(client.get(INDEX, {"q": "劝导"}))
    assert "文明交通劝导队" in row(found, town.team)
    assert "沙州镇 › 沙州镇志愿服务支队 › 梨园志愿服务小分队" in row(found, town.team)
    assert not row(found, town.liyuan)
    nothing = text(client.get(INDEX, {"q": "不存在的组织"}))
    assert "没有找到这个名称的组织。" in nothing
    elsewhere = text(client.get(INDEX, {"q": "劝导", "under": town.liyuan.pk}))
    assert "“梨园社区”下没有名称含“劝导”的组织。" in elsewhere
    assert f"{INDEX}?q=%E5%8A%9D%E5%AF%BC" in elsewhere  # 在全部组织中查找


def test_a_branch_out_of_scope_narrows_nothing_and_names_nothing(admin_client, town):
    page = text(admin_client.get(INDEX, {"under": town.qiaobei.pk}))
    assert "桥北社区" not in page
    assert row(page, town.liyuan) and row(page, town.liyuan_grid1)
    found = text(admin_client.get(INDEX, {"q": "网格"}))
    assert row(found, town.liyuan_grid1) and not row(found, town.qiaobei_grid1)


def test_actions_are_only_those_that_apply(client, actor, town):
    client.force_login(actor("town_admin").user)
    page = text(client.get(INDEX))
    assert url(town.town, "move") not in page  # the root
    assert url(town.liyuan, "move") not in page  # the only town: nowhere else to go
    assert url(town.detachment, "move") not in page
    assert url(town.liyuan, "rename") in row(page, town.liyuan)
    detachment = text(client.get(INDEX, {"under": town.detachment.pk}))
    assert url(town.squad, "move") not in detachment  # the only detachment
    assert url(town.squad, "based-in") in row(detachment, town.squad)
    assert url(town.team, "move") not in detachment  # the only squad
    organisation_add(parent=town.detachment, name="桥北志愿服务小分队", kind="squad")
    detachment = text(client.get(INDEX, {"under": town.detachment.pk}))
    assert url(town.team, "move") in row(detachment, town.team)  # now to the other squad
    liyuan = text(client.get(INDEX, {"under": town.liyuan.pk}))
    assert url(town.liyuan_grid1, "move") in row(liyuan, town.liyuan_grid1)  # to 桥北

    organisation_close(organisation=town.liyuan_group, reason="并组")
    branch = text(client.get(INDEX, {"under": town.liyuan_branch.pk}))
    closed = row(branch, town.liyuan_group)
    assert "已撤销（" in closed
    for what in ("add", "rename", "move", "close"):
        assert url(town.liyuan_group, what) not in closed


def test_a_grid_added_without_a_code_gets_one_and_lands_among_the_grids(admin_client, town):
    form = text(admin_client.get(url(town.liyuan, "add")))
    assert "可以不填" in form
    done = admin_client.post(
        url(town.liyuan, "add"), {"kind": "grid", "name": "梨园社区第3网格", "code": ""}
    )
    grid = Organisation.objects.get(name="梨园社区第3网格")
    assert grid.code == "liyuan-grid-3"
    assert done.status_code == 302
    assert done["Location"] == f"{INDEX}?under={town.liyuan.pk}#org-{grid.pk}"
    page = text(admin_client.get(done["Location"]))
    assert page.index("梨园社区第3网格") < page.index("梨园社区大党委")  # grids first


def test_the_menu_entry_is_for_tree_builders_only(client, admin_client, actor):
    menu_entry = '"url": "/admin/organisations/"'  # in the sidebar's data
    assert menu_entry in text(admin_client.get("/admin/"))
    secretary = actor("community_secretary").user
    client.force_login(secretary)
    assert menu_entry not in text(client.get("/admin/"))
    refused = client.get(INDEX)
    assert refused.status_code == 403
    assert "您无权管理组织架构。" in text(refused)


def test_a_node_out_of_scope_is_refused_in_chinese(admin_client, town):
    for what in ("add", "rename", "move", "close"):
        response = admin_client.get(url(town.qiaobei, what))
        assert response.status_code == 403
        assert "您无权管理“桥北社区”的组织架构。" in text(response)
    response = admin_client.post(url(town.qiaobei, "rename"), {"name": "改名"})
    assert response.status_code == 403
    assert Organisation.objects.get(pk=town.qiaobei.pk).name == "桥北社区"


def test_adding_offers_only_the_kinds_allowed_and_shows_a_clash_on_its_field(admin_client, town):
    form = text(admin_client.get(url(town.liyuan, "add")))
    assert 'value="grid"' in form and 'value="party_committee"' in form
    assert 'value="squad"' not in form

    clash = admin_client.post(
        url(town.liyuan, "add"), {"kind": "grid", "name": "第3网格", "code": "qiaobei-grid-1"}
    )
    assert clash.status_code == 409
    assert "编码“qiaobei-grid-1”已被其他组织使用。" in text(clash)
    wrong_kind = admin_client.post(
        url(town.liyuan, "add"), {"kind": "squad", "name": "小分队", "code": "sq-new"}
    )
    assert wrong_kind.status_code == 400
    assert "“梨园社区”下不能添加这种组织。" in text(wrong_kind)
    assert not Organisation.objects.filter(name__in=["第3网格", "小分队"]).exists()

    done = admin_client.post(
        url(town.liyuan, "add"),
        {"kind": "grid", "name": "梨园社区第3网格", "code": "liyuan-grid-3"},
        follow=True,
    )
    assert "已在“梨园社区”下添加“梨园社区第3网格”。" in text(done)
    assert Organisation.objects.get(code="liyuan-grid-3").get_parent() == town.liyuan


def test_a_move_offers_in_scope_parents_and_refuses_its_own_descendant(admin_client, town):
    form = text(admin_client.get(url(town.liyuan_branch, "move")))
    own, other = (Organisation.objects.get(code=code) for code in ("liyuan-pc", "qiaobei-pc"))
    assert f'<option value="{own.pk}"' not in form  # its parent already
    assert f'<option value="{other.pk}"' not in form  # out of scope
    assert f'<option value="{town.liyuan.pk}"' not in form  # not a kind that holds a branch

    grid = town.liyuan_grid1
    refused = admin_client.post(url(town.liyuan, "move"), {"new_parent": grid.pk})
    assert refused.status_code == 400
    assert "不能移到所选的组织之下" in text(refused)
    assert Organisation.objects.get(pk=town.liyuan.pk).path == town.liyuan.path


def test_close_needs_a_reason_and_names_the_open_children(admin_client, town):
    blank = admin_client.post(url(town.liyuan_branch, "close"), {"reason": ""})
    assert blank.status_code == 400
    assert "请填写撤销原因。" in text(blank)
    open_child = admin_client.post(url(town.liyuan_branch, "close"), {"reason": "撤并"})
    assert open_child.status_code == 409
    assert "还有未撤销的下级组织：梨园社区第一党小组" in text(open_child)
    assert Organisation.objects.get(pk=town.liyuan_branch.pk).closed_on is None

    done = admin_client.post(url(town.liyuan_group, "close"), {"reason": "并组"}, follow=True)
    page = text(done)
    assert "“梨园社区第一党小组”已撤销。" in page
    assert "已撤销（" in page
    again = admin_client.get(url(town.liyuan_group, "close"))
    assert again.status_code == 409


def test_a_town_admin_bases_a_squad_in_a_community(client, actor, town):
    client.force_login(actor("town_admin").user)
    assert client.get(url(town.team, "based-in")).status_code == 404
    done = client.post(url(town.squad, "based-in"), {"community": town.liyuan.pk}, follow=True)
    assert "的所在社区已设为“梨园社区”。" in text(done)
    assert "所在社区：梨园社区" in text(done)
    assert Organisation.objects.get(pk=town.squad.pk).based_in == town.liyuan


def test_the_tree_costs_the_same_queries_however_many_nodes(admin_client, town):
    views = [{}, {"under": town.liyuan.pk}, {"q": "网格"}]

    def queries() -> list[int]:
        counts = []
        for params in views:
            with CaptureQueriesContext(connection) as captured:
                assert admin_client.get(INDEX, params).status_code == 200
            counts.append(len(captured))
        return counts

    before = queries()
    for n in range(3, 9):
        organisation_add(parent=town.liyuan, name=f"梨园社区第{n}网格", kind="grid", code=f"ly-{n}")
    assert queries() == before
