"""提交微心愿 in WeChat on a phone: a resident finds the form from 我的, taps 服务类, types,
is told (next to the field, with everything typed kept) that a title cannot hold web
code, fixes it, submits, and sees the need waiting on 我的微心愿 (待审核).

Screenshots of each step land in var/screenshots/.
"""

import datetime

import pytest
from django.utils import timezone

from volunteers.models import Need, NeedCategory

from .conftest import PHONE, log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_resident_submits_a_wish_from_wechat_and_sees_it_waiting(
    wechat, live_server, shoot, make_person, town
):
    restore_migration_data()
    # The migration's list: a transactional test before this one may have flushed it.
    NeedCategory.objects.get_or_create(name="健康医疗")
    resident = make_person(
        real_name="李奶奶", username="resident", home_grid=town.liyuan_grid1, phone_verified=True
    )
    base = live_server.url

    page = wechat()
    log_in(page, base, "resident")
    page.goto(f"{base}/me/")
    page.get_by_role("link", name="我的微心愿").click()
    page.wait_for_load_state()
    assert "还没有提交过微心愿" in page.inner_text("main")
    page.get_by_role("link", name="提交微心愿").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/needs/new/"
    # Their own grid is chosen, the deadline two weeks out.
    assert page.locator("#id_grid option:checked").inner_text() == "梨园社区第1网格"
    in_two_weeks = timezone.localdate() + datetime.timedelta(days=14)
    assert page.input_value("#id_deadline") == in_two_weeks.isoformat()
    shoot(page, "form")

    page.get_by_text("服务类", exact=True).click()  # the big radio button's label
    page.select_option("#id_category", label="健康医疗")
    page.get_by_label("需求").fill("<b>想学</b>用智能手机量血压")
    page.get_by_label("详细说明（选填）").fill("血压计是女儿买的，不会用。上午在家。")
    page.get_by_label("地址（选填）").fill("梨园小区 5 号楼 1 单元 302")
    page.get_by_label("需要几人").fill("1")
    page.get_by_role("button", name="提交微心愿").click()
    page.wait_for_load_state()

    # Refused next to the title; what was typed is all still there; nothing written.
    title_errors = page.locator("#id_title_errors")
    assert "需求不能包含网页代码" in title_errors.inner_text()
    assert page.is_checked("#id_kind_1")
    assert page.input_value("#id_description") == "血压计是女儿买的，不会用。上午在家。"
    assert Need.objects.count() == 0
    assert fits_the_phone(page)
    shoot(page, "refused")

    page.get_by_label("需求").fill("想学用智能手机量血压")
    page.get_by_role("button", name="提交微心愿").click()
    page.wait_for_load_state()

    assert page.url == f"{base}/me/needs/"
    main = page.inner_text("main")
    assert "已提交，等待网格员审核" in main
    assert "想学用智能手机量血压" in main
    assert page.locator("[data-state=pending]").inner_text() == "待审核"
    assert fits_the_phone(page)
    # The one console line is the refused submission's own 400.
    assert [e for e in page.console_errors if "status of 400" not in e] == []
    shoot(page, "waiting")

    need = Need.objects.get()
    assert (need.resident, need.status, need.kind) == (resident, "pending", "service")
