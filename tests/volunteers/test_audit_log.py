"""The audit log (审计日志) in the admin: who reads which events, its filters and its .xlsx.

Events are written by the real services (a role granted, points adjusted, a rule made),
then read back as a community secretary, a town administrator or a volunteer would.
"""

import datetime
import io
import re
from html import unescape

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.spreadsheets import FORMULA_STARTS
from points.models import Category
from points.services import points_adjust
from points.services.dual_report import dual_report_deliver
from points.services.rules import rule_create
from volunteers.audit_log import event_details
from volunteers.models import ActivityCategory, AuditEvent, Organisation
from volunteers.selectors import audit_events_visible_to
from volunteers.services.activities import activity_cancel
from volunteers.services.audit import audit_record
from volunteers.services.joining import join_request_decide, join_requests_submit
from volunteers.services.memberships import membership_end, membership_grant
from volunteers.services.organisations import organisation_add
from volunteers.services.people import person_update_by_staff

from ..cms.test_admin_chinese import english_in, visible_text

URL = "/admin/audit-log/"
EXPORT = "/admin/audit-log/export.xlsx"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def town_admin(person_with_role, town, Role):
    return person_with_role(Role.ADMIN, town.town, real_name="马建国").user


@pytest.fixture
def events(town, town_admin, make_person, Role):
    """A grid member appointed in 梨园 and in 桥北, 梨园 points adjusted, a town-wide rule."""
    liyuan = make_person(real_name="李淑芬", home_grid=town.liyuan_grid1)
    qiaobei = make_person(real_name="桥北王大爷", home_grid=town.qiaobei_grid1)
    granted = membership_grant(
        person=liyuan, organisation=town.liyuan_grid1, role=Role.MEMBER, by=town_admin
    )
    membership_grant(
        person=qiaobei, organisation=town.qiaobei_grid1, role=Role.MEMBER, by=town_admin
    )
    points_adjust(
        person=liyuan,
        amount=5,
        category=Category.REWARD,
        reason="帮邻居修水管，电话13812345678，身份证620102199001011234",
        by=town_admin,
    )
    rule_create(
        by=town_admin,
        name="巡河护绿",
        category=ActivityCategory.objects.create(name="巡河护绿"),
        points_per_hour=2,
    )
    return {"liyuan": liyuan, "qiaobei": qiaobei, "granted": granted}


def page(client, user, query=""):
    client.force_login(user)
    response = client.get(URL + query)
    assert response.status_code == 200, response
    return response.content.decode()


def listed(html: str) -> str:
    """The table's body only: the filter's choices name actions and types too."""
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""


def test_a_community_secretary_reads_liyuan_events_and_not_qiaobei(client, secretary, events):
    html = page(client, secretary)

    rows = listed(html)
    assert "李淑芬" in rows and "任命角色" in rows and "调整积分" in rows
    assert "桥北王大爷" not in rows
    assert "巡河护绿" not in rows  # a town-wide rule is the town's administrators' own


def test_the_secretary_sees_the_events_about_their_people_made_elsewhere(
    secretary, events, town, town_admin, Role
):
    """李淑芬 lives in 梨园; a role she is given in a team outside 梨园 still concerns 梨园."""
    membership_grant(
        person=events["liyuan"], organisation=town.team, role=Role.MEMBER, by=town_admin
    )
    visible = audit_events_visible_to(secretary).filter(organisation=town.team)
    assert [event.person for event in visible] == [events["liyuan"]]


def test_a_town_administrator_reads_every_event_and_the_town_wide_ones(client, town_admin, events):
    rows = listed(page(client, town_admin))
    assert "李淑芬" in rows and "桥北王大爷" in rows
    assert "巡河护绿" in rows and "新增积分规则" in rows


