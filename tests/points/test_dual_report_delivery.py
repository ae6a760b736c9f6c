"""双报到反馈, delivered: each quarter the job sends every employer unit's contacts its .xlsx,
once; secretaries see which units were sent what."""

import datetime
import io
import re
from html import unescape

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from openpyxl import load_workbook

from core.errors import Invalid
from core.models import JobFailure
from points import tasks
from points.models import DualReportDelivery
from points.periods import SHANGHAI
from points.services.dual_report import dual_report_deliver, quarter_just_ended
from volunteers.models import Notification, Organisation
from volunteers.services.organisations import organisation_add

# 08:00 on 1 July of this year, when the job sends the second quarter; every fixture is made
# inside this travel, and the service it counts was in May.
YEAR = datetime.datetime.now(SHANGHAI).year
JULY_1 = datetime.datetime(YEAR, 7, 1, 8, 0, tzinfo=SHANGHAI)
Q2 = f"{YEAR}Q2"
PAGE = "/points/dual-report/deliveries/"


@pytest.fixture(autouse=True)
def _on_the_first_of_july():
    with time_machine.travel(JULY_1, tick=False):
        yield


def text(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def card(response, unit) -> str:
    found = re.search(rf'<li id="unit-{unit.pk}">(.*?)</li>', response.content.decode(), re.S)
    assert found, f"no card for {unit.name}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def download(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.fixture
def units(town):
    """文旅局 (town.unit), 教育局 and 卫健委: three employers under the town."""
    education = organisation_add(
        parent=town.town, name="敦煌市教育局", kind=Organisation.Kind.UNIT, code="unit-edu"
    )
    health = organisation_add(
        parent=town.town, name="敦煌市卫健委", kind=Organisation.Kind.UNIT, code="unit-health"
    )
    return {"culture": town.unit, "education": education, "health": health}


@pytest.fixture
def contacts(person_with_role, units, Role):
    """文旅局 has two contacts; 卫健委 one; 教育局 none."""
    return {
        "culture": [
            person_with_role(Role.CONTACT, units["culture"], real_name="文旅联络甲"),
            person_with_role(Role.CONTACT, units["culture"], real_name="文旅联络乙"),
        ],
        "health": [person_with_role(Role.CONTACT, units["health"], real_name="卫健联络")],
    }


@pytest.fixture
def quarter(in_service, serve, town, units, contacts, make_person):
    """Members of the three units, their service in the second quarter and after it."""
    member = in_service("赵文静", community=town.liyuan)
    serve(member, organisation=town.liyuan_grid1, day=datetime.date(YEAR, 4, 10), hours=3)
    serve(member, organisation=town.liyuan, day=datetime.date(YEAR, 5, 2), hours=2)
    serve(member, organisation=town.qiaobei, day=datetime.date(YEAR, 5, 3), hours=4)  # elsewhere
    not_reported = in_service("钱未报")
    make_person(real_name="孙群众", employer_unit=town.unit)  # not an in-service party member
    teacher = in_service("李老师", community=town.liyuan, unit=units["education"])
    serve(teacher, organisation=town.liyuan, day=datetime.date(YEAR, 6, 1), hours=1)
    doctor = in_service("周医生", community=town.qiaobei, unit=units["health"])
    return {"member": member, "not_reported": not_reported, "teacher": teacher, "doctor": doctor}


def dual_notices(person):
    return list(Notification.objects.filter(recipient=person, kind=Notification.Kind.DUAL_REPORT))


def test_the_job_sends_the_quarter_just_ended_once_per_unit_and_contact(quarter, units, contacts):
    assert quarter_just_ended() == Q2

    assert tasks.dual_report_deliver_quarter() == 3
    assert tasks.dual_report_deliver_quarter() == 3  # beat fired again, or a redelivery

    deliveries = {d.unit_id: d for d in DualReportDelivery.objects.filter(quarter=Q2)}
    assert set(deliveries) == {u.pk for u in units.values()}
    culture = deliveries[units["culture"].pk]
    assert sorted(p.real_name for p in culture.recipients.all()) == ["文旅联络乙", "文旅联络甲"]
    # 赵文静's 3 h + 2 h in 梨园 in the quarter; 钱未报 has none; 孙群众 is not counted.
    assert (culture.rows, culture.minutes, culture.points) == (2, 300, 5)
    for contact in contacts["culture"]:
        [notice] = dual_notices(contact)
        assert notice.title == f"双报到反馈：敦煌市文化和旅游局{YEAR}年第2季度"
        assert "在职党员 2 人，服务 5.0 小时，社区服务积分 5 分" in notice.body
    [health_notice] = dual_notices(contacts["health"][0])
    assert "敦煌市卫健委" in health_notice.title
    # 教育局 has no contact: its delivery is recorded, sent to nobody.
    assert not deliveries[units["education"].pk].recipients.exists()
    assert Notification.objects.filter(kind=Notification.Kind.DUAL_REPORT).count() == 3


def test_a_contact_downloads_the_units_members_and_their_community_service(
    client, quarter, contacts, units
):
    tasks.dual_report_deliver_quarter()
    contact = contacts["culture"][0]
    [notice] = dual_notices(contact)
    client.force_login(contact.user)

    listing = client.get(notice.url)  # the quarter's list, with the file's link
    delivery = DualReportDelivery.objects.get(unit=units["culture"], quarter=Q2)
    assert f"{PAGE}{delivery.pk}/download/" in listing.content.decode()
    response, body = download(client, f"{PAGE}{delivery.pk}/download/")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(body))["双报到反馈"].iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "手机号", "在职单位", "报到社区")
    member, not_reported = quarter["member"], quarter["not_reported"]
    assert sorted(rows[1:]) == sorted(
        [
            ("赵文静", member.masked_phone, "敦煌市文化和旅游局", "梨园社区", 2, 5.0, 5),
            ("钱未报", not_reported.masked_phone, "敦煌市文化和旅游局", "尚未报到", 0, 0.0, 0),
        ]
    )
    assert member.phone not in str(rows)


