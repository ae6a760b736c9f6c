"""A team leader publishes an activity in the Wagtail admin, in a real browser.

The form is saved through ``activity_create``: a broken rule comes back on its field in
Chinese, nothing is saved, and once it is fixed the activity is published and public.
"""

import datetime

import pytest
from django.utils import timezone

from volunteers.models import Activity

from .conftest import log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def set_time(page, field: str, moment: datetime.datetime) -> None:
    """The time as the picker writes it into the field. Set in the page rather than typed:
    a typed value opens the picker, whose pop-up then lies over the buttons below it."""
    value = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    page.locator(f"#id_{field}").evaluate("(input, value) => { input.value = value; }", value)


def test_a_leader_fixes_a_broken_rule_and_publishes(
    browser, live_server, shoot, person_with_role, town
):
    restore_migration_data()  # the admin group and the categories, after earlier flushes
    person_with_role(
        "leader", town.team, real_name="张志强", username="leader", phone_verified=True
    )
    starts = (timezone.now() + datetime.timedelta(days=3)).replace(
        minute=0, second=0, microsecond=0
    )
    ends = starts + datetime.timedelta(hours=2)
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    log_in(page, base, "leader")

    page.goto(f"{base}/admin/snippets/volunteers/activity/add/")
    page.fill("#id_title", "早高峰文明交通劝导")
    page.select_option("#id_category", label="文明交通劝导")
    set_time(page, "starts_at", starts)
    set_time(page, "ends_at", ends)
    page.fill("#id_address", "阳关中路与鸣山路十字")
    page.fill("#id_capacity", "10")
    set_time(page, "signup_closes_at", ends + datetime.timedelta(hours=1))

    def publish():
        page.locator("footer [data-w-dropdown-target='toggle']").click()
        page.get_by_role("button", name="发布").click()
        page.wait_for_load_state()

    publish()
    closes = page.locator(".w-field", has=page.locator("#id_signup_closes_at"))
    assert "报名截止不能晚于活动结束。" in closes.inner_text()  # on its field
    assert not Activity.objects.exists()
    closes.scroll_into_view_if_needed()
    shoot(page, "rule-on-its-field")

    set_time(page, "signup_closes_at", starts - datetime.timedelta(hours=1))
    publish()
    activity = Activity.objects.get()
    assert activity.live and activity.organisation == town.team
    assert activity.signup_closes_at == starts - datetime.timedelta(hours=1)
    page.goto(f"{base}/activities/{activity.pk}/")
    assert "早高峰文明交通劝导" in page.inner_text("main")
    shoot(page, "published")
    context.close()
