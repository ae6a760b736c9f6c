"""公示: objections to a published ranking during its notice period, answered by a secretary."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cms import selectors as cms_selectors
from core.errors import DomainError
from points.models import (
    Category,
    Measure,
    Objection,
    Population,
    RankingSnapshot,
    RankingSnapshotRow,
)
from points.periods import period_bounds
from points.services import objection_answer, objection_lodge, points_adjust
from points.services.publication import previous_month, rankings_publish_month
from volunteers.models import AuditEvent

from ..clock import mid_month

# Mid-month, so that "published an hour ago" is after the end of last month whatever the
# day the run is on; every fixture is made inside this travel.
NOW = mid_month()
pytestmark = pytest.mark.time_machine(NOW, tick=True)
MONTH = previous_month(NOW)
OLDER = previous_month(period_bounds(MONTH)[0])


def at_in(month: str) -> datetime.datetime:
    return period_bounds(month)[0] + datetime.timedelta(days=2, hours=10)


@pytest.fixture
def ranked(volunteer, make_person, town, secretary):
    """李志愿 (3 points) and 钱多 (5) in 梨园 last month and the month before."""
    other = make_person(real_name="钱多", home_grid=town.liyuan_grid2)
    for month in (OLDER, MONTH):
        for person, amount in ((volunteer, 3), (other, 5)):
            points_adjust(
                person=person,
                amount=amount,
                category=Category.REWARD,
                reason="测试加分",
                by=secretary,
                occurred_at=at_in(month),
            )
    return other


@pytest.fixture
def open_snapshot(ranked):
    """梨园's volunteer points for last month, published just now: 公示 is running."""
    rankings_publish_month(month=MONTH, now=timezone.now() - datetime.timedelta(hours=1))
    return RankingSnapshot.objects.get(
        organisation__code="liyuan",
        period=MONTH,
        population=Population.VOLUNTEERS,
        measure=Measure.POINTS,
    )


@pytest.fixture
def closed_snapshot(ranked):
    """The month before, published on its 1st: its notice period is long over."""
    rankings_publish_month(month=OLDER, now=period_bounds(OLDER)[1] + datetime.timedelta(hours=1))
    return RankingSnapshot.objects.get(
        organisation__code="liyuan",
        period=OLDER,
        population=Population.VOLUNTEERS,
        measure=Measure.POINTS,
    )


def lodge_url(snapshot) -> str:
    return reverse("points:objection_lodge", args=[snapshot.pk])


def body(response) -> str:
    return response.content.decode()


# --- Lodging ---------------------------------------------------------------------------


def test_someone_on_the_ranking_lodges_an_objection_and_sees_it(client, volunteer, open_snapshot):
    client.force_login(volunteer.user)
    page = body(client.get(lodge_url(open_snapshot)))
    assert "第 2 名，3 分" in page and "提交异议" in page

    response = client.post(lodge_url(open_snapshot), {"text": "  10月活动少计了2分。 "})

    assert response.status_code == 302
    assert response["Location"] == reverse("points:my_objections")
    objection = Objection.objects.get()
    assert (objection.person, objection.text, objection.status) == (
        volunteer,
        "10月活动少计了2分。",
        "pending",
    )
    mine = body(client.get(reverse("points:my_objections")))
    assert "10月活动少计了2分。" in mine and "待答复" in mine
    assert AuditEvent.objects.filter(action="objection.lodge").count() == 1


def test_someone_in_the_scope_who_is_not_on_it_may_object(make_person, town, open_snapshot):
    left_out = make_person(real_name="孙未上榜", home_grid=town.liyuan_grid1)

    objection = objection_lodge(snapshot=open_snapshot, person=left_out, text="我也参加了。")

    assert objection.pk is not None


def test_someone_outside_the_scope_is_refused(client, make_person, town, open_snapshot):
    outsider = make_person(real_name="周桥北", home_grid=town.qiaobei_grid1)
    client.force_login(outsider.user)

    response = client.post(lodge_url(open_snapshot), {"text": "有异议"})

    assert response.status_code == 403
    assert "您不在这份榜单的范围内（梨园社区 · 志愿者）" in body(response)
    assert not Objection.objects.exists()


def test_after_the_notice_period_lodging_is_refused(client, volunteer, closed_snapshot):
    client.force_login(volunteer.user)
    page = body(client.get(lodge_url(closed_snapshot)))
    assert "公示期已于" in page and "提交异议" not in page

    response = client.post(lodge_url(closed_snapshot), {"text": "少计了"})

    assert response.status_code == 409
    last_day = timezone.localtime(closed_snapshot.notice_until).date() - datetime.timedelta(days=1)
    assert f"公示期已于{last_day.month}月{last_day.day}日结束，不能再提出异议" in body(response)
    assert not Objection.objects.exists()


