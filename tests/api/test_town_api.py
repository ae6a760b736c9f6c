"""镇级系统: a town system reads aggregate figures with its read-only key, within its scope,
the same figures as the dashboard's, and never a person."""

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.services.keys import create_key, revoke_key
from points.models import PersonTotal
from points.periods import month_key, quarter_key, year_key
from points.selectors.dashboard import dashboard_build
from points.selectors.dashboard_scope import dashboard_window, month_label
from points.services import points_award_for_attendance
from volunteers.models import Attendance, Method, Organisation

from ..clock import shazhou_at
from .conftest import ApiClient

pytestmark = pytest.mark.django_db

FIGURES = "/api/v1/town/figures"
ORGANISATIONS = "/api/v1/town/organisations"


@pytest.fixture(autouse=True)
def _at_noon():
    """Figures are kept per month, quarter and year: run from noon in Shazhou, so that no
    test straddles a midnight into another period."""
    with time_machine.travel(shazhou_at(hour=12), tick=True):
        yield


@pytest.fixture
def town_admin(actor):
    return actor("town_admin").user


@pytest.fixture
def issue(town_admin):
    """``issue(organisation)``: a live key's client (``.secret``, ``.key`` on it)."""

    def make(organisation, name="智慧敦煌"):
        issued = create_key(actor=town_admin, name=name, organisation=organisation)
        client = ApiClient(HTTP_X_API_KEY=issued.secret)
        client.secret, client.key = issued.secret, issued.key
        return client

    return make


@pytest.fixture
def serve(make_activity):
    """``person`` served ``hours`` at an activity of ``organisation`` ``days_ago`` days ago."""

    def serve(person, organisation, *, days_ago=1, hours=2):
        starts_at = timezone.now() - datetime.timedelta(days=days_ago)
        activity = make_activity(
            organisation=organisation,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=hours),
        )
        minutes = hours * 60
        attendance = Attendance.objects.create(  # test set-up, not a scan
            activity=activity,
            person=person,
            checked_in_at=starts_at,
            check_in_method=Method.MANUAL,
            checked_out_at=starts_at + datetime.timedelta(minutes=minutes),
            check_out_method=Method.MANUAL,
            minutes_served=minutes,
        )
        points_award_for_attendance(attendance=attendance)
        return activity

    return serve


@pytest.fixture
def served(town, make_person, serve):
    """梨园: 李一 and 李二 served 2 h each yesterday; 桥北: 乔一, 3 h. One activity each."""
    li, li2 = (
        make_person(real_name=name, phone=phone, home_grid=town.liyuan_grid1)
        for name, phone in (("李一", "13911110001"), ("李二", "13911110002"))
    )
    qiao = make_person(real_name="乔一", phone="13911110003", home_grid=town.qiaobei_grid1)
    at_liyuan = serve(li, town.liyuan)
    at_liyuan.attendances.create(  # 李二 at the same activity
        person=li2,
        checked_in_at=at_liyuan.starts_at,
        check_in_method=Method.MANUAL,
        checked_out_at=at_liyuan.ends_at,
        check_out_method=Method.MANUAL,
        minutes_served=120,
    )
    points_award_for_attendance(attendance=at_liyuan.attendances.get(person=li2))
    serve(qiao, town.qiaobei, hours=3)
    return {"people": [li, li2, qiao], "month": month_key(at_liyuan.starts_at)}


def test_a_key_reads_its_towns_figures_the_same_as_the_dashboard(issue, town, served):
    month = served["month"]
    response = issue(town.town).get(FIGURES, {"period": month})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == month
    points = PersonTotal.objects.filter(person__in=served["people"], period=month).aggregate(
        total=Sum("points")
    )["total"]
    assert points > 0
    assert body["organisation"] == {
        "id": town.town.pk,
        "name": "沙州镇",
        "kind": "town",
        "hours": 7.0,
        "participants": 3,
        "points": points,
        "activities": 2,
    }
    assert body["children"] == []
    assert body["starts_at"].endswith("+08:00")

    # The dashboard of the same town, for the year holding the month: the month's row…
    dashboard = dashboard_build(town.town, dashboard_window(month[:4]))
    service = {row[0]: row for row in dashboard.charts[0].rows}
    assert service[month_label(month)][-2:] == [7.0, 3]
    # …and the year's hours and activities.
    year = issue(town.town, name="党建平台").get(FIGURES, {"period": month[:4]}).json()
    headline = {figure.label: figure.value for figure in dashboard.figures}
    assert str(year["organisation"]["hours"]) == headline["服务时长（小时）"]
    assert str(year["organisation"]["activities"]) == headline["活动场次"]


