"""Town administrators edit the points rules and policies in the Wagtail admin; nobody else."""

import pytest

from points.models import PointsPolicy, PointsRule
from points.services import points_award_for_attendance
from volunteers.models import AuditEvent

RULES = "/admin/snippets/points/pointsrule/"
POLICIES = "/admin/snippets/points/pointspolicy/"


@pytest.fixture
def town_admin(person_with_role, town, Role):
    return person_with_role(Role.ADMIN, town.town, real_name="马建国").user


def test_a_secretary_cannot_see_the_rules(client, secretary):
    client.force_login(secretary)
    assert client.get(RULES).status_code == 302  # Wagtail's "no permission" to the dashboard
    rule = PointsRule.objects.get(name="默认规则")
    assert client.get(f"{RULES}edit/{rule.pk}/").status_code == 404


def test_a_town_admin_adds_a_rule_for_a_category_and_audience(client, town_admin, category):
    client.force_login(town_admin)
    listing = client.get(RULES)
    assert listing.status_code == 200
    assert "默认规则" in listing.content.decode()
    response = client.post(
        f"{RULES}add/",
        {
            "name": "党员交通劝导",
            "category": category.pk,
            "audience": "party_members",
            "points_per_attendance": "1",
            "points_per_hour": "2",
            "rounding_unit": "1",
            "rounding_mode": "nearest",
            "rubric_category": "service",
            "daily_cap": "6",
            "yearly_cap": "",
        },
    )
    assert response.status_code == 302
    rule = PointsRule.objects.get(name="党员交通劝导")
    assert (rule.points_per_hour, rule.daily_cap, rule.yearly_cap) == (2, 6, None)


def test_a_second_rule_for_the_same_category_and_audience_is_refused(client, town_admin, category):
    PointsRule.objects.create(name="交通劝导", category=category, audience="anyone")
    client.force_login(town_admin)
    response = client.post(
        f"{RULES}add/",
        {
            "name": "又一条",
            "category": category.pk,
            "audience": "anyone",
            "points_per_attendance": "0",
            "points_per_hour": "1",
            "rounding_unit": "1",
            "rounding_mode": "nearest",
            "rubric_category": "service",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert PointsRule.objects.filter(category=category).count() == 1


def test_the_default_rule_and_a_rule_in_use_cannot_be_deleted(
    client, town_admin, category, past_activity, attend, volunteer
):
    used = PointsRule.objects.create(name="交通劝导", category=category)
    points_award_for_attendance(attendance=attend(past_activity(), volunteer))
    client.force_login(town_admin)
    default = PointsRule.objects.get(category=None, for_claims=False)
    claims = PointsRule.objects.get(for_claims=True)  # 双项认领's default, migration 0012
    for rule in (default, claims, used):
        refused = client.post(f"{RULES}delete/{rule.pk}/")
        assert refused.status_code in (302, 403)  # Wagtail sends "no permission" home
    assert PointsRule.objects.count() == 3


def test_a_town_admin_edits_the_party_member_policy(client, town_admin):
    policy = PointsPolicy.objects.get(audience="party_members")
    client.force_login(town_admin)
    response = client.post(
        f"{POLICIES}edit/{policy.pk}/",
        {
            "yearly_total_cap": "120",
            "basic_cap": "40",
            "service_cap": "60",
            "reward_cap": "20",
            "allow_negative_balance": "",
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.yearly_total_cap, policy.service_cap) == (120, 60)
    audit = AuditEvent.objects.get(action="points_policy.update")
    assert audit.actor == town_admin and audit.extra["changes"]["service_cap"][1] == 60
    assert client.get(f"{POLICIES}add/").status_code in (302, 403)


def rule_form(rule, **changes):
    data = {
        "name": rule.name,
        "category": rule.category_id or "",
        "audience": rule.audience,
        "points_per_attendance": rule.points_per_attendance,
        "points_per_hour": rule.points_per_hour,
        "rounding_unit": rule.rounding_unit,
        "rounding_mode": rule.rounding_mode,
        "rubric_category": rule.rubric_category,
        "daily_cap": rule.daily_cap or "",
        "yearly_cap": rule.yearly_cap or "",
    }
    data.update(changes)
    return data


def test_editing_a_rule_in_the_admin_records_old_and_new_figures(client, town_admin, category):
    rule = PointsRule.objects.create(name="交通劝导", category=category, points_per_hour=1)
    client.force_login(town_admin)
    response = client.post(
        f"{RULES}edit/{rule.pk}/", rule_form(rule, points_per_hour="3", daily_cap="8")
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points_per_hour, rule.daily_cap) == (3, 8)
    audit = AuditEvent.objects.get(action="points_rule.update")
    assert audit.actor == town_admin and audit.target == "交通劝导"
    assert audit.extra["changes"] == {"points_per_hour": [1, 3], "daily_cap": [None, 8]}
    history = client.get(f"{RULES}history/{rule.pk}/").content.decode()
    assert "交通劝导" in history


def test_adding_and_deleting_a_rule_in_the_admin_are_recorded(client, town_admin, category):
    client.force_login(town_admin)
    data = {
        "name": "党员交通劝导",
        "category": category.pk,
        "audience": "party_members",
        "points_per_attendance": "1",
        "points_per_hour": "2",
        "rounding_unit": "1",
        "rounding_mode": "nearest",
        "rubric_category": "service",
        "daily_cap": "",
        "yearly_cap": "",
    }
    assert client.post(f"{RULES}add/", data).status_code == 302
    rule = PointsRule.objects.get(name="党员交通劝导")
    assert AuditEvent.objects.get(action="points_rule.create").extra["rule_id"] == rule.pk

    assert client.post(f"{RULES}delete/{rule.pk}/").status_code == 302
    assert not PointsRule.objects.filter(pk=rule.pk).exists()
    deleted = AuditEvent.objects.get(action="points_rule.delete")
    assert deleted.actor == town_admin and deleted.extra["values"]["points_per_hour"] == 2


def test_the_rule_form_shows_the_rounding_and_records_its_change(client, town_admin):
    """Issue 17: rounding unit and mode are part of the editable rule, explained on the form."""
    rule = PointsRule.objects.get(category=None, for_claims=False)
    client.force_login(town_admin)
    form = client.get(f"{RULES}edit/{rule.pk}/").content.decode()
    assert "时长取整单位" in form and "取整方式" in form
    assert "就近取整（四舍五入）" in form and "30 分钟" in form
    assert "就近取整计 2 分，向下取整计 1 分" in form  # the help text's example
    assert "已记入的积分流水保持原样" in form

    response = client.post(
        f"{RULES}edit/{rule.pk}/", rule_form(rule, rounding_unit="30", rounding_mode="down")
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.rounding_unit, rule.rounding_mode) == (30, "down")
    audit = AuditEvent.objects.get(action="points_rule.update")
    assert audit.extra["changes"] == {
        "rounding_unit": [1, 30],
        "rounding_mode": ["nearest", "down"],
    }


def test_an_unknown_rounding_is_refused_on_the_form(client, town_admin):
    rule = PointsRule.objects.get(category=None, for_claims=False)
    client.force_login(town_admin)
    response = client.post(f"{RULES}edit/{rule.pk}/", rule_form(rule, rounding_unit="7"))
    assert response.status_code == 200  # the form again, with the error
    assert PointsRule.objects.get(pk=rule.pk).rounding_unit == 1
