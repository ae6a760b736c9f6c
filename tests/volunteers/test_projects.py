"""项目清单: the 轮值主席, who manages which quarter's projects, claims on a project's
posts (first come, once, not when full or late, party members only), their confirmation
crediting the ledger, the card, and the public pages."""

import datetime

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden, Gone
from core.quarters import Quarter
from points.models import PointsEntry
from points.selectors.explain import entry_explanation
from volunteers import permissions
from volunteers.models import (
    AuditEvent,
    Claim,
    Notification,
    Organisation,
    Project,
    RotatingChair,
)
from volunteers.selectors.claims import claim_card
from volunteers.services.needs import claim_confirm, claim_report, claim_withdraw
from volunteers.services.organisations import organisation_add
from volunteers.services.projects import (
    chair_name,
    post_add,
    post_claim,
    project_create,
    project_open,
)

PARTY = "party_member"


def today() -> datetime.date:
    return timezone.localdate()


def this_quarter() -> str:
    return Quarter.current().key


def next_quarter() -> str:
    q = Quarter.current()
    return Quarter(q.year + (q.number == 4), q.number % 4 + 1).key


@pytest.fixture
def law_firm(town):
    unit = organisation_add(
        parent=town.unit.get_parent(), name="敦煌市律师事务所", kind=Organisation.Kind.UNIT
    )
    unit.refresh_from_db()
    return unit


@pytest.fixture
def community_secretary(person_with_role, town):
    return person_with_role("secretary", town.liyuan, real_name="梨园书记").user


@pytest.fixture
def contact(person_with_role, law_firm):
    return person_with_role("contact", law_firm, real_name="律所联络人").user


@pytest.fixture
def member(make_person, town):
    return make_person(real_name="党员赵文静", political_status=PARTY, home_grid=town.liyuan_grid1)


@pytest.fixture
def chaired(town, law_firm, community_secretary):
    return chair_name(
        community=town.liyuan, quarter=this_quarter(), unit=law_firm, by=community_secretary
    )


@pytest.fixture
def make_post(town, law_firm, community_secretary):
    def make(*, places=4, deadline_days=7, open_it=True, title="周末法律咨询"):
        project = project_create(
            by=community_secretary,
            community=town.liyuan,
            quarter=this_quarter(),
            title="法律服务进社区",
            description="律师与党员周末为居民答疑。",
            lead_unit=law_firm,
        )
        post = post_add(
            project=project,
            by=community_secretary,
            title=title,
            places=places,
            deadline=today() + datetime.timedelta(days=deadline_days),
        )
        if open_it:
            project_open(project=project, by=community_secretary)
        return post

    return make


# --- the chair and who manages projects ------------------------------------------------


def test_naming_the_chair_again_replaces_it_and_is_audited(
    town, law_firm, community_secretary, chaired
):
    assert chaired.unit == law_firm
    again = chair_name(
        community=town.liyuan, quarter=this_quarter(), unit=town.unit, by=community_secretary
    )
    assert RotatingChair.objects.filter(community=town.liyuan).count() == 1
    assert again.unit == town.unit
    events = AuditEvent.objects.filter(action="chair.name").order_by("pk")
    assert [e.extra.get("replaced") for e in events] == ["", "敦煌市律师事务所"]


def test_only_community_staff_name_the_chair(town, law_firm, person_with_role, contact):
    grid_worker = person_with_role("grid_worker", town.liyuan_grid1).user
    for user in (grid_worker, contact):
        with pytest.raises(Forbidden):
            chair_name(community=town.liyuan, quarter=this_quarter(), unit=law_firm, by=user)
    assert not RotatingChair.objects.exists()


def test_the_chair_contact_manages_that_quarter_of_that_community_only(
    town, law_firm, contact, chaired
):
    project = project_create(
        by=contact,
        community=town.liyuan,
        quarter=this_quarter(),
        title="法律服务进社区",
        lead_unit=law_firm,
    )
    assert project.status == Project.Status.DRAFT
    assert permissions.may_manage_projects(contact, town.liyuan, this_quarter())
    with pytest.raises(Forbidden):
        project_create(
            by=contact,
            community=town.liyuan,
            quarter=next_quarter(),
            title="下季度的项目",
            lead_unit=law_firm,
        )
    with pytest.raises(Forbidden):
        project_create(
            by=contact,
            community=town.qiaobei,
            quarter=this_quarter(),
            title="桥北的项目",
            lead_unit=law_firm,
        )
    assert Project.objects.count() == 1


# --- claiming a post --------------------------------------------------------------------


def test_a_post_is_claimed_once_per_person_until_full(make_post, member, make_person):
    post = make_post(places=2)
    post_claim(post=post, person=member)
    with pytest.raises(Conflict) as twice:
        post_claim(post=post, person=member)
    assert twice.value.code == "already_claimed"
    other = make_person(real_name="党员钱", political_status=PARTY)
    post_claim(post=post, person=other)
    third = make_person(real_name="党员孙", political_status=PARTY)
    with pytest.raises(Conflict) as full:
        post_claim(post=post, person=third)
    assert full.value.code == "post_full" and "名额已满" in str(full.value.message)
    post.refresh_from_db()
    assert post.claimed_places == 2
    assert Claim.objects.filter(post=post).count() == 2


