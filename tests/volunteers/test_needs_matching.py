"""Matching (三单一卡, issue 18 item 5): who a published need is suggested to, who is told.

The staff's list (``need_suggestions``) holds everyone of the need's community whose
skills or service interests hold one of its category's words; the matching job tells only
the party members among them who have an account and did not opt out (接收微心愿推荐),
once per need, whichever path publishes it and however often the job runs.
"""

import datetime

import pytest
from django.utils import timezone

from volunteers.models import Need, NeedCategory, Notification, Person
from volunteers.selectors.needs_matching import matched_terms, need_suggestions
from volunteers.services import needs_matching
from volunteers.services.needs import need_close, need_publish, need_record, need_submit
from volunteers.services.needs_matching import need_match
from volunteers.services.people import person_update_own_profile
from volunteers.tasks.needs_matching import need_match_job

PARTY = Person.PoliticalStatus.PARTY_MEMBER


@pytest.fixture
def make_person(make_person):
    """The shared ``make_person``, plus what the person writes on their own profile:
    ``service_interests`` and ``need_suggestions`` (through its service)."""

    def make(*, service_interests=None, need_suggestions=None, **kwargs):
        person = make_person(**kwargs)
        own = {"service_interests": service_interests, "need_suggestions": need_suggestions}
        changes = {key: value for key, value in own.items() if value is not None}
        if changes:
            person = person_update_own_profile(person=person, changes=changes)
        return person

    return make


@pytest.fixture
def health(db):
    # update_or_create: a transactional test before this one may have flushed the
    # categories the data migration put in.
    return NeedCategory.objects.update_or_create(
        name="健康医疗", defaults={"keywords": "医疗 急救 CPR 康复"}
    )[0]


@pytest.fixture
def grid_head(person_with_role, town):
    return person_with_role("grid_head", town.liyuan_grid1, real_name="梨园网格长").user


@pytest.fixture
def make_need(grid_head, town, health):
    """A need of 梨园社区第1网格, recorded by its grid head; pending unless published."""

    def make(*, publish=False, category=None, grid=None, **kwargs):
        kwargs.setdefault("title", "马大爷（阳关中路12号）测血压")
        kwargs.setdefault("public_title", "独居老人需要上门测血压")
        kwargs.setdefault("resident_name", "马大爷")
        kwargs.setdefault("deadline", timezone.localdate() + datetime.timedelta(days=10))
        return need_record(
            by=grid_head,
            grid=grid or town.liyuan_grid1,
            kind=Need.Kind.SERVICE,
            category=category or health,
            publish=publish,
            **kwargs,
        )

    return make


def fetched(need: Need) -> Need:
    """The need as a page holds it: its category and community joined."""
    return Need.objects.select_related("category", "community").get(pk=need.pk)


def names(people) -> list[str]:
    return [person.real_name for person in people]


def told(need: Need) -> list[str]:
    """Who received the matching notice of ``need``, by name."""
    return sorted(
        Notification.objects.filter(
            kind=Notification.Kind.NEED, idempotency_key__startswith=f"need:{need.pk}:match:"
        ).values_list("recipient__real_name", flat=True)
    )


# --- Who is suggested to the staff -----------------------------------------------------


def test_a_keyword_in_skills_or_interests_suggests_a_person_whatever_its_case(
    make_person, make_need, town
):
    make_person(real_name="会急救的", home_grid=town.liyuan_grid1, skills="急救、驾驶")
    make_person(real_name="想做康复的", home_grid=town.liyuan_grid2, service_interests="康复陪护")
    make_person(real_name="学过cpr的", home_grid=town.liyuan_grid1, skills="cpr 培训")
    make_person(
        real_name="会摄影的", home_grid=town.liyuan_grid1, skills="摄影", service_interests="文艺"
    )
    need = make_need()

    suggested = names(need_suggestions(fetched(need)))

    assert sorted(suggested) == ["会急救的", "学过cpr的", "想做康复的"]


