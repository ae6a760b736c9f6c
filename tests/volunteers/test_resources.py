"""资源清单 (issue 18 items 2 and 5): who offers what to which community, retiring it, and
the resources a need's page suggests to its staff.

The community's staff add for any provider, a unit's contact for the unit, a person for
themselves in the community they live in or reported to; bad input is refused in Chinese
on its field and writes nothing. A need's page lists the active resources of its own
community that name its category or hold one of the category's words, in one query.
"""

import datetime

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden, Invalid
from volunteers.models import AuditEvent, Need, NeedCategory, Resource
from volunteers.selectors.resources import resource_suggestions
from volunteers.services.needs import need_record
from volunteers.services.resources import resource_add, resource_retire, resource_update

SKILL, VENUE, SERVICE = Resource.Kind.SKILL, Resource.Kind.VENUE, Resource.Kind.SERVICE


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def health(db):
    # update_or_create: a transactional test before this one may have flushed the seeds.
    return NeedCategory.objects.update_or_create(
        name="健康医疗", defaults={"keywords": "医疗 急救 CPR 康复"}
    )[0]


@pytest.fixture
def study(db):
    return NeedCategory.objects.update_or_create(name="学业辅导", defaults={"keywords": "辅导"})[0]


@pytest.fixture
def secretary(person_with_role, town):
    return person_with_role("secretary", town.liyuan, real_name="梨园书记").user


@pytest.fixture
def grid_head(person_with_role, town):
    return person_with_role("grid_head", town.liyuan_grid1, real_name="梨园网格长").user


@pytest.fixture
def contact(person_with_role, town):
    """The 单位联络人 of 敦煌市文化和旅游局."""
    return person_with_role("contact", town.unit, real_name="文旅局联络人").user


@pytest.fixture
def resident(make_person, town):
    return make_person(real_name="理发师刘师傅", home_grid=town.liyuan_grid1)


def offer(by, community, **values) -> Resource:
    values.setdefault("kind", SKILL)
    values.setdefault("category", None)
    values.setdefault("title", "上门理发")
    return resource_add(by=by, community=community, **values)


# ---------------------------------------------------------------- who may add for whom


def test_community_staff_add_for_a_unit_and_for_a_person(secretary, town, resident, health):
    venue = offer(
        secretary, town.liyuan, organisation=town.unit, kind=VENUE, title="文化馆多功能厅"
    )
    haircut = offer(secretary, town.liyuan, person=resident, category=health)

    assert venue.provider_name == "敦煌市文化和旅游局"
    assert haircut.provider_name == "理发师刘师傅"
    assert haircut.created_by == secretary
    assert AuditEvent.objects.filter(action="resource.add").count() == 2


def test_a_unit_contact_adds_only_for_their_own_unit(contact, town, resident):
    mine = offer(contact, town.qiaobei, organisation=town.unit, title="图书捐赠")
    assert mine.community == town.qiaobei  # any community for now: 共建 is not recorded

    with pytest.raises(Forbidden):
        offer(contact, town.liyuan, organisation=town.team, title="交通劝导")
    with pytest.raises(Forbidden):
        offer(contact, town.liyuan, person=resident)


def test_a_person_offers_their_own_in_their_home_or_reported_community(resident, town):
    user = resident.user
    mine = offer(user, town.liyuan, person=resident, availability="每周六上午")
    assert mine.person == resident and mine.availability == "每周六上午"

    with pytest.raises(Forbidden) as refused:
        offer(user, town.qiaobei, person=resident)
    assert refused.value.code == "not_own_community"
    assert "报到的社区" in str(refused.value.message)

    resident.reported_community = town.qiaobei
    resident.save(update_fields=["reported_community"])
    assert offer(user, town.qiaobei, person=resident).community == town.qiaobei