def test_a_post_past_its_deadline_or_not_open_or_for_a_non_member_is_refused(
    make_post, member, make_person
):
    post = make_post()
    post.deadline = today() - datetime.timedelta(days=1)
    post.save()
    with pytest.raises(Gone):
        post_claim(post=post, person=member)
    with pytest.raises(Conflict) as draft:
        post_claim(post=make_post(open_it=False), person=member)
    assert draft.value.code == "project_not_open"
    volunteer = make_person(real_name="志愿者陈")
    with pytest.raises(Forbidden) as not_member:
        post_claim(post=make_post(), person=volunteer)
    assert "党员" in str(not_member.value.message)
    assert not Claim.objects.exists()


def test_withdrawing_gives_the_place_back(make_post, member):
    post = make_post(places=1)
    claim = post_claim(post=post, person=member)
    claim_withdraw(claim=claim, person=member)
    post.refresh_from_db()
    assert post.claimed_places == 0


def test_a_confirmed_post_claim_writes_points_and_shows_on_the_card(
    make_post, member, contact, chaired, community_secretary
):
    post = make_post()
    claim = post_claim(post=post, person=member)
    claim_report(claim=claim, person=member, minutes=120, served_on=today(), note="解答了 6 户")
    # The chair unit's contact confirms the quarter's post claims.
    claim = claim_confirm(claim=claim, by=contact)
    assert claim.status == Claim.Status.CONFIRMED

    entry = PointsEntry.objects.get(person=member)
    assert entry.explanation["need"] == "法律服务进社区：周末法律咨询"
    assert entry_explanation(entry).startswith("双项认领「法律服务进社区：周末法律咨询」服务 2小时")
    assert entry.amount > 0

    card = claim_card(member, Quarter.current())
    (line,) = card.lines
    assert line.title == "法律服务进社区：周末法律咨询"
    assert line.place == "梨园社区"
    assert line.contact is None
    assert (card.done, card.hours) == (1, "2.0")


def test_someone_else_may_not_confirm_a_post_claim(make_post, member, person_with_role, town):
    claim = post_claim(post=make_post(), person=member)
    claim_report(claim=claim, person=member, minutes=60, served_on=today(), note="完成")
    grid_worker = person_with_role("grid_worker", town.liyuan_grid1).user
    with pytest.raises(Forbidden):
        claim_confirm(claim=claim, by=grid_worker)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REPORTED
    assert not PointsEntry.objects.filter(person=member).exists()


# --- public pages -------------------------------------------------------------------------


def test_the_list_shows_the_chair_and_open_places_not_drafts(client, make_post, chaired):
    make_post(places=4)
    make_post(open_it=False, title="筹备中的岗位")
    page = client.get("/projects/").content.decode()
    assert "敦煌市律师事务所" in page
    assert "周末法律咨询" in page and "还差 4 人" in page
    assert "筹备中的岗位" not in page


def test_bad_filters_are_ignored_not_an_error(client, make_post):
    make_post()
    response = client.get("/projects/?quarter=2026Q9&community=abc")
    assert response.status_code == 200
    assert "已忽略" in response.content.decode()


def test_the_list_costs_the_same_for_one_project_as_for_five(
    client, make_post, chaired, django_assert_max_num_queries
):
    make_post()
    client.get("/projects/")
    with django_assert_max_num_queries(6) as few:
        client.get("/projects/")
    for _n in range(4):
        make_post()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/projects/")


def test_a_party_member_claims_from_the_project_page(client, make_post, member):
    post = make_post()
    client.force_login(member.user)
    page = client.get(f"/projects/{post.project_id}/").content.decode()
    assert "我来认领" in page
    response = client.post(f"/projects/posts/{post.pk}/claim/")
    assert response.status_code == 302
    assert Claim.objects.filter(post=post, person=member).exists()
    again = client.post(f"/projects/posts/{post.pk}/claim/")
    assert again.status_code == 409
    assert "您已经认领了这个岗位" in again.content.decode()


def test_a_draft_project_page_is_not_public(client, make_post):
    post = make_post(open_it=False)
    assert client.get(f"/projects/{post.project_id}/").status_code == 404


def test_the_chair_units_contacts_are_told_once(town, law_firm, community_secretary, contact):
    for _ in range(2):  # naming the same unit again tells nobody twice
        chair_name(
            community=town.liyuan, quarter=this_quarter(), unit=law_firm, by=community_secretary
        )
    told = Notification.objects.filter(recipient__user=contact)
    assert told.count() == 1
    assert told.get().title.startswith("贵单位为梨园社区") and "轮值主席" in told.get().title
