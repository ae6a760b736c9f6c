"""Staff lists of the volunteers side, searched and paged: the 报到 queue and an activity's
attendance list. Who a search finds is ``selectors.people_matching``, tested here too."""

import re

import pytest

from volunteers.models import CommunityReport, Person
from volunteers.selectors import people_matching
from volunteers.services.attendance import attendance_add_manual
from volunteers.services.reports import report_apply

PARTY = "party_member"


@pytest.fixture
def per_page(monkeypatch):
    """Two rows a page, so a few rows show the paging."""
    monkeypatch.setattr("core.pagination.PER_PAGE", 2)


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_search_finds_by_name_number_or_a_phones_last_four(make_person):
    li = make_person(real_name="李文静", phone="13612345678", with_user=False)
    wang = make_person(real_name="王小明", phone="13700005678", with_user=False)
    make_person(real_name="张三", phone="13812340000", with_user=False)

    def found(text):
        return sorted(Person.objects.filter(people_matching(text)).values_list("pk", flat=True))

    assert found("文静") == [li.pk]
    assert found(wang.volunteer_number) == [wang.pk]
    assert found(wang.volunteer_number[2:].lower()) == [wang.pk]  # without its SZ
    assert found("5678") == sorted([li.pk, wang.pk])
    assert found("1234") == []  # from the middle of a phone: no
    assert found("13612345678") == []  # a whole phone is not a search here
    assert len(found("")) == 3


# --- The 报到 queue ---------------------------------------------------------------------


@pytest.fixture
def applicants(make_person, town):
    people = []
    for name in ("赵一", "钱二", "孙三"):
        member = make_person(
            real_name=name, political_status=PARTY, employer_unit=town.unit, in_service=True
        )
        report_apply(person=member, community=town.liyuan, via=CommunityReport.Via.SELF)
        people.append(member)
    return people


def pending_names(body: str) -> list[str]:
    pending = body.split('id="pending-heading"')[1].split('id="posters-heading"')[0]
    return re.findall(r'<li id="report-\d+">\s*<h3>(\S+)', pending)


def test_the_report_queue_pages_oldest_first_and_finds_a_member(
    secretary_client, applicants, per_page
):
    first = page(secretary_client.get("/reports/"))
    assert "待确认（3）" in first
    assert pending_names(first) == ["赵一", "钱二"]
    assert 'rel="next"' in first and "第 1 / 2 页" in first

    second = page(secretary_client.get("/reports/", {"page": 2}))
    assert pending_names(second) == ["孙三"]

    found = page(secretary_client.get("/reports/", {"q": "钱"}))
    assert pending_names(found) == ["钱二"] and "“钱”找到 1 条" in found
    nobody = page(secretary_client.get("/reports/", {"q": "周"}))
    assert pending_names(nobody) == [] and "待确认的申请中没有“周”" in nobody


def test_a_short_queue_has_no_search_box(secretary_client, applicants):
    body = page(secretary_client.get("/reports/"))
    assert pending_names(body) == ["赵一", "钱二", "孙三"]
    assert 'role="search"' not in body and "分页" not in body


# --- An activity's attendance list ------------------------------------------------------------


def attendee_names(body: str) -> list[str]:
    return re.findall(r'<span class="attendee__name">([^<]+)</span>', body)


def test_the_attendance_list_pages_and_finds_someone_with_the_counts_of_everyone(
    leader_client, leader, activity, make_person, per_page
):
    for name in ("周一", "吴二", "郑三"):
        person = make_person(real_name=name, with_user=False)
        attendance_add_manual(activity=activity, person=person, reason="手机没电", by=leader)
    url = f"/activities/{activity.pk}/attendance/"

    first = page(leader_client.get(url))
    assert attendee_names(first) == ["周一", "吴二"]
    assert "签到记录（3）" in first and "第 1 / 2 页" in first
    assert re.search(r"<dt>已签到</dt><dd>3<", first)
    assert attendee_names(page(leader_client.get(url, {"page": 2}))) == ["郑三"]

    found = page(leader_client.get(url, {"q": "吴"}))
    assert attendee_names(found) == ["吴二"] and "签到记录（1）" in found
    assert re.search(r"<dt>已签到</dt><dd>3<", found)  # the head counts stay everyone's
    nobody = page(leader_client.get(url, {"q": "王"}))
    assert attendee_names(nobody) == [] and "签到记录中没有“王”" in nobody
