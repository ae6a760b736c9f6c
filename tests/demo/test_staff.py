"""The demo town's staff side (demo/staff.py): what the README's accounts find waiting."""

from django.contrib.auth import get_user_model

from points.models import DualReportDelivery
from volunteers.models import JoinRequest, Membership, Notification, Organisation
from volunteers.permissions import Action, can
from volunteers.selectors import join_requests_to_decide


def user(username: str):
    return get_user_model().objects.get(username=username)


def test_every_squad_is_based_in_its_community_and_its_secretary_runs_it():
    squads = Organisation.objects.filter(kind="squad")
    assert squads.count() == 8
    for squad in squads:
        assert squad.based_in.code == squad.code.removeprefix("squad-")
    traffic_team = Organisation.objects.get(code="team-liyuan-traffic")
    assert can(user("secretary"), Action.CHECK_IN, traffic_team)
    assert not can(
        user("secretary"), Action.CHECK_IN, Organisation.objects.get(code="squad-qiaobei")
    )


def test_leader_and_secretary_find_join_requests_to_decide():
    newcomer = JoinRequest.objects.filter(person__user__username="newcomer", status="pending")
    assert set(newcomer.values_list("organisation__code", flat=True)) == {
        "liyuan-grid-03",
        "team-liyuan-traffic",
    }
    leader_sees = set(join_requests_to_decide(user("leader")).values_list("pk", flat=True))
    assert newcomer.get(organisation__code="team-liyuan-traffic").pk in leader_sees
    assert newcomer.get(organisation__code="liyuan-grid-03").pk not in leader_sees
    secretary_sees = join_requests_to_decide(user("secretary"))
    assert secretary_sees.filter(organisation__code="liyuan-grid-03").exists()
    assert secretary_sees.count() > 2  # residents asking to join 梨园's teams as well
    for request in secretary_sees:  # 梨园's grids and the teams of 梨园's squad, no others
        organisation = request.organisation
        community = organisation.get_parent()
        if organisation.kind == "team":
            community = community.based_in
        assert community.code == "liyuan", organisation.name
    assert JoinRequest.objects.filter(organisation__code__startswith="team-qiaobei").exists()


def test_a_grid_has_its_staff_and_the_unit_contact_has_last_quarters_report():
    grid_roles = Membership.objects.current().filter(organisation__code="liyuan-grid-01")
    assert set(grid_roles.values_list("role", flat=True)) >= {"grid_head", "grid_worker"}
    contact = user("contact")
    assert (
        Membership.objects.current()
        .filter(person__user=contact, role="contact", organisation__code="unit-culture")
        .exists()
    )
    delivery = DualReportDelivery.objects.get(unit__code="unit-culture")
    assert list(delivery.recipients.values_list("user__username", flat=True)) == ["contact"]
    assert Notification.objects.filter(recipient__user=contact, kind="dual_report").count() == 1


def test_the_contacts_page_leads_to_the_units_deliveries(client):
    client.force_login(user("contact"))
    page = client.get("/me/").content.decode()
    assert "本单位的双报到反馈" in page and "/points/dual-report/deliveries/" in page
    deliveries = client.get("/points/dual-report/deliveries/")
    assert deliveries.status_code == 200
    assert "敦煌市文化和旅游局" in deliveries.content.decode()


def test_me_offers_the_dashboard_to_community_staff_only(client):
    client.force_login(user("secretary"))
    assert 'href="/dashboard/">全镇概况' in client.get("/me/").content.decode()
    client.force_login(user("leader"))
    assert 'href="/dashboard/"' not in client.get("/me/").content.decode()
