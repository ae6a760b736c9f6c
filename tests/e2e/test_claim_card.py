"""双项认领卡 in a real browser: a party member on a phone reports a claimed need done.

``partymember`` opens /me/claims/, sees the need and the resident's phone, taps 提交完成情况,
fills in the day, 1 hour 30 minutes, what was done and a photo (a PNG made here), submits,
and is back on the card with the claim 待确认; printed, the card is the A4 table.
"""

import datetime

import pytest
from django.utils import timezone
from PIL import Image

from volunteers.models import Claim, Need, NeedCategory
from volunteers.services.needs import need_claim, need_record

from .conftest import log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_party_member_reports_a_claim_done_from_the_card(
    phone, live_server, shoot, make_person, person_with_role, town, tmp_path, settings
):
    restore_migration_data()  # the site and home page, after earlier flushes
    settings.MEDIA_ROOT = tmp_path / "media"
    member = make_person(
        real_name="赵文静",
        username="partymember",
        political_status="party_member",
        party_branch=town.liyuan_branch,
        employer_unit=town.unit,
        in_service=True,
        phone_verified=True,
    )
    worker = person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员王芳")
    need = need_record(
        by=worker.user,
        grid=town.liyuan_grid1,
        kind=Need.Kind.SERVICE,
        category=NeedCategory.objects.get_or_create(name="助困扶残与就业援助")[0],
        title="陪李淑芬奶奶去医院复查",
        public_title="陪同独居老人就医",
        resident_name="李淑芬",
        resident_phone="13712345678",
        address="阳关中路3号楼2单元401",
        deadline=timezone.localdate() + datetime.timedelta(days=7),
        publish=True,
    )
    claim = need_claim(need=need, person=member)
    picture = tmp_path / "service.png"
    Image.new("RGB", (64, 48), (181, 71, 46)).save(picture)
    base = live_server.url

    page = phone()
    log_in(page, base, "partymember")
    page.goto(f"{base}/me/")
    page.get_by_role("link", name="双项认领卡").click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "陪同独居老人就医" in main and "已认领" in main
    assert "13712345678" in main  # the claimant calls the resident
    assert page.locator('[data-total="claimed"]').inner_text() == "1 项"
    shoot(page, "card")

    page.get_by_role("link", name="提交完成情况").click()
    page.wait_for_load_state()
    page.get_by_label("服务日期").fill(timezone.localdate().isoformat())
    page.get_by_label("小时").fill("1")
    page.get_by_label("分钟").fill("30")
    page.get_by_label("完成情况").fill("陪奶奶去市医院复查，已送回家。")
    page.get_by_label("照片（可选）").set_input_files(str(picture))
    shoot(page, "report")
    page.get_by_role("button", name="提交完成情况").click()
    page.wait_for_load_state()

    main = page.inner_text("main")
    assert "已提交，等待网格员或需求人确认。" in main
    assert page.locator('[data-status="reported"]').inner_text() == "待确认"
    assert page.get_by_role("link", name="提交完成情况").count() == 0
    assert page.console_errors == []
    shoot(page, "reported")

    # Printed, the card is the A4 table with the stamp's place, without the phone number.
    page.emulate_media(media="print")
    printed = page.locator(".claim-print")
    assert printed.is_visible() and not page.locator(".claims-screen").is_visible()
    assert not page.locator(".site-header").is_visible()
    assert "社区（盖章）" in printed.inner_text()
    assert "13712345678" not in page.inner_text("body")
    shoot(page, "printed")

    claim.refresh_from_db()
    assert claim.status == Claim.Status.REPORTED
    assert claim.minutes == 90
    assert claim.photo.name.endswith(".png")
