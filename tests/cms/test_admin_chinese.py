"""The admin is the town's and speaks Chinese: no English chrome, the 美丽沙州 mark instead
of Wagtail's bird, people by their real names, nothing fetched from other hosts, and a
staff dashboard of the work waiting for this person, scoped by the one rule."""

import datetime
import json
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from volunteers.models import CommunityReport, Person
from volunteers.services.joining import join_requests_submit
from volunteers.services.reports import report_apply

# Wagtail's English that staff used to meet on these pages, as whole words.
ENGLISH = (
    "New:",
    "Pages",
    "Images",
    "Documents",
    "Dashboard",
    "Search",
    "Help",
    "Edit",
    "Add",
    "Save",
    "Saved",
    "Settings",
    "Reports",
    "Account",
    "Shortcuts",
    "Wagtail",
    "Actions",
    "Sort",
    "created",
)
ACTIVITY_LIST = "/admin/snippets/volunteers/activity/"
ACTIVITY_ADD = "/admin/snippets/volunteers/activity/add/"


class VisibleText(HTMLParser):
    """The text a person reads: text nodes (outside scripts, styles and templates) and
    the labels a screen reader speaks or a field shows (aria-label, title, placeholder)."""

    HIDDEN = {"script", "style", "template"}
    SPOKEN = {"aria-label", "title", "placeholder", "alt"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1
        self.parts.extend(value for name, value in attrs if name in self.SPOKEN and value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " | ".join(parser.parts)


def english_in(text: str) -> list[str]:
    return [w for w in ENGLISH if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text)]


def sidebar(html: str) -> dict:
    found = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the admin's sidebar props are on every admin page"
    return json.loads(found.group(1))


def menu_labels(props) -> list[str]:
    labels = []
    if isinstance(props, dict):
        labels += [props[k] for k in ("label",) if isinstance(props.get(k), str)]
        for value in props.values():
            labels += menu_labels(value)
    elif isinstance(props, list):
        for value in props:
            labels += menu_labels(value)
    return labels


@pytest.fixture
def staff(town, person_with_role):
    def make(role, node, name):
        return person_with_role(role, getattr(town, node), real_name=name).user

    return make


@pytest.mark.parametrize(("role", "node"), [("secretary", "liyuan"), ("admin", "town")])
def test_the_admin_pages_staff_use_have_no_english(client, staff, make_activity, role, node):
    client.force_login(staff(role, node, "张志强"))
    make_activity(title="阳关中路文明交通劝导")
    for url in ("/admin/", ACTIVITY_LIST, ACTIVITY_ADD):
        html = client.get(url).content.decode()
        text = visible_text(html)
        assert english_in(text) == [], (url, english_in(text))
        labels = menu_labels(sidebar(html))
        assert labels and english_in(" | ".join(labels)) == [], (url, labels)
    add_form = visible_text(client.get(ACTIVITY_ADD).content.decode())
    assert "新建活动" in add_form


def test_the_admin_is_branded_for_the_town(client, staff):
    client.force_login(staff("secretary", "liyuan", "张志强"))
    html = client.get("/admin/").content.decode()

    assert "<title>控制面板 - 美丽沙州工作台</title>" in html
    assert "欢迎使用美丽沙州工作台" in visible_text(html)
    # The sidebar takes its logo from this template: ours, not the bird (icon-wagtail).
    logo = re.search(r"<template data-wagtail-sidebar-branding-logo>(.*?)</template>", html, re.S)
    assert logo and 'class="shazhou-mark"' in logo.group(1)
    assert "icon-wagtail" not in html
    assert 'href="/static/img/shazhou-mark.svg"' in html
    assert "wagtailadmin/images/favicon.ico" not in html


def test_people_are_shown_by_real_name(client, staff):
    user = staff("secretary", "liyuan", "张志强")
    client.force_login(user)

    html = client.get("/admin/").content.decode()
    home = visible_text(html)
    assert "张志强" in home and user.username not in home
    account_menu = sidebar(html)["modules"][-1]["_args"][-1]
    assert account_menu["name"] == "张志强"  # the sidebar's foot
    user.refresh_from_db()
    assert user.first_name == ""  # shown, never saved: the name lives on Person
    assert "将由 张志强 创建" in visible_text(client.get(ACTIVITY_ADD).content.decode())
    assert user.get_full_name() == user.get_short_name() == "张志强"


def test_an_account_without_a_person_keeps_its_username(django_user_model):
    user = django_user_model.objects.create_user(username="ops", password="x")
    assert user.get_full_name() == ""  # Wagtail then shows the username


def test_nothing_is_fetched_from_other_hosts(admin_client, settings):
    """No update check (releases.wagtail.io), no "what's new" banner, no gravatar, and the
    help menu keeps its shortcuts but not the links to guide.wagtail.org."""
    assert settings.WAGTAIL_ENABLE_UPDATE_CHECK is False
    html = admin_client.get("/admin/").content.decode()  # a superuser would get the check

    assert "data-w-upgrade" not in html
    assert "guide.wagtail.org" not in html and "gravatar.com" not in html
    assert "快捷键" in menu_labels(sidebar(html))


def test_a_leader_sees_tomorrows_activity_with_its_check_in_screen(
    client, staff, make_activity, town
):
    leader = staff("leader", "liyuan", "王队长")
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    starts = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
    activity = make_activity(title="敬老院义务理发", starts_at=starts)
    make_activity(title="桥北的活动", organisation=town.qiaobei, starts_at=starts)
    make_activity(title="下周的活动", starts_at=starts + datetime.timedelta(days=6))
    client.force_login(leader)

    html = client.get("/admin/").content.decode()
    text = visible_text(html)
    assert "今明两天的活动" in text and "敬老院义务理发" in text and "明天 09:00" in text
    assert "桥北的活动" not in text and "下周的活动" not in text
    assert f'href="/activities/{activity.pk}/checkin/?mode=in"' in html
    assert f'href="/activities/{activity.pk}/attendance/"' in html
    assert reverse("wagtailsnippets_volunteers_activity:edit", args=[activity.pk]) in html
    # A leader decides no 报到 and answers no objections: those panels are not theirs.
    assert "待确认的报到" not in text and "待答复的公示异议" not in text


def test_a_secretary_sees_a_pending_report_and_where_to_confirm_it(
    client, staff, make_person, town
):
    secretary = staff("secretary", "liyuan", "李淑芬")
    member = make_person(
        real_name="赵文静",
        political_status=Person.PoliticalStatus.PARTY_MEMBER,
        home_grid=town.liyuan_grid1,
        in_service=True,
    )
    report_apply(person=member, community=town.liyuan, via=CommunityReport.Via.SELF)
    client.force_login(secretary)

    html = client.get("/admin/").content.decode()
    text = visible_text(html)
    assert "待确认的报到" in text and "赵文静 向梨园社区报到" in text
    assert 'href="/reports/"' in html and "共 1 项" in text


def test_join_requests_wait_for_those_who_admit_to_that_grid(client, staff, make_person, town):
    grid_head = staff("grid_head", "liyuan_grid1", "网格长老周")
    other = staff("grid_head", "liyuan_grid2", "网格长小吴")
    newcomer = make_person(real_name="新居民")
    join_requests_submit(person=newcomer, grid=town.liyuan_grid1)

    client.force_login(grid_head)
    text = visible_text(client.get("/admin/").content.decode())
    assert "新居民 申请加入梨园社区第1网格" in text
    client.force_login(other)
    text = visible_text(client.get("/admin/").content.decode())
    assert "没有待审核的加入申请。" in text and "新居民" not in text


def test_every_panel_has_a_chinese_empty_state(client, staff):
    client.force_login(staff("admin", "town", "镇管理员"))
    text = visible_text(client.get("/admin/").content.decode())
    for empty in (
        "今天和明天没有您负责的活动。",
        "没有待确认的在职党员报到。",
        "没有待审核的加入申请。",
        "没有待答复的公示异议。",
        "上架商品的库存都多于 5 件。",
    ):
        assert empty in text


def test_a_shop_running_low_shows_on_its_secretarys_dashboard(client, staff, town):
    from points.services.rewards import reward_create

    secretary = staff("secretary", "liyuan", "李淑芬")
    reward_create(community=town.liyuan, name="洗衣液", price=20, stock=2, by=secretary)
    reward_create(community=town.liyuan, name="大米", price=50, stock=40, by=secretary)
    client.force_login(secretary)

    text = visible_text(client.get("/admin/").content.decode())
    assert "洗衣液" in text and "还剩 2 件" in text and "大米" not in text


def test_the_dashboard_queries_do_not_grow_with_its_rows(client, staff, make_activity):
    client.force_login(staff("secretary", "liyuan", "李淑芬"))
    make_activity(title="第一场")
    client.get("/admin/")  # warm the session and the content types
    with CaptureQueriesContext(connection) as one:
        client.get("/admin/")
    for n in range(4):
        make_activity(title=f"又一场{n}")
    with CaptureQueriesContext(connection) as five:
        client.get("/admin/")
    assert len(five) == len(one)