def test_the_points_are_the_sum_of_the_peoples_own_totals(issue, town, served):
    body = issue(town.liyuan).get(FIGURES, {"period": served["month"]}).json()
    li, li2, _qiao = served["people"]
    mine = PersonTotal.objects.filter(person__in=[li, li2], period=served["month"])
    assert body["organisation"]["points"] == mine.aggregate(total=Sum("points"))["total"] > 0


def test_group_by_child_gives_one_row_per_child_organisation(issue, town, served):
    client = issue(town.town)
    response = client.get(FIGURES, {"period": served["month"], "group_by": "child"})
    assert response.status_code == 200
    rows = response.json()["children"]
    children = list(
        Organisation.objects.filter(path__startswith=town.town.path, depth=2).order_by("path")
    )
    assert [row["id"] for row in rows] == [child.pk for child in children]
    by_name = {row["name"]: row for row in rows}
    liyuan, qiaobei = by_name["梨园社区"], by_name["桥北社区"]
    assert (liyuan["hours"], liyuan["participants"], liyuan["activities"]) == (4.0, 2, 1)
    assert (qiaobei["hours"], qiaobei["participants"], qiaobei["activities"]) == (3.0, 1, 1)
    assert by_name["沙州镇志愿服务支队"]["hours"] == 0
    # A child's row is that organisation's own figures.
    alone = client.get(FIGURES, {"period": served["month"], "organisation": town.liyuan.pk})
    assert alone.json()["organisation"] == liyuan


def test_a_quarter_is_read_as_one_period_with_its_people_counted_once(
    issue, town, make_person, serve
):
    person = make_person(real_name="李一", home_grid=town.liyuan_grid1)
    first = serve(person, town.liyuan, days_ago=1)
    serve(person, town.liyuan, days_ago=2)
    quarter = quarter_key(first.starts_at)
    response = issue(town.town).get(FIGURES, {"period": f"{quarter[:4]}-{quarter[4:]}"})
    body = response.json()
    assert response.status_code == 200
    assert body["period"] == quarter
    assert body["period_label"] == f"{quarter[:4]}年第{quarter[5]}季度"
    assert (body["organisation"]["hours"], body["organisation"]["participants"]) == (4.0, 1)


def test_a_key_reads_any_organisation_in_its_subtree_and_nothing_outside(issue, town, served):
    client = issue(town.liyuan)
    inside = client.get(FIGURES, {"period": served["month"], "organisation": town.liyuan_grid1.pk})
    assert inside.status_code == 200
    assert inside.json()["organisation"]["participants"] == 2
    for outside in (town.qiaobei, town.town, town.qiaobei_grid1):
        response = client.get(FIGURES, {"period": served["month"], "organisation": outside.pk})
        assert response.status_code == 403, outside.name
        assert response.json()["code"] == "outside_scope"
    unknown = client.get(FIGURES, {"period": served["month"], "organisation": 2_000_000_000})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "period", ["2026-13", "2026-00", "2026Q5", "26-05", "1999", "abc", "", "２０２６", "2026-5"]
)
def test_a_bad_period_is_a_400_in_the_one_shape(issue, town, period):
    response = issue(town.town).get(FIGURES, {"period": period})
    assert response.status_code == 400
    assert response.json()["code"] in {"bad_period", "invalid"}
    if period:
        assert response.json()["code"] == "bad_period"
        assert "YYYY-MM" in response.json()["message"]


