"""People and their roles: appointing and ending roles, staff correcting a person's record
in the admin's 人员 pages, and a person editing their own profile (/me/profile/)."""

import datetime

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden, Invalid
from volunteers.models import AuditEvent, Membership, Organisation, Person
from volunteers.services.memberships import membership_end, membership_grant
from volunteers.services.people import person_update_by_staff, person_update_own_profile

VALID_ID = "11010519491231002X"
OTHER_ID = "620102198001011239"
Role = Membership.Role


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def liyuan_admin(person_with_role, town):
    """The 管理员 of 梨园社区: manages roles there, nowhere else."""
    return person_with_role(Role.ADMIN, town.liyuan, real_name="梨园管理员").user


@pytest.fixture
def resident(make_person, town):
    return make_person(
        real_name="马红梅", phone="13812345678", id_number=VALID_ID, home_grid=town.liyuan_grid1
    )


# --- Roles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "node", "message"),
    [
        (Role.GRID_HEAD, "liyuan", "社区“梨园社区”不能设网格长。"),
        (Role.CONTACT, "liyuan_grid1", "网格“梨园社区第1网格”不能设单位联络人。"),
        (Role.LEADER, "liyuan_branch", "党支部“梨园社区第一网格党支部”不能设队长。"),
        (Role.SECRETARY, "team", "志愿服务队“文明交通劝导队”不能设书记。"),
        (Role.EDITOR, "liyuan_grid1", "网格“梨园社区第1网格”不能设编辑。"),
    ],
)
def test_a_role_is_refused_on_a_node_of_the_wrong_kind(
    town, resident, town_admin, role, node, message
):
    with pytest.raises(Invalid) as refused:
        membership_grant(
            person=resident, organisation=getattr(town, node), role=role, by=town_admin
        )
    assert str(refused.value.message) == message
    assert not resident.memberships.exists()


@pytest.mark.parametrize(
    ("role", "node"),
    [
        (Role.GRID_HEAD, "liyuan_grid1"),
        (Role.INFORMANT, "liyuan_grid2"),
        (Role.CONTACT, "unit"),
        (Role.DEPUTY, "team"),
        (Role.SECRETARY, "liyuan_branch"),
        (Role.EDITOR, "liyuan"),
        (Role.ADMIN, "team"),
        (Role.MEMBER, "unit"),
    ],
)
def test_a_role_is_granted_on_a_node_of_its_kind(town, resident, town_admin, role, node):
    membership = membership_grant(
        person=resident, organisation=getattr(town, node), role=role, by=town_admin, reason="换届"
    )
    assert membership.is_active
    event = AuditEvent.objects.get(action="membership.grant", person=resident)
    assert event.person == resident and event.extra["reason"] == "换届"


def test_a_role_may_start_in_the_past_but_not_in_the_future(town, resident, town_admin):
    today = timezone.localdate()
    with pytest.raises(Invalid, match="开始日期不能晚于今天"):
        membership_grant(
            person=resident,
            organisation=town.liyuan_grid1,
            role=Role.GRID_WORKER,
            by=town_admin,
            start_date=today + datetime.timedelta(days=1),
        )
    membership = membership_grant(
        person=resident,
        organisation=town.liyuan_grid1,
        role=Role.GRID_WORKER,
        by=town_admin,
        start_date=today - datetime.timedelta(days=30),
    )
    assert membership.start_date == today - datetime.timedelta(days=30)


def test_no_role_is_given_on_a_closed_organisation(town, resident, town_admin):
    Organisation.objects.filter(pk=town.liyuan_grid2.pk).update(closed_on=timezone.localdate())
    town.liyuan_grid2.refresh_from_db()
    with pytest.raises(Conflict, match="已撤销"):
        membership_grant(
            person=resident, organisation=town.liyuan_grid2, role=Role.GRID_HEAD, by=town_admin
        )
    assert not resident.memberships.exists()


def test_a_role_ends_once_and_not_before_it_began(town, resident, town_admin):
    today = timezone.localdate()
    membership = membership_grant(
        person=resident,
        organisation=town.liyuan_grid1,
        role=Role.GRID_HEAD,
        by=town_admin,
        start_date=today - datetime.timedelta(days=10),
    )
    with pytest.raises(Invalid) as refused:
        membership_end(
            membership=membership, by=town_admin, end_date=today - datetime.timedelta(days=11)
        )
    assert str(refused.value.message) == "结束日期不能早于开始日期。"
    membership.refresh_from_db()
    assert membership.end_date is None

    membership_end(membership=membership, by=town_admin, reason="调往桥北")
    with pytest.raises(Conflict, match="该角色已经结束"):
        membership_end(membership=membership, by=town_admin, reason="再次")
    ends = AuditEvent.objects.filter(action="membership.end")
    assert [e.extra["reason"] for e in ends] == ["调往桥北"]