def test_a_volunteer_without_a_role_is_turned_away(client, volunteer, events):
    client.force_login(volunteer.user)
    for url in (URL, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert "审计" not in response.content.decode()


def test_staff_who_only_publish_are_turned_away_and_see_no_menu_entry(
    client, leader, events, town, person_with_role, Role
):
    team_leader = person_with_role(Role.LEADER, town.team, real_name="周队长").user
    client.force_login(team_leader)
    assert client.get(URL).status_code == 302  # back to the admin's home, with a message
    assert client.get(EXPORT).status_code == 302
    assert URL not in client.get("/admin/").content.decode()


def test_a_secretary_finds_the_log_in_the_admin_menu(client, secretary, events):
    client.force_login(secretary)
    assert URL in client.get("/admin/").content.decode()


def test_the_page_speaks_chinese(client, secretary, events):
    text = visible_text(page(client, secretary, "?created_at_from=junk"))
    assert english_in(text) == [], english_in(text)
    assert "审计日志" in text and "相关人员" in text and "导出 Excel" in text


def test_phones_and_id_numbers_in_a_reason_are_masked(client, town_admin, events):
    rows = listed(page(client, town_admin))
    assert "138****5678" in rows and "13812345678" not in rows
    assert "6201**********1234" in rows and "620102199001011234" not in rows
    assert "类别：奖励积分" in rows  # points' code, by its name


def test_filter_by_person_name_volunteer_number_or_key(client, town_admin, events):
    liyuan = events["liyuan"]
    for query in (
        "?person=淑芬",
        f"?person={liyuan.volunteer_number.lower()}",
        f"?person={liyuan.pk}",
    ):
        rows = listed(page(client, town_admin, query))
        assert "李淑芬" in rows and "调整积分" in rows, query
        assert "桥北王大爷" not in rows and "巡河护绿" not in rows, query


def test_filter_by_action_offers_the_actions_present_by_their_chinese_names(
    client, town_admin, events
):
    html = page(client, town_admin, "?action=points.adjust")
    assert '<option value="points.adjust" selected>调整积分</option>' in html
    assert '<option value="points_rule.create">新增积分规则</option>' in html
    assert '<option value="shop.cancel"' not in html  # no such event yet
    rows = listed(html)
    assert rows.count("<tr>") == 1 and "调整积分" in rows


def test_filter_by_date_takes_whole_days_in_shanghai_time(client, town_admin, events):
    """An event at 23:30 Shanghai time on a day is that day's, though it is 15:30 UTC."""
    day = timezone.localdate() - datetime.timedelta(days=10)
    late = datetime.datetime.combine(day, datetime.time(23, 30), tzinfo=SHANGHAI)
    grant = AuditEvent.objects.get(action="membership.grant", person=events["liyuan"])
    AuditEvent.objects.filter(pk=grant.pk).update(created_at=late)

    only = "&action=membership.grant&person=淑芬"
    on_the_day = listed(page(client, town_admin, f"?created_at_from={day}&created_at_to={day}"))
    assert "李淑芬" in on_the_day and on_the_day.count("<tr>") == 1
    for outside in (
        f"?created_at_from={day + datetime.timedelta(days=1)}",
        f"?created_at_to={day - datetime.timedelta(days=1)}",
    ):
        assert listed(page(client, town_admin, outside + only)) == "", outside


def test_filter_by_object_lists_everything_that_happened_to_it(client, town_admin, events, Role):
    granted = events["granted"]
    membership_end(membership=granted, by=town_admin)
    query = f"?target_type=volunteers.membership&target_id={granted.pk}"

    rows = listed(page(client, town_admin, query))
    assert rows.count("<tr>") == 2
    assert "任命角色" in rows and "结束角色" in rows and "桥北王大爷" not in rows
    # Each row links to that object's own history.
    assert f"target_type=volunteers.membership&amp;target_id={granted.pk}" in rows


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?created_at_from=2024-13-45", "有效的日期"),
        ("?created_at_from=2030-01-02&created_at_to=2030-01-01", "开始日期不能晚于结束日期"),
        ("?target_type=nope.nothing&target_id=1", "没有这种对象类型"),
        ("?target_type=volunteers.membership&target_id=abc", "对象编号应为数字"),
        ("?action=%3Cscript%3E", "没有这种事件"),
    ],
)
def test_a_junk_filter_is_a_chinese_error_and_the_other_filters_still_apply(
    client, town_admin, events, query, message
):
    html = page(client, town_admin, query + "&person=桥北王大爷&p=zz")
    assert message in html
    rows = listed(html)
    assert "桥北王大爷" in rows and "李淑芬" not in rows


