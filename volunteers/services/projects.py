"""项目清单: the quarter's 轮值主席, joint projects, their posts, and claims on posts.

A community's secretary or admin names the unit chairing the community's joint meeting
for a quarter (``chair_name``: one per community and quarter; naming again replaces it).
The community's staff and the chair unit's current contacts create and manage that
quarter's projects (``permissions.may_manage_projects``). A project is 筹备中 until it is
opened (``project_open``: 进行中, its posts may be claimed), then 已完成 or 已取消
(``project_close``).

A party member claims a place on a post (``post_claim``) exactly as on a need: the post's
row is locked before its places are counted, and a partial unique constraint refuses a
second live claim by the same person. The claim is then reported, withdrawn and
confirmed by the same services as a need's (``services.needs.claim_report`` …), which
lock the post instead of the need; confirming it credits the service and points.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from core.quarters import Quarter
from core.text import plain_text
from volunteers import permissions
from volunteers.models import (
    Campaign,
    Claim,
    Need,
    Notification,
    Organisation,
    Person,
    Project,
    ProjectPost,
    Resource,
    RotatingChair,
    User,
)
from volunteers.services.audit import audit_record
from volunteers.services.claimants import claimant_name, unit_refusal
from volunteers.services.notifications import notify
from volunteers.services.posts import (
    lock_post,
    tell_claimant,
    tell_project_staff,
)

Kind = Organisation.Kind
Status = Project.Status
ClaimStatus = Claim.Status
LONGEST_DEADLINE = datetime.timedelta(days=366)
MAX_PLACES = 100


# ---------------------------------------------------------------- checks


def _check_quarter(quarter: str) -> str:
    try:
        return Quarter.parse(quarter).key
    except ValueError:
        raise Invalid(
            "quarter", _("季度应写成年份加季度，例如 2026Q4。"), field="quarter"
        ) from None


def _check_community(community: Organisation | None) -> Organisation:
    if community is None or community.kind != Kind.COMMUNITY:
        raise Invalid("not_community", _("请选择社区。"), field="community")
    return community


def _check_unit(unit: Organisation | None, *, field: str) -> Organisation:
    if unit is None or unit.kind != Kind.UNIT:
        raise Invalid("not_unit", _("请选择共建单位。"), field=field)
    if unit.is_closed:
        raise Invalid(
            "unit_closed", _("%(name)s已撤销，请选择其他单位。") % {"name": unit.name}, field=field
        )
    return unit


def _require_manager(by: User | None, community: Organisation, quarter: str) -> None:
    if not permissions.may_manage_projects(by, community, quarter):
        raise Forbidden(
            "not_project_manager",
            _("只有本社区的工作人员或本季度轮值主席单位的联络人可以管理项目。"),
        )


def _lock_project(project: Project) -> Project:
    try:
        return (
            Project.objects.select_for_update(of=("self",))
            .select_related("community", "lead_unit")
            .get(pk=project.pk)
        )
    except Project.DoesNotExist:
        raise NotFound("project_not_found", _("没有找到这个项目。")) from None


# ---------------------------------------------------------------- the rotating chair


@transaction.atomic
def chair_name(
    *, community: Organisation, quarter: str, unit: Organisation, by: User
) -> RotatingChair:
    """Name ``unit`` the chair of ``community`` for ``quarter``; replaces an earlier one."""
    community = _check_community(community)
    quarter = _check_quarter(quarter)
    if not permissions.may_name_chair(by, community):
        raise Forbidden("not_chair_namer", _("只有社区书记或社区管理员可以指定轮值主席单位。"))
    unit = _check_unit(unit, field="unit")
    chair = RotatingChair.objects.select_for_update().filter(community=community, quarter=quarter)
    earlier = chair.first()
    if earlier is not None:
        replaced = earlier.unit.name
        earlier.unit, earlier.named_by, earlier.named_at = unit, by, timezone.now()
        earlier.save(update_fields=["unit", "named_by", "named_at"])
        chair_row = earlier
    else:
        replaced = ""
        chair_row = RotatingChair.objects.create(
            community=community, quarter=quarter, unit=unit, named_by=by
        )
    audit_record(
        actor=by,
        action="chair.name",
        target=chair_row,
        organisation=community,
        quarter=quarter,
        unit=unit.name,
        replaced=replaced,
    )
    # The chair unit's contacts run the quarter's projects: tell them so, once per naming.
    label = Quarter.parse(quarter).label
    contacts = permissions.memberships_holding(permissions.Action.REPRESENT_UNIT, unit)
    for contact in contacts.filter(organisation=unit, person__user__is_active=True).select_related(
        "person"
    )[:10]:
        notify(
            person=contact.person,
            kind=Notification.Kind.NEED,
            key=f"chair:{chair_row.pk}:{unit.pk}:{quarter}:{contact.person_id}",
            title=_("贵单位为%(community)s%(quarter)s轮值主席")
            % {"community": community.name, "quarter": label},
            body=_("可在管理后台“项目清单”中创建和管理%(community)s本季度的共建项目。")
            % {"community": community.name},
            url=reverse("projects_admin"),
            channels=("email",),
        )
    return chair_row


# ---------------------------------------------------------------- projects


def _project_fields(
    *,
    community: Organisation,
    title: str,
    description: str,
    lead_unit: Organisation | None,
    partner_units: Iterable[Organisation],
    campaign: Campaign | None,
    needs: Iterable[Need],
    resources: Iterable[Resource],
) -> dict[str, Any]:
    title = plain_text(title, field="title", label=_("项目名称"), max_length=80, required=True)
    description = plain_text(
        description, field="description", label=_("项目内容"), max_length=2000, multiline=True
    )
    lead_unit = _check_unit(lead_unit, field="lead_unit")
    partners = [_check_unit(u, field="partner_units") for u in partner_units]
    needs, resources = list(needs), list(resources)
    # A project draws on its own community's needs and resources only.
    if any(need.community_id != community.pk for need in needs):
        raise Invalid("need_elsewhere", _("只能选择本社区的需求。"), field="needs")
    if any(resource.community_id != community.pk for resource in resources):
        raise Invalid("resource_elsewhere", _("只能选择本社区的资源。"), field="resources")
    if campaign is not None and not campaign.active:
        raise Invalid("campaign_inactive", _("这项提升行动已停止开展。"), field="campaign")
    return {
        "title": title,
        "description": description,
        "lead_unit": lead_unit,
        "campaign": campaign,
        "partners": [u for u in partners if u.pk != lead_unit.pk],
        "needs": needs,
        "resources": resources,
    }


@transaction.atomic
def project_create(
    *,
    by: User,
    community: Organisation,
    quarter: str,
    title: str,
    description: str = "",
    lead_unit: Organisation | None,
    partner_units: Iterable[Organisation] = (),
    campaign: Campaign | None = None,
    needs: Iterable[Need] = (),
    resources: Iterable[Resource] = (),
) -> Project:
    """A new project, 筹备中, of ``community`` in ``quarter``."""
    community = _check_community(community)
    quarter = _check_quarter(quarter)
    _require_manager(by, community, quarter)
    fields = _project_fields(
        community=community,
        title=title,
        description=description,
        lead_unit=lead_unit,
        partner_units=partner_units,
        campaign=campaign,
        needs=needs,
        resources=resources,
    )
    project = Project.objects.create(
        community=community,
        quarter=quarter,
        title=fields["title"],
        description=fields["description"],
        lead_unit=fields["lead_unit"],
        campaign=fields["campaign"],
        created_by=by,
    )
    project.partner_units.set(fields["partners"])
    project.needs.set(fields["needs"])
    project.resources.set(fields["resources"])
    audit_record(actor=by, action="project.create", target=project, organisation=community)
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    by: User,
    title: str,
    description: str = "",
    lead_unit: Organisation | None,
    partner_units: Iterable[Organisation] = (),
    campaign: Campaign | None = None,
    needs: Iterable[Need] = (),
    resources: Iterable[Resource] = (),
) -> Project:
    """Edit a project; its community and quarter stay (they decide who manages it)."""
    project = _lock_project(project)
    _require_manager(by, project.community, project.quarter)
    if project.status in (Status.DONE, Status.CANCELLED):
        raise Conflict("project_finished", _("项目已结束，不能再修改。"))
    fields = _project_fields(
        community=project.community,
        title=title,
        description=description,
        lead_unit=lead_unit,
        partner_units=partner_units,
        campaign=campaign,
        needs=needs,
        resources=resources,
    )
    project.title, project.description = fields["title"], fields["description"]
    project.lead_unit, project.campaign = fields["lead_unit"], fields["campaign"]
    project.save(update_fields=["title", "description", "lead_unit", "campaign"])
    project.partner_units.set(fields["partners"])
    project.needs.set(fields["needs"])
    project.resources.set(fields["resources"])
    audit_record(actor=by, action="project.update", target=project, organisation=project.community)
    return project


@transaction.atomic
def project_open(*, project: Project, by: User) -> Project:
    """筹备中 → 进行中: its posts may be claimed."""
    project = _lock_project(project)
    _require_manager(by, project.community, project.quarter)
    if project.status != Status.DRAFT:
        raise Conflict(
            "project_not_draft",
            _("项目当前为“%(status)s”，不能开始。") % {"status": project.get_status_display()},
        )
    project.status = Status.OPEN
    project.save(update_fields=["status"])
    audit_record(actor=by, action="project.open", target=project, organisation=project.community)
    return project


@transaction.atomic
def project_close(*, project: Project, by: User, cancel: bool = False) -> Project:
    """进行中 (or 筹备中) → 已完成, or 已取消 with ``cancel``.

    Claims not yet served are withdrawn (their claimants told); a claim reported done must
    be confirmed first, so nobody's service is lost.
    """
    project = _lock_project(project)
    _require_manager(by, project.community, project.quarter)
    if project.status in (Status.DONE, Status.CANCELLED):
        raise Conflict("project_finished", _("项目已结束。"))
    posts = list(ProjectPost.objects.select_for_update().filter(project=project))
    claims = list(
        Claim.objects.select_for_update(of=("self",))
        .filter(post__in=posts, status__in=Claim.OPEN_STATUSES)
        .select_related("person", "post")
    )
    if any(claim.status == ClaimStatus.REPORTED for claim in claims):
        raise Conflict("claims_reported", _("有认领人已提交完成情况，请先确认，再结束项目。"))
    now = timezone.now()
    for claim in claims:
        claim.status, claim.withdrawn_at = ClaimStatus.WITHDRAWN, now
        claim.save(update_fields=["status", "withdrawn_at"])
        tell_claimant(
            claim.person,
            project,
            event=f"closed:{claim.pk}",
            title=_("您认领的项目岗位已结束"),
            body=_("“%(title)s”已结束，您的认领已撤回。") % {"title": str(claim.post)},
        )
    for post in posts:
        post.claimed_places = Claim.objects.filter(post=post, status=ClaimStatus.CONFIRMED).count()
        post.save(update_fields=["claimed_places"])
    project.status = Status.CANCELLED if cancel else Status.DONE
    project.save(update_fields=["status"])
    audit_record(
        actor=by,
        action="project.cancel" if cancel else "project.done",
        target=project,
        organisation=project.community,
    )
    return project


# ---------------------------------------------------------------- posts


def _post_fields(
    *, title: str, description: str, places: int | None, deadline: datetime.date | None
) -> dict[str, Any]:
    title = plain_text(title, field="title", label=_("岗位"), max_length=60, required=True)
    description = plain_text(description, field="description", label=_("岗位说明"), max_length=300)
    if places is None or not 1 <= places <= MAX_PLACES:
        raise Invalid(
            "places_range", _("名额应在 1 到 %(n)d 之间。") % {"n": MAX_PLACES}, field="places"
        )
    today = timezone.localdate()
    if deadline is None:
        raise Invalid("deadline_required", _("请填写认领截止日期。"), field="deadline")
    if deadline < today:
        raise Invalid("deadline_past", _("截止日期不能早于今天。"), field="deadline")
    if deadline > today + LONGEST_DEADLINE:
        raise Invalid("deadline_too_far", _("截止日期最多在一年以内。"), field="deadline")
    return {"title": title, "description": description, "places": places, "deadline": deadline}


@transaction.atomic
def post_add(
    *,
    project: Project,
    by: User,
    title: str,
    description: str = "",
    places: int | None,
    deadline: datetime.date | None,
) -> ProjectPost:
    project = _lock_project(project)
    _require_manager(by, project.community, project.quarter)
    if project.status in (Status.DONE, Status.CANCELLED):
        raise Conflict("project_finished", _("项目已结束，不能再添加岗位。"))
    post = ProjectPost.objects.create(
        project=project,
        **_post_fields(title=title, description=description, places=places, deadline=deadline),
    )
    audit_record(actor=by, action="post.add", target=post, organisation=project.community)
    return post


@transaction.atomic
def post_update(
    *,
    post: ProjectPost,
    by: User,
    title: str,
    description: str = "",
    places: int | None,
    deadline: datetime.date | None,
) -> ProjectPost:
    post = lock_post(post)
    project = post.project
    _require_manager(by, project.community, project.quarter)
    if project.status in (Status.DONE, Status.CANCELLED):
        raise Conflict("project_finished", _("项目已结束，不能再修改岗位。"))
    fields = _post_fields(title=title, description=description, places=places, deadline=deadline)
    if fields["places"] < post.claimed_places:
        raise Invalid(
            "places_below_claims",
            _("已有 %(n)d 人认领，名额不能少于已认领人数。") % {"n": post.claimed_places},
            field="places",
        )
    for name, value in fields.items():
        setattr(post, name, value)
    post.save(update_fields=list(fields))
    audit_record(actor=by, action="post.update", target=post, organisation=project.community)
    return post


# ---------------------------------------------------------------- claiming a post


def post_claim_refusal(
    post: ProjectPost,
    person: Person | None,
    *,
    today: datetime.date | None = None,
    unit: Organisation | None = None,
) -> Conflict | Forbidden | Gone | None:
    """Why ``person`` may not claim ``post`` now (for ``unit``, if given), or None. Pages
    use it to explain. A unit's contact need not be a party member: the unit claims."""
    today = today or timezone.localdate()
    if person is not None and unit is not None:
        refused = unit_refusal(person.user, unit)
        if refused is not None:
            return refused
    elif person is None or not person.is_party_member:
        return Forbidden("not_party_member", _("双项认领面向党员；志愿者可以报名参加志愿活动。"))
    project = post.project
    if project.status != Status.OPEN:
        return Conflict(
            "project_not_open",
            _("项目当前为“%(status)s”，不能认领。") % {"status": project.get_status_display()},
        )
    if post.deadline < today:
        return Gone("post_past_deadline", _("这个岗位已过认领截止日期。"))
    if post.open_places <= 0:
        return Conflict("post_full", _("这个岗位的名额已满。"))
    return None