def test_a_community_admin_appoints_in_their_subtree_only(town, resident, liyuan_admin):
    with pytest.raises(Forbidden) as refused:
        membership_grant(
            person=resident, organisation=town.qiaobei_grid1, role=Role.GRID_HEAD, by=liyuan_admin
        )
    assert refused.value.status == 403
    assert str(refused.value.message) == "您无权管理该组织的角色。"
    membership_grant(
        person=resident, organisation=town.liyuan_grid1, role=Role.GRID_HEAD, by=liyuan_admin
    )
    assert [m.organisation for m in resident.memberships.all()] == [town.liyuan_grid1]


def test_admin_access_follows_a_grant_and_an_end(town, resident, town_admin, django_user_model):
    def may_open_admin() -> bool:
        return django_user_model.objects.get(pk=resident.user_id).has_perm(
            "wagtailadmin.access_admin"
        )

    assert not may_open_admin()
    membership = membership_grant(
        person=resident, organisation=town.liyuan_grid1, role=Role.GRID_HEAD, by=town_admin
    )
    assert may_open_admin()
    membership_end(membership=membership, by=town_admin, reason="卸任")
    assert not may_open_admin()


# --- Staff correcting a record --------------------------------------------------------


def test_staff_changing_a_name_must_say_why(resident, secretary):
    with pytest.raises(Invalid, match="请填写修改原因"):
        person_update_by_staff(person=resident, by=secretary, changes={"real_name": "马红霞"})
    resident.refresh_from_db()
    assert resident.real_name == "马红梅"

    person_update_by_staff(
        person=resident,
        by=secretary,
        changes={"real_name": "马红霞", "phone": "13912340000", "skills": "急救"},
        reason="户口本为准",
    )
    resident.refresh_from_db()
    assert (resident.real_name, resident.phone, resident.skills) == (
        "马红霞",
        "13912340000",
        "急救",
    )
    event = AuditEvent.objects.get(action="person.update")
    assert event.extra["changes"]["real_name"] == ["马红梅", "马红霞"]
    assert event.extra["changes"]["phone"] == ["138****5678", "139****0000"]
    assert event.extra["reason"] == "户口本为准"


def test_skills_change_without_a_reason(resident, secretary):
    person_update_by_staff(person=resident, by=secretary, changes={"skills": "手语"})
    resident.refresh_from_db()
    assert resident.skills == "手语"


def test_staff_outside_the_persons_subtree_cannot_edit_them(resident, person_with_role, town):
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    with pytest.raises(Forbidden):
        person_update_by_staff(
            person=resident, by=qiaobei, changes={"real_name": "某某"}, reason="更正"
        )


def test_a_taken_phone_or_a_bad_id_number_is_refused_and_nothing_changes(
    resident, secretary, make_person
):
    make_person(real_name="他人", phone="13700000000")
    with pytest.raises(Conflict, match="该手机号已登记"):
        person_update_by_staff(
            person=resident,
            by=secretary,
            changes={"phone": "13700000000", "skills": "摄影"},
            reason="更正",
        )
    with pytest.raises(Invalid, match="校验位"):
        person_update_by_staff(
            person=resident, by=secretary, changes={"id_number": VALID_ID[:-1] + "1"}, reason="x"
        )
    resident.refresh_from_db()
    assert (resident.phone, resident.skills) == ("13812345678", "")


# --- The admin's 人员 pages --------------------------------------------------------------


def test_the_person_page_never_shows_the_id_number_whole(client, resident, secretary):
    client.force_login(secretary)
    response = client.post(
        f"/admin/people/{resident.pk}/edit/",
        {
            "real_name": "马红梅",
            "phone": "13812345678",
            "political_status": "masses",
            "id_number": OTHER_ID,
            "reason": "身份证换发",
        },
    )
    assert response.status_code == 302
    page = body(client.get(f"/admin/people/{resident.pk}/"))
    assert "6201**********1239" in page  # the new number, masked, in profile and audit trail
    assert "1101**********002X" in page  # the old one, masked, in the audit trail
    assert OTHER_ID not in page and VALID_ID not in page
    assert "13812345678" in page  # a secretary who manages the person sees the phone


def test_an_edit_without_a_reason_comes_back_in_chinese_and_changes_nothing(
    client, resident, secretary
):
    client.force_login(secretary)
    response = client.post(
        f"/admin/people/{resident.pk}/edit/",
        {"real_name": "马红霞", "phone": "13812345678", "political_status": "masses"},
    )
    assert response.status_code == 400
    assert "修改姓名、手机号、身份证号或政治面貌时，请填写修改原因。" in body(response)
    resident.refresh_from_db()
    assert resident.real_name == "马红梅"


def test_a_person_outside_the_viewers_scope_is_not_found(client, make_person, town, secretary):
    stranger = make_person(real_name="桥北居民", home_grid=town.qiaobei_grid1)
    client.force_login(secretary)
    assert client.get(f"/admin/people/{stranger.pk}/").status_code == 404
    assert client.get(f"/admin/people/{stranger.pk + 1000}/").status_code == 404
    assert "桥北居民" not in body(client.get("/admin/people/"))


