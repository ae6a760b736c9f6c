"""The 微心愿墙 in a real browser on a 390 px phone: a visitor filters by community and opens a
need (登录后认领); a party member opens one and is offered 我来认领. Clicking it is the
claim flow's own end-to-end test."""

import datetime

import pytest
from django.utils import timezone

from volunteers.models import Need, NeedCategory
from volunteers.services.needs import need_record

from .conftest import log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_visitor_filters_the_wall_and_a_party_member_is_offered_the_claim(
    phone, live_server, shoot, make_person, person_with_role, town
):
    restore_migration_data()  # the rows earlier transactional tests flushed
    category, _ = NeedCategory.objects.get_or_create(name="助困扶残与就业援助")
    staff = person_with_role("admin", town.town, real_name="镇管理员").user
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    common = {"by": staff, "category": category, "deadline": deadline, "publish": True}
    liyuan = need_record(
        grid=town.liyuan_grid1,
        kind=Need.Kind.SERVICE,
        title="给李淑芬奶奶代购降压药",
        public_title="为独居老人代购药品",
        resident_name="李淑芬",
        resident_phone="13712345678",
        address="阳关中路3号楼2单元401",
        places=2,
        **common,
    )
    need_record(
        grid=town.qiaobei_grid2,
        kind=Need.Kind.GOODS,
        title="给王大爷送一台旧电视",
        public_title="为困难老人捐一台电视",
        resident_name="王建国",
        **common,
    )
    make_person(
        real_name="党员王芳",
        username="dangyuan",
        phone_verified=True,
        political_status="party_member",
        home_grid=town.liyuan_grid2,
    )
    base = live_server.url

    visitor = phone()
    visitor.goto(f"{base}/")
    visitor.get_by_role("link", name="微心愿", exact=True).first.click()
    visitor.wait_for_load_state()
    assert visitor.url == f"{base}/needs/"
    counts = visitor.inner_text(".needs-counts")
    assert "需求" in counts and "2" in counts
    assert _fits_the_phone(visitor)
    shoot(visitor, "wall")

    visitor.select_option("#id_community", label="桥北社区")
    visitor.get_by_role("button", name="筛选").click()
    visitor.wait_for_load_state()
    main = visitor.inner_text("main")
    assert "为困难老人捐一台电视" in main
    assert "为独居老人代购药品" not in main
    assert f"community={town.qiaobei.pk}" in visitor.url
    assert visitor.locator("#id_community").input_value() == str(town.qiaobei.pk)
    shoot(visitor, "filtered")

    visitor.get_by_role("link", name="为困难老人捐一台电视").click()
    visitor.wait_for_load_state()
    assert visitor.get_by_role("heading", level=1).inner_text() == "为困难老人捐一台电视"
    assert visitor.get_by_role("link", name="登录后认领").is_visible()
    assert "王建国" not in visitor.inner_text("body")
    assert _fits_the_phone(visitor)
    shoot(visitor, "need-anonymous")
    assert visitor.console_errors == []

    member = phone()
    log_in(member, base, "dangyuan")
    member.goto(f"{base}/needs/")
    member.get_by_role("link", name="为独居老人代购药品").click()
    member.wait_for_load_state()
    assert member.url == f"{base}/needs/{liyuan.pk}/"
    claim = member.get_by_role("button", name="我来认领")
    assert claim.is_visible()
    box = claim.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb's target
    assert "李淑芬" not in member.inner_text("body")  # not until they have claimed it
    assert _fits_the_phone(member)
    shoot(member, "need-party-member")
    assert member.console_errors == []
