"""The API's 排行榜: the live rankings as the ranking page shows them (names masked the
same way, my place), the published rankings (光荣榜) and objections to them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms.chrome import site_chrome
from points.models import Category, Measure, Objection, Population, RankingSnapshot
from points.periods import period_bounds
from points.services import points_adjust
from points.services.publication import previous_month, rankings_publish_month

from ..clock import mid_month

# Mid-month, so that "published an hour ago" is after the end of last month whatever the
# day the run is on; every fixture is made inside this travel.
NOW = mid_month()
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]
MONTH = previous_month(NOW)
OLDER = previous_month(period_bounds(MONTH)[0])

RANKINGS = "/api/v1/rankings"
PUBLISHED = "/api/v1/rankings/published"
MINE = "/api/v1/rankings/objections"


@pytest.fixture
def town_secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.town, real_name="镇书记").user


@pytest.fixture
def give(town_secretary):
    def make(person, amount, *, at=None):
        return points_adjust(
            person=person,
            amount=amount,
            category=Category.BASIC,
            reason="组织生活",
            by=town_secretary,
            occurred_at=at,
        )

    return make


@pytest.fixture
def people(make_person, town, give):
    """Five residents with points this month: two in 梨园 grid 1, one in grid 2, two in 桥北."""
    made = {}
    for name, grid, amount in (
        ("李淑芬", town.liyuan_grid1, 9),
        ("王建国", town.liyuan_grid1, 5),
        ("陈燕", town.liyuan_grid2, 5),
        ("张秀英", town.qiaobei_grid1, 7),
        ("刘德华", town.qiaobei_grid2, 2),
    ):
        made[name] = make_person(real_name=name, home_grid=grid)
        give(made[name], amount)
    return made


def rows(data):
    return [(row["place"], row["name"], row["value_text"]) for row in data["items"]]


# --- rankings_get ------------------------------------------------------------------------


def test_anyone_reads_the_town_ranking_with_names_masked(api_client, people):
    answer = api_client.get(RANKINGS)

    assert answer.status_code == 200
    data = answer.json()
    assert rows(data) == [
        (1, "李*芬", "9分"),
        (2, "张*英", "7分"),
        (3, "王*国", "5分"),
        (3, "陈*", "5分"),
        (5, "刘*华", "2分"),
    ]
    assert data["me"] is None
    assert (data["scope"]["name"], data["period"], data["measure"]) == ("沙州镇", "month", "points")
    assert data["count"] == 5 and data["names_masked"] is True
    assert [scope["name"] for scope in data["scopes"]] == ["沙州镇"]
    assert "李淑芬" not in answer.content.decode()


def test_signed_in_the_ranking_is_the_page_with_my_place_and_my_name(client, signed_in, people):
    me = people["王建国"]

    data = signed_in(me.user).get(RANKINGS).json()

    client.force_login(me.user)
    page = client.get(reverse("points:rankings")).context
    assert rows(data) == [(row["place"], row["name"], row["value"]) for row in page["top"]]
    assert (3, "王建国", "5分") in rows(data)  # my own name in full
    assert [row["is_me"] for row in data["items"]] == [False, False, True, False, False]
    assert data["me"] == {"place": 3, "value": 5, "value_text": "5分", "ranked": 5}
    assert {scope["name"] for scope in data["scopes"]} >= {"沙州镇", "梨园社区", "梨园社区第1网格"}


def test_a_secretary_sees_names_in_their_subtree_in_full(
    signed_in, people, town, person_with_role, Role
):
    secretary = person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记")

    data = signed_in(secretary.user).get(RANKINGS).json()

    assert [name for _place, name, _value in rows(data)] == [
        "李淑芬",
        "张*英",
        "王建国",
        "陈燕",
        "刘*华",
    ]
    assert data["me"]["place"] is None  # the secretary earned nothing


def test_switching_scope_period_measure_and_population(signed_in, people, town):
    client = signed_in(people["陈燕"].user)
    data = client.get(RANKINGS, {"scope": town.liyuan.pk, "period": "year"}).json()
    assert [name for _p, name, _v in rows(data)] == ["李*芬", "王*国", "陈燕"]
    assert data["scope"]["id"] == town.liyuan.pk and data["invalid"] == []

    data = client.get(RANKINGS, {"population": "party_members", "period": "all"}).json()
    assert data["items"] == [] and data["me"]["place"] is None
    assert data["population_label"] == "党员"

    data = client.get(RANKINGS, {"measure": "minutes"}).json()
    assert data["items"] == [] and data["measure_label"] == "服务时长"


def test_a_scope_the_viewer_may_not_see_falls_back_to_the_town_as_the_page_does(
    signed_in, people, town
):
    data = signed_in(people["陈燕"].user).get(RANKINGS, {"scope": town.qiaobei_grid1.pk}).json()
    assert data["scope"]["name"] == "沙州镇"
    assert data["invalid"] == ["scope"]


@pytest.mark.parametrize(
    "query",
    [
        {"period": "decade"},
        {"measure": "hours"},
        {"population": "x"},
        {"tab": "<script>"},
        {"scope": "abc"},
        {"scope": "99999999999999999999999"},
        {"page_size": 101},
    ],
)
def test_a_choice_the_page_does_not_offer_is_a_400(api_client, people, query):
    refused = api_client.get(RANKINGS, query)
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid"


def test_ranking_pages_keep_ties_across_the_page_boundary(api_client, people):
    first = api_client.get(RANKINGS, {"page_size": 3}).json()
    second = api_client.get(RANKINGS, {"page_size": 3, "page": 2}).json()

    assert [row["place"] for row in first["items"]] == [1, 2, 3]
    assert rows(second) == [(3, "陈*", "5分"), (5, "刘*华", "2分")]
    assert (first["count"], first["pages"], first["has_next"]) == (5, 2, True)
    assert second["has_next"] is False
    beyond = api_client.get(RANKINGS, {"page_size": 3, "page": 9}).json()
    assert beyond["items"] == [] and beyond["count"] == 5


def test_the_team_ranking(api_client, people, town):
    data = api_client.get(RANKINGS, {"tab": "teams"}).json()
    assert [row["name"] for row in data["items"]] == ["文明交通劝导队", "敬老助残服务队"]
    assert data["items"][0]["heads"] == 0 and data["items"][0]["per_head"] is None


def _queries(client, path, **query):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, query).status_code == 200
    return len(captured)


def test_a_ranking_costs_the_same_queries_for_five_people_or_forty(
    signed_in, people, make_person, town, give
):
    me = people["王建国"]
    client = signed_in(me.user)
    site_chrome(may_query=True)
    client.get(RANKINGS)  # the token's first use and the site's settings are read once
    small = _queries(client, RANKINGS, page=2, page_size=2)
    for n in range(35):
        give(make_person(real_name=f"新人{n}", home_grid=town.liyuan_grid2), 1 + n % 11)
    large = _queries(client, RANKINGS, page=2, page_size=2)
    assert small == large
    assert _queries(client, RANKINGS, page=4, page_size=10) == large


# --- Published rankings ------------------------------------------------------------------


def at_in(month: str) -> datetime.datetime:
    return period_bounds(month)[0] + datetime.timedelta(days=2, hours=10)


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="李志愿", home_grid=town.liyuan_grid1)


@pytest.fixture
def ranked(volunteer, make_person, town, give):
    """李志愿 (3 points) and 钱多多 (5) in 梨园 last month and the month before."""
    other = make_person(real_name="钱多多", home_grid=town.liyuan_grid2)
    for month in (OLDER, MONTH):
        for person, amount in ((volunteer, 3), (other, 5)):
            give(person, amount, at=at_in(month))
    return other


@pytest.fixture
def open_snapshot(ranked):
    """梨园's volunteer points for last month, published an hour ago: 公示 is running."""
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


