"""/api/v1/needs: the 微心愿墙, a resident's own needs, the 项目清单 and the 双项认领卡, as a
mini-program sees them.

Needs are recorded and published through ``services.needs`` as the grid's staff would;
projects through ``services.projects`` as the community's secretary would. Deadlines are
relative to today: the suite runs with the clock moved.
"""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.quarters import Quarter
from volunteers.models import Claim, Need, NeedCategory, Organisation
from volunteers.services.needs import claim_confirm, need_claim, need_record
from volunteers.services.organisations import organisation_add
from volunteers.services.projects import chair_name, post_add, project_create, project_open

pytestmark = pytest.mark.django_db

WALL = "/api/v1/needs"
RESIDENT_NAME = "李淑芬"
RESIDENT_PHONE = "13712345678"
ADDRESS = "阳关中路3号楼2单元401"
TITLE = "给李淑芬奶奶代购降压药"
PUBLIC_TITLE = "为独居老人代购药品"
DESCRIPTION = "每周二上午需要有人去药店代购降压药，送到家中。"
PARTY = "party_member"


def today() -> datetime.date:
    return timezone.localdate()


def text(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def assert_no_resident_details(response) -> None:
    body = text(response)
    for private in (RESIDENT_NAME, RESIDENT_PHONE, "137****5678", ADDRESS, TITLE):
        assert private not in body


@pytest.fixture
def category(db):
    # The migration seeds the town's categories; get_or_create whether or not it ran.
    return NeedCategory.objects.get_or_create(name="助困扶残与就业援助")[0]


@pytest.fixture
def grid_worker(person_with_role, town):
    return person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员小赵")


@pytest.fixture
def make_need(grid_worker, town, category):
    def make(**fields):
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
            by=grid_worker.user,
            grid=town.liyuan_grid1,
            category=category,
            publish=True,
            **values,
        )

    return make


@pytest.fixture
def need(make_need):
    return make_need()


@pytest.fixture
def member(make_person, town):
    return make_person(real_name="党员王芳", political_status=PARTY, home_grid=town.liyuan_grid2)


@pytest.fixture
def member_api(signed_in, member):
    return signed_in(member.user)


# --- the wall: who sees what -----------------------------------------------------------


def test_the_wall_shows_public_titles_and_nothing_of_the_resident(api_client, need):
    response = api_client.get(WALL)

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    [card] = page["items"]
    assert card["public_title"] == PUBLIC_TITLE
    assert card["community"]["name"] == "梨园社区"
    assert card["grid"]["name"] == "梨园社区第1网格"
    assert (card["kind_label"], card["category"]) == ("服务类", "助困扶残与就业援助")
    assert (card["open_places"], card["state"]) == (2, "open")
    assert_no_resident_details(response)


def test_the_public_sees_a_need_without_its_description_or_resident(api_client, need):
    response = api_client.get(f"{WALL}/{need.pk}")

    assert response.status_code == 200
    detail = response.json()
    assert detail["viewer"] == "public"
    assert detail["heading"] == PUBLIC_TITLE
    assert detail["description"] is None
    assert detail["resident_name"] is detail["resident_phone"] is detail["address"] is None
    assert detail["offer"] == "login"
    assert_no_resident_details(response)


def test_another_signed_in_person_reads_the_description_but_not_who_it_is_for(
    signed_in, make_person, town, need
):
    neighbour = make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)

    response = signed_in(neighbour.user).get(f"{WALL}/{need.pk}")

    detail = response.json()
    assert detail["viewer"] == "signed_in"
    assert detail["description"] == DESCRIPTION
    assert detail["offer"] == "refused"
    assert "党员" in detail["offer_note"]
    assert_no_resident_details(response)