def test_only_the_units_contacts_and_managers_may_download(
    client, quarter, units, contacts, secretary, person_with_role, make_person, Role
):
    tasks.dual_report_deliver_quarter()
    delivery = DualReportDelivery.objects.get(unit=units["culture"], quarter=Q2)
    url = f"{PAGE}{delivery.pk}/download/"

    for outsider in (
        contacts["health"][0].user,  # another unit's contact
        secretary,  # 梨园's secretary: the community, not the unit
        make_person(real_name="路人").user,
    ):
        client.force_login(outsider)
        response = client.get(url)
        assert response.status_code == 403
        assert "这份双报到反馈只发给敦煌市文化和旅游局的联络人和党组织书记" in text(response)

    unit_secretary = person_with_role(Role.SECRETARY, units["culture"], real_name="文旅书记")
    client.force_login(unit_secretary.user)
    assert download(client, url)[0].status_code == 200
    missing = client.get(f"{PAGE}{delivery.pk + 1000}/download/")
    assert missing.status_code == 404
    assert "没有找到这份双报到反馈" in text(missing)
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_a_secretary_sees_the_units_serving_her_community_sent_or_not(
    client, quarter, units, secretary, qiaobei_secretary, django_assert_max_num_queries
):
    tasks.dual_report_deliver_quarter()
    client.force_login(secretary)

    with django_assert_max_num_queries(9):  # no more for more units
        response = client.get(PAGE)

    assert response.status_code == 200
    assert f"{YEAR}年第2季度 · 在职单位 2 个" in text(response)
    culture = card(response, units["culture"])
    assert "已发送" in culture
    assert f"{YEAR}年7月1日 08:00 发送" in culture
    assert "文旅联络乙、文旅联络甲" in culture
    assert "2 人" in culture and "5.0 小时" in culture
    education = card(response, units["education"])
    assert "未设联络人，未发送" in education
    assert "卫健委" not in text(response)  # its member reported to 桥北
    assert "下载 Excel" not in text(response)  # the files are the units' own

    client.force_login(qiaobei_secretary)
    other = client.get(PAGE)
    assert "在职单位 1 个" in text(other)
    assert "已发送" in card(other, units["health"])