def test_the_published_rankings_list_newest_month_first_with_the_notice_period(
    api_client, open_snapshot, closed_snapshot
):
    data = api_client.get(PUBLISHED, {"page_size": 100}).json()

    periods = [item["period"] for item in data["items"]]
    assert periods == sorted(periods, reverse=True)
    assert data["count"] == RankingSnapshot.objects.count()
    liyuan = api_client.get(
        PUBLISHED, {"scope": open_snapshot.organisation_id, "measure": "points"}
    ).json()["items"]
    found = {item["id"]: item for item in liyuan}
    shown = found[open_snapshot.pk]
    assert (shown["scope_name"], shown["period"], shown["people"]) == ("梨园社区", MONTH, 2)
    assert shown["notice_open"] is True and shown["unit"] == "分"
    assert shown["published_at"].endswith("+08:00")
    assert found[closed_snapshot.pk]["notice_open"] is False
    only = api_client.get(PUBLISHED, {"period": OLDER, "population": "volunteers"}).json()
    assert {item["period"] for item in only["items"]} == {OLDER}


def test_a_published_ranking_shows_its_rows_masked_as_the_page(
    api_client, signed_in, volunteer, open_snapshot
):
    data = api_client.get(f"{PUBLISHED}/{open_snapshot.pk}").json()

    assert data["snapshot"]["id"] == open_snapshot.pk
    assert data["rows"] == [
        {"place": 1, "name": "钱*多", "organisation": "梨园社区第2网格", "value": 5},
        {"place": 2, "name": "李*愿", "organisation": "梨园社区第1网格", "value": 3},
    ]
    assert data["me"] is None and data["my_objection"] is None

    mine = signed_in(volunteer.user).get(f"{PUBLISHED}/{open_snapshot.pk}").json()
    assert mine["me"] == {"place": 2, "value": 3}
    assert mine["rows"][1]["name"] == "李*愿"  # the page masks everyone, oneself included


