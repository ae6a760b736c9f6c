"""全镇概况 in a real browser: the town administrator opens the dashboard on a desktop and
on a phone; every chart is drawn (a canvas), under the site's Content-Security-Policy
without a violation or a console error, and the tables show the town's figures."""

import datetime

import pytest
from django.utils import timezone

from points.periods import month_key
from points.selectors.dashboard_scope import month_label
from points.services import points_award_for_attendance
from volunteers.models import ActivityCategory, Attendance, Method

from .conftest import PHONE, log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def served(make_activity, person, organisation, hours):
    starts_at = timezone.now() - datetime.timedelta(days=1)
    activity = make_activity(
        organisation=organisation,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        category=ActivityCategory.objects.get_or_create(name="文明交通劝导")[0],
    )
    attendance = Attendance.objects.create(
        activity=activity,
        person=person,
        checked_in_at=starts_at,
        check_in_method=Method.MANUAL,
        checked_out_at=starts_at + datetime.timedelta(hours=hours),
        check_out_method=Method.MANUAL,
        minutes_served=hours * 60,
    )
    points_award_for_attendance(attendance=attendance)
    return activity


def open_dashboard(browser, base, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport == PHONE)
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    log_in(page, base, "townadmin")
    response = page.goto(f"{base}/dashboard/")
    assert response is not None and response.status == 200
    page.wait_for_selector("#chart-service[data-drawn] canvas")
    return context, page


def test_the_town_admin_sees_every_chart_drawn_on_desktop_and_phone(
    browser, live_server, shoot, person_with_role, make_person, make_activity, town
):
    restore_migration_data()
    person_with_role(
        "admin", town.town, real_name="镇管理员", username="townadmin", phone_verified=True
    )
    for name, grid, community, hours in (
        ("李一", town.liyuan_grid1, town.liyuan, 2),
        ("乔一", town.qiaobei_grid1, town.qiaobei, 3),
    ):
        activity = served(
            make_activity, make_person(real_name=name, home_grid=grid), community, hours
        )
    month = month_label(month_key(activity.starts_at))

    for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        context, page = open_dashboard(browser, live_server.url, viewport)
        for key in ("service", "parts", "in_service", "categories", "teams", "redemptions"):
            section = page.locator(f'[data-chart="{key}"]')
            if section.locator("table").count():  # a chart with figures is drawn
                assert section.locator(f"#chart-{key}[data-drawn] canvas").count() >= 1, key
        canvas = page.locator("#chart-service canvas").first.bounding_box()
        assert canvas is not None and canvas["width"] > viewport["width"] * 0.6
        row = page.locator("#table-service tr", has_text=month)
        assert row.locator("td").all_inner_texts() == ["2.0", "3.0", "5.0", "2"]
        categories = page.locator("#table-categories tbody tr").first
        assert categories.inner_text().split() == ["文明交通劝导", "2"]
        page.locator("#chart-service").hover()  # a tooltip drawn on the canvas, not in HTML
        page.wait_for_timeout(300)
        assert page.evaluate("window.__cspViolations") == []
        assert page.errors == []
        no_scroll = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert no_scroll, "the page scrolls sideways"
        shoot(page, label)
        context.close()
