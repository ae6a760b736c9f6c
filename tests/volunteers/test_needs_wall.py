"""The public 微心愿墙 (/needs/), a need's page, 我来认领, and the home page's 微心愿 figures.

Needs are recorded and published through ``services.needs`` as the grid's staff would;
a test that needs many needs, or needs in a given state, writes them in bulk. Deadlines
are relative to today: the suite runs with the clock moved.
"""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.utils import timezone

from volunteers.models import Claim, Need, NeedCategory
from volunteers.selectors.needs import need_counts, needs_on_wall
from volunteers.services.needs import need_claim, need_close, need_record

RESIDENT_NAME = "李淑芬"
RESIDENT_PHONE = "13712345678"
ADDRESS = "阳关中路3号楼2单元401"
TITLE = "给李淑芬奶奶代购降压药"
PUBLIC_TITLE = "为独居老人代购药品"
DESCRIPTION = "每周二上午需要有人去药店代购降压药，送到家中。"


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def category(db):
    # The migration seeds the town's categories; get_or_create whether or not it ran.
    return NeedCategory.objects.get_or_create(name="助困扶残与就业援助")[0]


@pytest.fixture
def staff(town_admin):
    """Records and publishes the needs of both communities (the town's 管理员)."""
    return town_admin


@pytest.fixture
def make_need(staff, town, category):
    def make(*, grid=None, publish=True, **fields):
        values = {
            "kind": Need.Kind.SERVICE,
            "title": TITLE,
            "public_title": PUBLIC_TITLE,
            "resident_name": RESIDENT_NAME,
            "resident_phone": RESIDENT_PHONE,
            "address": ADDRESS,
            "description": DESCRIPTION,
            "places": 2,
            "deadline": today() + datetime.timedelta(days=7),
            **fields,
        }
        return need_record(
            by=staff,
            grid=grid or town.liyuan_grid1,
            category=category,
            publish=publish,
            **values,
        )

    return make


@pytest.fixture
def need(make_need):
    return make_need()


@pytest.fixture
def bulk_needs(town, category):
    """``n`` needs of ``status`` in a grid of 梨园 (or ``grid``), written at once."""

    def make(n, *, status=Need.Status.PUBLISHED, grid=None, title="代购生活用品"):
        grid = grid or town.liyuan_grid1
        community = town.qiaobei if grid.path.startswith(town.qiaobei.path) else town.liyuan
        Need.objects.bulk_create(
            Need(
                community=community,
                grid=grid,
                kind=Need.Kind.GOODS,
                category=category,
                title=f"{title}（{RESIDENT_NAME}）",
                public_title=f"{title}{i + 1}",
                resident_name=RESIDENT_NAME,
                resident_phone=RESIDENT_PHONE,
                address=ADDRESS,
                places=1,
                claimed_places=1 if status in (Need.Status.CLAIMED, Need.Status.DONE) else 0,
                deadline=today() + datetime.timedelta(days=10),
                status=status,
            )
            for i in range(n)
        )

    return make


@pytest.fixture
def party_member(make_person, town):
    return make_person(
        real_name="党员王芳", political_status="party_member", home_grid=town.liyuan_grid2
    )


@pytest.fixture
def party_client(client, party_member):
    client.force_login(party_member.user)
    return client


def _text(response) -> str:
    return response.content.decode()


def _resident_details_absent(html: str) -> None:
    assert RESIDENT_NAME not in html
    assert RESIDENT_PHONE not in html
    assert "137****5678" not in html
    assert ADDRESS not in html
    assert TITLE not in html


# --- Who sees what -------------------------------------------------------------------


def test_the_wall_shows_the_public_title_and_nothing_that_identifies_the_resident(client, need):
    response = client.get("/needs/")

    html = _text(response)
    assert response.status_code == 200
    assert PUBLIC_TITLE in html
    assert "服务类" in html and "助困扶残与就业援助" in html
    assert "梨园社区 · 梨园社区第1网格" in html
    assert "还差 2 人" in html
    _resident_details_absent(html)


def test_the_public_sees_a_need_without_its_description_or_resident(client, need):
    response = client.get(f"/needs/{need.pk}/")

    html = _text(response)
    assert response.status_code == 200
    assert f'<h1 class="page-title" id="need-title">{PUBLIC_TITLE}</h1>' in html
    assert DESCRIPTION not in html
    assert "登录后可以查看详细说明" in html
    _resident_details_absent(html)


def test_a_signed_in_volunteer_reads_the_description_but_not_who_it_is_for(volunteer_client, need):
    html = _text(volunteer_client.get(f"/needs/{need.pk}/"))

    assert DESCRIPTION in html
    _resident_details_absent(html)


