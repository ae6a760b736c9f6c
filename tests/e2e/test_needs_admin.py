"""需求清单 in a real browser: a grid worker approves a resident's need and confirms its claim.

The worker logs in, opens 需求清单 from the admin's sidebar, opens the pending need,
replaces the public title (the resident's name and door number must not reach the
wall), clicks 审核公开 and sees 已公开; a party member then claims it and reports the
service done, and the worker clicks 确认完成 on the need's page.
"""

import datetime
import re

import pytest
from django.utils import timezone

from volunteers.models import Claim, Need, NeedCategory
from volunteers.services.needs import claim_report, need_claim, need_record

from .conftest import desktop
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_grid_worker_publishes_a_need_and_confirms_its_claim(
    browser, live_server, shoot, make_person, person_with_role, town
):
    restore_migration_data()  # the admin group, after earlier flushes
    category = NeedCategory.objects.get_or_create(name="健康医疗")[0]
    worker = person_with_role(
        "grid_worker",
        town.liyuan_grid1,
        real_name="网格员王芳",
        username="gridworker",
        phone_verified=True,
    )
    need = need_record(
        by=worker.user,
        grid=town.liyuan_grid1,
        kind=Need.Kind.SERVICE,
        category=category,
        title="李大爷（3号楼101）水龙头漏水",
        resident_name="李大爷",
        resident_phone="13912345678",
        address="梨园小区 3 号楼 101",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
    )
    member = make_person(real_name="党员赵文静", political_status="party_member")
    base = live_server.url

    context, admin = desktop(browser, base, "gridworker")
    admin.goto(f"{base}/admin/")
    assert "微心愿待办" in admin.inner_text("main")
    admin.get_by_role("link", name=re.compile("需求清单")).first.click()
    admin.wait_for_load_state()
    row = admin.locator("tr", has_text="李大爷（3号楼101）水龙头漏水")
    assert "待审核" in row.inner_text()
    shoot(admin, "list")
    row.get_by_role("link", name="李大爷（3号楼101）水龙头漏水").click()
    admin.wait_for_load_state()
    assert "13912345678" in admin.inner_text("main")  # the staff see the resident's phone

    admin.get_by_label("公开标题").fill("为独居老人更换水龙头")
    shoot(admin, "pending")
    admin.get_by_role("button", name="审核公开").click()
    admin.wait_for_load_state()

    assert "已公开" in admin.locator("#need-status").inner_text()
    assert "微心愿墙上显示为“为独居老人更换水龙头”" in admin.inner_text("body")
    need.refresh_from_db()
    assert need.status == Need.Status.PUBLISHED and need.public_title == "为独居老人更换水龙头"
    shoot(admin, "published")

    claim = need_claim(need=need, person=member)
    claim_report(
        claim=claim,
        person=member,
        minutes=90,
        served_on=timezone.localdate(),
        note="已更换厨房水龙头，试水无渗漏",
    )
    admin.reload()
    card = admin.locator(f"#claim-{claim.pk}")
    assert "已更换厨房水龙头，试水无渗漏" in card.inner_text() and "待确认" in card.inner_text()
    card.get_by_role("button", name="确认完成").click()
    admin.wait_for_load_state()

    assert "已确认党员赵文静的服务完成" in admin.inner_text("body")
    assert "已完成" in admin.locator("#need-status").inner_text()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CONFIRMED
    shoot(admin, "confirmed")
    admin.set_viewport_size({"width": 390, "height": 844})  # the worker's phone
    admin.goto(f"{base}/admin/needs/")
    assert "为独居老人更换水龙头" in admin.inner_text("main")
    shoot(admin, "list-on-phone")
    context.close()
