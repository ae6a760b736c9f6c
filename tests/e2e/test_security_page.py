"""登录设备 on a phone: the person opens it from 我的, ends the mini-program's sign-in with
退出该设备, and that token is refused by the API at once."""

import pytest
from django.test import Client

from api.services.tokens import issue_tokens

from .conftest import log_in
from .test_site_pages import serious_violations

pytestmark = pytest.mark.e2e


def api_status(access: str) -> int:
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code


@pytest.mark.django_db(transaction=True)
def test_a_person_ends_a_lost_phones_sign_in(live_server, phone, shoot, make_person, town):
    volunteer = make_person(
        real_name="马兰花", username="volunteer", home_grid=town.liyuan_grid1, phone_verified=True
    )
    lost = issue_tokens(user=volunteer.user, method="wechat", name="丢了的手机")
    kept = issue_tokens(user=volunteer.user, method="password", name="家里的平板")
    assert api_status(lost.access) == 200
    page = phone()
    log_in(page, live_server.url, "volunteer")

    page.goto(f"{live_server.url}/me/")
    page.get_by_role("link", name="登录设备").click()
    page.wait_for_load_state()
    assert page.url.endswith("/me/security/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    shoot(page, "devices")

    page.locator(f"#device-{lost.token.pk}").get_by_role("button", name="退出该设备").click()
    page.wait_for_load_state()

    assert "已退出“丢了的手机”" in page.inner_text(".messages")
    assert page.locator(f"#device-{lost.token.pk}").count() == 0
    assert page.locator(f"#device-{kept.token.pk}").count() == 1
    assert api_status(lost.access) == 401
    assert api_status(kept.access) == 200
    assert page.console_errors == []
    shoot(page, "ended")