def test_the_grid_staff_see_the_resident_whole(signed_in, grid_worker, need):
    detail = signed_in(grid_worker.user).get(f"{WALL}/{need.pk}").json()

    assert detail["viewer"] == "staff"
    assert (detail["title"], detail["heading"]) == (TITLE, TITLE)
    assert detail["resident_name"] == RESIDENT_NAME
    assert detail["resident_phone"] == RESIDENT_PHONE
    assert detail["address"] == ADDRESS


def test_the_resident_sees_their_own_phone_masked(signed_in, make_person, make_need):
    resident = make_person(real_name=RESIDENT_NAME, phone=RESIDENT_PHONE)
    need = make_need()  # need_record links the resident by phone

    detail = signed_in(resident.user).get(f"{WALL}/{need.pk}").json()

    assert detail["viewer"] == "resident"
    assert detail["resident_phone"] == "137****5678"


def test_a_pending_need_is_not_found_by_the_public(api_client, make_need):
    pending = make_need()
    Need.objects.filter(pk=pending.pk).update(status=Need.Status.PENDING)

    response = api_client.get(f"{WALL}/{pending.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "need_not_found"
    assert api_client.get(WALL).json()["count"] == 0


def test_the_wall_filters_by_community_and_state_and_refuses_what_it_cannot_read(
    api_client, town, make_need, member
):
    claimed = make_need(places=1)
    need_claim(need=claimed, person=member)
    make_need()

    by_state = api_client.get(WALL, {"state": "claimed"}).json()
    assert [card["id"] for card in by_state["items"]] == [claimed.pk]
    assert by_state["items"][0]["state"] == "claimed"
    assert api_client.get(WALL, {"community": town.qiaobei.pk}).json()["count"] == 0
    assert api_client.get(WALL, {"community": town.liyuan.pk}).json()["count"] == 2

    not_public = api_client.get(WALL, {"state": "pending"})
    assert not_public.status_code == 400
    assert not_public.json()["code"] == "invalid"
    a_grid = api_client.get(WALL, {"community": town.liyuan_grid1.pk})
    assert a_grid.status_code == 400
    assert a_grid.json()["code"] == "bad_community"


def test_the_wall_costs_the_same_queries_for_3_needs_as_for_15(
    api_client, signed_in, member, town, category
):
    def bulk(n):
        Need.objects.bulk_create(
            Need(
                community=town.liyuan,
                grid=town.liyuan_grid1,
                kind=Need.Kind.GOODS,
                category=category,
                title=f"代购生活用品（{RESIDENT_NAME}）",
                public_title=f"代购生活用品{i}",
                resident_name=RESIDENT_NAME,
                resident_phone=RESIDENT_PHONE,
                places=1,
                deadline=today() + datetime.timedelta(days=10),
                status=Need.Status.PUBLISHED,
            )
            for i in range(n)
        )

    def queries(client) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(WALL)
        assert response.status_code == 200
        return len(captured)

    member_api = signed_in(member.user)
    bulk(3)
    few, few_signed_in = queries(api_client), queries(member_api)
    bulk(12)
    assert api_client.get(WALL).json()["count"] == 15
    assert (queries(api_client), queries(member_api)) == (few, few_signed_in)


# --- claiming a need, reporting it done, the card ------------------------------------


def test_a_party_member_claims_reports_and_sees_the_claim_confirmed(
    member_api, member, grid_worker, need
):
    claimed = member_api.post(f"{WALL}/{need.pk}/claim")

    assert claimed.status_code == 200
    claim = claimed.json()
    assert (claim["status"], claim["need_id"], claim["title"]) == ("claimed", need.pk, PUBLIC_TITLE)
    assert claim["place"] == "梨园社区·梨园社区第1网格"
    # The claimant must call: the contact comes with the claim, whole.
    assert claim["contact"] == {"name": RESIDENT_NAME, "phone": RESIDENT_PHONE, "address": ADDRESS}
    detail = member_api.get(f"{WALL}/{need.pk}").json()
    assert (detail["viewer"], detail["offer"]) == ("claimant", "mine")
    assert detail["my_claim"]["id"] == claim["id"]
    assert detail["open_places"] == 1

    reported = member_api.post(
        f"{WALL}/claims/{claim['id']}/report",
        {"served_on": today().isoformat(), "minutes": 90, "note": "已送药上门，老人很满意。"},
    )
    assert reported.status_code == 200
    assert (reported.json()["status"], reported.json()["minutes"]) == ("reported", 90)
    assert reported.json()["served_on"] == today().isoformat()

    claim_confirm(claim=Claim.objects.get(pk=claim["id"]), by=grid_worker.user)

    card = member_api.get(f"{WALL}/claims").json()
    [line] = card["items"]
    assert (line["id"], line["status"], line["status_label"]) == (
        claim["id"],
        "confirmed",
        "已完成",
    )
    assert line["confirmed_in_quarter"] is True
    assert line["contact"] is None  # served and confirmed: no longer the claimant's to see


def test_a_volunteer_who_is_not_a_party_member_is_refused(signed_in, make_person, town, need):
    volunteer = make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)

    response = signed_in(volunteer.user).post(f"{WALL}/{need.pk}/claim")

    assert response.status_code == 403
    assert response.json()["code"] == "not_party_member"
    assert not Claim.objects.exists()