def test_appointing_outside_the_subtree_from_the_page_is_refused(
    client, resident, liyuan_admin, town
):
    client.force_login(liyuan_admin)
    response = client.post(
        f"/admin/people/{resident.pk}/appoint/",
        {"organisation": town.qiaobei_grid1.pk, "role": Role.GRID_HEAD},
    )
    assert response.status_code == 400  # not among the choices offered
    assert "选择一个有效的选项" in body(response)
    assert not resident.memberships.exists()


def test_a_grid_role_on_a_community_is_refused_on_the_page(client, resident, liyuan_admin, town):
    client.force_login(liyuan_admin)
    response = client.post(
        f"/admin/people/{resident.pk}/appoint/",
        {"organisation": town.liyuan.pk, "role": Role.GRID_HEAD},
    )
    assert response.status_code == 400
    assert "社区“梨园社区”不能设网格长。" in body(response)
    assert not resident.memberships.exists()


def test_a_role_is_ended_from_the_page_with_a_reason(client, resident, town_admin, town):
    membership = membership_grant(
        person=resident, organisation=town.team, role=Role.MEMBER, by=town_admin
    )
    client.force_login(town_admin)
    url = f"/admin/people/{resident.pk}/memberships/{membership.pk}/end/"
    prefix = f"end-{membership.pk}"
    refused = client.post(url, {f"{prefix}-end_date": ""})
    assert refused.status_code == 400 and "请填写结束原因。" in body(refused)

    done = client.post(url, {f"{prefix}-reason": "搬离沙州"}, follow=True)
    assert "已移出文明交通劝导队。" in body(done)
    membership.refresh_from_db()
    assert membership.end_date == timezone.localdate()


def test_the_list_searches_by_the_last_four_digits_and_masks_phones_for_organisers(
    client, resident, make_person, town, person_with_role
):
    make_person(real_name="赵六", phone="13900009999", home_grid=town.liyuan_grid1)
    worker = person_with_role(Role.GRID_WORKER, town.liyuan_grid1).user  # manages people
    team_leader = person_with_role(Role.LEADER, town.liyuan).user
    client.force_login(worker)
    page = body(client.get("/admin/people/?q=5678"))
    assert "马红梅" in page and "赵六" not in page and "13812345678" in page

    client.force_login(team_leader)  # admits and publishes: sees the list, phones masked
    page = body(client.get("/admin/people/"))
    assert "马红梅" in page and "138****5678" in page and "13812345678" not in page


def test_a_bad_organisation_filter_is_answered_in_chinese(client, secretary, town):
    client.force_login(secretary)
    bad = client.get("/admin/people/?organisation=abc")
    assert bad.status_code == 400 and "组织参数无效" in body(bad)
    elsewhere = client.get(f"/admin/people/?organisation={town.qiaobei.pk}")
    assert elsewhere.status_code == 404


def test_a_volunteer_without_staff_roles_has_no_people_pages(client, resident):
    client.force_login(resident.user)
    assert client.get("/admin/people/").status_code in (302, 403)


# --- My profile -----------------------------------------------------------------------


def test_i_edit_my_own_name_skills_and_interests(client, resident):
    client.force_login(resident.user)
    page = body(client.get("/me/profile/"))
    assert "更换所属网格" in page and "/me/join/" in page
    assert "在职单位" not in page  # not a party member
    response = client.post(
        "/me/profile/",
        {
            "real_name": "马红霞",
            "skills": "手语",
            "service_interests": "助老助残",
            "employer_unit": "1",
        },
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.real_name, resident.skills, resident.service_interests) == (
        "马红霞",
        "手语",
        "助老助残",
    )
    assert resident.employer_unit is None
    assert AuditEvent.objects.get(action="person.update_own").actor == resident.user


def test_a_party_member_registers_an_employer_unit_but_not_a_grid(client, make_person, town):
    member = make_person(real_name="党员甲", political_status=Person.PoliticalStatus.PARTY_MEMBER)
    client.force_login(member.user)
    response = client.post(
        "/me/profile/",
        {"real_name": "党员甲", "employer_unit": town.unit.pk, "home_grid": town.liyuan_grid1.pk},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.employer_unit == town.unit and member.home_grid is None


def test_an_empty_name_is_refused_in_chinese(client, resident):
    client.force_login(resident.user)
    response = client.post("/me/profile/", {"real_name": "  "})
    assert response.status_code == 400 and "请填写姓名。" in body(response)
    resident.refresh_from_db()
    assert resident.real_name == "马红梅"


def test_a_non_party_member_cannot_set_an_employer_unit(resident, town):
    with pytest.raises(Invalid, match="在职单位只由党员登记"):
        person_update_own_profile(person=resident, changes={"employer_unit": town.unit})