def test_the_notice_period_ends_at_midnight_after_the_seventh_day(volunteer, open_snapshot):
    with pytest.raises(DomainError) as refused:
        objection_lodge(
            snapshot=open_snapshot, person=volunteer, text="晚了", now=open_snapshot.notice_until
        )
    assert refused.value.code == "notice_over"
    just_before = open_snapshot.notice_until - datetime.timedelta(seconds=1)
    assert objection_lodge(snapshot=open_snapshot, person=volunteer, text="赶上了", now=just_before)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "请写明异议内容。"),
        ("长" * 501, "不能超过 500 字（现在 501 字）。"),
        ("<b>名次不对</b>", "异议内容不能包含网页代码"),
    ],
)
def test_an_objection_needs_a_plain_text_of_sensible_length(
    client, volunteer, open_snapshot, text, message
):
    client.force_login(volunteer.user)

    response = client.post(lodge_url(open_snapshot), {"text": text})

    assert response.status_code == 400
    assert message in body(response)
    assert not Objection.objects.exists()


def test_a_second_objection_to_the_same_ranking_is_refused(client, volunteer, open_snapshot):
    objection_lodge(snapshot=open_snapshot, person=volunteer, text="第一次")
    with pytest.raises(DomainError) as refused:
        objection_lodge(snapshot=open_snapshot, person=volunteer, text="第二次")
    assert refused.value.code == "already_lodged"

    client.force_login(volunteer.user)
    response = client.post(lodge_url(open_snapshot), {"text": "第三次"})
    assert response.status_code == 409
    assert "您已对这份榜单提出过异议" in body(response)
    assert Objection.objects.count() == 1


def test_the_published_ranking_links_to_the_objection_form(client, open_snapshot):
    (board,) = cms_selectors.published_boards(scope_code="liyuan", measure="points")
    html = render_to_string("cms/includes/board.html", {"board": board})
    assert lodge_url(open_snapshot) in html and "对榜单有异议？" in html

    page = body(client.get(reverse("points:snapshot_detail", args=[open_snapshot.pk])))
    assert "钱*" in page and "李*愿" in page and "钱多" not in page  # masked by default
    assert lodge_url(open_snapshot) in page


def test_a_closed_ranking_has_no_objection_link(client, closed_snapshot):
    (board,) = cms_selectors.published_boards(scope_code="liyuan", measure="points")
    assert board.snapshot_id == closed_snapshot.pk
    html = render_to_string("cms/includes/board.html", {"board": board})
    assert "对榜单有异议？" not in html
    page = body(client.get(reverse("points:snapshot_detail", args=[closed_snapshot.pk])))
    assert "公示期已结束" in page and lodge_url(closed_snapshot) not in page


def test_the_objection_form_needs_a_login(client, open_snapshot):
    response = client.get(lodge_url(open_snapshot))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Answering -----------------------------------------------------------------------


@pytest.fixture
def objection(volunteer, open_snapshot):
    return objection_lodge(snapshot=open_snapshot, person=volunteer, text="10月12日的劝导没计分。")


QUERIES_SNAPSHOT = 2
QUERIES_MINE = 3


def answer_url(objection) -> str:
    return reverse("points:objection_answer", args=[objection.pk])


def test_the_secretary_answers_from_the_queue_and_it_is_audited(
    client, secretary, volunteer, objection
):
    client.force_login(secretary)
    queue = body(client.get(reverse("points:objection_queue")))
    assert "李志愿" in queue and "10月12日的劝导没计分。" in queue
    assert "第 2 名，3 分" in queue

    response = client.post(
        answer_url(objection), {"outcome": "upheld", "answer": "已核实，补记2分，下月榜单体现。"}
    )

    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == "upheld"
    assert objection.answered_by == secretary and objection.answered_at is not None
    event = AuditEvent.objects.get(action="objection.answer")
    assert event.actor == secretary
    assert event.extra["outcome"] == "upheld" and event.extra["person_id"] == volunteer.pk
    client.force_login(volunteer.user)
    mine = body(client.get(reverse("points:my_objections")))
    assert "异议成立" in mine and "已核实，补记2分" in mine


def test_a_secretary_whose_scope_does_not_cover_the_person_cannot_answer(
    client, person_with_role, town, Role, objection
):
    other = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    client.force_login(other)
    assert "10月12日的劝导没计分。" not in body(client.get(reverse("points:objection_queue")))

    response = client.post(answer_url(objection), {"outcome": "dismissed", "answer": "不成立"})

    assert response.status_code == 403
    assert "只有提出人所在组织的书记" in body(response)
    objection.refresh_from_db()
    assert (
        objection.status == "pending"
        and not AuditEvent.objects.filter(action="objection.answer").exists()
    )


