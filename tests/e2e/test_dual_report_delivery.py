"""双报到反馈, delivered, on a phone: a unit's contact finds the notice and downloads the file."""

import io

import pytest
from openpyxl import load_workbook

from points.services.dual_report import dual_report_deliver, quarter_just_ended
from volunteers.models import CommunityReport
from volunteers.services.memberships import membership_grant
from volunteers.services.reports import report_apply, report_confirm

from .conftest import log_in
from .test_site_pages import serious_violations

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_a_unit_contact_downloads_the_quarters_report_on_a_phone(
    live_server, phone, shoot, make_person, person_with_role, town, Role
):
    contact = make_person(real_name="文旅联络人", username="contact", phone_verified=True)
    membership_grant(person=contact, organisation=town.unit, role=Role.CONTACT)
    secretary = person_with_role(Role.SECRETARY, town.liyuan, real_name="梨园书记")
    member = make_person(
        real_name="赵文静",
        political_status="party_member",
        employer_unit=town.unit,
        in_service=True,
    )
    report = report_apply(person=member, community=town.liyuan, via=CommunityReport.Via.SELF)
    report_confirm(report=report, by=secretary.user)
    dual_report_deliver(unit=town.unit, quarter=quarter_just_ended())
    page = phone()
    log_in(page, live_server.url, "contact")

    page.goto(f"{live_server.url}/me/notifications/")
    assert "双报到反馈：敦煌市文化和旅游局" in page.inner_text("main")
    page.goto(f"{live_server.url}/points/dual-report/deliveries/")
    card = page.locator("li", has_text="敦煌市文化和旅游局")
    assert "已发送" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    shoot(page, "deliveries")

    with page.expect_download() as downloading:
        card.get_by_role("link", name="下载 Excel").click()
    path = downloading.value.path()
    rows = list(
        load_workbook(io.BytesIO(path.read_bytes()))["双报到反馈"].iter_rows(values_only=True)
    )
    assert rows[1][:4] == ("赵文静", member.masked_phone, "敦煌市文化和旅游局", "梨园社区")
    assert page.console_errors == []
