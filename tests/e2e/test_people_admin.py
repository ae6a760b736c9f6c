"""A town administrator appoints a resident 网格长 from the admin's 人员 page, in a real
browser, and the new grid head can open the admin at once."""

import pytest

from volunteers.models import Membership

from .conftest import desktop
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_town_admin_appoints_a_grid_head_who_can_then_open_the_admin(
    browser, live_server, shoot, person_with_role, make_person, town
):
    restore_migration_data()  # the admin group, after earlier flushes
    person_with_role(
        "admin", town.town, real_name="镇管理员", username="townadmin", phone_verified=True
    )
    resident = make_person(
        real_name="马红梅", username="mahongmei", home_grid=town.liyuan_grid1, phone_verified=True
    )
    base = live_server.url

    context, page = desktop(browser, base, "townadmin")
    page.goto(f"{base}/admin/people/")
    page.get_by_role("link", name="马红梅").click()
    page.wait_for_load_state()
    assert "梨园社区第1网格" in page.inner_text("main")  # her home grid, on her page

    page.locator("#appoint summary").click()
    page.select_option("#appoint select[name=organisation]", value=str(town.liyuan_grid1.pk))
    page.select_option("#appoint select[name=role]", label="网格长")
    page.locator("#appoint button[type=submit]").click()
    page.wait_for_load_state()
    assert "已任命为梨园社区第1网格网格长。" in page.inner_text("body")
    shoot(page, "appointed")
    membership = resident.memberships.get()
    assert (membership.organisation, membership.role) == (
        town.liyuan_grid1,
        Membership.Role.GRID_HEAD,
    )
    context.close()

    context, page = desktop(browser, base, "mahongmei")
    response = page.goto(f"{base}/admin/")
    assert response is not None and response.status == 200
    assert page.url.rstrip("/").endswith("/admin")  # the dashboard, not a login or refusal
    assert "/admin/people/" in page.content()  # the 人员 menu: grid heads manage people
    shoot(page, "grid-head-dashboard")
    context.close()
