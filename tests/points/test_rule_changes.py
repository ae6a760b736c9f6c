"""Changing the points rules and policies is audited: who, which rule, each figure old → new."""

import pytest
from wagtail.models import ModelLogEntry

from core.errors import Conflict, Forbidden, Invalid
from points.models import PointsPolicy, PointsRule
from points.services import points_award_for_attendance
from points.services.rules import policy_update, rule_create, rule_delete, rule_update
from volunteers.models import AuditEvent


@pytest.fixture
def town_admin(person_with_role, town, Role):
    return person_with_role(Role.ADMIN, town.town, real_name="马建国").user


def test_changing_a_rule_records_each_changed_figure_old_and_new(town_admin, category):
    rule = rule_create(
        by=town_admin, name="交通劝导", category=category, points_per_hour=1, daily_cap=None
    )

    rule_update(rule=rule, by=town_admin, name="交通劝导", points_per_hour=2, daily_cap=6)

    audit = AuditEvent.objects.get(action="points_rule.update")
    assert audit.actor == town_admin and audit.target == "交通劝导"
    assert audit.extra == {
        "rule_id": rule.pk,
        "changes": {"points_per_hour": [1, 2], "daily_cap": [None, 6]},
    }
    rule.refresh_from_db()
    assert (rule.points_per_hour, rule.daily_cap) == (2, 6)
    assert ModelLogEntry.objects.for_instance(rule).filter(action="wagtail.edit").exists()


def test_saving_a_rule_unchanged_records_nothing(town_admin):
    rule = PointsRule.objects.get(category=None, for_claims=False)
    rule_update(rule=rule, by=town_admin, name=rule.name, points_per_hour=rule.points_per_hour)
    assert not AuditEvent.objects.filter(action="points_rule.update").exists()


def test_adding_a_rule_records_its_figures(town_admin, category):
    rule = rule_create(
        by=town_admin,
        name="党员交通劝导",
        category=category,
        audience="party_members",
        points_per_hour=2,
    )
    audit = AuditEvent.objects.get(action="points_rule.create")
    assert audit.extra["rule_id"] == rule.pk
    values = audit.extra["values"]
    assert (values["category"], values["audience"], values["points_per_hour"]) == (
        "文明交通劝导",
        "party_members",
        2,
    )
    assert ModelLogEntry.objects.for_instance(rule).filter(action="wagtail.create").exists()


def test_a_second_rule_for_the_same_category_and_audience_is_refused(town_admin, category):
    rule_create(by=town_admin, name="交通劝导", category=category)
    with pytest.raises(Invalid):
        rule_create(by=town_admin, name="又一条", category=category)
    assert PointsRule.objects.filter(category=category).count() == 1
    assert AuditEvent.objects.filter(action="points_rule.create").count() == 1


def test_changing_a_policy_records_each_changed_cap_old_and_new(town_admin):
    policy = PointsPolicy.objects.get(audience="party_members")
    cap, negative = policy.service_cap, policy.allow_negative_balance

    policy_update(policy=policy, by=town_admin, service_cap=60, allow_negative_balance=not negative)

    audit = AuditEvent.objects.get(action="points_policy.update")
    assert audit.actor == town_admin
    assert audit.extra["audience"] == "party_members"
    assert audit.extra["changes"] == {
        "service_cap": [cap, 60],
        "allow_negative_balance": [negative, not negative],
    }


def test_only_town_administrators_change_rules_and_policies(secretary, category):
    rule = PointsRule.objects.get(category=None, for_claims=False)
    policy = PointsPolicy.objects.get(audience="volunteers")
    with pytest.raises(Forbidden):
        rule_update(rule=rule, by=secretary, points_per_hour=9)
    with pytest.raises(Forbidden):
        rule_create(by=secretary, name="越权", category=category)
    with pytest.raises(Forbidden):
        policy_update(policy=policy, by=secretary, yearly_total_cap=1)
    assert PointsRule.objects.get(pk=rule.pk).points_per_hour != 9
    assert not AuditEvent.objects.filter(action__startswith="points_").exists()


def test_the_default_rule_and_a_rule_in_use_are_not_deleted(
    town_admin, category, past_activity, attend, volunteer
):
    used = rule_create(by=town_admin, name="交通劝导", category=category)
    points_award_for_attendance(attendance=attend(past_activity(), volunteer))
    default = PointsRule.objects.get(category=None, for_claims=False)

    with pytest.raises(Conflict) as refusal:
        rule_delete(rule=default, by=town_admin)
    assert refusal.value.code == "default_rule"
    with pytest.raises(Conflict) as refusal:
        rule_delete(rule=used, by=town_admin)
    assert refusal.value.code == "rule_in_use"
    assert PointsRule.objects.count() == 3  # with the 双项认领 rule
    assert not AuditEvent.objects.filter(action="points_rule.delete").exists()


def test_deleting_an_unused_rule_records_what_it_was(town_admin, category):
    rule = rule_create(by=town_admin, name="交通劝导", category=category, points_per_hour=3)
    pk = rule.pk
    rule_delete(rule=rule, by=town_admin)
    assert not PointsRule.objects.filter(pk=pk).exists()
    audit = AuditEvent.objects.get(action="points_rule.delete")
    assert audit.extra["rule_id"] == pk and audit.extra["values"]["points_per_hour"] == 3