def test_claiming_twice_is_a_conflict(member_api, need):
    assert member_api.post(f"{WALL}/{need.pk}/claim").status_code == 200

    again = member_api.post(f"{WALL}/{need.pk}/claim")

    assert again.status_code == 409
    assert again.json()["code"] == "already_claimed"
    assert Claim.objects.count() == 1


def test_a_full_need_is_a_conflict(member_api, make_person, town, make_need):
    need = make_need(places=1)
    other = make_person(real_name="党员赵文静", political_status=PARTY, home_grid=town.liyuan_grid1)
    need_claim(need=need, person=other)

    response = member_api.post(f"{WALL}/{need.pk}/claim")

    assert response.status_code == 409
    assert response.json()["code"] == "need_full"
    assert "名额已满" in response.json()["message"]


def test_claiming_for_a_unit_one_does_not_represent_is_forbidden(member_api, town, need):
    response = member_api.post(f"{WALL}/{need.pk}/claim", {"as_unit_id": town.unit.pk})

    assert response.status_code == 403
    assert response.json()["code"] == "not_unit_contact"


def test_a_unit_contact_claims_for_the_unit(signed_in, person_with_role, town, need):
    contact = person_with_role("contact", town.unit, real_name="文旅联络人")
    api = signed_in(contact.user)
    assert api.get(f"{WALL}/{need.pk}").json()["unit_offers"] == [
        {"unit": {"id": town.unit.pk, "name": town.unit.name}, "offer": "open"}
    ]

    response = api.post(f"{WALL}/{need.pk}/claim", {"as_unit_id": town.unit.pk})

    assert response.status_code == 200
    assert response.json()["unit"] == {"id": town.unit.pk, "name": "敦煌市文化和旅游局"}
    assert Claim.objects.get().unit == town.unit


def test_a_retried_claim_with_the_same_idempotency_key_writes_one_claim(member_api, need):
    first = member_api.post(f"{WALL}/{need.pk}/claim", HTTP_IDEMPOTENCY_KEY="claim-need-1")
    retry = member_api.post(f"{WALL}/{need.pk}/claim", HTTP_IDEMPOTENCY_KEY="claim-need-1")

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Claim.objects.filter(need=need).count() == 1
    need.refresh_from_db()
    assert need.claimed_places == 1


def test_reporting_someone_elses_claim_is_not_found(member_api, make_person, town, need):
    other = make_person(real_name="党员赵文静", political_status=PARTY, home_grid=town.liyuan_grid1)
    theirs = need_claim(need=need, person=other)

    response = member_api.post(
        f"{WALL}/claims/{theirs.pk}/report",
        {"served_on": today().isoformat(), "minutes": 60, "note": "完成"},
    )

    assert response.status_code == 404
    assert response.json()["code"] == "claim_not_found"


