"""需求清单 in the Wagtail admin: what a grid's and a community's staff see and do.

Scope by the one rule (a grid worker their grid, the secretary her community, another
community's need answered 404), the list's filters and its 临近截止 flag, 登记需求,
审核公开 / 关闭 / 确认完成 through the pages with every refusal as a Chinese message and its
4xx, the menu's badge, the dashboard's 微心愿待办, and the need categories' editor.
"""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from volunteers.models import AuditEvent, Claim, Need, NeedCategory
from volunteers.services.needs import claim_report, need_claim, need_record

URL = "/admin/needs/"
RECORD_URL = "/admin/needs/new/"
PARTY = "party_member"
Status = Need.Status


def text(response) -> str:
    return response.content.decode()


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def category(db):
    # get_or_create: a transactional test before this one may have flushed the seeded rows.
    return NeedCategory.objects.get_or_create(name="健康医疗")[0]


@pytest.fixture
def grid_worker(person_with_role, town):
    return person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员王芳").user


@pytest.fixture
def member(make_person, town):
    return make_person(real_name="党员赵文静", political_status=PARTY, home_grid=town.qiaobei_grid1)


@pytest.fixture
def record(town, category, person_with_role):
    """``record(grid=…, title=…)``: a pending need, recorded by that grid's own worker."""
    workers = {}

    def make(*, grid=None, title="李大爷家的水龙头漏水", publish=False, **changes) -> Need:
        grid = grid or town.liyuan_grid1
        if grid.pk not in workers:
            workers[grid.pk] = person_with_role("grid_worker", grid).user
        values = {
            "by": workers[grid.pk],
            "grid": grid,
            "kind": Need.Kind.SERVICE,
            "category": category,
            "title": title,
            "resident_name": "李大爷",
            "resident_phone": "13912345678",
            "address": "梨园小区 3 号楼 2 单元 101",
            "deadline": days(10),
            "publish": publish,
        }
        values.update(changes)
        return need_record(**values)

    return make


@pytest.fixture
def reported(record, member, grid_worker):
    """A published need whose one claim the party member reported done (待确认)."""
    need = record(publish=True, public_title="为独居老人更换水龙头")
    claim = need_claim(need=need, person=member)
    claim_report(
        claim=claim,
        person=member,
        minutes=90,
        served_on=timezone.localdate(),
        note="已更换厨房水龙头，试水无渗漏",
    )
    return claim


# --- Scope -----------------------------------------------------------------------------------


def test_a_grid_worker_sees_their_grids_needs_and_the_secretary_her_communitys(
    client, town, record, grid_worker, secretary
):
    record(title="一网格：更换水龙头")
    record(grid=town.liyuan_grid2, title="二网格：陪同就医")
    qiaobei = record(grid=town.qiaobei_grid1, title="桥北：代购药品")

    client.force_login(grid_worker)
    worker_page = text(client.get(URL))
    worker_opens_qiaobei = client.get(f"{URL}{qiaobei.pk}/")
    client.force_login(secretary)
    secretary_page = text(client.get(URL))
    secretary_opens_qiaobei = client.get(f"{URL}{qiaobei.pk}/")

    assert "一网格：更换水龙头" in worker_page
    assert "二网格：陪同就医" not in worker_page and "桥北：代购药品" not in worker_page
    assert "一网格：更换水龙头" in secretary_page and "二网格：陪同就医" in secretary_page
    assert "桥北：代购药品" not in secretary_page
    assert worker_opens_qiaobei.status_code == 404
    assert secretary_opens_qiaobei.status_code == 404


def test_another_communitys_worker_may_not_act_on_a_need(client, town, record, person_with_role):
    need = record()
    qiaobei_worker = person_with_role("grid_worker", town.qiaobei_grid1).user
    client.force_login(qiaobei_worker)

    response = client.post(f"{URL}{need.pk}/publish/", {"public_title": "改了"})

    assert response.status_code == 404
    need.refresh_from_db()
    assert need.status == Status.PENDING and need.public_title == need.title


