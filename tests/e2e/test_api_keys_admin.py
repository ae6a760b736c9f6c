"""接口密钥 in a real browser: a town administrator makes a key for 智慧敦煌, copies the secret
shown once, the secret reads the town's figures, and after 停用 it reads nothing.

The administrator opens 设置 → 接口密钥 from the admin's sidebar, clicks 新建, names the
system, picks 梨园社区 as what it may read and saves; the next page shows the secret once.
A request with it in ``X-API-Key`` answers 梨园社区's figures; the administrator then clicks
停用 and 确认停用, and the same request is refused with 401.
"""

import json
import urllib.error
import urllib.request

import pytest
from django.utils import timezone

from api.models import ApiKey

from .conftest import desktop
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def read_figures(base: str, secret: str) -> tuple[int, dict]:
    period = f"{timezone.localdate():%Y-%m}"
    request = urllib.request.Request(  # noqa: S310 -- the test's own live server
        f"{base}/api/v1/town/figures?period={period}&group_by=child",
        headers={"X-API-Key": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_town_admin_makes_a_key_that_reads_figures_until_it_is_stopped(
    browser, live_server, shoot, person_with_role, town
):
    restore_migration_data()  # the admin group, after earlier flushes
    person_with_role(
        "admin", town.town, real_name="镇管理员马建国", username="townadmin", phone_verified=True
    )
    base = live_server.url
    context, admin = desktop(browser, base, "townadmin")

    admin.goto(f"{base}/admin/")
    admin.get_by_role("button", name="设置").click()
    admin.get_by_role("link", name="接口密钥").click()
    admin.wait_for_load_state()
    assert "还没有接口密钥" in admin.inner_text("main")
    admin.get_by_role("link", name="新建").click()
    admin.wait_for_load_state()
    admin.get_by_label("系统名称").fill("智慧敦煌")
    admin.get_by_label("可读范围").select_option(value=str(town.liyuan.pk))
    shoot(admin, "new")
    admin.get_by_role("button", name="保存").click()
    admin.wait_for_load_state()

    assert "只显示这一次" in admin.inner_text("main")
    secret = admin.locator("#api-key-value").input_value()
    assert secret.startswith("szk_")
    shoot(admin, "secret-shown-once")
    key = ApiKey.objects.get()
    assert (key.name, key.organisation_id, key.revoked_at) == ("智慧敦煌", town.liyuan.pk, None)

    status, body = read_figures(base, secret)
    assert status == 200
    assert body["organisation"]["name"] == "梨园社区"
    assert {row["name"] for row in body["children"]} >= {"梨园社区第1网格", "梨园社区大党委"}

    admin.get_by_role("link", name="我已复制，返回接口密钥").click()
    admin.wait_for_load_state()
    row = admin.locator("tr", has_text="智慧敦煌")
    assert "使用中" in row.inner_text() and secret not in admin.content()
    row.get_by_role("link", name="停用").click()
    admin.wait_for_load_state()
    admin.get_by_role("button", name="确认停用").click()
    admin.wait_for_load_state()
    assert "已停用“智慧敦煌”的接口密钥" in admin.inner_text("body")
    assert "已停用" in admin.locator("tr", has_text="智慧敦煌").inner_text()
    shoot(admin, "stopped")

    status, body = read_figures(base, secret)
    assert (status, body["code"]) == (401, "invalid_api_key")
    context.close()
