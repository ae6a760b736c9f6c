"""资源清单 in a real browser: a resident offers a skill from a phone, the grid's staff
find it on a need's page.

The resident opens 编辑资料, follows 管理我提供的资源, picks 技能 and the category,
types what and when, clicks 登记资源 and sees it listed; the grid worker opens a need of
that category in the admin and reads it under 可用资源, then follows it to 资源清单's
page of the resource.
"""

import datetime
import re

import pytest
from django.utils import timezone

from volunteers.models import Need, NeedCategory, Resource
from volunteers.services.needs import need_record

from .conftest import desktop, log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_resident_offers_a_skill_and_staff_see_it_on_a_need(
    browser, phone, live_server, shoot, make_person, person_with_role, town
):
    restore_migration_data()  # the admin group, after earlier flushes
    category = NeedCategory.objects.update_or_create(
        name="健康医疗", defaults={"keywords": "医疗 急救 康复"}
    )[0]
    resident = make_person(
        real_name="护士周敏",
        username="nurse",
        phone_verified=True,
        home_grid=town.liyuan_grid1,
    )
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
        title="马大爷（5号楼）需要上门量血压",
        resident_name="马大爷",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
    )
    base = live_server.url

    page = phone()
    log_in(page, base, "nurse")
    page.goto(f"{base}/me/profile/")
    assert "还没有登记" in page.locator("#my-resources").inner_text()
    page.get_by_role("link", name="管理我提供的资源").click()
    page.wait_for_load_state()
    page.get_by_label("技能").check()
    page.get_by_label("我能提供").fill("上门量血压")
    page.get_by_label("能帮哪类需求").select_option(label="健康医疗")
    page.get_by_label("什么时间方便（选填）").fill("工作日晚上")
    shoot(page, "form")
    page.get_by_role("button", name="登记资源").click()
    page.wait_for_load_state()

    main = page.inner_text("main")
    assert "已登记“上门量血压”" in page.inner_text("body")
    assert "上门量血压" in main and "工作日晚上" in main
    assert page.console_errors == []
    shoot(page, "listed")
    resource = Resource.objects.get(person=resident)
    assert resource.community == town.liyuan and resource.contact == resident.phone

    context, admin = desktop(browser, base, "gridworker")
    admin.goto(f"{base}/admin/needs/{need.pk}/")
    offered = admin.locator("#need-resources")
    assert "上门量血压" in offered.inner_text() and "护士周敏" in offered.inner_text()
    assert resident.phone in offered.inner_text()  # the contact she chose to give
    shoot(admin, "need")
    offered.get_by_role("link", name="上门量血压").click()
    admin.wait_for_load_state()
    assert "工作日晚上" in admin.inner_text("main")
    admin.get_by_role("link", name=re.compile("资源清单")).first.click()
    admin.wait_for_load_state()
    assert "上门量血压" in admin.locator("table.listing").inner_text()
    context.close()

    # She no longer offers it: gone from the need's page.
    page.goto(f"{base}/me/resources/")
    page.get_by_text("停用", exact=True).click()
    page.get_by_role("button", name="确认停用“上门量血压”").click()
    page.wait_for_load_state()
    resource.refresh_from_db()
    assert resource.active is False
