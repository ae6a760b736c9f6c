"""四大提升行动: the town's list in the admin, tagging needs, each campaign's figures for a
quarter, the public pages and the staff's quarterly report (.xlsx)."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from core.quarters import Quarter
from volunteers.models import Attendance, AuditEvent, Campaign, Method, Need, NeedCategory, Project
from volunteers.selectors.campaigns import campaign_figures
from volunteers.services.activities import activity_cancel
from volunteers.services.needs import (
    claim_confirm,
    claim_report,
    need_claim,
    need_record,
    need_set_campaign,
)

PARTY = "party_member"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def campaigns(db):
    # get_or_create: a transactional test before this one may have flushed the seeded rows.
    names = ("基层治理提升行动", "人居环境提升行动")
    return [
        Campaign.objects.get_or_create(name=n, defaults={"sort_order": i})[0]
        for i, n in enumerate(names)
    ]


@pytest.fixture
def category(db):
    return NeedCategory.objects.get_or_create(name="健康医疗")[0]


@pytest.fixture
def grid_worker(person_with_role, town):
    return person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员王芳").user


@pytest.fixture
def member(make_person, town):
    return make_person(real_name="党员赵文静", political_status=PARTY, home_grid=town.qiaobei_grid1)


@pytest.fixture
def done_need(category, grid_worker, member, town):
    """``done_need(campaign=…)``: a need for 李大爷 met this quarter, 90 minutes of service."""

    def make(*, campaign=None, title="为独居老人更换水龙头"):
        need = need_record(
            by=grid_worker,
            grid=town.liyuan_grid1,
            kind=Need.Kind.SERVICE,
            category=category,
            title="李大爷家的水龙头漏水",
            public_title=title,
            resident_name="李大爷",
            resident_phone="13912345678",
            address="梨园小区 3 号楼 2 单元 101",
            deadline=days(10),
            publish=True,
            campaign=campaign,
        )
        claim = need_claim(need=need, person=member)
        claim_report(
            claim=claim, person=member, minutes=90, served_on=timezone.localdate(), note="已更换"
        )
        claim_confirm(claim=claim, by=grid_worker)
        need.refresh_from_db()
        return need

    return make


@pytest.fixture
def served(make_activity, make_person, town):
    """``served(campaign, minutes=[…])``: a public activity this quarter tagged with the
    campaign, each attendee with their finalised minutes."""

    def make(campaign, minutes, *, title="河道清理", finalised=True, **changes):
        start = Quarter.current().bounds()[0] + datetime.timedelta(hours=12)
        activity = make_activity(
            title=title,
            campaign=campaign,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            **changes,
        )
        for n, served_minutes in enumerate(minutes):
            person = make_person(real_name=f"{title}队员{n}", home_grid=town.liyuan_grid1)
            Attendance.objects.create(
                activity=activity,
                person=person,
                checked_in_at=start,
                check_in_method=Method.MANUAL,
                checked_out_at=start + datetime.timedelta(minutes=served_minutes),
                check_out_method=Method.MANUAL,
                minutes_served=served_minutes,
                finalised_at=timezone.now() if finalised else None,
            )
        return activity

    return make


def project(town, campaign, *, status=Project.Status.OPEN, quarter=None, title="周末法律咨询"):
    return Project.objects.create(
        community=town.liyuan,
        quarter=(quarter or Quarter.current()).key,
        title=title,
        lead_unit=town.unit,
        campaign=campaign,
        status=status,
    )


# --- Figures ---------------------------------------------------------------------------------


def test_a_campaigns_figures_count_only_what_is_tagged_public_and_in_the_quarter(
    town, campaigns, served, done_need
):
    governance, environment = campaigns
    served(governance, [90, 30], title="文明劝导")
    served(governance, [60], title="夜间巡逻")
    served(governance, [600], title="未核定", finalised=False)  # counts as an activity only
    activity_cancel(activity=served(governance, [120], title="已取消"), reason="大风")
    served(environment, [45], title="河道清理")
    done_need(campaign=governance)
    done_need(campaign=None, title="未列入行动的需求")
    project(town, governance)
    project(town, governance, status=Project.Status.CANCELLED, title="取消的项目")
    project(town, governance, quarter=Quarter.current().previous, title="上季度项目")

    with CaptureQueriesContext(connection) as queries:
        figures = {row.campaign: row for row in campaign_figures(Quarter.current(), campaigns)}

    assert len(queries) == 4  # one per figure, whatever the number of campaigns
    ours = figures[governance]
    assert (ours.activities, ours.hours, ours.participants) == (3, 3.0, 3)
    assert (ours.needs_met, ours.projects) == (1, 1)
    theirs = figures[environment]
    assert (theirs.activities, theirs.hours, theirs.needs_met, theirs.projects) == (1, 0.8, 0, 0)


def test_last_quarter_shows_nothing_of_this_quarters_work(campaigns, served):
    served(campaigns[0], [90])

    (row,) = campaign_figures(Quarter.current().previous, [campaigns[0]])

    assert (row.activities, row.minutes, row.participants) == (0, 0, 0)


# --- Public pages ----------------------------------------------------------------------------


def test_the_campaign_pages_show_the_quarters_work_and_no_residents_details(
    client, town, campaigns, served, done_need
):
    governance = campaigns[0]
    served(governance, [90, 30], title="文明交通劝导")
    done_need(campaign=governance, title="为独居老人更换水龙头")
    project(town, governance, title="周末法律咨询")

    listing = client.get("/campaigns/").content.decode()
    page = client.get(f"/campaigns/{governance.pk}/?quarter={Quarter.current().key}")
    text = page.content.decode()

    assert "基层治理提升行动" in listing and 'data-figure="hours">2.0<' in listing
    assert page.status_code == 200
    assert "文明交通劝导" in text and "周末法律咨询" in text and "为独居老人更换水龙头" in text
    assert "李大爷" not in text and "13912345678" not in text and "3 号楼" not in text


def test_a_quarter_that_cannot_be_read_shows_this_quarter_and_says_so(client, campaigns):
    response = client.get("/campaigns/?quarter=2026Q9")

    assert response.status_code == 200
    assert "无法识别要查看的季度" in response.content.decode()
    assert Quarter.current().label in response.content.decode()


def test_the_wall_links_to_the_campaigns(client, db):
    assert 'href="/campaigns/"' in client.get("/needs/").content.decode()


# --- The quarterly report --------------------------------------------------------------------


def test_staff_download_the_quarters_report_with_a_row_per_campaign(
    client, secretary, campaigns, served
):
    served(campaigns[0], [90, 30], title="文明交通劝导")
    client.force_login(secretary)

    response = client.get(f"/campaigns/report.xlsx?quarter={Quarter.current().key}")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    summary, activities = book.worksheets
    rows = list(summary.iter_rows(values_only=True))
    assert rows[0] == ("提升行动", "活动数", "服务时长（小时）", "参与人数", "满足需求数", "项目数")
    assert ("基层治理提升行动", 1, 2, 2, 0, 0) in rows
    detail = list(activities.iter_rows(values_only=True))
    assert detail[1][:3] == ("基层治理提升行动", "文明交通劝导", "梨园社区")


def test_the_report_is_for_staff_only(client, volunteer, campaigns):
    anonymous = client.get("/campaigns/report.xlsx")
    client.force_login(volunteer.user)
    refused = client.get("/campaigns/report.xlsx")

    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert refused.status_code == 403
    assert "工作人员" in refused.content.decode()


def test_a_report_for_a_quarter_that_cannot_be_read_is_refused(client, secretary):
    client.force_login(secretary)

    response = client.get("/campaigns/report.xlsx?quarter=next")

    assert response.status_code == 400
    assert "2026Q4" in response.content.decode()


# --- Tagging a need --------------------------------------------------------------------------


def test_the_secretary_tags_a_need_on_its_page_and_the_history_says_so(
    client, secretary, campaigns, done_need
):
    need = done_need()
    client.force_login(secretary)

    response = client.post(
        f"/admin/needs/{need.pk}/campaign/", {"campaign": campaigns[0].pk}, follow=True
    )

    need.refresh_from_db()
    assert need.campaign == campaigns[0]
    assert "已将这项需求列入“基层治理提升行动”" in response.content.decode()
    event = AuditEvent.objects.get(action="need.campaign")
    assert event.extra["campaign"] == "基层治理提升行动"
    assert campaign_figures(Quarter.current(), [campaigns[0]])[0].needs_met == 1


def test_another_communitys_worker_may_not_tag_the_need(
    client, town, person_with_role, campaigns, done_need
):
    need = done_need()
    qiaobei_worker = person_with_role("grid_worker", town.qiaobei_grid1).user
    client.force_login(qiaobei_worker)

    response = client.post(f"/admin/needs/{need.pk}/campaign/", {"campaign": campaigns[0].pk})

    assert response.status_code == 404
    need.refresh_from_db()
    assert need.campaign is None


def test_a_stopped_campaign_is_refused_for_a_need(grid_worker, campaigns, done_need):
    need = done_need()
    stopped = campaigns[1]
    stopped.active = False
    stopped.save()

    from core.errors import Invalid

    with pytest.raises(Invalid) as refused:
        need_set_campaign(need=need, campaign=stopped, by=grid_worker)

    assert "已停止开展" in refused.value.message


def test_recording_a_need_with_a_campaign_in_the_admin(
    client, town, grid_worker, category, campaigns
):
    client.force_login(grid_worker)

    response = client.post(
        "/admin/needs/new/",
        {
            "grid": town.liyuan_grid1.pk,
            "kind": Need.Kind.GOODS,
            "category": category.pk,
            "title": "王奶奶需要一台电风扇",
            "resident_name": "王奶奶",
            "places": 1,
            "deadline": days(5).isoformat(),
            "campaign": campaigns[1].pk,
        },
    )

    assert response.status_code == 302
    assert Need.objects.get(title="王奶奶需要一台电风扇").campaign == campaigns[1]


# --- The town's list -------------------------------------------------------------------------


def test_town_admins_keep_the_campaign_list_and_a_used_one_is_not_deleted(
    client, town_admin, secretary, campaigns, served
):
    served(campaigns[0], [30])
    client.force_login(town_admin)
    listing = client.get("/admin/snippets/volunteers/campaign/")
    added = client.post(
        "/admin/snippets/volunteers/campaign/add/",
        {"name": "文明素养提升行动", "description": "", "sort_order": 5, "active": "on"},
    )
    used_delete = client.post(f"/admin/snippets/volunteers/campaign/delete/{campaigns[0].pk}/")
    client.force_login(secretary)
    secretary_listing = client.get("/admin/snippets/volunteers/campaign/")

    assert listing.status_code == 200 and "人居环境提升行动" in listing.content.decode()
    assert added.status_code == 302
    assert Campaign.objects.filter(name="文明素养提升行动").exists()
    # Wagtail answers a refused permission by sending the editor back with a message.
    assert used_delete.status_code in (302, 403)
    assert Campaign.objects.filter(pk=campaigns[0].pk).exists()
    assert secretary_listing.status_code in (302, 403)


def test_the_campaign_list_costs_the_same_queries_for_more_work(
    client, town, campaigns, served, done_need, django_assert_num_queries
):
    served(campaigns[0], [60], title="河道清理")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/campaigns/").status_code == 200
    for n, campaign in enumerate(campaigns):
        served(campaign, [30, 45, 60], title=f"活动{n}")
        done_need(campaign=campaign, title=f"需求{n}")
        project(town, campaign, title=f"项目{n}")
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get("/campaigns/").status_code == 200