def test_the_category_name_itself_matches_too(make_person, make_need, town, health):
    make_person(real_name="写了类别名的", home_grid=town.liyuan_grid1, service_interests="健康医疗")

    assert names(need_suggestions(fetched(make_need()))) == ["写了类别名的"]


def test_party_members_come_first_then_who_matches_more_words(make_person, make_need, town):
    make_person(real_name="志愿者两词", home_grid=town.liyuan_grid1, skills="急救 康复")
    make_person(
        real_name="党员一词", home_grid=town.liyuan_grid1, skills="急救", political_status=PARTY
    )
    make_person(
        real_name="党员三词",
        home_grid=town.liyuan_grid2,
        skills="急救 CPR",
        service_interests="康复",
        political_status=PARTY,
    )

    assert names(need_suggestions(fetched(make_need()))) == ["党员三词", "党员一词", "志愿者两词"]


def test_only_people_of_the_needs_community_are_suggested(make_person, make_need, town):
    make_person(real_name="桥北的医生", home_grid=town.qiaobei_grid1, skills="医疗")
    reported = make_person(
        real_name="报到梨园的在职党员",
        home_grid=town.qiaobei_grid2,
        skills="医疗",
        political_status=PARTY,
        in_service=True,
    )
    # 报到 is set by its own service; here directly, as tests/volunteers/test_profile.py does.
    Person.objects.filter(pk=reported.pk).update(reported_community=town.liyuan)
    make_person(real_name="没有网格的", skills="医疗")

    assert names(need_suggestions(fetched(make_need()))) == ["报到梨园的在职党员"]


def test_the_resident_the_need_is_for_is_not_suggested(make_person, make_need, town):
    resident = make_person(
        real_name="马大爷", home_grid=town.liyuan_grid1, skills="退休医生 医疗", phone="13900001111"
    )
    make_person(real_name="邻居护士", home_grid=town.liyuan_grid1, skills="医疗")

    need = make_need(resident_phone=resident.phone)

    assert need.resident == resident
    assert names(need_suggestions(fetched(need))) == ["邻居护士"]


def test_the_staff_see_which_words_fit(make_person, health, town):
    person = make_person(real_name="甲", skills="急救", service_interests="CPR培训")

    assert matched_terms(person, health) == ["急救", "CPR"]


def test_suggestions_cost_one_query_however_many_fit(
    make_person, make_need, town, django_assert_num_queries
):
    need = fetched(make_need())
    make_person(real_name="一", home_grid=town.liyuan_grid1, skills="急救", political_status=PARTY)
    with django_assert_num_queries(1):
        few = need_suggestions(need)
        [(person.user.username, person.home_grid.name) for person in few]
    for n in range(6):
        make_person(real_name=f"多{n}", home_grid=town.liyuan_grid2, skills="康复")
    with django_assert_num_queries(1):
        many = need_suggestions(need)
        [(person.user.username, person.home_grid.name) for person in many]

    assert (len(few), len(many)) == (1, 7)
    assert len(need_suggestions(need, limit=3)) == 3


# --- Who is told, and how often ----------------------------------------------------------


@pytest.fixture
def fitting(make_person, town):
    """Four people of 梨园 whose skills fit 健康医疗: two party members (one opted out),
    a volunteer, and a party member whose record has no account."""
    return {
        "told": make_person(
            real_name="党员医生", home_grid=town.liyuan_grid1, skills="医疗", political_status=PARTY
        ),
        "opted_out": make_person(
            real_name="不要推荐的党员",
            home_grid=town.liyuan_grid1,
            skills="急救",
            political_status=PARTY,
            need_suggestions=False,
        ),
        "volunteer": make_person(
            real_name="志愿者护士", home_grid=town.liyuan_grid2, skills="医疗"
        ),
        "no_account": make_person(
            real_name="没有账号的党员",
            home_grid=town.liyuan_grid1,
            skills="医疗",
            political_status=PARTY,
            with_user=False,
        ),
    }