def test_a_member_without_manage_needs_gets_no_page_and_no_menu(client, person_with_role, town):
    member = person_with_role("member", town.team).user
    client.force_login(member)

    assert client.get(URL).status_code in (302, 403)
    assert client.get(RECORD_URL).status_code in (302, 403)


def test_the_admin_menu_counts_the_needs_waiting_for_approval(client, record, grid_worker):
    record(title="待审核一")
    record(title="待审核二")
    record(title="已公开", publish=True)
    client.force_login(grid_worker)

    # The sidebar is drawn from JSON props, where the label is \u-escaped.
    assert json.dumps("需求清单（2）")[1:-1] in text(client.get("/admin/"))


# --- The list ----------------------------------------------------------------------------------


def test_the_list_shows_claims_and_deadline_and_flags_needs_closing_unclaimed(
    client, record, grid_worker, member
):
    soon = record(title="三天内截止", deadline=days(2), publish=True, places=2)
    need_claim(need=soon, person=member)
    record(title="还早", deadline=days(20), publish=True)
    record(title="待审核也快截止", deadline=days(1))
    client.force_login(grid_worker)

    page = text(client.get(URL))
    flagged = text(client.get(URL, {"status": "soon"}))

    row = page[page.index(f'id="need-{soon.pk}"') :].split("</tr>")[0]
    assert "needs-row--soon" in row and "临近截止" in row and "1/2" in row
    assert days(2).isoformat() in row
    assert page.count('class="needs-row--soon"') == 1  # not the far one, not the pending one
    assert "三天内截止" in flagged and "还早" not in flagged and "待审核也快截止" not in flagged


def test_filters_and_search_narrow_the_list_and_junk_filters_do_not_fail(
    client, town, record, secretary, category
):
    other = NeedCategory.objects.get_or_create(name="文化体育")[0]
    record(title="更换水龙头", resident_name="李大爷")
    record(grid=town.liyuan_grid2, title="陪同就医", resident_name="王奶奶", publish=True)
    record(title="借阅图书", resident_name="赵小明", category=other)
    client.force_login(secretary)

    by_name = text(client.get(URL, {"q": "王奶奶"}))
    by_status = text(client.get(URL, {"status": "published"}))
    by_grid = text(client.get(URL, {"organisation": town.liyuan_grid2.pk}))
    by_category = text(client.get(URL, {"category": other.pk}))
    junk = client.get(URL, {"status": "x", "organisation": "abc", "category": "-1", "page": "9"})

    assert "陪同就医" in by_name and "更换水龙头" not in by_name
    assert "陪同就医" in by_status and "更换水龙头" not in by_status
    assert "陪同就医" in by_grid and "借阅图书" not in by_grid
    assert "借阅图书" in by_category and "陪同就医" not in by_category
    assert junk.status_code == 200 and "更换水龙头" in text(junk)


def test_the_lists_queries_do_not_grow_with_its_rows(
    client, town, record, secretary, django_assert_num_queries
):
    record(title="需求0")
    client.force_login(secretary)
    client.get(URL)  # warm the caches a first request fills (content types, site)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(1, 30):
        record(grid=(town.liyuan_grid1, town.liyuan_grid2)[n % 2], title=f"需求{n}")

    with django_assert_num_queries(len(few.captured_queries)):
        page = text(client.get(URL))

    assert "需求29" in page and "共 30 项需求" in page


# --- Recording a need --------------------------------------------------------------------------


def test_a_grid_worker_records_a_need_and_publishes_it_at_once(client, town, grid_worker, category):
    client.force_login(grid_worker)
    form = text(client.get(RECORD_URL))

    response = client.post(
        RECORD_URL,
        {
            "grid": town.liyuan_grid1.pk,
            "kind": Need.Kind.GOODS,
            "category": category.pk,
            "title": "张奶奶需要一台助行器",
            "resident_name": "张奶奶",
            "resident_phone": "13812345678",
            "address": "梨园小区 5 号楼",
            "places": 1,
            "deadline": days(7).isoformat(),
            "public_title": "高龄老人需要一台助行器",
            "publish": "on",
        },
        follow=True,
    )

    assert "梨园社区第1网格" in form and "梨园社区第2网格" not in form  # only grids in scope
    need = Need.objects.get(title="张奶奶需要一台助行器")
    assert response.redirect_chain[-1][0] == f"{URL}{need.pk}/"
    assert need.status == Status.PUBLISHED and need.public_title == "高龄老人需要一台助行器"
    page = text(response)
    assert "已登记并公开" in page and "13812345678" in page and "梨园小区 5 号楼" in page
    assert "登记需求" in page and "审核公开需求" in page  # the history, from the audit log