def test_an_unknown_published_ranking_is_a_404(api_client, db):
    missing = api_client.get(f"{PUBLISHED}/424242")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert api_client.get(f"{PUBLISHED}/0").status_code == 400


# --- Objections --------------------------------------------------------------------------


def objections_url(snapshot) -> str:
    return f"{PUBLISHED}/{snapshot.pk}/objections"


def test_an_objection_is_lodged_once_and_a_retry_gets_the_first_answer(
    signed_in, volunteer, open_snapshot
):
    client = signed_in(volunteer.user)
    body = {"text": "  10月活动少计了2分。 "}

    first = client.post(objections_url(open_snapshot), body, HTTP_IDEMPOTENCY_KEY="obj-1")
    retry = client.post(objections_url(open_snapshot), body, HTTP_IDEMPOTENCY_KEY="obj-1")

    assert first.status_code == 201
    data = first.json()
    assert (data["text"], data["status"], data["status_label"]) == (
        "10月活动少计了2分。",
        "pending",
        "待答复",
    )
    assert data["snapshot"]["id"] == open_snapshot.pk and data["answer"] == ""
    assert (retry.status_code, retry.content) == (201, first.content)
    assert Objection.objects.count() == 1

    again = client.post(objections_url(open_snapshot), {"text": "还有一处"})
    assert again.status_code == 409 and again.json()["code"] == "already_lodged"

    listed = client.get(MINE).json()
    assert [item["id"] for item in listed["items"]] == [data["id"]]
    shown = client.get(f"{PUBLISHED}/{open_snapshot.pk}").json()["my_objection"]
    assert shown["id"] == data["id"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("   ", "missing_text"), ("长" * 501, "long_text")],
)
def test_an_empty_or_long_objection_is_refused_as_on_the_page(
    signed_in, volunteer, open_snapshot, text, code
):
    refused = signed_in(volunteer.user).post(objections_url(open_snapshot), {"text": text})
    assert refused.status_code == 400
    assert refused.json()["code"] == code
    assert refused.json()["detail"] == {"field": "text"}
    assert not Objection.objects.exists()


def test_objections_refused_after_the_notice_period_outside_the_scope_and_without_a_person(
    signed_in, volunteer, closed_snapshot, open_snapshot, make_person, town, django_user_model
):
    over = signed_in(volunteer.user).post(objections_url(closed_snapshot), {"text": "少计了"})
    assert over.status_code == 409 and over.json()["code"] == "notice_over"

    stranger = make_person(real_name="孙桥北", home_grid=town.qiaobei_grid1)
    outside = signed_in(stranger.user).post(objections_url(open_snapshot), {"text": "少计了"})
    assert outside.status_code == 403 and outside.json()["code"] == "not_in_scope"

    operator = django_user_model.objects.create_user(username="ops", password="shazhou2026")
    nobody = signed_in(operator).post(objections_url(open_snapshot), {"text": "少计了"})
    assert nobody.status_code == 403 and nobody.json()["code"] == "no_person"
    assert signed_in(operator).get(MINE).json()["items"] == []

    missing = signed_in(volunteer.user).post(f"{PUBLISHED}/424242/objections", {"text": "x"})
    assert missing.status_code == 404
    assert not Objection.objects.exists()


def test_objections_need_a_token(api_client, open_snapshot):
    assert api_client.post(objections_url(open_snapshot), {"text": "少计了"}).status_code == 401
    assert api_client.get(MINE).status_code == 401
