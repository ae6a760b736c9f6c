"""Fixtures shared by the volunteers tests: a 梨园 secretary (roster), a 梨园 leader running
an activity (the organiser's check-in pages), a volunteer with a signed-in client, and the
town's 管理员 (the admin's organisation and people pages).

A module that needs another ``secretary``, ``town_admin``, ``leader``, ``volunteer`` or
``activity`` defines its own, which takes the place of the one here for that module's tests.
"""

import pytest


@pytest.fixture
def secretary(town, person_with_role):
    """The secretary of 梨园社区: manages its grids and party branch, nothing in 桥北."""
    return person_with_role("secretary", town.liyuan, real_name="梨园书记").user


@pytest.fixture
def secretary_client(client, secretary):
    client.force_login(secretary)
    return client


@pytest.fixture
def town_admin(actor):
    """沙州镇's 管理员 (``tests.actors``): manages organisations and roles everywhere."""
    return actor("town_admin").user


@pytest.fixture
def leader(person_with_role, town):
    return person_with_role("leader", town.liyuan, real_name="王队长").user


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


@pytest.fixture
def volunteer(make_person, town):
    return make_person(real_name="陈小燕", phone="13812345678", home_grid=town.liyuan_grid1)


@pytest.fixture
def volunteer_client(client, volunteer):
    client.force_login(volunteer.user)
    return client


@pytest.fixture
def activity(make_activity):
    """梨园社区's 阳关中路文明交通劝导: started ten minutes ago, for two hours."""
    return make_activity(title="阳关中路文明交通劝导")


@pytest.fixture
def volunteer_with_verified_phone(make_person, town):
    """Can log in with the phone number (verified) as well as the username (the check-in
    pages' ``volunteer``)."""
    return make_person(
        real_name="陈小燕",
        username="chenxy",
        phone="13812345678",
        phone_verified=True,
        home_grid=town.liyuan_grid1,
    )