def test_the_grid_staff_see_the_resident_the_title_and_the_whole_phone(
    client, need, person_with_role, town
):
    grid_worker = person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员小赵")
    client.force_login(grid_worker.user)

    html = _text(client.get(f"/needs/{need.pk}/"))

    assert TITLE in html
    assert f"微心愿墙上显示为：{PUBLIC_TITLE}" in html
    assert RESIDENT_NAME in html and ADDRESS in html
    assert f'href="tel:{RESIDENT_PHONE}"' in html


def test_staff_of_another_community_see_only_the_public_side(client, need, person_with_role, town):
    qiaobei_secretary = person_with_role("secretary", town.qiaobei, real_name="桥北书记")
    client.force_login(qiaobei_secretary.user)

    html = _text(client.get(f"/needs/{need.pk}/"))

    assert DESCRIPTION in html
    _resident_details_absent(html)


def test_the_claimant_sees_whom_to_call(party_client, party_member, need):
    need_claim(need=need, person=party_member)

    html = _text(party_client.get(f"/needs/{need.pk}/"))

    assert RESIDENT_NAME in html and ADDRESS in html
    assert f'href="tel:{RESIDENT_PHONE}"' in html
    assert "您已认领这项需求（已认领）" in html
    assert "我来认领" not in html


def test_the_resident_sees_their_own_need_with_the_phone_masked(client, make_person, make_need):
    resident = make_person(real_name=RESIDENT_NAME, phone=RESIDENT_PHONE)
    need = make_need()
    assert need.resident == resident  # need_record links the resident by phone
    client.force_login(resident.user)

    html = _text(client.get(f"/needs/{need.pk}/"))

    assert TITLE in html and ADDRESS in html
    assert "137****5678" in html
    assert RESIDENT_PHONE not in html
    assert "我来认领" not in html


# --- Pending and closed needs --------------------------------------------------------


def test_a_pending_need_is_neither_on_the_wall_nor_openable_by_the_public(
    client, volunteer_client, make_need
):
    pending = make_need(publish=False, public_title="待审核的心愿")

    assert "待审核的心愿" not in _text(client.get("/needs/"))
    assert client.get(f"/needs/{pending.pk}/").status_code == 404
    assert volunteer_client.get(f"/needs/{pending.pk}/").status_code == 404
    assert need_counts().needs == 0


def test_the_grid_staff_may_open_a_pending_need_and_are_told_it_is_not_public(
    client, make_need, person_with_role, town
):
    pending = make_need(publish=False)
    client.force_login(person_with_role("grid_head", town.liyuan_grid1).user)

    response = client.get(f"/needs/{pending.pk}/")

    assert response.status_code == 200
    assert "这项需求正在等待网格审核，公众还看不到。" in _text(response)
    assert "我来认领" not in _text(response)


def test_a_closed_need_disappears_from_the_wall_and_its_figures(client, need, staff):
    need_close(need=need, by=staff, reason="需求人已搬离")

    assert PUBLIC_TITLE not in _text(client.get("/needs/"))
    assert client.get(f"/needs/{need.pk}/").status_code == 404
    assert need_counts() == (0, 0, 0)


# --- Figures and filters -------------------------------------------------------------


def _counts_line(html: str) -> tuple[int, int, int]:
    found = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    return int(found["needs"]), int(found["claimed"]), int(found["done"])


def test_the_figures_count_the_public_needs_by_state(client, bulk_needs, town, make_need):
    bulk_needs(3)
    bulk_needs(2, status=Need.Status.CLAIMED)
    bulk_needs(4, status=Need.Status.DONE)
    bulk_needs(1, status=Need.Status.DONE, grid=town.qiaobei_grid1)
    bulk_needs(5, status=Need.Status.PENDING)
    bulk_needs(6, status=Need.Status.CLOSED)

    assert need_counts() == (10, 2, 5)
    assert need_counts(town.liyuan) == (9, 2, 4)
    assert need_counts(town.qiaobei).open == 0
    assert _counts_line(_text(client.get("/needs/"))) == (10, 2, 5)
    assert _counts_line(_text(client.get(f"/needs/?community={town.qiaobei.pk}"))) == (1, 0, 1)


def test_filtering_by_community_shows_only_its_needs(client, make_need, town):
    make_need(public_title="梨园的心愿")
    make_need(public_title="桥北的心愿", grid=town.qiaobei_grid2)

    html = _text(client.get(f"/needs/?community={town.qiaobei.pk}"))

    assert "桥北的心愿" in html
    assert "梨园的心愿" not in html
    assert f'<option value="{town.qiaobei.pk}" selected>' in html


