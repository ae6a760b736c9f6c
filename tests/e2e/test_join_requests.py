"""加入申请 in a real browser: a newcomer on a phone asks to join, a team leader approves.

The newcomer finds the way from /me/ (所属网格 未登记), picks a community, then its grid
and a team on the reloaded page, and submits; the team's leader opens 加入申请 in the
Wagtail admin and clicks 通过; the newcomer's /me/ then lists the team.
"""

import re

import pytest

from volunteers.models import JoinRequest, Membership

from .conftest import desktop, log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_asks_on_a_phone_and_a_team_leader_approves(
    browser, phone, live_server, shoot, make_person, person_with_role, town
):
    restore_migration_data()  # the admin group and Wagtail's root page, after earlier flushes
    newcomer = make_person(real_name="刘新来", username="newcomer", phone_verified=True)
    person_with_role(
        "leader", town.team, real_name="王队长", username="leader", phone_verified=True
    )
    base = live_server.url

    page = phone()
    log_in(page, base, "newcomer")
    page.goto(f"{base}/me/")
    shoot(page, "me-new")
    page.get_by_role("link", name="选择社区和网格").click()
    page.select_option("#id_community", label="梨园社区")
    page.get_by_role("button", name="下一步：选择网格和服务队").click()
    page.wait_for_load_state()
    page.select_option("#id_grid", label="梨园社区第1网格")
    page.get_by_label("文明交通劝导队").check()
    page.fill("#id_note", "住在阳关中路 3 号楼，周末有空")
    shoot(page, "choices")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()

    assert "已提交加入梨园社区第1网格、文明交通劝导队的申请" in page.inner_text("main")
    assert JoinRequest.objects.filter(person=newcomer, status="pending").count() == 2
    assert page.console_errors == []
    shoot(page, "submitted")

    context, admin = desktop(browser, base, "leader")
    admin.goto(f"{base}/admin/")
    admin.get_by_role("link", name=re.compile("加入申请")).first.click()
    admin.wait_for_load_state()
    row = admin.locator("tr", has_text="刘新来")
    assert "文明交通劝导队" in row.inner_text()
    assert "梨园社区第1网格" not in admin.inner_text("main")  # the grid is not the leader's
    shoot(admin, "queue")
    row.get_by_role("button", name="通过").click()
    admin.wait_for_load_state()
    assert "已通过刘新来加入文明交通劝导队的申请" in admin.inner_text("body")
    shoot(admin, "approved")
    context.close()

    assert Membership.objects.current().filter(person=newcomer, organisation=town.team).exists()
    page.goto(f"{base}/me/")
    organisations = page.locator("section", has=page.locator("#memberships-heading"))
    assert "文明交通劝导队" in organisations.inner_text()
    shoot(page, "me-with-team")