def test_a_report_out_of_range_is_refused_with_the_pages_code(member_api, need):
    claim = member_api.post(f"{WALL}/{need.pk}/claim").json()

    response = member_api.post(
        f"{WALL}/claims/{claim['id']}/report",
        {"served_on": today().isoformat(), "minutes": 0, "note": "完成"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "minutes_range"
    assert response.json()["detail"] == {"field": "minutes"}


def test_withdrawing_a_claim_gives_the_place_back(member_api, need):
    claim = member_api.post(f"{WALL}/{need.pk}/claim").json()

    response = member_api.post(f"{WALL}/claims/{claim['id']}/withdraw")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["contact"] is None
    need.refresh_from_db()
    assert need.claimed_places == 0
    again = member_api.post(f"{WALL}/claims/{claim['id']}/withdraw")
    assert again.status_code == 409
    assert again.json()["code"] == "claim_not_open"


def test_the_card_refuses_a_quarter_it_cannot_read_or_still_to_come(member_api):
    for quarter in ("2026Q9", "junk", Quarter.current().next.key):
        response = member_api.get(f"{WALL}/claims", {"quarter": quarter})
        assert response.status_code == 400, quarter
        assert response.json()["code"] == "quarter_invalid"
    last = member_api.get(f"{WALL}/claims", {"quarter": Quarter.current().previous.key})
    assert last.status_code == 200
    assert last.json()["items"] == []


# --- the resident's own needs --------------------------------------------------------


@pytest.fixture
def resident(make_person, town):
    return make_person(real_name="居民李奶奶", home_grid=town.liyuan_grid2)


def test_a_resident_submits_follows_and_withdraws_a_need(signed_in, resident, category, town):
    api = signed_in(resident.user)
    submitted = api.post(
        f"{WALL}/submit",
        {
            "kind": "service",
            "category_id": category.pk,
            "title": "想学用智能手机视频通话",
            "address": "梨园小区5号楼",
            "places": 1,
            "deadline": (today() + datetime.timedelta(days=14)).isoformat(),
        },
    )

    assert submitted.status_code == 200
    need = submitted.json()
    assert (need["status"], need["grid"]["id"], need["may_withdraw"]) == (
        "pending",
        town.liyuan_grid2.pk,
        True,
    )
    mine = api.get(f"{WALL}/mine").json()
    assert [n["title"] for n in mine["items"]] == ["想学用智能手机视频通话"]

    withdrawn = api.post(f"{WALL}/mine/{need['id']}/withdraw")

    assert withdrawn.status_code == 200
    assert (withdrawn.json()["status"], withdrawn.json()["close_reason"]) == ("closed", "本人撤回")


def test_the_resident_sees_who_claimed_with_the_phone(signed_in, make_person, make_need, member):
    resident = make_person(real_name=RESIDENT_NAME, phone=RESIDENT_PHONE)
    need = make_need()
    need_claim(need=need, person=member)

    [mine] = signed_in(resident.user).get(f"{WALL}/mine").json()["items"]

    assert mine["may_withdraw"] is False
    [claim] = mine["claims"]
    assert (claim["claimant_name"], claim["claimant_phone"]) == ("党员王芳", member.phone)


def test_submitting_needs_a_known_category_and_a_grid_of_ones_community(
    signed_in, resident, category, town
):
    api = signed_in(resident.user)
    body = {
        "kind": "goods",
        "category_id": category.pk,
        "title": "需要一件冬季棉衣",
        "deadline": (today() + datetime.timedelta(days=7)).isoformat(),
    }

    elsewhere = api.post(f"{WALL}/submit", {**body, "grid_id": town.qiaobei_grid1.pk})
    assert elsewhere.status_code == 400
    assert elsewhere.json()["code"] == "outside_community"
    unknown = api.post(f"{WALL}/submit", {**body, "category_id": 999_999})
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "bad_category"
    assert not Need.objects.exists()


def test_withdrawing_someone_elses_need_is_not_found(signed_in, resident, need):
    response = signed_in(resident.user).post(f"{WALL}/mine/{need.pk}/withdraw")

    assert response.status_code == 404
    assert response.json()["code"] == "need_not_found"


# --- projects and their posts --------------------------------------------------------


@pytest.fixture
def law_firm(town):
    unit = organisation_add(
        parent=town.unit.get_parent(), name="敦煌市律师事务所", kind=Organisation.Kind.UNIT
    )
    unit.refresh_from_db()
    return unit


@pytest.fixture
def post(town, law_firm, person_with_role):
    secretary = person_with_role("secretary", town.liyuan, real_name="梨园书记").user
    quarter = Quarter.current().key
    chair_name(community=town.liyuan, quarter=quarter, unit=law_firm, by=secretary)
    project = project_create(
        by=secretary,
        community=town.liyuan,
        quarter=quarter,
        title="法律服务进社区",
        description="律师与党员周末为居民答疑。",
        lead_unit=law_firm,
    )
    post = post_add(
        project=project,
        by=secretary,
        title="周末法律咨询",
        places=1,
        deadline=today() + datetime.timedelta(days=7),
    )
    project_open(project=project, by=secretary)
    return post


def test_the_project_list_names_the_chair_and_the_places_left(api_client, post, law_firm):
    response = api_client.get(f"{WALL}/projects")

    assert response.status_code == 200
    [project] = response.json()["items"]
    assert project["title"] == "法律服务进社区"
    assert project["chair"] == {"id": law_firm.pk, "name": "敦煌市律师事务所"}
    assert (project["posts_count"], project["open_places"]) == (1, 1)
    bad = api_client.get(f"{WALL}/projects", {"quarter": "2026Q9"})
    assert (bad.status_code, bad.json()["code"]) == (400, "quarter_invalid")


def test_a_party_member_claims_a_post_once_and_it_is_then_full(
    member_api, signed_in, make_person, town, post
):
    detail = member_api.get(f"{WALL}/projects/{post.project_id}").json()
    [shown] = detail["posts"]
    assert (shown["offer"], shown["open_places"]) == ("open", 1)

    claimed = member_api.post(f"{WALL}/projects/posts/{post.pk}/claim")

    assert claimed.status_code == 200
    assert claimed.json()["title"] == "法律服务进社区：周末法律咨询"
    assert claimed.json()["project_id"] == post.project_id
    assert claimed.json()["contact"] is None  # a post has no resident to call
    again = member_api.post(f"{WALL}/projects/posts/{post.pk}/claim")
    assert (again.status_code, again.json()["code"]) == (409, "already_claimed")
    other = make_person(real_name="党员赵文静", political_status=PARTY, home_grid=town.liyuan_grid1)
    full = signed_in(other.user).post(f"{WALL}/projects/posts/{post.pk}/claim")
    assert (full.status_code, full.json()["code"]) == (409, "post_full")
    [line] = member_api.get(f"{WALL}/claims").json()["items"]
    assert (line["post_id"], line["status"]) == (post.pk, "claimed")


def test_a_draft_project_is_not_found(api_client, town, law_firm, person_with_role):
    secretary = person_with_role("secretary", town.liyuan, real_name="梨园书记").user
    draft = project_create(
        by=secretary,
        community=town.liyuan,
        quarter=Quarter.current().key,
        title="筹备中的项目",
        description="",
        lead_unit=law_firm,
    )

    response = api_client.get(f"{WALL}/projects/{draft.pk}")

    assert (response.status_code, response.json()["code"]) == (404, "project_not_found")


def test_a_claim_sent_without_any_body_is_a_personal_claim(member_api, need):
    # wx.request without data: no body at all, not even "{}".
    response = member_api.generic("POST", f"{WALL}/{need.pk}/claim", b"")

    assert response.status_code == 200
    assert response.json()["unit"] is None