def test_someone_without_points_rights_gets_no_queue(client, volunteer, objection):
    client.force_login(volunteer.user)
    response = client.get(reverse("points:objection_queue"))
    assert response.status_code == 403
    assert "答复公示异议需要" in body(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "upheld", "answer": "  "}, "请填写答复内容。"),
        ({"outcome": "", "answer": "看过了"}, "请选择异议是否成立。"),
        ({"outcome": "pending", "answer": "看过了"}, "请选择异议是否成立。"),
    ],
)
def test_an_answer_needs_an_outcome_and_a_text(client, secretary, objection, data, message):
    client.force_login(secretary)

    response = client.post(answer_url(objection), data)

    assert response.status_code == 400
    assert message in body(response)
    objection.refresh_from_db()
    assert objection.status == "pending" and objection.answer == ""


def test_an_objection_is_answered_once(client, secretary, objection):
    objection_answer(
        objection=objection, answer="不成立：当天未签到。", outcome="dismissed", by=secretary
    )
    client.force_login(secretary)

    response = client.post(answer_url(objection), {"outcome": "upheld", "answer": "改主意"})

    assert response.status_code == 409
    assert "这条异议已答复（异议不成立）" in body(response)
    objection.refresh_from_db()
    assert objection.answer == "不成立：当天未签到。"


def test_the_queue_costs_the_same_queries_for_one_objection_or_many(
    client, secretary, make_person, town, open_snapshot, objection, django_assert_num_queries
):
    client.force_login(secretary)
    client.get(reverse("points:objection_queue"))  # warm the session

    # session, user, roles, pending (counted, then its page of 50), answered, published
    # places, totals now
    with django_assert_num_queries(7):
        assert client.get(reverse("points:objection_queue")).status_code == 200

    for n in range(5):
        person = make_person(real_name=f"网格{n}", home_grid=town.liyuan_grid1)
        mine = objection_lodge(snapshot=open_snapshot, person=person, text=f"异议{n}")
        if n % 2:
            objection_answer(objection=mine, answer="已答复", outcome="dismissed", by=secretary)
    with django_assert_num_queries(7):
        page = body(client.get(reverse("points:objection_queue")))
    assert "异议4" in page and "待答复（4）" in page


def test_the_queue_pages_oldest_first_and_finds_a_person(
    client, secretary, make_person, town, open_snapshot, objection, monkeypatch
):
    monkeypatch.setattr("core.pagination.PER_PAGE", 2)  # two a page: three show the paging
    for name in ("网格甲", "网格乙"):
        person = make_person(real_name=name, home_grid=town.liyuan_grid1)
        objection_lodge(snapshot=open_snapshot, person=person, text=f"{name}的异议")
    client.force_login(secretary)
    url = reverse("points:objection_queue")

    first = body(client.get(url))
    assert "待答复（3）" in first and "10月12日的劝导没计分。" in first
    assert "网格乙的异议" not in first and "第 1 / 2 页" in first
    assert "网格乙的异议" in body(client.get(url, {"page": 2}))

    found = body(client.get(url, {"q": "网格乙"}))
    assert "网格乙的异议" in found and "网格甲的异议" not in found
    assert "“网格乙”找到 1 条" in found
    assert "待答复的异议中没有“王”" in body(client.get(url, {"q": "王"}))


def test_the_published_ranking_costs_the_same_queries_for_any_number_of_rows(
    client, make_person, town, open_snapshot, django_assert_num_queries
):
    url = reverse("points:snapshot_detail", args=[open_snapshot.pk])
    client.get(url)  # warm the site settings

    # the snapshot with its organisation, its rows
    with django_assert_num_queries(QUERIES_SNAPSHOT):
        assert client.get(url).status_code == 200

    # A bigger board, frozen the same way, costs no more.
    rows = open_snapshot.rows.count()
    for n in range(6):
        person = make_person(real_name=f"补充{n}", home_grid=town.liyuan_grid1)
        RankingSnapshotRow.objects.create(
            snapshot=open_snapshot,
            place=rows + n + 1,
            person=person,
            value=1,
            display_name=f"补充{n}",
        )
    with django_assert_num_queries(QUERIES_SNAPSHOT):
        page = body(client.get(url))
    assert page.count("补") >= 6


def test_my_objections_cost_the_same_queries_for_one_or_many(
    client, volunteer, open_snapshot, objection, django_assert_num_queries
):
    client.force_login(volunteer.user)
    url = reverse("points:my_objections")
    client.get(url)  # warm the header's unread count

    # session, user, person, objections with their snapshots
    with django_assert_num_queries(QUERIES_MINE):
        assert "10月12日的劝导没计分。" in body(client.get(url))

    town_board = RankingSnapshot.objects.get(
        organisation__code="shazhou",
        period=MONTH,
        population=Population.VOLUNTEERS,
        measure=Measure.POINTS,
    )
    objection_lodge(snapshot=town_board, person=volunteer, text="镇榜上也少了。")
    with django_assert_num_queries(QUERIES_MINE):
        assert "镇榜上也少了。" in body(client.get(url))