def test_filtering_by_state_shows_the_state_and_its_badge(client, bulk_needs):
    bulk_needs(1, title="还没人认领的")
    bulk_needs(1, status=Need.Status.CLAIMED, title="有人认领了的")
    bulk_needs(1, status=Need.Status.DONE, title="已经办完的")

    done = _text(client.get("/needs/?state=done"))
    claimed = _text(client.get("/needs/?state=claimed"))
    waiting = _text(client.get("/needs/?state=published"))

    assert "已经办完的1" in done and "有人认领了的1" not in done and "还没人认领的1" not in done
    assert 'data-state="done"' in done
    assert "有人认领了的1" in claimed and 'data-state="claimed"' in claimed
    assert "还没人认领的1" in waiting and "还差 1 人" in waiting
    assert "有人认领了的1" not in waiting


def test_the_pages_keep_the_filter(client, bulk_needs, town):
    bulk_needs(25, grid=town.qiaobei_grid1, title="桥北心愿")
    bulk_needs(3, title="梨园心愿")

    first = _text(client.get(f"/needs/?community={town.qiaobei.pk}&state=published"))
    second = _text(client.get(f"/needs/?community={town.qiaobei.pk}&state=published&page=2"))

    assert "第 1 / 2 页" in first
    assert f"?community={town.qiaobei.pk}&amp;state=published&amp;page=2" in first
    assert second.count('<li class="need-card') == 5
    assert "梨园心愿" not in first + second


def test_a_past_deadline_need_reads_closed_for_claims(client, party_client, need):
    Need.objects.filter(pk=need.pk).update(deadline=today() - datetime.timedelta(days=1))

    assert 'data-state="past"' in _text(client.get("/needs/"))
    html = _text(party_client.get(f"/needs/{need.pk}/"))
    assert "已截止" in html
    assert "我来认领" not in html


@pytest.mark.parametrize(
    "query",
    [
        "community=abc",
        "community=999999",
        "community=-1",
        "state=pending",
        "state=closed",
        "state=%E2%80%AE",
        "community=&state=",
        "page=-3",
        "page=abc",
        "community[]=1&state=done&state=claimed",
    ],
)
def test_filters_that_cannot_be_read_are_ignored_never_an_error(
    client, make_need, query, bulk_needs
):
    make_need(public_title="公开的心愿")
    bulk_needs(1, status=Need.Status.PENDING, title="待审核的")

    response = client.get(f"/needs/?{query}")

    html = _text(response)
    assert response.status_code == 200
    assert "待审核的1" not in html
    if "state=done" not in query:
        assert "公开的心愿" in html


def test_a_nul_in_the_filter_is_refused_in_chinese(client, need):
    # The site refuses NUL in any query string before a view runs (PostgreSQL would).
    response = client.get("/needs/?community=1%00")

    assert response.status_code == 400
    assert "控制字符" in _text(response)


def test_an_unknown_community_is_said_to_be_ignored(client, need):
    html = _text(client.get("/needs/?community=999999"))

    assert "部分筛选条件无法识别，已忽略。" in html
    assert PUBLIC_TITLE in html


def test_the_selector_never_lists_a_status_the_public_may_not_see(bulk_needs):
    bulk_needs(2, status=Need.Status.PENDING)
    bulk_needs(2, status=Need.Status.CLOSED)

    assert not needs_on_wall(status=Need.Status.PENDING).exists()
    assert not needs_on_wall(status=Need.Status.CLOSED).exists()
    assert not needs_on_wall().exists()


# --- Queries: the wall costs the same for 3 needs as for 20 --------------------------


def test_the_wall_costs_three_queries_however_many_needs(
    client, bulk_needs, town, django_assert_num_queries
):
    bulk_needs(3)
    client.get("/needs/")  # warm what is cached for every page (the chrome)
    # communities, the figures (which also count the list), the page of needs
    with django_assert_num_queries(3):
        few = client.get(f"/needs/?community={town.liyuan.pk}")
    bulk_needs(17, status=Need.Status.DONE, grid=town.liyuan_grid2)
    with django_assert_num_queries(3):
        many = client.get(f"/needs/?community={town.liyuan.pk}")

    assert _text(few).count('<li class="need-card') == 3
    assert _text(many).count('<li class="need-card') == 20


def test_the_wall_for_a_signed_in_party_member_adds_only_the_session_and_person(
    party_client, bulk_needs, django_assert_num_queries
):
    bulk_needs(3)
    party_client.get("/needs/")
    # the user (the session and the unread badge are cached), their person; the wall's three
    with django_assert_num_queries(5):
        party_client.get("/needs/")
    bulk_needs(15, status=Need.Status.CLAIMED)
    with django_assert_num_queries(5):
        response = party_client.get("/needs/")

    assert "您是党员" in _text(response)


def test_a_needs_page_costs_one_query_for_the_public(client, need, django_assert_num_queries):
    client.get(f"/needs/{need.pk}/")
    with django_assert_num_queries(1):
        response = client.get(f"/needs/{need.pk}/")
    assert PUBLIC_TITLE in _text(response)


