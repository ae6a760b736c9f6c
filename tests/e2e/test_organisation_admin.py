"""A town administrator builds the organisation tree (组织架构) in the Wagtail admin, in a
real browser: a grid under a community, a team under a squad, then a rename."""

import pytest

from volunteers.models import AuditEvent, Organisation

from .conftest import desktop
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_town_admin_adds_a_grid_and_a_team_and_renames_one(
    browser, live_server, shoot, person_with_role, town
):
    restore_migration_data()  # the admin group, after earlier flushes
    person_with_role(
        "admin", town.town, real_name="沙州镇管理员", username="townadmin", phone_verified=True
    )
    base = live_server.url
    context, page = desktop(browser, base, "townadmin")

    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="组织架构").click()
    page.wait_for_load_state()
    assert "组织架构" in page.title()

    def add_under(node, kind_label, name, code):
        if not page.locator(f"#org-{node.pk}").count():  # below the overview: 只看 its branch
            page.select_option("#org-under", value=str(node.get_parent().pk))
            page.get_by_role("button", name="查找").click()
            page.wait_for_load_state()
        page.locator(f"#org-{node.pk}").get_by_role("link", name="添加下级").click()
        page.wait_for_load_state()
        if kind_label:
            page.select_option("#id_kind", label=kind_label)
        page.fill("#id_name", name)
        page.fill("#id_code", code)
        page.get_by_role("button", name="添加").click()
        page.wait_for_load_state()

    add_under(town.liyuan, "网格", "梨园社区第3网格", "liyuan-grid-3")
    assert "已在“梨园社区”下添加“梨园社区第3网格”。" in page.inner_text("body")
    grid = Organisation.objects.get(code="liyuan-grid-3")
    assert grid.get_parent() == town.liyuan and grid.kind == "grid"

    add_under(town.squad, None, "防溺水宣传队", "team-swim-safety")  # a squad holds teams only
    team = Organisation.objects.get(code="team-swim-safety")
    assert team.get_parent() == town.squad and team.kind == "team"

    add_under(town.liyuan, "网格", "梨园社区第4网格", "")  # no code: one is made for it
    assert Organisation.objects.get(name="梨园社区第4网格").code == "liyuan-grid-4"
    assert "liyuan-grid" not in page.inner_text("main")  # codes stay off the tree

    page.locator(f"#org-{grid.pk}").get_by_role("button", name="更多").click()
    page.locator(f"#org-{grid.pk}").get_by_role("link", name="重命名").click()
    page.wait_for_load_state()
    page.fill("#id_name", "梨园社区第三网格")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()

    assert "“梨园社区第3网格”已改名为“梨园社区第三网格”。" in page.inner_text("body")
    row = page.locator(f"#org-{grid.pk}")
    assert "梨园社区第三网格" in row.inner_text()
    assert "网格" in row.inner_text()
    page.select_option("#org-under", value="")  # search the whole tree, not just 梨园社区
    page.fill("#org-q", "防溺水")
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    assert "防溺水宣传队" in page.locator(f"#org-{team.pk}").inner_text()
    assert Organisation.objects.get(pk=grid.pk).name == "梨园社区第三网格"
    assert (
        AuditEvent.objects.filter(
            action__in=["organisation.add", "organisation.rename"], actor__username="townadmin"
        ).count()
        == 4
    )
    shoot(page, "tree")

    # The squad's row keeps its actions on one line: 添加下级, then the rest under 更多.
    page.goto(f"{base}/admin/organisations/?under={town.detachment.pk}")
    squad_row = page.locator(f"#org-{town.squad.pk}")
    squad_row.get_by_role("button", name="更多").click()
    for action in ("重命名", "所在社区", "撤销"):
        assert squad_row.get_by_role("link", name=action).is_visible()
    assert not squad_row.get_by_role("link", name="移动").count()  # the only detachment
    shoot(page, "squad-actions")
    context.close()