@transaction.atomic
def post_claim(*, post: ProjectPost, person: Person, unit: Organisation | None = None) -> Claim:
    """Claim a place on ``post``: first come, under the post's row lock.

    ``unit``: a 单位认领, made by ``person`` as the unit's contact; one live claim per unit
    and post, taking one place.
    """
    post = lock_post(post)
    if unit is not None:
        refused = unit_refusal(person.user, unit)
        if refused is not None:
            raise refused
        mine = Claim.objects.filter(post=post, unit=unit)
        already = _("本单位已认领这个岗位。")
    else:
        mine = Claim.objects.filter(post=post, person=person, unit__isnull=True)
        already = _("您已经认领了这个岗位。")
    if mine.filter(status__in=Claim.LIVE_STATUSES).exists():
        raise Conflict("already_claimed", already)
    refusal = post_claim_refusal(post, person, unit=unit)
    if refusal is not None:
        raise refusal
    try:
        with transaction.atomic():
            claim = Claim.objects.create(post=post, person=person, unit=unit)
    except IntegrityError:
        raise Conflict("already_claimed", already) from None
    post.claimed_places += 1
    post.save(update_fields=["claimed_places"])
    project = post.project
    audit_record(
        actor=person.user,
        action="post.claim",
        target=claim,
        organisation=project.community,
        **({"unit": unit.name} if unit is not None else {}),
    )
    tell_project_staff(
        project,
        event=f"claimed:{claim.pk}",
        title=_("项目岗位已被认领：%(title)s") % {"title": str(post)},
        body=_("%(who)s认领了“%(title)s”。") % {"who": claimant_name(claim), "title": str(post)},
    )
    return claim