def test_recording_with_a_past_deadline_or_html_is_refused_on_the_form(
    client, town, grid_worker, category
):
    client.force_login(grid_worker)
    values = {
        "grid": town.liyuan_grid1.pk,
        "kind": Need.Kind.SERVICE,
        "category": category.pk,
        "title": "修理门锁",
        "resident_name": "李大爷",
        "places": 1,
        "deadline": days(-1).isoformat(),
    }

    past = client.post(RECORD_URL, values)
    html = client.post(
        RECORD_URL, {**values, "deadline": days(3).isoformat(), "title": "<b>修理门锁</b>"}
    )
    other_grid = client.post(RECORD_URL, {**values, "grid": town.qiaobei_grid1.pk})

    assert past.status_code == 400 and "截止日期不能早于今天" in text(past)
    assert html.status_code == 400 and "不能包含网页代码" in text(html)
    assert other_grid.status_code == 400  # not among the form's grids
    assert not Need.objects.exists()


# --- 审核公开, 关闭, 确认完成 ---------------------------------------------------------------------


def test_publishing_with_an_edited_public_title_and_twice_is_409(client, record, grid_worker):
    need = record(title="李大爷（3号楼101）水龙头漏水")
    client.force_login(grid_worker)
    page = text(client.get(f"{URL}{need.pk}/"))

    published = client.post(
        f"{URL}{need.pk}/publish/", {"public_title": "为独居老人更换水龙头"}, follow=True
    )
    again = client.post(f"{URL}{need.pk}/publish/", {"public_title": "再来一次"})

    assert 'value="李大爷（3号楼101）水龙头漏水"' in page and "请删去姓名" in page
    need.refresh_from_db()
    assert need.status == Status.PUBLISHED and need.public_title == "为独居老人更换水龙头"
    assert "已审核公开，微心愿墙上显示为“为独居老人更换水龙头”" in text(published)
    assert again.status_code == 409 and "不能再审核公开" in text(again)
    need.refresh_from_db()
    assert need.public_title == "为独居老人更换水龙头"
    assert AuditEvent.objects.filter(action="need.publish").count() == 1


def test_closing_needs_a_reason_which_the_page_then_shows(client, record, grid_worker):
    need = record(publish=True)
    client.force_login(grid_worker)

    bare = client.post(f"{URL}{need.pk}/close/", {"reason": "  "})
    need.refresh_from_db()
    assert bare.status_code == 400 and "请填写关闭原因" in text(bare)
    assert need.status == Status.PUBLISHED

    closed = client.post(f"{URL}{need.pk}/close/", {"reason": "家属已自行解决"}, follow=True)

    need.refresh_from_db()
    assert need.status == Status.CLOSED and need.close_reason == "家属已自行解决"
    page = text(closed)
    assert "需求已关闭" in page and "家属已自行解决" in page and "关闭这项需求" not in page


def test_confirming_a_reported_claim_completes_the_need(client, reported, grid_worker):
    need = reported.need
    client.force_login(grid_worker)
    page = text(client.get(f"{URL}{need.pk}/"))

    confirmed = client.post(f"{URL}{need.pk}/claims/{reported.pk}/confirm/", follow=True)

    assert "已更换厨房水龙头，试水无渗漏" in page and "90 分钟" in page and "确认完成" in page
    reported.refresh_from_db()
    need.refresh_from_db()
    assert reported.status == Claim.Status.CONFIRMED and reported.confirmed_by == grid_worker
    assert need.status == Status.DONE
    assert "已确认党员赵文静的服务完成" in text(confirmed)
    again = client.post(f"{URL}{need.pk}/claims/{reported.pk}/confirm/")
    assert again.status_code == 409 and "这条认领已确认完成" in text(again)