def test_nobody_offers_for_someone_else_or_a_unit_without_a_role(
    resident, make_person, town, grid_head
):
    neighbour = make_person(real_name="邻居", home_grid=town.liyuan_grid1)
    with pytest.raises(Forbidden):
        offer(neighbour.user, town.liyuan, person=resident)
    with pytest.raises(Forbidden):
        offer(resident.user, town.liyuan, organisation=town.unit)
    # A grid's staff keep their grid's needs, not the community's list.
    with pytest.raises(Forbidden):
        offer(grid_head, town.liyuan, organisation=town.unit)
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"title": "<b>理发</b>"}, "title_markup", "title"),
        ({"title": "  "}, "title_required", "title"),
        ({"availability": "<script>x</script>"}, "availability_markup", "availability"),
        ({"kind": "money"}, "kind", "kind"),
        ({"person": None}, "provider_required", "organisation"),
        ({"organisation": "unit"}, "two_providers", "organisation"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_writes_nothing(
    secretary, town, resident, values, code, field
):
    values = {"person": resident, **values}
    if values.get("organisation") == "unit":
        values["organisation"] = town.unit
    with pytest.raises(Invalid) as refused:
        offer(secretary, town.liyuan, **values)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not Resource.objects.exists()


def test_a_grid_is_not_a_community(secretary, town, resident):
    with pytest.raises(Invalid) as refused:
        offer(secretary, town.liyuan_grid1, person=resident)
    assert refused.value.field == "community"


# ---------------------------------------------------------------- changing and retiring


def test_the_provider_retires_their_own_once_and_it_is_audited(resident, town, make_person):
    mine = offer(resident.user, town.liyuan, person=resident)
    neighbour = make_person(real_name="邻居", home_grid=town.liyuan_grid1)
    with pytest.raises(Forbidden):
        resource_retire(resource=mine, by=neighbour.user)

    retired = resource_retire(resource=mine, by=resident.user)

    assert retired.active is False
    assert Resource.objects.get(pk=mine.pk).active is False
    assert AuditEvent.objects.filter(action="resource.retire", actor=resident.user).exists()
    with pytest.raises(Conflict):
        resource_retire(resource=mine, by=resident.user)
    with pytest.raises(Conflict):
        resource_update(resource=mine, by=resident.user, kind=SKILL, category=None, title="剪发")


def test_staff_change_what_is_offered_and_the_log_says_what(secretary, contact, town, health):
    unit_venue = offer(contact, town.liyuan, organisation=town.unit, kind=VENUE, title="会议室")

    resource_update(
        resource=unit_venue,
        by=secretary,
        kind=VENUE,
        category=health,
        title="会议室（可坐 40 人）",
        availability="工作日晚上",
    )

    unit_venue.refresh_from_db()
    assert (unit_venue.title, unit_venue.category, unit_venue.availability) == (
        "会议室（可坐 40 人）",
        health,
        "工作日晚上",
    )
    event = AuditEvent.objects.get(action="resource.update")
    assert event.extra["changes"]["category"] == ["", "健康医疗"]


# ---------------------------------------------------------------- suggestions on a need


@pytest.fixture
def need(grid_head, town, health) -> Need:
    need = need_record(
        by=grid_head,
        grid=town.liyuan_grid1,
        kind=Need.Kind.SERVICE,
        category=health,
        title="马大爷需要康复训练",
        resident_name="马大爷",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
    )
    return Need.objects.select_related("category", "community").get(pk=need.pk)


def test_suggestions_by_category_and_keyword_only_active_and_here(
    need, secretary, town, health, study, django_assert_num_queries
):
    by_category = offer(
        secretary, town.liyuan, organisation=town.unit, category=health, title="义诊"
    )
    by_keyword = offer(
        secretary, town.liyuan, organisation=town.team, kind=SERVICE, title="急救培训"
    )
    offer(secretary, town.liyuan, organisation=town.team, category=study, title="作业辅导")
    retired = offer(secretary, town.liyuan, organisation=town.unit, category=health, title="旧的")
    resource_retire(resource=retired, by=secretary)
    elsewhere = Resource.objects.create(
        community=town.qiaobei, organisation=town.unit, kind=SKILL, category=health, title="义诊"
    )

    with django_assert_num_queries(1):
        suggested = resource_suggestions(need)
        names = [(r.title, r.provider_name) for r in suggested]

    assert names == [("义诊", "敦煌市文化和旅游局"), ("急救培训", "文明交通劝导队")]
    assert [r.pk for r in suggested] == [by_category.pk, by_keyword.pk]
    assert elsewhere.pk not in [r.pk for r in suggested]


# ---------------------------------------------------------------- the pages


def test_the_need_page_lists_fitting_resources_for_its_staff(
    client, need, grid_head, secretary, town, health
):
    offer(
        secretary,
        town.liyuan,
        organisation=town.unit,
        category=health,
        title="文旅局义诊队",
        contact="0937-8821234",
    )
    client.force_login(grid_head)

    page = text(client.get(f"/admin/needs/{need.pk}/"))

    assert "可用资源" in page
    assert "文旅局义诊队" in page and "0937-8821234" in page


def test_the_admin_list_add_and_retire(client, secretary, grid_head, town, resident, health):
    client.force_login(secretary)
    response = client.post(
        "/admin/resources/new/",
        {
            "community": town.liyuan.pk,
            "provider_phone": resident.phone,
            "kind": SKILL,
            "category": health.pk,
            "title": "量血压",
            "availability": "每天傍晚",
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get(title="量血压")
    assert resource.person == resident

    listing = text(client.get("/admin/resources/"))
    assert "量血压" in listing and "理发师刘师傅" in listing

    refused = client.post(
        "/admin/resources/new/", {"community": town.liyuan.pk, "kind": SKILL, "title": "空"}
    )
    assert refused.status_code == 400
    assert "请选择提供资源的单位或个人。" in text(refused)

    # A grid's head reads the community's list and the resource, but changes nothing.
    client.force_login(grid_head)
    page = text(client.get(f"/admin/resources/{resource.pk}/"))
    assert "量血压" in page and "修改资源" not in page
    assert client.post(f"/admin/resources/{resource.pk}/retire/").status_code == 403

    client.force_login(secretary)
    client.post(f"/admin/resources/{resource.pk}/retire/")
    resource.refresh_from_db()
    assert resource.active is False


def test_another_communitys_resource_is_not_found(client, person_with_role, town):
    other = person_with_role("secretary", town.qiaobei).user
    resource = Resource.objects.create(
        community=town.liyuan, organisation=town.unit, kind=SKILL, title="义诊"
    )
    client.force_login(other)
    assert client.get(f"/admin/resources/{resource.pk}/").status_code == 404
    assert "义诊" not in text(client.get("/admin/resources/"))


def test_a_person_adds_and_retires_on_their_own_page(client, resident, town, health):
    client.force_login(resident.user)
    form = text(client.get("/me/resources/"))
    assert "梨园社区" in form and resident.phone in form  # the phone offered as contact

    response = client.post(
        "/me/resources/",
        {
            "community": town.liyuan.pk,
            "kind": SKILL,
            "category": health.pk,
            "title": "上门理发",
            "availability": "每周六上午",
            "contact": resident.phone,
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get(person=resident)
    assert "上门理发" in text(client.get("/me/profile/"))

    bad = client.post(
        "/me/resources/", {"community": town.liyuan.pk, "kind": SKILL, "title": "<i>x</i>"}
    )
    assert bad.status_code == 400
    assert "不能包含网页代码" in text(bad)

    client.post(f"/me/resources/{resource.pk}/retire/")
    resource.refresh_from_db()
    assert resource.active is False


def test_someone_elses_resource_cannot_be_retired_from_my_page(client, resident, make_person, town):
    theirs = offer(resident.user, town.liyuan, person=resident)
    other = make_person(real_name="别人", home_grid=town.liyuan_grid1)
    client.force_login(other.user)
    assert client.post(f"/me/resources/{theirs.pk}/retire/").status_code == 404
    assert Resource.objects.get(pk=theirs.pk).active


def test_the_wall_shows_no_resources(client, need, secretary, town, health):
    offer(secretary, town.liyuan, organisation=town.unit, category=health, title="文旅局义诊队")
    assert "文旅局义诊队" not in text(client.get("/needs/"))
