"""The demo town's staff side: squads based in their communities, pending join requests,
a grid's staff, and last quarter's 双报到反馈 sent to the unit contact.

Everything goes through the services a town's staff use, and each step is idempotent: a
second seed finds it done and writes nothing.
"""

from dataclasses import dataclass

from core.errors import DomainError
from points.models import DualReportDelivery
from points.services.dual_report import dual_report_deliver, quarter_just_ended
from volunteers.models import JoinRequest, Membership, Organisation, Person
from volunteers.services.joining import join_requests_submit
from volunteers.services.memberships import membership_grant
from volunteers.services.organisations import organisation_set_based_in

Kind = Organisation.Kind
Role = Membership.Role

NEWCOMER_PHONE = "13800000007"
CONTACT_UNIT = "unit-culture"
# Generated residents of these communities (one per entry) ask to join one of their
# community's teams, so that leaders' and secretaries' 加入申请 lists are not empty.
APPLYING = ("liyuan", "liyuan", "qiaobei")
# A grid with its staff in place; every other grid's 网格长 is still to be appointed.
STAFFED_GRID = "liyuan-grid-01"


@dataclass
class StaffResult:
    based_in: int = 0
    join_requests: int = 0
    memberships: int = 0
    deliveries: int = 0


def base_squads_in_communities(nodes: dict[str, Organisation]) -> int:
    """Each community's squad (``squad-<community>``) is run by that community too."""
    done = 0
    for squad in Organisation.objects.filter(kind=Kind.SQUAD, based_in__isnull=True):
        community = nodes.get(squad.code.removeprefix("squad-"))
        if community is not None and community.kind == Kind.COMMUNITY:
            organisation_set_based_in(squad=squad, community=community)
            done += 1
    return done


def _community_teams(community: Organisation) -> list[Organisation]:
    """The open teams of the squads based in ``community``."""
    squads = community.based_here.values_list("path", flat=True)
    teams = Organisation.objects.filter(kind=Kind.TEAM, closed_on__isnull=True)
    return [t for t in teams.order_by("path") if any(t.path.startswith(p) for p in squads)]


def ensure_join_requests(nodes: dict[str, Organisation]) -> int:
    """The newcomer's two requests, and one from a resident of each ``APPLYING_GRIDS``."""
    made = 0
    newcomer = Person.objects.filter(phone=NEWCOMER_PHONE).first()
    if newcomer is not None and not newcomer.join_requests.exists():
        made += len(
            join_requests_submit(
                person=newcomer,
                grid=nodes["liyuan-grid-03"],
                teams=[nodes["team-liyuan-traffic"]],
                note="刚搬到梨园社区，想参加文明交通劝导。",
            )
        )
    if JoinRequest.objects.exclude(person__phone=NEWCOMER_PHONE).exists():
        return made  # seeded before
    for n, code in enumerate(APPLYING):
        community = nodes[code]
        teams = _community_teams(community)
        applicants = _residents_without_roles(community)[n : n + 1]
        if not teams or not applicants:
            continue
        try:
            made += len(join_requests_submit(person=applicants[0], grid=None, teams=teams[-1:]))
        except DomainError:
            continue  # e.g. already in that team: the demo does without this one
    return made


def _residents_without_roles(community: Organisation) -> list[Person]:
    """Generated residents (no login) of ``community`` holding no role, oldest first."""
    return list(
        Person.objects.filter(
            home_grid__path__startswith=community.path,
            memberships__isnull=True,
            user__isnull=True,
        ).order_by("pk")[:5]
    )


def ensure_grid_staff(nodes: dict[str, Organisation]) -> int:
    """A 网格长 and a 专职网格员 on ``STAFFED_GRID``, from its residents without a role."""
    grid = nodes[STAFFED_GRID]
    made = 0
    for role in (Role.GRID_HEAD, Role.GRID_WORKER):
        if Membership.objects.current().filter(organisation=grid, role=role).exists():
            continue
        candidates = _residents_without_roles(grid.get_parent())
        if not candidates:
            break
        person = candidates[-1]  # not the join requests' applicants, who come first
        membership_grant(person=person, organisation=grid, role=role, reason="演示数据")
        made += 1
    return made


def ensure_dual_report_sent(nodes: dict[str, Organisation]) -> int:
    """Last quarter's 双报到反馈 to the demo contact's unit (the job sends the others)."""
    unit = nodes.get(CONTACT_UNIT)
    if unit is None:
        return 0
    quarter = quarter_just_ended()
    if DualReportDelivery.objects.filter(unit=unit, quarter=quarter).exists():
        return 0
    dual_report_deliver(unit=unit, quarter=quarter)
    return 1


def seed_staff(nodes: dict[str, Organisation]) -> StaffResult:
    result = StaffResult()
    result.based_in = base_squads_in_communities(nodes)
    result.memberships = ensure_grid_staff(nodes)
    result.join_requests = ensure_join_requests(nodes)
    result.deliveries = ensure_dual_report_sent(nodes)
    return result