def test_publishing_tells_the_fitting_party_members_once_with_the_public_title_only(
    make_need, fitting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        need = make_need(publish=True)

    assert told(need) == ["党员医生"]
    notice = Notification.objects.get(recipient=fitting["told"], kind=Notification.Kind.NEED)
    assert notice.title == "微心愿推荐：独居老人需要上门测血压"
    assert "梨园社区" in notice.body and "健康医疗" in notice.body
    assert "马大爷" not in notice.title + notice.body  # the resident is not theirs to know yet
    assert notice.url == f"/needs/{need.pk}/"
    need.refresh_from_db()
    assert need.matched_at is not None


def test_who_opted_out_or_cannot_claim_is_still_suggested_to_the_staff(
    make_need, fitting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        need = make_need(publish=True)

    assert sorted(names(need_suggestions(fetched(need)))) == [
        "不要推荐的党员",
        "党员医生",
        "志愿者护士",
        "没有账号的党员",
    ]
    assert told(need) == ["党员医生"]


def test_matching_again_tells_nobody_twice(make_need, fitting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        need = make_need(publish=True)
    first_match = Need.objects.get(pk=need.pk).matched_at

    # A redelivered job, a second publish path, a worker racing the first one.
    assert need_match_job(need.pk) == 0
    assert need_match(need=need) == 0

    assert told(need) == ["党员医生"]
    assert Notification.objects.filter(recipient=fitting["told"]).count() == 1
    assert Need.objects.get(pk=need.pk).matched_at == first_match


def test_a_need_approved_later_is_matched_when_it_is_published(
    make_need, fitting, grid_head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        need = make_need()
    assert told(need) == []  # 待审核: nobody is told of a need the staff have not approved

    with django_capture_on_commit_callbacks(execute=True):
        need_publish(need=need, by=grid_head)

    assert told(need) == ["党员医生"]


def test_a_resident_submitted_need_is_matched_once_approved(
    make_person, make_need, fitting, grid_head, health, town, django_capture_on_commit_callbacks
):
    resident = make_person(real_name="王奶奶", home_grid=town.liyuan_grid1, skills="医疗")
    with django_capture_on_commit_callbacks(execute=True):
        need = need_submit(
            person=resident,
            grid=town.liyuan_grid1,
            kind=Need.Kind.SERVICE,
            category=health,
            title="想请人教我用血压计",
            deadline=timezone.localdate() + datetime.timedelta(days=5),
        )
        need_publish(need=need, by=grid_head)

    assert told(need) == ["党员医生"]


def test_a_need_closed_before_the_job_runs_tells_nobody(make_need, fitting, grid_head):
    need = make_need(publish=True)  # the job is queued after commit: not yet run here
    need_close(need=need, by=grid_head, reason="家属已安排")

    assert need_match_job(need.pk) == 0
    assert told(need) == []


def test_a_deleted_need_is_skipped(db):
    assert need_match_job(987654) == 0


def test_at_most_a_bounded_number_are_told_the_best_first(
    make_person, make_need, town, monkeypatch
):
    monkeypatch.setattr(needs_matching, "MATCH_AT_MOST", 2)
    for n, skills in enumerate(("医疗", "医疗 急救 康复", "医疗 急救")):
        make_person(
            real_name=f"党员{n}", home_grid=town.liyuan_grid1, skills=skills, political_status=PARTY
        )
    need = make_need(publish=True)

    assert need_match(need=need) == 2
    assert told(need) == ["党员1", "党员2"]


# --- The opt-out in the profile ----------------------------------------------------------


def test_i_turn_need_suggestions_off_and_on_in_my_profile(client, make_person, town):
    person = make_person(real_name="马红梅", home_grid=town.liyuan_grid1, skills="医疗")
    client.force_login(person.user)

    page = client.get("/me/profile/").content.decode()
    assert "接收微心愿推荐" in page
    assert 'type="checkbox" name="need_suggestions"' in page and "checked" in page

    response = client.post("/me/profile/", {"real_name": "马红梅", "skills": "医疗"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.need_suggestions is False
    page = client.get("/me/profile/").content.decode()
    assert "checked" not in page

    client.post("/me/profile/", {"real_name": "马红梅", "skills": "医疗", "need_suggestions": "on"})
    person.refresh_from_db()
    assert person.need_suggestions is True
