"""单位认领: a 共建单位's contact claims a need or a project's post for the unit as a whole.

Only the unit's current 单位联络人 may (a party member or not), once per unit; the place is
counted under the same row lock; confirming it credits nobody personal hours or points,
and the unit's 双报到反馈 lists it (page and .xlsx). The pages offer 以<单位>名义认领 to the
unit's contacts only, and the contact's card keeps it apart from their own claims.
"""

import datetime
import io
import re
from html import unescape

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.errors import Conflict, Forbidden
from core.quarters import Quarter
from points.models import PointsEntry, ServiceRecord
from points.periods import PeriodKind, period_key
from volunteers.models import AuditEvent, Claim, Need, NeedCategory
from volunteers.selectors.claims import claim_card
from volunteers.services.needs import (
    claim_confirm,
    claim_report,
    need_claim,
    need_record,
)
from volunteers.services.projects import post_add, post_claim, project_create, project_open

PARTY = "party_member"
UNIT = "敦煌市文化和旅游局"
OFFER = f"以{UNIT}名义认领"


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def grid_worker(person_with_role, town):
    return person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员王芳").user


@pytest.fixture
def contact(person_with_role, town):
    """The unit's contact: not a party member, so no 我来认领 of their own."""
    return person_with_role("contact", town.unit, real_name="文旅联络人")


@pytest.fixture
def member(make_person, town):
    return make_person(real_name="党员赵文静", political_status=PARTY, home_grid=town.liyuan_grid1)


@pytest.fixture
def need(grid_worker, town):
    return need_record(
        by=grid_worker,
        grid=town.liyuan_grid1,
        kind=Need.Kind.GOODS,
        category=NeedCategory.objects.get(name="助困扶残与就业援助"),
        title="李大爷需要一件冬季棉衣",
        public_title="为独居老人送冬季棉衣",
        resident_name="李大爷",
        resident_phone="13900001111",
        address="梨园小区 3 号楼 101",
        places=2,
        deadline=today() + datetime.timedelta(days=10),
        publish=True,
    )


@pytest.fixture
def secretary(person_with_role, town):
    return person_with_role("secretary", town.liyuan, real_name="梨园书记").user


@pytest.fixture
def post(secretary, town):
    project = project_create(
        by=secretary,
        community=town.liyuan,
        quarter=Quarter.current().key,
        title="温暖过冬",
        lead_unit=town.unit,
    )
    added = post_add(
        project=project,
        by=secretary,
        title="捐赠轮椅",
        places=3,
        deadline=today() + datetime.timedelta(days=7),
    )
    project_open(project=project, by=secretary)
    return added


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def done(claim: Claim, *, by) -> Claim:
    claim_report(
        claim=claim, person=claim.person, minutes=60, served_on=today(), note="棉衣已送到。"
    )
    return claim_confirm(claim=claim, by=by)


# --- the services ------------------------------------------------------------------------


def test_the_contact_claims_a_need_for_the_unit_once(need, contact, town):
    claim = need_claim(need=need, person=contact, unit=town.unit)

    need.refresh_from_db()
    assert (claim.unit, claim.person) == (town.unit, contact)
    assert need.claimed_places == 1
    event = AuditEvent.objects.get(action="need.claim")
    assert event.extra["unit"] == UNIT

    with pytest.raises(Conflict) as twice:
        need_claim(need=need, person=contact, unit=town.unit)
    assert twice.value.message == "本单位已认领这项需求。"
    need.refresh_from_db()
    assert need.claimed_places == 1


def test_someone_else_may_not_claim_for_the_unit(need, member, town):
    with pytest.raises(Forbidden) as refused:
        need_claim(need=need, person=member, unit=town.unit)
    assert refused.value.message == f"只有{UNIT}的单位联络人可以以单位名义认领。"
    assert not Claim.objects.exists()


def test_a_party_member_contact_claims_both_for_herself_and_for_the_unit(
    need, make_person, town, Role
):
    from volunteers.services.memberships import membership_grant

    both = make_person(real_name="党员联络人", political_status=PARTY)
    membership_grant(person=both, organisation=town.unit, role=Role.CONTACT)
    need_claim(need=need, person=both)
    need_claim(need=need, person=both, unit=town.unit)

    need.refresh_from_db()
    assert (need.claimed_places, need.status) == (2, Need.Status.CLAIMED)
    card = claim_card(both, Quarter.current())
    assert (card.claimed, len(card.lines), len(card.unit_lines)) == (1, 1, 1)


def test_the_contact_claims_a_post_for_the_unit_once(post, contact, member, town):
    claim = post_claim(post=post, person=contact, unit=town.unit)
    post.refresh_from_db()
    assert claim.unit == town.unit and post.claimed_places == 1

    with pytest.raises(Conflict) as twice:
        post_claim(post=post, person=contact, unit=town.unit)
    assert twice.value.message == "本单位已认领这个岗位。"
    with pytest.raises(Forbidden):
        post_claim(post=post, person=member, unit=town.unit)
    post.refresh_from_db()
    assert post.claimed_places == 1


