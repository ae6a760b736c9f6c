"""Town administrators edit the points rules and policies in the Wagtail admin; nobody else."""

import pytest

from points.models import PointsPolicy, PointsRule
from points.services import points_award_for_attendance

RULES = "/admin/snippets/points/pointsrule/"
POLICIES = "/admin/snippets/points/pointspolicy/"


@pytest.fixture
def town_admin(person_with_role, town, Role):
    return person_with_role(Role.ADMIN, town.town, real_name="马建国").user


def test_a_secretary_cannot_see_the_rules(client, secretary):
    client.force_login(secretary)
    assert client.get(RULES).status_code == 302  # Wagtail's "no permission" to the dashboard
    rule = PointsRule.objects.get()
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
    default = PointsRule.objects.get(category=None)
    for rule in (default, used):
        refused = client.post(f"{RULES}delete/{rule.pk}/")
        assert refused.status_code in (302, 403)  # Wagtail sends "no permission" home
    assert PointsRule.objects.count() == 2


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
    assert client.get(f"{POLICIES}add/").status_code in (302, 403)