def test_a_period_still_to_come_has_nothing_in_it(issue, town, served):
    next_year = str(int(year_key(timezone.now())) + 1)
    body = issue(town.town).get(FIGURES, {"period": next_year}).json()
    figures = body["organisation"]
    assert (figures["hours"], figures["participants"], figures["activities"]) == (0, 0, 0)


def test_a_stopped_key_an_unknown_key_and_no_key_are_401(issue, town, town_admin, api_client):
    client = issue(town.town)
    assert client.get(FIGURES, {"period": "2026"}).status_code == 200
    revoke_key(actor=town_admin, key=client.key)
    response = client.get(FIGURES, {"period": "2026"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"
    assert "X-API-Key" in response.json()["detail"]
    assert ApiClient(HTTP_X_API_KEY="szk_" + "x" * 43).get(ORGANISATIONS).status_code == 401
    assert api_client.get(FIGURES, {"period": "2026"}).status_code == 401


def test_a_persons_bearer_token_does_not_open_the_town_operations(signed_in, actor):
    client = signed_in(actor("town_admin").user)
    assert client.get("/api/v1/me").status_code == 200  # the token itself is good
    for path in (f"{FIGURES}?period=2026", ORGANISATIONS):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "invalid_api_key"


def test_no_person_is_in_any_answer(issue, town, served):
    client = issue(town.town)
    answers = [
        client.get(FIGURES, {"period": served["month"], "group_by": "child"}),
        client.get(ORGANISATIONS, {"page_size": 100}),
    ]
    allowed = {
        "period", "period_label", "starts_at", "ends_at", "organisation", "children",
        "id", "name", "kind", "kind_label", "parent_id", "depth", "closed_on",
        "hours", "participants", "points", "activities",
        "items", "count", "page", "pages", "has_next",
    }  # fmt: skip

    def keys(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield key
                yield from keys(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner)

    for response in answers:
        assert response.status_code == 200
        assert set(keys(response.json())) <= allowed
        text = response.content.decode()
        for person in served["people"]:
            assert person.real_name not in text
            assert person.phone not in text
            assert person.volunteer_number not in text
        assert json.loads(text)  # one JSON document, nothing else


def test_the_organisations_are_the_keys_subtree_with_their_parents(issue, town):
    response = issue(town.liyuan).get(ORGANISATIONS, {"page_size": 100})
    assert response.status_code == 200
    body = response.json()
    subtree = Organisation.objects.filter(path__startswith=town.liyuan.path)
    assert body["count"] == subtree.count()
    items = {item["id"]: item for item in body["items"]}
    assert set(items) == set(subtree.values_list("pk", flat=True))
    assert items[town.liyuan.pk]["parent_id"] is None  # its parent is outside the scope
    assert items[town.liyuan.pk]["kind_label"] == "社区"
    assert items[town.liyuan_grid1.pk]["parent_id"] == town.liyuan.pk
    assert items[town.liyuan_group.pk]["parent_id"] == town.liyuan_branch.pk
    assert items[town.liyuan_grid1.pk]["depth"] == 3
    assert town.qiaobei.pk not in items


def test_the_organisations_come_a_page_at_a_time_in_one_query_per_page(issue, town):
    client = issue(town.town)
    first = client.get(ORGANISATIONS, {"page_size": 5})
    assert first.json()["count"] == Organisation.objects.count()
    assert len(first.json()["items"]) == 5
    assert first.json()["has_next"] is True
    with CaptureQueriesContext(connection) as small:
        client.get(ORGANISATIONS, {"page_size": 2})
    with CaptureQueriesContext(connection) as large:
        client.get(ORGANISATIONS, {"page_size": 20})
    assert len(large) == len(small)


def test_the_figures_cost_the_same_few_queries_however_many_children(issue, town, served):
    queries = []
    for organisation in (town.town, town.liyuan_grid1):
        client = issue(organisation, name=f"系统{organisation.pk}")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(FIGURES, {"period": served["month"], "group_by": "child"})
        assert response.status_code == 200
        queries.append(len(captured))
    assert queries[0] == queries[1] <= 8