def test_a_confirmed_unit_claim_earns_no_personal_hours_or_points(need, contact, grid_worker, town):
    claim = done(need_claim(need=need, person=contact, unit=town.unit), by=grid_worker)

    assert claim.status == Claim.Status.CONFIRMED
    assert not PointsEntry.objects.filter(person=contact).exists()
    assert not ServiceRecord.objects.filter(claim=claim).exists()
    card = claim_card(contact, Quarter.current())
    assert (card.claimed, card.done, card.hours) == (0, 0, "0.0")
    assert [line.claim for line in card.unit_lines] == [claim]


# --- the pages -----------------------------------------------------------------------------


def test_the_need_page_offers_the_unit_button_to_contacts_only(client, need, contact, member):
    url = f"/needs/{need.pk}/"
    client.force_login(member.user)
    body = text(client.get(url))
    assert "我来认领" in body and OFFER not in body

    client.force_login(contact.user)
    body = text(client.get(url))
    assert OFFER in body
    assert "我来认领" not in body  # not a party member: only the unit's button
    assert "双项认领面向党员" not in body


def test_the_contact_claims_through_the_page_and_twice_is_a_409(client, need, contact, town):
    client.force_login(contact.user)
    response = client.post(f"/needs/{need.pk}/claim/", {"unit": town.unit.pk})
    assert response.status_code == 302
    assert Claim.objects.get().unit == town.unit

    card = text(client.get("/me/claims/"))
    assert "本单位认领" in card and "为独居老人送冬季棉衣" in card
    assert "13900001111" in card  # the contact delivers: they call the resident

    again = client.post(f"/needs/{need.pk}/claim/", {"unit": town.unit.pk})
    assert again.status_code == 409
    assert "本单位已认领这项需求。" in text(again)
    assert f"{UNIT}已认领" in text(client.get(f"/needs/{need.pk}/"))


def test_a_non_contact_posting_the_unit_is_refused_with_a_403(client, need, member, town):
    client.force_login(member.user)
    response = client.post(f"/needs/{need.pk}/claim/", {"unit": town.unit.pk})
    assert response.status_code == 403
    assert f"只有{UNIT}的单位联络人可以以单位名义认领。" in text(response)
    assert not Claim.objects.exists()
    junk = client.post(f"/needs/{need.pk}/claim/", {"unit": "abc"})
    assert junk.status_code == 400


def test_the_project_page_offers_and_takes_the_unit_claim(client, post, contact, member, town):
    url = f"/projects/{post.project_id}/"
    client.force_login(member.user)
    assert OFFER not in text(client.get(url))

    client.force_login(contact.user)
    assert OFFER in text(client.get(url))
    response = client.post(f"/projects/posts/{post.pk}/claim/", {"unit": town.unit.pk})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.claimed_places == 1
    assert f"{UNIT}已认领" in text(client.get(url))

    again = client.post(f"/projects/posts/{post.pk}/claim/", {"unit": town.unit.pk})
    assert again.status_code == 409
    assert "本单位已认领这个岗位。" in text(again)


def test_the_staff_page_says_which_unit_claimed(client, need, contact, town, grid_worker):
    need_claim(need=need, person=contact, unit=town.unit)
    client.force_login(grid_worker)
    body = text(client.get(f"/admin/needs/{need.pk}/"))
    assert f"由{UNIT}认领（联络人文旅联络人）" in body


def test_the_dual_report_lists_the_units_own_claims(
    client, need, post, contact, grid_worker, secretary, person_with_role, town, Role
):
    done(need_claim(need=need, person=contact, unit=town.unit), by=grid_worker)
    done(post_claim(post=post, person=contact, unit=town.unit), by=secretary)
    unit_secretary = person_with_role(Role.SECRETARY, town.unit, political_status=PARTY).user
    client.force_login(unit_secretary)
    quarter = period_key(PeriodKind.QUARTER)

    body = text(client.get("/points/dual-report/", {"unit": town.unit.pk, "period": quarter}))
    section = body.split("单位认领", 1)[1]
    assert "为独居老人送冬季棉衣" in section
    assert "温暖过冬：捐赠轮椅" in section
    assert "文旅联络人" in section

    export = client.get(
        "/points/dual-report/export.xlsx", {"unit": town.unit.pk, "period": quarter}
    )
    workbook = load_workbook(io.BytesIO(export.content))
    rows = list(workbook["单位认领"].iter_rows(values_only=True))
    assert rows[0][:2] == ("认领单位", "认领的需求或岗位")
    assert sorted(row[1] for row in rows[1:]) == ["为独居老人送冬季棉衣", "温暖过冬：捐赠轮椅"]
    assert all(row[0] == UNIT and row[3] == "文旅联络人" for row in rows[1:])