def test_an_activity_is_linked_to_its_edit_page(client, secretary, make_activity, events):
    activity = make_activity(title="阳关中路文明交通劝导")
    activity_cancel(activity=activity, reason="大风预警", by=secretary)

    rows = listed(page(client, secretary, "?action=activity.cancel"))
    assert f'href="/admin/snippets/volunteers/activity/edit/{activity.pk}/"' in rows
    assert "大风预警" in rows and "取消活动" in rows


def test_fifty_events_a_page(
    client, town_admin, events, town, make_person, Role, django_assert_max_num_queries
):
    for n in range(50):
        membership_grant(
            person=make_person(real_name=f"队员{n}"),
            organisation=town.team,
            role=Role.MEMBER,
            by=town_admin,
        )
    client.force_login(town_admin)
    with django_assert_max_num_queries(25):  # not one query per row
        first = listed(client.get(URL).content.decode())
    assert first.count("<tr>") == 50
    second = listed(page(client, town_admin, "?p=2"))
    assert 0 < second.count("<tr>") < 50


def read_sheet(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_the_export_holds_the_filtered_rows_masked_and_no_formulas(
    client, secretary, events, make_person, town, town_admin
):
    planted = make_person(real_name='=HYPERLINK("http://x","点我")', home_grid=town.liyuan_grid2)
    points_adjust(
        person=planted, amount=1, category=Category.REWARD, reason="@SUM(1)", by=town_admin
    )
    client.force_login(secretary)

    response = client.get(EXPORT + "?action=points.adjust")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    header, *rows = read_sheet(response.content)
    assert header[:3] == ("时间", "操作人", "事件")
    assert {row[2] for row in rows} == {"调整积分"}
    assert {row[7] for row in rows} >= {'\'=HYPERLINK("http://x","点我")'}
    assert "'@SUM(1)" in {row[9] for row in rows}
    assert any("138****5678" in (row[9] or "") for row in rows)
    assert "桥北王大爷" not in str(rows)
    cells = [value for row in rows for value in row if isinstance(value, str)]
    assert not [value for value in cells if value.startswith(FORMULA_STARTS)]
    assert all(isinstance(row[0], datetime.datetime) for row in rows)
    # Who took the log away is itself recorded.
    taken = AuditEvent.objects.get(action="audit_log.export")
    assert taken.actor == secretary and taken.extra["filters"] == {"action": "points.adjust"}


def test_an_export_past_the_limit_is_refused_with_a_message(
    client, town_admin, events, monkeypatch
):
    monkeypatch.setattr("volunteers.admin_views.audit_log.EXPORT_LIMIT", 2)
    client.force_login(town_admin)

    response = client.get(EXPORT)

    assert response.status_code == 400
    assert "一次最多导出 2 条" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit_log.export").exists()


# --- Details in Chinese -------------------------------------------------------------------

# A key as stored ("service_interests：", "parent_id：") anywhere in the details.
ENGLISH_KEY = re.compile(r"[A-Za-z_]+\s*：")


def page_details(html: str) -> list[str]:
    """Each detail line of the table, as a reader sees it."""
    lines = re.findall(r"<li>(.*?)</li>", listed(html), re.S)
    return [unescape(re.sub(r"<[^>]+>", "", line)).strip() for line in lines]


@pytest.fixture
def more_events(town, town_admin, events, make_person, person_with_role, Role):
    """A join request refused, a person's record corrected, a role ended, a unit's quarter
    delivered, a unit added: each written by its own service."""
    applicant = make_person(real_name="赵申请")
    (request,) = join_requests_submit(person=applicant, grid=town.liyuan_grid2)
    join_request_decide(request=request, by=town_admin, approve=False, reason="不住本网格")
    person_update_by_staff(
        person=events["liyuan"],
        by=town_admin,
        changes={"service_interests": "敬老助残", "skills": "修水管", "real_name": "李淑芳"},
        reason="登记有误",
    )
    membership_end(membership=events["granted"], by=town_admin)
    person_with_role(Role.CONTACT, town.unit, real_name="文旅联络")
    year = timezone.localdate().year - 1
    dual_report_deliver(unit=town.unit, quarter=f"{year}Q3")
    organisation_add(
        parent=town.town, name="敦煌市教育局", kind=Organisation.Kind.UNIT, code="unit-edu"
    )
    return {"year": year}


def test_the_details_name_every_key_in_chinese(client, town_admin, more_events):
    html = page(client, town_admin)
    details = page_details(html)

    assert details, "no details rendered"
    assert not [line for line in details if ENGLISH_KEY.search(line)], details
    assert "原因：不住本网格" in details
    # PostgreSQL's jsonb keeps keys in its own order, SQLite in the written one.
    (changes,) = [line for line in details if line.startswith("修改：")]
    assert set(changes.removeprefix("修改：").split("；")) == {
        "服务意向：— → 敬老助残",
        "技能特长：— → 修水管",
        "姓名：李淑芬 → 李淑芳",
    }
    assert any(line.startswith("结束日期：") for line in details)
    assert f"季度：{more_events['year']}年第3季度" in details
    assert "收件人数：1" in details
    assert "类型：在职单位" in details and "编码：unit-edu" in details
    # Other objects' database keys mean nothing to a reader.
    assert not [line for line in details if "编号：" in line and "志愿者" not in line], details


def test_the_export_names_every_key_in_chinese_and_leaves_out_database_keys(
    client, town_admin, more_events
):
    client.force_login(town_admin)
    header, *rows = read_sheet(client.get(EXPORT).content)

    details = [row[header.index("详情")] or "" for row in rows]
    assert not [text for text in details if ENGLISH_KEY.search(text)], details
    assert not [text for text in details if "上级编号" in text or "收件人：" in text]
    assert any(f"季度：{more_events['year']}年第3季度" in text for text in details)
    assert any("收件人数：1" in text for text in details)


def test_the_page_shows_no_event_codes(client, town_admin, more_events):
    rows = listed(page(client, town_admin))
    for code in ("join_request.refuse", "person.update", "membership.end", "points.adjust"):
        assert code not in rows, code
    assert "拒绝加入申请" in rows and "修改人员资料" in rows and "结束角色" in rows


def test_the_demo_seed_counts_and_unknown_keys_are_named_in_chinese(town):
    counts = dict.fromkeys(
        [
            "organisations",
            "people",
            "memberships",
            "users",
            "reports",
            "activities",
            "signups",
            "attendances",
            "points",
            "snapshots",
        ],
        3,
    )
    seeded = audit_record(actor=None, action="demo.seed", target="沙州镇演示数据", **counts)
    stray = audit_record(actor=None, action="person.update", target="x", brand_new_key="值")

    labels = [label for label, _text in event_details(seeded)]
    assert len(labels) == 10 and not [label for label in labels if label.isascii()], labels
    assert "积分流水数" in labels and "人数" in labels
    assert event_details(stray) == [("其他", "值")]


def test_the_date_filter_and_the_footer_read_right(
    client, town_admin, events, town, make_person, Role
):
    html = page(client, town_admin, "?action=points.adjust")
    assert 'placeholder="起始日期"' in html and "起始日起" not in html
    assert 'class="pagination' not in html  # one page: the count above the table is enough
    assert re.search(r"共\s*1\s*条记录", visible_text(html))
    assert not re.search(r"\d\s*审计记录", visible_text(html))

    for n in range(50):
        membership_grant(
            person=make_person(real_name=f"队员{n}"),
            organisation=town.team,
            role=Role.MEMBER,
            by=town_admin,
        )
    footer = page(client, town_admin).split('class="pagination__end">', 1)[1].split("</div>")[0]
    assert re.search(r"共 \d+ 条记录", footer), footer
