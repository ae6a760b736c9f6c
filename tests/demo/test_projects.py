"""The demo's 轮值主席, 资源清单, 项目清单 and 提升行动 (demo/projects.py): what the demo
accounts find waiting in /admin/projects/, /resources/, /me/claims/ and /campaigns/."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from core.quarters import Quarter
from demo import projects as demo_projects
from points.models import PointsEntry
from volunteers.models import Claim, Need, Organisation, Project, Resource, RotatingChair
from volunteers.permissions import may_manage_projects
from volunteers.selectors.campaigns import campaign_figures
from volunteers.services.needs import claim_confirm, claim_report

from .conftest import PEOPLE


def user(username: str):
    return get_user_model().objects.get(username=username)


def this_quarter() -> Quarter:
    return Quarter.of(timezone.localdate())


def test_every_community_with_a_chair_this_quarter_has_open_projects():
    quarter = this_quarter()
    chairs = RotatingChair.objects.filter(quarter=quarter.key)
    assert chairs.count() == len(demo_projects.CHAIRS) >= 3
    for chair in chairs:
        projects = Project.objects.filter(community=chair.community, quarter=quarter.key)
        assert projects.filter(status="open").exists(), chair.community.name
    # Last quarter's chairs are there too, for history.
    assert RotatingChair.objects.filter(quarter=quarter.previous.key).count() == chairs.count()
    projects = Project.objects.filter(quarter=quarter.key)
    assert projects.count() == len(demo_projects.PROJECTS) >= 6
    assert sorted(set(projects.values_list("status", flat=True))) == ["draft", "open"]
    assert projects.filter(status="draft").count() == 1
    for project in projects:
        assert project.lead_unit.kind == "unit", project.title
        assert project.campaign is not None, project.title
        assert project.posts.exists(), project.title
    assert projects.order_by().values("campaign").distinct().count() == 4
    law = projects.get(title="周末法律咨询进社区")
    assert law.posts.get(title="周末法律咨询").places == 4
    assert law.needs.filter(title="郭海涛咨询：劳动合同纠纷").exists()
    assert law.resources.filter(title="法律咨询").exists()


def test_liyuan_is_chaired_by_the_contacts_unit_who_runs_its_projects_this_quarter():
    quarter = this_quarter()
    liyuan = Organisation.objects.get(code="liyuan")
    qiaobei = Organisation.objects.get(code="qiaobei")
    chair = RotatingChair.objects.get(community=liyuan, quarter=quarter.key)
    assert chair.unit.name == "敦煌市文化和旅游局"
    assert chair.named_by == user("secretary")
    contact = user("contact")
    assert may_manage_projects(contact, liyuan, quarter.key)
    # Only this quarter's chair, and only in 梨园.
    assert not may_manage_projects(contact, liyuan, quarter.previous.key)
    assert not may_manage_projects(contact, qiaobei, quarter.key)
    # The 文化讲堂 is hers: she set it up, and a claim waits for her to confirm.
    lecture = Project.objects.get(community=liyuan, title="敦煌文化讲堂")
    assert lecture.created_by == contact
    waiting = Claim.objects.get(post__project=lecture, status="reported")

    claim_confirm(claim=waiting, by=contact)

    waiting.refresh_from_db()
    assert waiting.status == "confirmed" and waiting.confirmed_by == contact


def test_partymember_has_an_open_post_claim_she_can_report():
    partymember = user("partymember").person
    claim = Claim.objects.get(person=partymember, post__isnull=False)
    assert claim.status == "claimed"
    assert claim.post.title == "周末法律咨询"
    assert claim.post.project.status == "open"

    claim_report(
        claim=claim, person=partymember, minutes=120, served_on=timezone.localdate(), note="值班"
    )

    claim.refresh_from_db()
    assert claim.status == "reported"


def test_generated_members_claims_on_posts_earned_points():
    claims = Claim.objects.filter(post__isnull=False, person__user__isnull=True)
    assert claims.count() >= 15
    assert {"claimed", "reported", "confirmed"} <= set(claims.values_list("status", flat=True))
    for post in {claim.post for claim in claims}:
        live = post.claims.filter(status__in=Claim.LIVE_STATUSES).count()
        assert post.claimed_places == live <= post.places
    confirmed = claims.filter(status="confirmed").select_related("person")
    assert confirmed.count() >= 8
    for claim in confirmed:
        assert PointsEntry.objects.filter(person=claim.person).exists()


def test_resources_come_from_units_teams_and_people_with_availability():
    resources = Resource.objects.all()
    assert resources.count() == len(demo_projects.RESOURCES) >= 15
    assert resources.filter(organisation__kind="unit").count() >= 5
    assert resources.filter(organisation__kind="team").exists()
    assert resources.filter(person__isnull=False).count() >= 3
    assert {"skill", "venue", "goods", "service"} == set(resources.values_list("kind", flat=True))
    for resource in resources:
        assert resource.availability and resource.category_id, resource.title
    own = resources.get(person__user__username="partymember")
    assert own.title == "敦煌文化讲解" and own.community.code == "liyuan"
    assert own.created_by == user("partymember")
    hall = resources.get(title="市文化馆多功能厅")
    assert hall.created_by == user("contact") and hall.kind == "venue"


def test_campaigns_show_figures_this_quarter():
    figures = {f.campaign.name: f for f in campaign_figures(this_quarter())}
    assert all(f.projects >= 1 for f in figures.values()), figures
    assert sum(f.needs_met for f in figures.values()) >= 4
    assert Need.objects.filter(campaign__isnull=False).count() == len(demo_projects.NEED_CAMPAIGNS)


def test_running_the_seed_again_adds_no_chair_resource_project_or_claim(demo_town):
    def state():
        return (
            list(RotatingChair.objects.order_by("pk").values_list("pk", "unit_id")),
            list(Resource.objects.order_by("pk").values_list("pk", "title")),
            list(Project.objects.order_by("pk").values_list("pk", "status")),
            list(Claim.objects.order_by("pk").values_list("pk", "status")),
            list(Need.objects.order_by("pk").values_list("pk", "campaign_id")),
        )

    before = state()
    assert "项目 projects: draft 1, open 7" in demo_town.output

    out = io.StringIO()
    call_command("seed_demo", people=PEOPLE, stdout=out)

    assert state() == before
    assert "Nothing to do" in out.getvalue()
