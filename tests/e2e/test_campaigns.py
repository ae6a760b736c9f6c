"""四大提升行动 and 写成志愿动态 in a real browser.

The community secretary opens a published activity in the admin, picks 基层治理提升行动
from the form's list and publishes; the public campaign page then lists the activity.
On a met 微心愿's admin page she clicks 写成志愿动态 and lands on the draft's page editor.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Page

from cms import editorial
from cms.models import HomePage, NewsIndexPage, NewsPage
from core.quarters import Quarter
from volunteers.models import Activity, Campaign, Need, NeedCategory
from volunteers.services.needs import claim_confirm, claim_report, need_claim, need_record

from .conftest import desktop
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_tag_an_activity_and_write_up_a_met_need(
    browser, live_server, shoot, make_activity, make_person, person_with_role, town
):
    restore_migration_data()  # the admin group and the categories, after earlier flushes
    campaign = Campaign.objects.get_or_create(name="基层治理提升行动")[0]
    secretary = person_with_role(
        "secretary", town.liyuan, real_name="赵书记", username="secretary", phone_verified=True
    )
    start = Quarter.current().bounds()[0] + datetime.timedelta(hours=12)
    activity = make_activity(
        title="党河河道清理",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        publish=True,
        by=secretary.user,
    )
    base = live_server.url
    context, admin = desktop(browser, base, "secretary")

    # Tag the activity with the campaign, by the form's list, and publish.
    admin.goto(f"{base}/admin/snippets/volunteers/activity/edit/{activity.pk}/")
    admin.select_option("#id_campaign", label="基层治理提升行动")
    admin.locator("footer [data-w-dropdown-target='toggle']").click()
    admin.get_by_role("button", name="发布").click()
    admin.wait_for_load_state()
    assert Activity.objects.get(pk=activity.pk).campaign == campaign
    admin.goto(f"{base}/campaigns/")
    admin.get_by_role("link", name="基层治理提升行动").click()
    admin.wait_for_load_state()
    assert "党河河道清理" in admin.inner_text("main")
    shoot(admin, "campaign-page")

    # A met need becomes a draft 志愿动态.
    home = HomePage.objects.first() or Page.get_first_root_node().add_child(
        instance=HomePage(title="首页", slug="home")
    )
    index = NewsIndexPage.objects.first() or home.add_child(
        instance=NewsIndexPage(title="志愿动态", slug="news")
    )
    editorial.ensure_news_workflow(home=home, news_index=index)
    secretary.user.groups.add(Group.objects.get(name=editorial.COMMUNITY_EDITORS))
    worker = person_with_role("grid_worker", town.liyuan_grid1).user
    need = need_record(
        by=worker,
        grid=town.liyuan_grid1,
        kind=Need.Kind.SERVICE,
        category=NeedCategory.objects.get_or_create(name="健康医疗")[0],
        title="李大爷家的水龙头漏水",
        public_title="为独居老人更换水龙头",
        resident_name="李大爷",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        publish=True,
    )
    member = make_person(real_name="党员赵文静", political_status="party_member")
    claim = need_claim(need=need, person=member)
    claim_report(claim=claim, person=member, minutes=60, served_on=timezone.localdate(), note="好")
    claim_confirm(claim=claim, by=worker)

    admin.goto(f"{base}/admin/needs/{need.pk}/")
    admin.get_by_role("button", name="写成志愿动态").click()
    admin.wait_for_load_state()
    page = NewsPage.objects.get(slug=f"need-story-{need.pk}")
    assert admin.url.endswith(f"/admin/pages/{page.pk}/edit/")
    assert admin.locator("#id_title").input_value() == "微心愿“为独居老人更换水龙头”实现了"
    shoot(admin, "story-draft")
    context.close()
