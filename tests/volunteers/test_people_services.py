"""Registering people and granting roles through the services."""

import pytest

from core.errors import DomainError
from volunteers.models import AuditEvent, Membership, Person
from volunteers.services.memberships import membership_end, membership_grant
from volunteers.services.organisations import organisation_add
from volunteers.services.people import person_create

VALID_ID = "11010519491231002X"


def test_a_registered_person_gets_a_volunteer_number_and_a_protected_id(db):
    person = person_create(real_name="李桂兰", phone="13912345678", id_number=VALID_ID)
    person.refresh_from_db()
    assert person.volunteer_number.startswith("SZ")
    assert person.id_number_masked == "1101**********002X"
    stored = " ".join(str(v) for v in Person.objects.filter(pk=person.pk).values().get().values())
    assert VALID_ID not in stored


def test_the_same_phone_cannot_register_twice(db):
    person_create(real_name="甲", phone="13912345678")
    with pytest.raises(DomainError) as exc:
        person_create(real_name="乙", phone="139 1234 5678")
    assert exc.value.code == "duplicate_phone"
    assert Person.objects.count() == 1


def test_the_same_id_number_cannot_register_twice(db):
    person_create(real_name="甲", phone="13912345678", id_number=VALID_ID)
    with pytest.raises(DomainError) as exc:
        person_create(real_name="乙", phone="13912345679", id_number=VALID_ID.lower())
    assert exc.value.code == "duplicate_id"
    assert Person.objects.count() == 1


def test_a_bad_id_checksum_is_refused_and_nothing_is_written(db):
    with pytest.raises(DomainError) as exc:
        person_create(real_name="甲", phone="13912345678", id_number="110105194912310021")
    assert "校验位" in exc.value.message
    assert not Person.objects.exists()


def test_only_party_members_can_be_in_service_party_members(db):
    with pytest.raises(DomainError) as exc:
        person_create(real_name="甲", phone="13912345678", in_service=True)
    assert exc.value.code == "not_party_member"
    person = person_create(
        real_name="乙", phone="13912345679", political_status="party_member", in_service=True
    )
    assert person.is_party_member and person.in_service


def test_granting_and_ending_a_role_is_audited(town, make_person, person_with_role):
    admin = person_with_role("admin", town.town).user
    person = make_person(real_name="王队长")
    membership = membership_grant(person=person, organisation=town.team, role="leader", by=admin)
    membership_end(membership=membership, by=admin)
    events = list(AuditEvent.objects.filter(extra__person_id=person.pk).order_by("id"))
    assert [e.action for e in events] == ["membership.grant", "membership.end"]
    assert all(e.actor == admin for e in events)


def test_only_those_who_manage_roles_may_grant_them(town, make_person, person_with_role):
    secretary = person_with_role("secretary", town.liyuan).user
    person = make_person()
    with pytest.raises(DomainError) as exc:
        membership_grant(person=person, organisation=town.liyuan_grid1, role="leader", by=secretary)
    assert exc.value.code == "forbidden"
    assert not Membership.objects.filter(person=person).exists()


def test_the_same_open_role_cannot_be_granted_twice(town, make_person):
    person = make_person()
    membership_grant(person=person, organisation=town.team, role="member")
    with pytest.raises(DomainError) as exc:
        membership_grant(person=person, organisation=town.team, role="member")
    assert exc.value.code == "duplicate_role"
    assert Membership.objects.filter(person=person).count() == 1


def test_the_tree_keeps_its_shape(town):
    with pytest.raises(DomainError) as exc:
        organisation_add(parent=town.team, name="错误网格", kind="grid", code="bad-grid")
    assert exc.value.code == "bad_parent"
    grid = organisation_add(parent=town.liyuan, name="梨园社区第3网格", kind="grid", code="ly-3")
    assert town.liyuan.contains(grid) and not town.qiaobei.contains(grid)