def test_confirming_a_claim_not_yet_reported_is_409(client, record, member, grid_worker):
    need = record(publish=True)
    claim = need_claim(need=need, person=member)
    client.force_login(grid_worker)

    page = text(client.get(f"{URL}{need.pk}/"))
    response = client.post(f"{URL}{need.pk}/claims/{claim.pk}/confirm/")

    assert f'/claims/{claim.pk}/confirm/"' not in page  # no button for it
    assert response.status_code == 409 and "认领人尚未提交完成情况" in text(response)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CLAIMED


def test_a_claim_of_another_need_is_404(client, record, reported, grid_worker):
    other = record(title="另一项")
    client.force_login(grid_worker)

    response = client.post(f"{URL}{other.pk}/claims/{reported.pk}/confirm/")

    assert response.status_code == 404
    reported.refresh_from_db()
    assert reported.status == Claim.Status.REPORTED


# --- The dashboard -----------------------------------------------------------------------------


def test_the_dashboard_counts_what_waits_and_lists_needs_closing_unclaimed(
    client, record, reported, grid_worker
):
    record(title="待审核的")
    soon = record(title="后天截止没人认领", deadline=days(2), publish=True)
    client.force_login(grid_worker)

    page = text(client.get("/admin/"))

    assert "微心愿待办" in page
    assert "待审核 1 项" in page and "待确认 1 条" in page and "临近截止 1 项" in page
    assert f'href="{URL}{soon.pk}/"' in page and "后天截止没人认领" in page


def test_the_dashboards_queries_do_not_grow_with_the_needs(client, town, record, secretary):
    def dashboard_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get("/admin/")
        return len(captured.captured_queries)

    record(title="一项", deadline=days(1), publish=True)
    client.force_login(secretary)
    client.get("/admin/")
    few = dashboard_queries()
    for n in range(12):
        record(grid=town.liyuan_grid2, title=f"快截止{n}", deadline=days(2), publish=True)
        record(title=f"待审核{n}")

    assert dashboard_queries() == few


def test_no_needs_panel_for_staff_without_manage_needs(client, person_with_role, town):
    leader = person_with_role("leader", town.team).user
    client.force_login(leader)

    assert "微心愿待办" not in text(client.get("/admin/"))


# --- Need categories ---------------------------------------------------------------------------

CATEGORIES = "/admin/snippets/volunteers/needcategory/"


def test_a_town_admin_edits_need_categories_and_a_secretary_may_not(
    client, town_admin, secretary, category
):
    client.force_login(town_admin)
    listed = client.get(CATEGORIES)
    added = client.post(
        f"{CATEGORIES}add/",
        {"name": "邻里互助", "keywords": "邻里 互助 陪伴", "sort_order": 9},
    )
    client.force_login(secretary)

    assert listed.status_code == 200 and "健康医疗" in text(listed)
    assert added.status_code == 302
    assert NeedCategory.objects.get(name="邻里互助").keywords == "邻里 互助 陪伴"
    assert client.get(CATEGORIES).status_code in (302, 403)
    assert client.get(f"{CATEGORIES}edit/{category.pk}/").status_code in (302, 403, 404)


def test_a_needs_page_suggests_people_whose_skills_fit(
    client, record, grid_worker, make_person, town
):
    need = record()  # 健康医疗: its keywords include 医生 and 护士
    make_person(
        real_name="社区医生刘敏",
        political_status=PARTY,
        home_grid=town.liyuan_grid2,
        skills="全科医生，会量血压",
    )
    make_person(real_name="桥北医生", home_grid=town.qiaobei_grid1, skills="医生")
    make_person(real_name="不相关的人", home_grid=town.liyuan_grid2, skills="书法")
    client.force_login(grid_worker)
    body = text(client.get(f"{URL}{need.pk}/"))
    assert "推荐人选" in body
    assert "社区医生刘敏" in body and "相符：医生" in body
    assert "桥北医生" not in body  # another community
    assert "不相关的人" not in body
