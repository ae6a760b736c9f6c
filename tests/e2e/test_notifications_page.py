"""消息中心 on a phone: the bell's count, reading a message, no sideways scroll, axe clean."""

import pytest

from volunteers.models import Notification
from volunteers.services.notifications import notify

from .conftest import log_in
from .test_site_pages import serious_violations

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_a_volunteer_reads_a_message_on_a_phone(live_server, phone, shoot, make_person, town):
    volunteer = make_person(
        real_name="陈小燕", username="volunteer", home_grid=town.liyuan_grid1, phone_verified=True
    )
    for n in range(2):
        notify(
            person=volunteer,
            kind=Notification.Kind.REMINDER,
            key=f"e2e:{n}",
            title=f"活动提醒：敬老院义务理发{n}",
            body="您报名的活动将于明天 09:00 举行，地点：沙州镇敬老院。",
            url="/activities/",
        )
    page = phone()
    log_in(page, live_server.url, "volunteer")

    page.locator(".site-nav").get_by_role("link", name="消息").click()
    page.wait_for_load_state()
    assert page.inner_text(".site-nav__count").startswith("2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    shoot(page, "inbox")

    page.get_by_role("button", name="标为已读", exact=True).first.click()
    page.wait_for_load_state()
    assert page.inner_text(".site-nav__count").startswith("1")
    assert page.console_errors == []
