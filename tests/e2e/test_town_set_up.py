"""A town sets itself up from the product, in a real browser, starting from the demo town.

The town administrator adds a grid and a team in 组织架构 and appoints the team's leader
on the person's page; a newcomer asks on her phone to join the team; the new leader
approves in 加入申请, then publishes an activity by clicking 发布; the community secretary
publishes one too. Both are on /activities/ and the public site's /huodong/, and on the
staff dashboard of the admin's home page.
"""

import datetime
import re

import pytest
from django.utils import timezone

from demo import town as demo
from volunteers.models import Activity, JoinRequest, Membership, Organisation

from .conftest import desktop, log_in
from .test_activity_admin import set_time
from .test_site_pages import demo_site  # noqa: F401 -- the seeded demo town, as a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add_under(page, node: Organisation, name: str, code: str, kind: str | None = None) -> None:
    if not page.locator(f"#org-{node.pk}").count():  # below the overview: 只看 its branch
        page.select_option("#org-under", value=str(node.get_parent().pk))
        page.get_by_role("button", name="查找").click()
        page.wait_for_load_state()
    page.locator(f"#org-{node.pk}").get_by_role("link", name="添加下级").click()
    page.wait_for_load_state()
    if kind:
        page.select_option("#id_kind", label=kind)
    page.fill("#id_name", name)
    page.fill("#id_code", code)
    page.get_by_role("button", name="添加").click()
    page.wait_for_load_state()


def publish_activity(page, base: str, title: str, starts: datetime.datetime) -> None:
    """Fill the admin's activity form and click 发布 in the footer's menu."""
    page.goto(f"{base}/admin/snippets/volunteers/activity/add/")
    page.fill("#id_title", title)
    page.select_option("#id_category", label="文明交通劝导")
    set_time(page, "starts_at", starts)
    set_time(page, "ends_at", starts + datetime.timedelta(hours=2))
    set_time(page, "signup_closes_at", starts - datetime.timedelta(hours=1))
    page.fill("#id_address", "梨园社区党群服务中心")
    page.fill("#id_capacity", "20")
    page.locator("footer [data-w-dropdown-target='toggle']").click()
    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state()


def test_a_town_sets_up_a_team_whose_leader_admits_a_newcomer_and_publishes(
    browser,
    phone,
    live_server,
    shoot,
    demo_site,  # noqa: F811
):
    base = live_server.url
    liyuan = Organisation.objects.get(code="liyuan")
    squad = Organisation.objects.get(code="squad-liyuan")

    # 1. The town administrator adds a grid and a team, and appoints the team's leader.
    context, page = desktop(browser, base, "admin")
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="组织架构").click()
    page.wait_for_load_state()
    add_under(page, liyuan, "梨园社区第49网格", "liyuan-grid-49", kind="网格")
    add_under(page, squad, "梨园垃圾分类宣传队", "team-liyuan-sorting")
    assert "已在“梨园志愿服务小分队”下添加“梨园垃圾分类宣传队”。" in page.inner_text("body")
    team = Organisation.objects.get(code="team-liyuan-sorting")
    assert Organisation.objects.get(code="liyuan-grid-49").get_parent() == liyuan

    page.get_by_role("link", name="人员").first.click()
    page.wait_for_load_state()
    page.fill("#people-q", "陈小燕")
    page.locator("#main").get_by_role("button", name="搜索").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="陈小燕").click()
    page.wait_for_load_state()
    page.locator("#appoint summary").click()
    page.select_option("#appoint select[name=organisation]", value=str(team.pk))
    page.select_option("#appoint select[name=role]", label="队长")
    page.locator("#appoint button[type=submit]").click()
    page.wait_for_load_state()
    assert "已任命为梨园垃圾分类宣传队队长。" in page.inner_text("body")
    shoot(page, "leader-appointed")
    context.close()

    # 2. The newcomer asks on her phone to join the new team (her grid is asked already).
    newcomer = phone()
    log_in(newcomer, base, "newcomer")
    newcomer.goto(f"{base}/me/join/")
    newcomer.select_option("#id_community", label="梨园社区")
    newcomer.get_by_role("button", name="下一步：选择网格和服务队").click()
    newcomer.wait_for_load_state()
    newcomer.get_by_label("梨园垃圾分类宣传队").check()
    newcomer.get_by_role("button", name="提交申请").click()
    newcomer.wait_for_load_state()
    assert "梨园垃圾分类宣传队" in newcomer.inner_text("main")
    assert JoinRequest.objects.filter(organisation=team, status="pending").count() == 1
    shoot(newcomer, "newcomer-asked")

    # 3. The new leader admits her, then publishes an activity for tomorrow by clicking 发布.
    context, page = desktop(browser, base, "volunteer")
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name=re.compile("加入申请")).first.click()
    page.wait_for_load_state()
    row = page.locator("tr", has_text="刘欣怡").filter(has_text="梨园垃圾分类宣传队")
    row.get_by_role("button", name="通过").click()
    page.wait_for_load_state()
    assert "已通过刘欣怡加入梨园垃圾分类宣传队的申请" in page.inner_text("body")
    assert Membership.objects.current().filter(organisation=team, role="member").count() == 1

    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    starts = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
    publish_activity(page, base, "垃圾分类入户宣传", starts)
    activity = Activity.objects.get(title="垃圾分类入户宣传")
    assert activity.live and activity.organisation == team

    page.goto(f"{base}/admin/")  # the staff dashboard: tomorrow's activity, its check-in link
    today_panel = page.locator("section", has_text="今明两天的活动").first
    assert "垃圾分类入户宣传" in today_panel.inner_text()
    assert f"/activities/{activity.pk}/checkin/" in today_panel.inner_html()
    shoot(page, "leader-dashboard")
    context.close()

    # 4. The community secretary publishes for her community by clicking 发布 as well.
    context, page = desktop(browser, base, "secretary")
    publish_activity(page, base, "梨园社区文明交通志愿日", starts + datetime.timedelta(hours=3))
    by_secretary = Activity.objects.get(title="梨园社区文明交通志愿日")
    assert by_secretary.live and by_secretary.organisation == liyuan
    context.close()

    # 5. Both are public: the activity list and the 美丽沙州 site's 志愿活动.
    for path in ("/activities/", "/huodong/"):
        newcomer.goto(f"{base}{path}")
        listed = newcomer.inner_text("main")
        assert "垃圾分类入户宣传" in listed and "梨园社区文明交通志愿日" in listed, path
    shoot(newcomer, "public-site")

    # The newcomer's /me/ lists her team; her grid request still waits for the grid's staff.
    newcomer.goto(f"{base}/me/")
    assert "梨园垃圾分类宣传队" in newcomer.inner_text("main")
    assert (
        JoinRequest.objects.get(
            person__user__username="newcomer", organisation__code="liyuan-grid-03"
        ).status
        == "pending"
    )
    assert demo.DEMO_PASSWORD  # the accounts above log in with the published demo password
