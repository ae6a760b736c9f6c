"""A role that has ended grants nothing and ties nobody to a subtree any more.

A resident of 桥北 who was on a 梨园 team years ago is none of 梨园's business today: the
梨园 secretary's roster export has no row for her, her points page and adjustment are
refused, and her points count nowhere in 梨园. Each check is run first with the membership
still current, so the test proves the difference the end date makes.
"""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from core.errors import DomainError
from points.models import Category
from points.scopes import person_scopes
from points.services import points_adjust
from volunteers import permissions
from volunteers.models import Membership

Action = permissions.Action


@pytest.fixture
def former_member(make_person, town):
    """桥北's 王旧队员, a member of 梨园's traffic team five years ago."""
    person = make_person(real_name="王旧队员", home_grid=town.qiaobei_grid1)
    today = timezone.localdate()
    Membership.objects.create(  # test set-up: a role that began and ended in the past
        person=person,
        organisation=town.liyuan_grid2,
        role=Membership.Role.MEMBER,
        start_date=today - datetime.timedelta(days=6 * 365),
        end_date=today - datetime.timedelta(days=5 * 365),
    )
    return person


@pytest.fixture
def liyuan_secretary(person_with_role, town, Role):
    return person_with_role(Role.SECRETARY, town.liyuan, real_name="李书记").user


def export_names(client) -> list[str]:
    response = client.get("/roster/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = sheet.iter_rows(values_only=True)
    return [row[header.index("姓名")] for row in rows]


def reopen(person) -> None:
    """The control: the same membership as if it had never ended."""
    person.memberships.update(end_date=None)
    permissions.forget_grants(person.user)


def test_an_ended_membership_gives_no_roster_export_row(client, former_member, liyuan_secretary):
    client.force_login(liyuan_secretary)
    assert "王旧队员" not in export_names(client)
    assert not permissions.can(liyuan_secretary, Action.MANAGE_PEOPLE, former_member)

    reopen(former_member)
    assert "王旧队员" in export_names(client)


def test_an_ended_membership_gives_no_points_page_and_no_adjustment(
    client, former_member, liyuan_secretary
):
    client.force_login(liyuan_secretary)
    page = client.get(f"/points/branch/people/{former_member.pk}/")
    adjust = client.post(
        f"/points/branch/people/{former_member.pk}/adjust/",
        {"amount": "5", "category": "reward", "reason": "旧账", "key": "a" * 32},
    )
    assert page.status_code in (403, 404) and adjust.status_code in (403, 404)
    assert "王旧队员" not in page.content.decode()
    assert not former_member.points_entries.exists()

    reopen(former_member)
    assert client.get(f"/points/branch/people/{former_member.pk}/").status_code == 200


def test_an_ended_membership_is_no_ranking_scope_and_no_service_grant(
    former_member, liyuan_secretary, town
):
    scopes = {organisation for organisation, _population in person_scopes(former_member.pk)}
    assert town.liyuan_grid2.pk not in scopes and town.liyuan.pk not in scopes
    with pytest.raises(DomainError) as refused:
        points_adjust(
            person=former_member,
            amount=3,
            category=Category.REWARD,
            reason="旧账",
            by=liyuan_secretary,
        )
    assert refused.value.code == "forbidden"

    reopen(former_member)
    scopes = {organisation for organisation, _population in person_scopes(former_member.pk)}
    assert town.liyuan_grid2.pk in scopes


def test_an_ended_role_grants_nothing_on_its_last_day_and_after(person_with_role, town, Role):
    holder = person_with_role(Role.SECRETARY, town.qiaobei, real_name="赵卸任")
    membership = holder.memberships.get()
    assert permissions.can(holder.user, Action.MANAGE_PEOPLE, town.qiaobei_grid1)

    Membership.objects.filter(pk=membership.pk).update(end_date=timezone.localdate())
    permissions.forget_grants(holder.user)

    assert not permissions.can(holder.user, Action.MANAGE_PEOPLE, town.qiaobei_grid1)
    assert not Membership.objects.current().filter(pk=membership.pk).exists()
    assert membership.__class__.objects.get(pk=membership.pk).is_active is False
