"""Staff pages on a phone (390 × 844): every table and queue fits the screen.

A town administrator opens each staff page of the public site. On each: the page does
not scroll sideways (a wide table scrolls inside its own wrapper), no table heading
breaks over lines (Chinese text must not stand one character per line), no console
error, and a screenshot lands in var/screenshots/. The 积分管理表 of 梨园 has 61 people, so it
pages; its search finds a person by name.
"""

import datetime

import pytest
from django.utils import timezone

from points.models import Category, Measure, Population, RankingSnapshot, Reward
from points.services import objection_lodge, points_adjust
from points.services.publication import previous_month, rankings_publish_month
from points.services.rewards import reward_redeem
from volunteers.models import Attendance, CommunityReport, Method, RosterImport
from volunteers.services.reports import report_apply

from .conftest import PHONE, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARTY = "party_member"
LONG_NAME = "欧阳买买提·艾力江"

# Headings of a staff table that break over more than one line (and their text).
WRAPPED_HEADINGS = """() => [...document.querySelectorAll('main table th[scope=col]')]
  .filter(th => th.offsetParent !== null && !th.matches(':has(> .visually-hidden:only-child)'))
  .filter(th => {
    const range = document.createRange();
    range.selectNodeContents(th);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return tops.size > 1;
  })
  .map(th => th.textContent.trim())"""


@pytest.fixture
def staff_town(town, make_person, person_with_role, make_activity, Role):
    """A town admin and, under 梨园, enough of everything for each staff page to have rows."""
    admin = person_with_role(
        Role.ADMIN, town.town, real_name="镇管理员", username="admin", phone_verified=True
    )
    by = admin.user
    now = timezone.now()
    month = previous_month(now)
    last_month = now.replace(day=1) - datetime.timedelta(days=20)

    people = [
        make_person(real_name=f"网格居民{n:02d}", home_grid=town.liyuan_grid1, with_user=False)
        for n in range(60)
    ]
    people.append(make_person(real_name=LONG_NAME, home_grid=town.liyuan_grid2, username="ouyang"))
    for n, person in enumerate(people[-4:]):  # the table lists the others with no points
        points_adjust(person=person, amount=n + 1, category=Category.REWARD, reason="表彰", by=by)
    points_adjust(
        person=people[0],
        amount=4,
        category=Category.SERVICE,
        reason="补记",
        by=by,
        occurred_at=last_month,
    )

    members = []
    for n in range(3):
        member = make_person(
            real_name=f"在职党员{n}",
            political_status=PARTY,
            employer_unit=town.unit,
            in_service=True,
            home_grid=town.qiaobei_grid1,
        )
        report_apply(person=member, community=town.liyuan, via=CommunityReport.Via.SELF)
        members.append(member)

    rankings_publish_month(month=month, now=now)
    snapshot = RankingSnapshot.objects.get(
        organisation=town.liyuan,
        period=month,
        population=Population.VOLUNTEERS,
        measure=Measure.POINTS,
    )
    objection_lodge(snapshot=snapshot, person=people[0], text="上月的文明交通劝导没有计分。")

    activity = make_activity(title="阳关中路文明交通劝导（早高峰）")
    for person in people[:12]:
        Attendance.objects.create(
            activity=activity,
            person=person,
            checked_in_at=activity.starts_at,
            check_in_method=Method.MANUAL,
        )

    reward = Reward.objects.create(
        community=town.liyuan, name="洗衣粉（2公斤装）", price=3, stock=10, per_person_limit=2
    )
    reward_redeem(reward=reward, person=people[-1], by=people[-1].user)

    roster = RosterImport.objects.create(
        uploaded_by=by,
        kind=RosterImport.Kind.PARTY_MEMBERS,
        file_name="梨园社区党员名册（2026年第二批，含在职党员）.xlsx",
        status=RosterImport.Status.PREVIEWED,
        row_count=2,
        good_count=1,
        bad_count=1,
        good_rows=[
            {
                "row": 2,
                "real_name": "李四",
                "phone": "13912345678",
                "political_status": PARTY,
                "home_grid_name": "梨园社区第1网格",
                "party_branch_name": "梨园社区第一网格党支部",
                "employer_unit_name": "敦煌市文化和旅游局",
                "in_service": True,
            }
        ],
        bad_rows=[
            {
                "row": 3,
                "real_name": "王五",
                "reasons": ["手机号应为 11 位数字，以 1 开头", "所属网格“梨园社区第9网格”不存在"],
            }
        ],
    )
    return {"people": people, "activity": activity, "liyuan": town.liyuan, "roster": roster}


def staff_pages(data) -> list[tuple[str, str, str]]:
    person = data["people"][0]
    return [
        ("branch", "/points/branch/", "积分管理表"),
        ("branch-person", f"/points/branch/people/{person.pk}/", person.real_name),
        ("dual-report", "/points/dual-report/", "双报到反馈"),
        ("reports", "/reports/", "在职党员报到审核"),
        ("objections", "/objections/", "公示异议答复"),
        ("attendance", f"/activities/{data['activity'].pk}/attendance/", "出勤名单"),
        ("shop-report", "/shop/report/", "爱心超市兑换报表"),
        ("hand-over", "/shop/hand-over/", "爱心超市发放"),
        ("roster", "/roster/", "名册"),
        ("roster-preview", f"/roster/{data['roster'].pk}/", "名册预览"),
        ("exports", "/me/exports/", "我的导出"),
    ]


def test_every_staff_page_fits_a_phone(live_server, phone, shoot, staff_town):
    page = phone()
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    log_in(page, live_server.url, "admin")
    problems = []
    for name, url, heading in staff_pages(staff_town):
        response = page.goto(live_server.url + url)
        assert response.status == 200, (name, response.status)
        assert heading in page.inner_text("main"), name
        # Folded parts too (a removal form, the rows a roster would import): open them all.
        page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")
        shoot(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{name} scrolls sideways on a phone: {width}px")
        if wrapped := page.evaluate(WRAPPED_HEADINGS):
            problems.append(f"{name}: headings break over lines: {wrapped}")
    assert problems == []
    assert page.console_errors == []


def test_the_branch_table_pages_and_finds_a_person_by_name(live_server, phone, shoot, staff_town):
    page = phone()
    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/points/branch/?org={staff_town['liyuan'].pk}")

    assert "共 61 人" in page.inner_text("main")
    assert page.locator("tbody tr").count() == 50
    page.get_by_role("link", name="下一页").click()
    page.wait_for_load_state()
    assert "第 2 / 2 页" in page.inner_text("main")
    assert page.locator("tbody tr").count() == 11
    shoot(page, "page-2")

    page.get_by_label("搜索").fill("买买提")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert LONG_NAME in rows.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "found")
