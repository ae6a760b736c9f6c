"""三单一卡 end to end, as issue 18's "done when" walks it, every step a click in a real browser.

A resident logs in on a phone with the SMS code and submits a 微心愿 → the grid worker
approves it in 需求清单 with a public title → the public wall shows that title and none of
the resident's details → the in-service party member claims it → reports the service done
→ the grid worker clicks 确认完成 → 我的积分 explains the points by the 双项认领 rule → the
employer's quarterly 双报到反馈 lists the claim. The ledger's totals still agree with it.
"""

import re

import pytest

from volunteers.models import Claim, CommunityReport, Need, NeedCategory
from volunteers.services.reports import report_apply, report_confirm

from .conftest import desktop, log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "王桂兰奶奶（梨园小区5号楼302）想学用智能手机量血压"
PUBLIC_TITLE = "教独居老人用智能手机量血压"


def log_in_with_code(page, base: str, phone: str, outbox) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="验证码登录").click()
    page.wait_for_load_state()
    page.get_by_label("手机号", exact=True).fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_load_state()
    code = re.search(r"验证码 (\d{6})", outbox[-1]["message"]).group(1)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()


def test_a_wish_goes_from_a_residents_phone_to_the_employers_report(
    wechat,
    browser,
    live_server,
    shoot,
    make_person,
    person_with_role,
    town,
    sms_outbox,
    verify_clean,
):
    restore_migration_data()  # the admin group, site and rules, after earlier flushes
    NeedCategory.objects.get_or_create(name="健康医疗")
    make_person(
        real_name="王桂兰",
        phone="13812340001",
        home_grid=town.liyuan_grid1,
        phone_verified=True,
    )
    person_with_role(
        "grid_worker",
        town.liyuan_grid1,
        real_name="网格员周晓梅",
        username="gridworker",
        phone_verified=True,
    )
    partymember = make_person(
        real_name="赵文静",
        username="partymember",
        political_status="party_member",
        party_branch=town.liyuan_branch,
        employer_unit=town.unit,
        in_service=True,
        phone_verified=True,
    )
    # She has reported (报到) to 梨园: the report counts her service there.
    secretary = person_with_role("secretary", town.liyuan, real_name="社区书记")
    report = report_apply(person=partymember, community=town.liyuan, via=CommunityReport.Via.SELF)
    report_confirm(report=report, by=secretary.user)
    person_with_role(
        "secretary", town.unit, real_name="单位书记", username="unitsecretary", phone_verified=True
    )
    base = live_server.url

    # 1. The resident, on WeChat, logs in with the SMS code and submits the wish.
    resident = wechat()
    log_in_with_code(resident, base, "13812340001", sms_outbox)
    resident.goto(f"{base}/needs/new/")
    resident.get_by_text("服务类", exact=True).click()
    resident.select_option("#id_category", label="健康医疗")
    resident.get_by_label("需求").fill(TITLE)
    resident.get_by_label("地址（选填）").fill("梨园小区 5 号楼 302")
    resident.get_by_role("button", name="提交微心愿").click()
    resident.wait_for_load_state()
    assert resident.url == f"{base}/me/needs/"
    assert resident.locator("[data-state=pending]").inner_text() == "待审核"
    shoot(resident, "1-submitted")
    need = Need.objects.get()

    # 2. The grid worker approves it with a title free of names and door numbers.
    staff_context, staff = desktop(browser, base, "gridworker")
    staff.goto(f"{base}/admin/")
    staff.get_by_role("link", name=re.compile("需求清单")).first.click()
    staff.wait_for_load_state()
    staff.get_by_role("link", name=TITLE).click()
    staff.wait_for_load_state()
    staff.get_by_label("公开标题").fill(PUBLIC_TITLE)
    staff.get_by_role("button", name="审核公开").click()
    staff.wait_for_load_state()
    assert "已公开" in staff.locator("#need-status").inner_text()
    shoot(staff, "2-published")

    # 3. The public wall shows the public title only.
    visitor = wechat()
    visitor.goto(f"{base}/needs/")
    wall = visitor.inner_text("main")
    assert PUBLIC_TITLE in wall
    assert "王桂兰" not in wall and "302" not in wall and "13812340001" not in wall
    shoot(visitor, "3-wall")

    # 4. The party member claims it from the wall, then reports the service done.
    member = wechat()
    log_in(member, base, "partymember")
    member.goto(f"{base}/needs/")
    member.get_by_role("link", name=PUBLIC_TITLE).click()
    member.wait_for_load_state()
    member.get_by_role("button", name="我来认领").click()
    member.wait_for_load_state()
    assert member.url.startswith(f"{base}/me/claims/")
    card = member.inner_text("main")
    assert PUBLIC_TITLE in card and "13812340001" in card  # now they may call her
    shoot(member, "4-claimed")
    member.get_by_role("link", name="提交完成情况").click()
    member.wait_for_load_state()
    member.get_by_label("小时").fill("1")
    member.get_by_label("分钟").fill("30")
    member.get_by_label("完成情况").fill("教会了王奶奶用手机量血压并记录。")
    member.get_by_role("button", name="提交完成情况").click()
    member.wait_for_load_state()
    assert member.locator('[data-status="reported"]').inner_text() == "待确认"
    shoot(member, "5-reported")

    # 5. The grid worker confirms it on the need's page.
    staff.reload()
    claim = Claim.objects.get()
    staff.locator(f"#claim-{claim.pk}").get_by_role("button", name="确认完成").click()
    staff.wait_for_load_state()
    assert "已完成" in staff.locator("#need-status").inner_text()
    shoot(staff, "6-confirmed")

    # 6. 我的积分 explains the points by the 双项认领 rule.
    member.goto(f"{base}/me/points/")
    points = member.inner_text("main")
    line = next(text for text in points.splitlines() if f"双项认领「{PUBLIC_TITLE}」" in text)
    assert "1小时30分钟" in line and "计 4分" in line, line
    shoot(member, "7-points")

    # 7. The employer's quarterly 双报到反馈 lists the claim.
    _context, report = desktop(browser, base, "unitsecretary")
    report.goto(f"{base}/points/dual-report/")
    claims_row = report.locator(".dual-claims", has_text="赵文静的双项认领")
    assert f"「{PUBLIC_TITLE}」" in claims_row.inner_text()
    assert "1.5小时" in claims_row.inner_text()
    shoot(report, "8-dual-report")

    need.refresh_from_db()
    assert need.status == Need.Status.DONE
    verify_clean()
    errors = [e for p in (resident, visitor, member) for e in p.console_errors]
    assert errors == []
    staff_context.close()
    _context.close()