def test_a_quarter_not_yet_over_is_shown_as_to_come(client, quarter, units, secretary):
    client.force_login(secretary)

    response = client.get(PAGE, {"period": f"{YEAR}Q3"})

    assert "本季度结束后自动发送" in card(response, units["culture"])
    assert "未设联络人" in card(response, units["education"])


def test_a_units_contact_sees_its_deliveries_and_downloads_from_the_list(
    client, quarter, units, contacts
):
    tasks.dual_report_deliver_quarter()
    client.force_login(contacts["health"][0].user)

    response = client.get(PAGE)

    assert "在职单位 1 个" in text(response)
    assert "下载 Excel" in card(response, units["health"])


def test_the_list_refuses_people_without_a_role_and_bad_quarters(client, make_person, secretary):
    client.force_login(make_person(real_name="路人").user)
    refused = client.get(PAGE)
    assert refused.status_code == 403
    assert "只对社区、在职单位的书记（管理员）和单位联络人开放" in text(refused)

    client.force_login(secretary)
    for period in (str(YEAR), f"{YEAR}-05", f"{YEAR}Q5", "x"):
        bad = client.get(PAGE, {"period": period})
        assert bad.status_code == 400
        assert "请从页面上的列表选择季度" in text(bad)


def test_a_quarter_is_delivered_only_once_it_is_over(quarter, units, settings):
    for quarter_key, code in ((f"{YEAR}Q3", "quarter_not_over"), (f"{YEAR}Q7", "bad_quarter")):
        with pytest.raises(Invalid) as refused:
            dual_report_deliver(unit=units["culture"], quarter=quarter_key)
        assert refused.value.code == code
    with pytest.raises(Invalid, match="只发送给在职单位"):
        dual_report_deliver(unit=units["culture"].get_parent(), quarter=Q2)
    assert not DualReportDelivery.objects.exists()
    assert not (settings.PRIVATE_MEDIA_ROOT / "dual-report").exists()


def test_a_delivery_that_fails_keeps_no_file_and_the_other_units_get_theirs(
    quarter, units, settings, monkeypatch
):
    from points.services import dual_report as service

    real = service.build_dual_xlsx

    def broken_for_education(unit, quarter_key, rows=None):
        if unit.pk == units["education"].pk:
            raise ValueError("a broken row")
        return real(unit, quarter_key, rows)

    monkeypatch.setattr(service, "build_dual_xlsx", broken_for_education)
    monkeypatch.setattr(service, "audit_record", _fail_for(units["health"]))

    assert tasks.dual_report_deliver_quarter() == 1

    assert list(DualReportDelivery.objects.values_list("unit_id", flat=True)) == [
        units["culture"].pk
    ]
    files = list((settings.PRIVATE_MEDIA_ROOT / "dual-report").rglob("*.xlsx"))
    assert len(files) == 1  # 卫健委's was written, then removed with its rolled-back row
    failures = JobFailure.objects.filter(task_name="points.tasks.dual_report_deliver_quarter")
    assert failures.count() == 2
    assert not Notification.objects.filter(recipient__real_name="卫健联络").exists()

    monkeypatch.undo()  # mended: the next run sends the two that failed, and only them
    assert tasks.dual_report_deliver_quarter() == 3
    assert Notification.objects.filter(kind=Notification.Kind.DUAL_REPORT).count() == 3


def _fail_for(unit):
    from volunteers.services.audit import audit_record

    def audit(**kwargs):
        if kwargs.get("organisation") == unit:
            raise RuntimeError("the audit log is full")
        return audit_record(**kwargs)

    return audit


def test_the_schedule_runs_the_job_on_the_first_morning_of_each_quarter():
    entry = settings.CELERY_BEAT_SCHEDULE["deliver-dual-report"]
    assert entry["task"] == "points.tasks.dual_report_deliver_quarter"
    when = entry["schedule"]
    assert isinstance(when, crontab)
    assert (when.month_of_year, when.day_of_month, when.hour, when.minute) == (
        {1, 4, 7, 10},
        {1},
        {8},
        {0},
    )
