"""项目清单 in a real browser: the community's secretary names the quarter's 轮值主席 and
creates a project with a post in the Wagtail admin by clicking; a party member opens
/projects/ on a phone and clicks 我来认领 on the post."""

import datetime
import re

import pytest
from django.utils import timezone

from core.quarters import Quarter
from volunteers.models import Claim, Organisation, Project, RotatingChair
from volunteers.services.organisations import organisation_add

from .conftest import desktop, log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_secretary_sets_up_a_project_and_a_party_member_claims_its_post(
    browser, phone, live_server, shoot, make_person, person_with_role, town
):
    restore_migration_data()
    law_firm = organisation_add(
        parent=town.unit.get_parent(), name="敦煌市律师事务所", kind=Organisation.Kind.UNIT
    )
    person_with_role(
        "secretary", town.liyuan, real_name="梨园书记", username="secretary", phone_verified=True
    )
    member = make_person(
        real_name="党员赵文静",
        username="member",
        political_status="party_member",
        phone_verified=True,
        home_grid=town.liyuan_grid1,
    )
    base = live_server.url
    quarter = Quarter.current().key

    context, admin = desktop(browser, base, "secretary")
    admin.goto(f"{base}/admin/")
    admin.get_by_role("link", name=re.compile("项目清单")).first.click()
    admin.wait_for_load_state()
    admin.select_option("#id_community", value=str(town.liyuan.pk))
    admin.fill("#id_quarter", quarter)
    admin.select_option("#id_unit", value=str(law_firm.pk))
    admin.get_by_role("button", name="指定轮值主席").click()
    admin.wait_for_load_state()
    assert "已指定敦煌市律师事务所" in admin.inner_text("body")
    assert RotatingChair.objects.get(community=town.liyuan, quarter=quarter).unit == law_firm

    admin.get_by_role("link", name="新建项目").click()
    admin.wait_for_load_state()
    admin.select_option("#id_community", value=str(town.liyuan.pk))
    admin.fill("#id_title", "法律服务进社区")
    admin.select_option("#id_lead_unit", value=str(law_firm.pk))
    admin.get_by_role("button", name="保存项目").click()
    admin.wait_for_load_state()
    assert "已新建项目" in admin.inner_text("body")

    deadline = timezone.localdate() + datetime.timedelta(days=7)
    admin.fill("#id_title", "周末法律咨询")
    admin.fill("#id_places", "4")
    admin.fill("#id_deadline", deadline.isoformat())
    admin.get_by_role("button", name="添加岗位").click()
    admin.wait_for_load_state()
    admin.get_by_role("button", name="开始项目").click()
    admin.wait_for_load_state()
    assert Project.objects.get(title="法律服务进社区").status == Project.Status.OPEN
    shoot(admin, "project")
    context.close()

    page = phone()
    log_in(page, base, "member")
    page.goto(f"{base}/projects/")
    assert "敦煌市律师事务所" in page.inner_text("main")
    shoot(page, "list")
    page.get_by_role("link", name="法律服务进社区").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="我来认领").click()
    page.wait_for_load_state()
    assert "认领成功" in page.inner_text("body")
    assert Claim.objects.filter(person=member, post__title="周末法律咨询").exists()
    assert page.console_errors == []
    shoot(page, "claimed")
