"""登录设备 (/me/security/): the person's API sign-ins on a web page, each with 退出该设备,
and 全部退出. (The browser walk is tests/e2e/test_security_page.py.)"""

import pytest
from django.test import Client

from api.models import ApiSession
from api.services.tokens import issue_tokens, revoke

pytestmark = pytest.mark.django_db

PAGE = "/me/security/"


@pytest.fixture
def owner(make_person):
    return make_person(real_name="马兰花", phone_verified=True)


@pytest.fixture
def browser(client, owner):
    client.force_login(owner.user)
    return client


def works(issued) -> bool:
    return (
        Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {issued.access}").status_code == 200
    )


def test_the_page_needs_a_login(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_my_page_links_to_my_devices(browser):
    assert f'href="{PAGE}"' in browser.get("/me/").content.decode()


def test_the_page_lists_my_live_devices_only(browser, owner, make_person):
    issue_tokens(user=owner.user, method="wechat", name="马兰花的小程序")
    issue_tokens(user=owner.user, method="password", name="")
    ended = issue_tokens(user=owner.user, method="sms", name="旧手机")
    revoke(token=ended.token, reason="logout")
    issue_tokens(user=make_person().user, method="password", name="别人的手机")

    body = browser.get(PAGE).content.decode()

    assert "马兰花的小程序" in body and "微信小程序" in body
    assert "未命名设备" in body and "手机号和密码" in body
    assert "旧手机" not in body
    assert "别人的手机" not in body
    assert body.count("退出该设备") == 2
    assert "全部退出" in body


def test_with_no_devices_the_page_says_so(browser):
    body = browser.get(PAGE).content.decode()
    assert "目前没有设备" in body
    assert "退出该设备" not in body


def test_signing_out_a_device_ends_its_tokens(browser, owner):
    lost = issue_tokens(user=owner.user, method="wechat", name="丢了的手机")
    kept = issue_tokens(user=owner.user, method="password", name="平板")

    response = browser.post(f"/me/security/{lost.token.pk}/revoke/", follow=True)

    assert response.redirect_chain[-1][0] == PAGE
    assert "已退出“丢了的手机”" in response.content.decode()
    assert not works(lost)
    assert works(kept)
    assert ApiSession.objects.get(pk=lost.token.pk).revoked_reason == "revoked"


def test_someone_elses_device_is_not_found(browser, make_person):
    theirs = issue_tokens(user=make_person().user, method="password")

    response = browser.post(f"/me/security/{theirs.token.pk}/revoke/")

    assert response.status_code == 404
    assert works(theirs)


def test_signing_out_asks_for_a_post_with_the_csrf_token(owner):
    issued = issue_tokens(user=owner.user, method="password")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner.user)

    assert strict.get(f"/me/security/{issued.token.pk}/revoke/").status_code == 405
    assert strict.post(f"/me/security/{issued.token.pk}/revoke/").status_code == 403
    assert works(issued)


def test_signing_out_everywhere_keeps_this_browser(browser, owner):
    issued = [issue_tokens(user=owner.user, method="password", name=f"设备{n}") for n in range(3)]

    response = browser.post("/me/security/revoke-all/", follow=True)

    assert "已退出全部 3 台设备" in response.content.decode()
    assert not any(works(each) for each in issued)
    assert browser.get(PAGE).status_code == 200
