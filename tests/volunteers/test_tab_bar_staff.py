"""The phone's tab bar offers 工作台 to staff, and follows a role granted or ended at once
(the staff answer is cached per user; the role services forget it)."""

import pytest

from volunteers.services.memberships import membership_end, membership_grant

pytestmark = pytest.mark.django_db

WORKBENCH = 'href="/me/#workbench"'


def test_a_role_granted_or_ended_changes_the_tab_bar_on_the_next_page(
    client, make_person, town, Role
):
    person = make_person(real_name="李娜")
    client.force_login(person.user)
    assert WORKBENCH not in client.get("/activities/").content.decode()  # cached: not staff

    membership = membership_grant(person=person, organisation=town.team, role=Role.LEADER)
    assert WORKBENCH in client.get("/activities/").content.decode()

    membership_end(membership=membership, reason="换届")
    assert WORKBENCH not in client.get("/activities/").content.decode()
