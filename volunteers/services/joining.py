"""Join requests (加入申请): a newcomer asks for a home grid and teams; their staff decide.

One request per organisation, so each is decided by those who run it (``Action.ADMIT``
by the one rule): the grid's staff or its community's for a grid, the team's leader or
those above for a team. A partial unique constraint keeps one pending request per person
and organisation; deciding locks the row, so two approvals at once make one membership.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.text import plain_text
from volunteers import permissions
from volunteers.models import JoinRequest, Membership, Notification, Organisation, Person, User
from volunteers.services.audit import audit_record
from volunteers.services.memberships import membership_grant
from volunteers.services.notifications import notify

Kind = Organisation.Kind
Status = JoinRequest.Status
MAX_TEAMS = 5
TEXT_MAX_LENGTH = 200
# Who hears of a new request: the deciders on the nearest node that has any (a grid's
# staff before its community's, a team's leader before the squad's), at most this many;
# the town's administrators are not told of each of ten thousand newcomers.
DECIDERS_TOLD = 10


def _check_open(organisation: Organisation, kind: str, field: str) -> None:
    if organisation.kind != kind:
        message = _("请选择一个网格。") if kind == Kind.GRID else _("只能申请加入志愿服务队。")
        raise Invalid(f"not_{kind}", message, field=field)
    if organisation.is_closed:
        raise Invalid(
            "closed",
            _("%(name)s已撤销，请选择其他组织。") % {"name": organisation.name},
            field=field,
        )


def _unique(organisations: Iterable[Organisation]) -> list[Organisation]:
    seen: dict[int, Organisation] = {}
    for organisation in organisations:
        seen.setdefault(organisation.pk, organisation)
    return list(seen.values())


def join_request_deciders(organisation: Organisation) -> list[Person]:
    """Who is told of a request to join ``organisation``: ADMIT holders on the nearest node."""
    return permissions.nearest_holders(permissions.Action.ADMIT, organisation, limit=DECIDERS_TOLD)


def _tell_deciders(request: JoinRequest) -> None:
    person, organisation = request.person, request.organisation
    for decider in join_request_deciders(organisation):
        if decider.pk == person.pk:
            continue
        notify(
            person=decider,
            kind=Notification.Kind.JOIN,
            key=f"join:{request.pk}:new:{decider.pk}",
            title=_("新的加入申请：%(org)s") % {"org": organisation.name},
            body=_("%(name)s申请加入%(org)s，请在管理后台“加入申请”中审核。")
            % {"name": person.real_name, "org": organisation.name},
            url=reverse("join_requests_admin"),
            channels=("email",),  # staff see the queue in-app; an SMS per newcomer is too much
        )


@transaction.atomic
def join_requests_submit(
    *,
    person: Person,
    grid: Organisation | None,
    teams: Iterable[Organisation] = (),
    note: str = "",
) -> list[JoinRequest]:
    """Ask to be placed in ``grid`` and to join ``teams``: one request per organisation."""
    teams = _unique(teams)
    if grid is None and not teams:
        raise Invalid("nothing_chosen", _("请选择网格，或至少选择一个志愿服务队。"), field="grid")
    if len(teams) > MAX_TEAMS:
        raise Invalid(
            "too_many_teams",
            _("一次最多申请加入 %(n)d 个志愿服务队。") % {"n": MAX_TEAMS},
            field="teams",
        )
    if grid is not None:
        _check_open(grid, Kind.GRID, "grid")
    for team in teams:
        _check_open(team, Kind.TEAM, "teams")
    note = plain_text(note, field="note", label=_("申请说明"), max_length=TEXT_MAX_LENGTH)
    # Lock the person: two taps on a poor signal queue up here rather than race.
    person = Person.objects.select_for_update().get(pk=person.pk)
    if grid is not None and person.home_grid_id == grid.pk:
        raise Invalid(
            "already_home",
            _("您已登记在%(grid)s，不需要再申请。") % {"grid": grid.name},
            field="grid",
        )
    member_of = (
        Membership.objects.current()
        .filter(person=person, organisation__in=teams)
        .select_related("organisation")
        .first()
    )
    if member_of is not None:
        raise Invalid(
            "already_member",
            _("您已经是%(team)s的成员，不需要再申请。") % {"team": member_of.organisation.name},
            field="teams",
        )
    pending = JoinRequest.objects.filter(person=person, status=Status.PENDING).select_related(
        "organisation"
    )
    asked = {team.pk for team in teams} | ({grid.pk} if grid is not None else set())
    for request in pending:
        same = request.organisation_id in asked
        # One home grid at a time: a second grid waits until the first is decided or withdrawn.
        other_grid = grid is not None and request.organisation.kind == Kind.GRID
        if same or other_grid:
            raise Conflict(
                "pending_exists",
                _("您已申请加入%(org)s，正在等待审核。") % {"org": request.organisation.name}
                + ("" if same else _("如需更换网格，请先撤回这条申请。")),
            )
    created = []
    try:
        with transaction.atomic():
            for organisation in ([grid] if grid is not None else []) + teams:
                created.append(
                    JoinRequest.objects.create(person=person, organisation=organisation, note=note)
                )
    except IntegrityError:
        # Another request of the same person got there first; theirs stands.
        raise Conflict("pending_exists", _("您已提交过加入申请，正在等待审核。")) from None
    for request in created:
        _tell_deciders(request)
    return created


def _lock(request: JoinRequest) -> JoinRequest:
    return (
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the
        # person's account; the request row is the one two deciders race for.
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("person__user", "organisation")
        .get(pk=request.pk)
    )


def _refuse_unless_pending(request: JoinRequest) -> None:
    if request.status != Status.PENDING:
        raise Conflict(
            "already_decided",
            _("该申请已处理（%(status)s）。") % {"status": request.get_status_display()},
        )


def _tell_applicant(request: JoinRequest) -> None:
    organisation = request.organisation
    if request.status == Status.APPROVED:
        title = _("加入申请已通过")
        if organisation.kind == Kind.GRID:
            body = _("您已登记为%(org)s的居民，欢迎参加网格和社区的志愿服务。")
        else:
            body = _("您加入%(org)s的申请已通过，欢迎参加队里的志愿服务。")
        body %= {"org": organisation.name}
    else:
        title = _("加入申请未通过")
        body = _("您加入%(org)s的申请未通过。原因：%(reason)s") % {
            "org": organisation.name,
            "reason": request.reason,
        }
    notify(
        person=request.person,
        kind=Notification.Kind.JOIN,
        key=f"join:{request.pk}:decided",
        title=title,
        body=body,
        url=reverse("volunteers:join"),
    )


@transaction.atomic
def join_request_decide(
    *, request: JoinRequest, by: User, approve: bool, reason: str = ""
) -> JoinRequest:
    """Approve (home grid set, or team membership granted) or refuse with a reason."""
    if not permissions.can(by, permissions.Action.ADMIT, request.organisation):
        raise Forbidden(
            "forbidden",
            _("您无权处理加入%(org)s的申请。") % {"org": request.organisation.name},
        )
    reason = plain_text(reason, field="reason", label=_("处理说明"), max_length=TEXT_MAX_LENGTH)
    if not approve and not reason:
        raise Invalid(
            "missing_reason", _("请填写不通过的原因，申请人会看到这条说明。"), field="reason"
        )
    request = _lock(request)
    _refuse_unless_pending(request)
    organisation = request.organisation
    if approve and organisation.is_closed:
        raise Conflict(
            "closed",
            _("%(org)s已撤销，不能通过；请填写原因后点“拒绝”。") % {"org": organisation.name},
        )
    previous_grid = None
    if approve and organisation.kind == Kind.GRID:
        person = Person.objects.select_for_update().get(pk=request.person_id)
        previous_grid = person.home_grid_id
        person.home_grid = organisation
        # update_fields names home_grid: points rebuilds the person's ranking scopes.
        person.save(update_fields=["home_grid", "updated_at"])
        request.person = person
    elif approve:
        already = (
            Membership.objects.current()
            .filter(person_id=request.person_id, organisation=organisation)
            .exists()
        )
        if not already:
            # The system grants it: a team leader admits members but does not manage roles.
            membership_grant(
                person=request.person, organisation=organisation, role=Membership.Role.MEMBER
            )
    request.status = Status.APPROVED if approve else Status.REFUSED
    request.reason = reason
    request.decided_at = timezone.now()
    request.decided_by = by
    request.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    audit_record(
        actor=by,
        action="join_request.approve" if approve else "join_request.refuse",
        target=request,
        organisation=organisation,
        reason=reason,
        **({"previous_grid_id": previous_grid} if organisation.kind == Kind.GRID else {}),
    )
    _tell_applicant(request)
    return request


@transaction.atomic
def join_request_withdraw(*, request: JoinRequest, person: Person) -> JoinRequest:
    """The applicant takes back a request that is still waiting."""
    request = _lock(request)
    if request.person_id != person.pk:
        raise NotFound("not_found", _("没有找到这条申请。"))
    _refuse_unless_pending(request)
    request.status = Status.WITHDRAWN
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    return request
