"""组织架构 in the Wagtail admin: the tree within one's scope, and refusals on the form.

Every page checks its node with the one rule (MANAGE_ROLES): a node outside one's scope
answers 403 in Chinese; a refused change comes back on the form with its 4xx and writes
nothing; a change made shows a success message on the tree.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from volunteers.models import Organisation
from volunteers.services.organisations import organisation_add

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


def test_the_tree_shows_only_ones_own_subtree_with_member_counts(
    admin_client, town, person_with_role
):
    person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员")
    page = text(admin_client.get(INDEX))
    assert "组织架构" in page
    assert "梨园社区第1网格" in page and "梨园社区第一党小组" in page
    assert "桥北社区" not in page and "文明交通劝导队" not in page
    assert f"/admin/people/?organisation={town.liyuan_grid1.pk}" in page
    assert url(town.liyuan, "add") in page
    assert url(town.liyuan_grid1, "add") not in page  # nothing goes under a grid


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
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(INDEX).status_code == 200
        return len(captured)

    before = queries()
    for n in range(3, 9):
        organisation_add(parent=town.liyuan, name=f"梨园社区第{n}网格", kind="grid", code=f"ly-{n}")
    assert queries() == before