def test_a_needs_page_for_a_party_member_costs_a_fixed_number_of_queries(
    party_client, need, django_assert_num_queries
):
    party_client.get(f"/needs/{need.pk}/")
    # the user (session and unread badge are cached), person, the need, their live claim,
    # their roles (MANAGE_NEEDS: may they see the resident?)
    with django_assert_num_queries(5):
        response = party_client.get(f"/needs/{need.pk}/")
    assert "我来认领" in _text(response)


# --- The claim button and the claim --------------------------------------------------


def test_a_party_member_sees_the_claim_button(party_client, need):
    html = _text(party_client.get(f"/needs/{need.pk}/"))

    assert f'action="/needs/{need.pk}/claim/"' in html
    assert "我来认领" in html
    assert "还差 2 人认领" in html


def test_a_volunteer_who_is_not_a_party_member_is_told_claims_are_for_party_members(
    volunteer_client, need
):
    html = _text(volunteer_client.get(f"/needs/{need.pk}/"))

    assert "面向党员" in html
    assert "我来认领" not in html


def test_an_anonymous_visitor_is_asked_to_log_in_to_claim(client, need):
    html = _text(client.get(f"/needs/{need.pk}/"))

    assert "登录后认领" in html
    assert f"?next=/needs/{need.pk}/" in html
    assert "我来认领" not in html


def test_a_fully_claimed_need_offers_no_claim(party_client, make_person, town, make_need):
    need = make_need(places=1)
    other = make_person(political_status="party_member", home_grid=town.liyuan_grid1)
    need_claim(need=need, person=other)

    html = _text(party_client.get(f"/needs/{need.pk}/"))

    assert 'data-state="claimed"' in html
    assert "我来认领" not in html


def test_claiming_takes_a_place_and_leads_to_my_claims(party_client, party_member, need):
    response = party_client.post(f"/needs/{need.pk}/claim/")

    assert response.status_code == 302
    assert response["Location"] == "/me/claims/"
    claim = Claim.objects.get(need=need, person=party_member)
    assert claim.status == Claim.Status.CLAIMED
    need.refresh_from_db()
    assert need.claimed_places == 1
    assert any("认领成功" in str(m) for m in get_messages(response.wsgi_request))
    card = party_client.get("/me/claims/")
    assert card.status_code == 200 and PUBLIC_TITLE in _text(card)


def test_an_anonymous_claim_is_sent_to_log_in_and_back_to_the_need(client, need):
    response = client.post(f"/needs/{need.pk}/claim/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert f"next=/needs/{need.pk}/" in response["Location"].replace("%2F", "/")
    assert not Claim.objects.exists()


def test_a_claim_by_a_volunteer_who_is_not_a_party_member_is_refused(volunteer_client, need):
    response = volunteer_client.post(f"/needs/{need.pk}/claim/")

    assert response.status_code == 403
    assert "面向党员" in _text(response)
    assert PUBLIC_TITLE in _text(response)  # the need's page again, with the reason
    assert not Claim.objects.exists()


def test_a_second_claim_by_the_same_member_is_refused(party_client, party_member, need):
    need_claim(need=need, person=party_member)

    response = party_client.post(f"/needs/{need.pk}/claim/")

    assert response.status_code == 409
    assert "您已经认领了这项需求。" in _text(response)
    assert Claim.objects.filter(need=need).count() == 1


def test_a_pending_need_cannot_be_claimed(party_client, make_need):
    pending = make_need(publish=False)

    assert party_client.post(f"/needs/{pending.pk}/claim/").status_code == 404
    assert not Claim.objects.exists()


def test_the_claim_url_refuses_a_get(party_client, need):
    assert party_client.get(f"/needs/{need.pk}/claim/").status_code == 405


# --- The site: navigation and the home page -------------------------------------------


def test_the_navigation_leads_to_the_wall(client, need):
    html = _text(client.get(f"/needs/{need.pk}/"))

    assert '<a class="section-nav__link" href="/needs/" aria-current="page">微心愿</a>' in html


@pytest.fixture
def home(town, settings, tmp_path, django_capture_on_commit_callbacks):
    from demo import site as demo

    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed_site()
    cache.clear()


def test_the_home_page_shows_the_walls_figures_from_the_needs(
    client, home, bulk_needs, town, staff
):
    # (``staff``: the figures are counted beside the town's people, so the town has one.)
    bulk_needs(4)
    bulk_needs(2, status=Need.Status.CLAIMED, grid=town.qiaobei_grid1)
    bulk_needs(1, status=Need.Status.DONE)
    bulk_needs(3, status=Need.Status.PENDING)

    html = _text(client.get("/"))

    section = html[html.index('class="home-needs"') :]
    assert _counts_line(section) == (7, 2, 1)
    assert 'href="/needs/"' in section
