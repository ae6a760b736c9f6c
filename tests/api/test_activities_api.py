"""The API's 活动 operations, as a mini-program uses them: the list with its filters and the
caller's marks, one activity with ``my_state``, signing up (and onto the waiting list),
cancelling, and the refusals the activity page gives, with the same codes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from volunteers.models import ActivityCategory, SignUp
from volunteers.services.activities import activity_cancel
from volunteers.services.signups import signup_create

from ..clock import next_noon

# Fixtures and requests at tomorrow's noon: "today" and "tomorrow" never straddle a midnight.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(next_noon(), tick=False)]

LIST = "/api/v1/activities"


def detail_url(activity):
    return f"/api/v1/activities/{activity.pk}"


@pytest.fixture
def later(make_activity):
    """An activity of 梨园 tomorrow, with sign-up required and two places."""

    def make(**kwargs):
        starts = timezone.now() + datetime.timedelta(days=1)
        kwargs.setdefault("starts_at", starts)
        kwargs.setdefault("signup_required", True)
        return make_activity(**kwargs)

    return make


def test_the_list_shows_published_activities_upcoming_first_to_anyone(
    api_client, make_activity, later
):
    running = make_activity(title="正在进行的劝导")
    tomorrow = later(title="明天的敬老")
    past = make_activity(
        title="上周的清扫",
        starts_at=timezone.now() - datetime.timedelta(days=7),
    )
    make_activity(title="草稿", publish=False)

    response = api_client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [running.pk, tomorrow.pk, past.pk]
    assert body["count"] == 3
    first = body["items"][0]
    assert first["title"] == "正在进行的劝导"
    assert first["organisation_name"] == "梨园社区"
    assert first["my_status"] is None
    assert first["starts_at"].endswith("+08:00")
    assert first["url"] == f"/activities/{running.pk}/"


def test_the_list_filters_by_time_organisation_category_dates_and_title(
    api_client, make_activity, later, town
):
    running = make_activity(title="阳关中路劝导")
    tomorrow = later(title="明天的敬老")
    qiaobei = make_activity(title="桥北清扫", organisation=town.qiaobei_grid1)
    other = ActivityCategory.objects.create(name="接口测试类别")
    helped = make_activity(title="帮扶走访", category=other)

    def ids(**params):
        response = api_client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["items"]}

    assert ids(organisation=town.qiaobei.pk) == {qiaobei.pk}
    assert ids(category=other.pk) == {helped.pk}
    assert ids(q="劝导") == {running.pk}
    tomorrow_day = timezone.localdate() + datetime.timedelta(days=1)
    assert ids(date_from=tomorrow_day.isoformat()) == {tomorrow.pk}
    assert tomorrow.pk not in ids(date_to=timezone.localdate().isoformat())
    assert ids(when="past") == set()
    assert ids(organisation=2_000_000_000) == set()


def test_a_bad_filter_is_a_400_in_the_one_shape(api_client):
    response = api_client.get(LIST, {"when": "someday"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_the_list_marks_the_callers_own_places(signed_in, make_person, town, later):
    volunteer = make_person(home_grid=town.liyuan_grid1)
    mine = later(title="我报了名的")
    later(title="我没报名的")
    signup_create(activity=mine, person=volunteer)

    body = signed_in(volunteer.user).get(LIST).json()

    marks = {item["title"]: item["my_status"] for item in body["items"]}
    assert marks == {"我报了名的": "confirmed", "我没报名的": None}


def _list_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, {"page_size": 50})
    assert response.status_code == 200
    return len(captured), len(response.json()["items"])


def test_the_list_costs_the_same_queries_for_3_or_20_activities(
    signed_in, make_person, town, later, django_assert_num_queries
):
    volunteer = make_person(home_grid=town.liyuan_grid1)
    client = signed_in(volunteer.user)
    made = [later(title=f"活动{n}") for n in range(3)]
    signup_create(activity=made[0], person=volunteer)
    three, shown = _list_queries(client)
    assert shown == 3
    for n in range(17):
        signup_create(activity=later(title=f"更多活动{n}"), person=volunteer)
    with django_assert_num_queries(three):
        response = client.get(LIST, {"page_size": 50})
    assert len(response.json()["items"]) == 20


def test_detail_answers_the_callers_state_and_action(signed_in, make_person, town, later):
    volunteer = make_person(home_grid=town.liyuan_grid1)
    activity = later(title="明天的敬老", capacity=2)
    client = signed_in(volunteer.user)

    before = client.get(detail_url(activity)).json()
    assert before["my_state"]["code"] == "open"
    assert before["my_state"]["action"] == "sign_up"
    assert before["places_left"] == 2
    assert before["can_run_checkin"] is False

    signup_create(activity=activity, person=volunteer)
    after = client.get(detail_url(activity)).json()
    assert after["my_state"]["code"] == "signed_up"
    assert after["my_state"]["label"] == "已报名"
    assert after["my_state"]["action"] == "cancel"
    assert after["my_status"] == "confirmed"
    assert after["confirmed_count"] == 1


def test_an_anonymous_detail_offers_to_log_in(api_client, later):
    activity = later()
    state = api_client.get(detail_url(activity)).json()["my_state"]
    assert state["action"] == "login"


def test_a_draft_or_unknown_activity_is_404(api_client, make_activity):
    draft = make_activity(publish=False)
    for url in (detail_url(draft), "/api/v1/activities/999999"):
        response = api_client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_signup_confirms_then_waitlists_with_the_place_in_the_queue(
    signed_in, make_person, town, later
):
    activity = later(capacity=1)
    first = make_person(home_grid=town.liyuan_grid1)
    second = make_person(home_grid=town.liyuan_grid2)

    confirmed = signed_in(first.user).post(f"{detail_url(activity)}/signup")
    waiting = signed_in(second.user).post(f"{detail_url(activity)}/signup")

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["label"] == "已报名"
    assert waiting.status_code == 200
    assert waiting.json()["status"] == "waitlisted"
    assert waiting.json()["label"] == "候补第 1 位"
    assert waiting.json()["waitlist_position"] == 1


def test_a_retried_signup_with_the_same_idempotency_key_writes_once(
    signed_in, make_person, town, later
):
    activity = later()
    volunteer = make_person(home_grid=town.liyuan_grid1)
    client = signed_in(volunteer.user)
    url = f"{detail_url(activity)}/signup"

    first = client.post(url, HTTP_IDEMPOTENCY_KEY="signup-1")
    again = client.post(url, HTTP_IDEMPOTENCY_KEY="signup-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert SignUp.objects.filter(activity=activity, person=volunteer).count() == 1
    # Without the key the second try is the page's refusal, not a second place.
    refused = client.post(url)
    assert refused.status_code == 409
    assert refused.json()["code"] == "already_signed_up"


def test_signup_refuses_as_the_page_does(signed_in, make_person, town, later, django_user_model):
    volunteer = make_person(home_grid=town.liyuan_grid1)
    client = signed_in(volunteer.user)
    cancelled = later()
    activity_cancel(activity=cancelled, reason="天气原因", by=None)
    party_only = later(audience="party_members")

    response = client.post(f"{detail_url(cancelled)}/signup")
    assert (response.status_code, response.json()["code"]) == (409, "cancelled")
    response = client.post(f"{detail_url(party_only)}/signup")
    assert (response.status_code, response.json()["code"]) == (403, "not_in_audience")
    assert response.json()["message"]

    nobody = django_user_model.objects.create_user(username="no-person", password="x" * 12)
    response = signed_in(nobody).post(f"{detail_url(later())}/signup")
    assert (response.status_code, response.json()["code"]) == (409, "no_person")


def test_signup_needs_a_token(api_client, later):
    response = api_client.post(f"{detail_url(later())}/signup")
    assert response.status_code == 401


def test_cancel_gives_the_place_to_the_first_waiting(signed_in, make_person, town, later):
    activity = later(capacity=1)
    first = make_person(home_grid=town.liyuan_grid1)
    second = make_person(home_grid=town.liyuan_grid2)
    signup_create(activity=activity, person=first)
    signup_create(activity=activity, person=second)

    response = signed_in(first.user).post(f"{detail_url(activity)}/cancel")

    assert response.status_code == 200
    assert response.json() == {"status": "cancelled", "message": "已取消报名。"}
    assert SignUp.objects.get(person=second).status == SignUp.Status.CONFIRMED


def test_cancel_without_a_signup_is_409_not_signed_up(signed_in, make_person, town, later):
    volunteer = make_person(home_grid=town.liyuan_grid1)
    response = signed_in(volunteer.user).post(f"{detail_url(later())}/cancel")
    assert response.status_code == 409
    assert response.json()["code"] == "not_signed_up"
