"""需求清单 and 双项认领: recording, approving, claiming, serving and confirming needs.

A need is recorded by its grid's staff (``need_record``) or submitted by the resident
(``need_submit``, a few a day); the staff approve it (``need_publish``: 待审核 → 已公开)
or close it with a reason. A party member claims it (``need_claim``): the need's row is
locked before its places are counted, so twenty people claiming the last place at once
make exactly one claim, and a partial unique constraint refuses a second live claim by
the same person. The claimant reports the service done (``claim_report``: minutes,
date, note, optional photo); the grid's staff or the resident confirm it
(``claim_confirm``), which sends ``claim_confirmed`` for points to credit the hours and
points, in the same transaction. Once every place is claimed and every claim confirmed,
the need is 已完成.

Who may manage a need is the one rule: ``Action.MANAGE_NEEDS`` on its grid (the grid's
staff, its community's secretary and admins above). Every change is audited and told to
those concerned.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Gone, Invalid, NotFound, TooMany
from core.identity import validate_mainland_mobile
from core.jobs import queue_after_commit
from core.text import plain_text
from volunteers import permissions
from volunteers.models import (
    Campaign,
    Claim,
    Need,
    NeedCategory,
    Notification,
    Organisation,
    Person,
    ProjectPost,
    User,
)
from volunteers.services import posts
from volunteers.services.audit import audit_record
from volunteers.services.claimants import claimant_name, unit_refusal
from volunteers.services.notifications import notify
from volunteers.signals import claim_confirmed

Action = permissions.Action
Status = Need.Status
ClaimStatus = Claim.Status
Kind = Organisation.Kind

# A resident may submit this many needs in 24 hours; more waits for tomorrow (the grid's
# staff record more on their behalf if they must).
SUBMISSIONS_PER_DAY = 3
# How far ahead a deadline may be.
LONGEST_DEADLINE = datetime.timedelta(days=366)
PHOTO_MAX_BYTES = 5 * 1024 * 1024
STAFF_TOLD = 5


# ---------------------------------------------------------------- checks


def community_of(grid: Organisation) -> Organisation:
    """The community a grid lies in (the nearest community node above it)."""
    community = (
        Organisation.objects.filter(
            path__in=permissions.paths_at_and_above(grid.path), kind=Kind.COMMUNITY
        )
        .order_by("-depth")
        .first()
    )
    if community is None:
        raise Invalid("grid_outside_community", _("该网格不属于任何社区。"), field="grid")
    return community


def _check_grid(grid: Organisation | None) -> Organisation:
    if grid is None or grid.kind != Kind.GRID:
        raise Invalid("not_grid", _("请选择需求所在的网格。"), field="grid")
    if grid.is_closed:
        raise Invalid(
            "grid_closed", _("%(name)s已撤销，请选择其他网格。") % {"name": grid.name}, field="grid"
        )
    return grid


def _check_deadline(deadline: datetime.date | None, today: datetime.date) -> datetime.date:
    if deadline is None:
        raise Invalid("deadline_required", _("请填写截止日期。"), field="deadline")
    if deadline < today:
        raise Invalid("deadline_past", _("截止日期不能早于今天。"), field="deadline")
    if deadline > today + LONGEST_DEADLINE:
        raise Invalid("deadline_too_far", _("截止日期最多在一年以内。"), field="deadline")
    return deadline


def _check_places(places: int) -> int:
    if not 1 <= places <= 20:
        raise Invalid("places_range", _("认领人数应在 1 到 20 之间。"), field="places")
    return places


def _texts(
    *, title: str, description: str, public_title: str | None = None
) -> tuple[str, str, str]:
    title = plain_text(title, field="title", label=_("需求"), max_length=60, required=True)
    description = plain_text(
        description, field="description", label=_("详细说明"), max_length=1000, multiline=True
    )
    public = plain_text(
        public_title if public_title is not None else "",
        field="public_title",
        label=_("公开标题"),
        max_length=60,
    )
    return title, description, public or title


def _require_manager(by: User | None, need_or_grid: Need | Organisation) -> None:
    if not permissions.can(by, Action.MANAGE_NEEDS, need_or_grid):
        raise Forbidden("not_need_manager", _("只有本网格或社区的工作人员可以管理这项需求。"))


def _lock(need: Need) -> Need:
    try:
        return (
            Need.objects.select_for_update(of=("self",))
            .select_related("grid", "community", "resident__user", "category")
            .get(pk=need.pk)
        )
    except Need.DoesNotExist:
        raise NotFound("need_not_found", _("没有找到这项需求。")) from None


def _lock_claim(claim: Claim) -> Claim:
    try:
        return (
            Claim.objects.select_for_update(of=("self",))
            .select_related("person__user", "unit", "need", "post__project__community")
            .get(pk=claim.pk)
        )
    except Claim.DoesNotExist:
        raise NotFound("claim_not_found", _("没有找到这条认领记录。")) from None


# ---------------------------------------------------------------- telling people


def _need_url(need: Need) -> str:
    return reverse("volunteers:need_detail", args=[need.pk])


def _tell_staff(need: Need, *, event: str, title: str, body: str) -> None:
    for person in permissions.nearest_holders(Action.MANAGE_NEEDS, need.grid, limit=STAFF_TOLD):
        notify(
            person=person,
            kind=Notification.Kind.NEED,
            key=f"need:{need.pk}:{event}:{person.pk}",
            title=title,
            body=body,
            url=_need_url(need),
            channels=("email",),
        )


def _tell(person: Person | None, need: Need, *, event: str, title: str, body: str) -> None:
    if person is None:
        return
    notify(
        person=person,
        kind=Notification.Kind.NEED,
        key=f"need:{need.pk}:{event}:{person.pk}",
        title=title,
        body=body,
        url=_need_url(need),
    )


# ---------------------------------------------------------------- recording and approving


def need_submissions_today(person: Person, *, now: datetime.datetime | None = None) -> int:
    since = (now or timezone.now()) - datetime.timedelta(days=1)
    return Need.objects.filter(resident=person, created_at__gte=since).count()


@transaction.atomic
def need_submit(
    *,
    person: Person,
    grid: Organisation | None,
    kind: str,
    category: NeedCategory | None,
    title: str,
    description: str = "",
    address: str = "",
    places: int = 1,
    deadline: datetime.date | None,
) -> Need:
    """A resident's own 微心愿, in their community; it waits for the grid's staff."""
    grid = _check_grid(grid)
    if person.home_grid_id is None:
        raise Invalid("no_home_grid", _("请先加入您居住的网格，再提交微心愿。"), field="grid")
    home_community = community_of(person.home_grid)  # type: ignore[arg-type]
    if not home_community.contains(grid):
        raise Invalid(
            "outside_community",
            _("只能为您所在的%(community)s提交微心愿。") % {"community": home_community.name},
            field="grid",
        )
    # Lock the person: two taps on a poor signal queue here, and the count below is true.
    person = Person.objects.select_for_update().get(pk=person.pk)
    if need_submissions_today(person) >= SUBMISSIONS_PER_DAY:
        raise TooMany(
            "too_many_needs",
            _("24 小时内最多提交 %(n)d 个微心愿，请明天再提交，或联系网格员。")
            % {"n": SUBMISSIONS_PER_DAY},
        )
    need = _create(
        grid=grid,
        community=home_community,
        kind=kind,
        category=category,
        title=title,
        description=description,
        resident=person,
        resident_name=person.real_name,
        resident_phone=person.phone,
        address=address,
        places=places,
        deadline=deadline,
        by=person.user,
    )
    audit_record(actor=person.user, action="need.submit", target=need, organisation=grid)
    _tell_staff(
        need,
        event="submitted",
        title=_("新的微心愿待审核：%(title)s") % {"title": need.title},
        body=_("%(grid)s的居民提交了微心愿，请在管理后台“需求清单”中审核。") % {"grid": grid.name},
    )
    return need


def _create(
    *,
    grid: Organisation,
    community: Organisation,
    kind: str,
    category: NeedCategory | None,
    title: str,
    description: str,
    resident: Person | None,
    resident_name: str,
    resident_phone: str,
    address: str,
    places: int,
    deadline: datetime.date | None,
    by: User | None,
    public_title: str | None = None,
    campaign: Campaign | None = None,
) -> Need:
    today = timezone.localdate()
    if kind not in Need.Kind.values:
        raise Invalid("kind", _("请选择需求类型（物品类或服务类）。"), field="kind")
    if category is None:
        raise Invalid("category_required", _("请选择需求类别。"), field="category")
    title, description, public = _texts(
        title=title, description=description, public_title=public_title
    )
    return Need.objects.create(
        community=community,
        grid=grid,
        kind=kind,
        category=category,
        title=title,
        public_title=public,
        description=description,
        resident=resident,
        resident_name=resident_name,
        resident_phone=resident_phone,
        address=plain_text(address, field="address", label=_("地址"), max_length=120),
        places=_check_places(places),
        deadline=_check_deadline(deadline, today),
        submitted_by=by,
        campaign=campaign,
    )


@transaction.atomic
def need_record(
    *,
    by: User,
    grid: Organisation | None,
    kind: str,
    category: NeedCategory | None,
    title: str,
    resident_name: str,
    resident_phone: str = "",
    address: str = "",
    description: str = "",
    public_title: str | None = None,
    places: int = 1,
    deadline: datetime.date | None,
    publish: bool = False,
    campaign: Campaign | None = None,
) -> Need:
    """The grid's staff write down a resident's need (and may approve it at once), tagged
    with a 提升行动 if they choose one."""
    grid = _check_grid(grid)
    _require_manager(by, grid)
    resident_name = plain_text(
        resident_name, field="resident_name", label=_("需求人姓名"), max_length=50, required=True
    )
    resident_phone = (resident_phone or "").strip()
    if resident_phone:
        try:
            validate_mainland_mobile(resident_phone)
        except ValidationError as error:
            raise Invalid("resident_phone", error.messages[0], field="resident_phone") from None
    resident = Person.objects.filter(phone=resident_phone).first() if resident_phone else None
    need = _create(
        grid=grid,
        community=community_of(grid),
        kind=kind,
        category=category,
        title=title,
        description=description,
        resident=resident,
        resident_name=resident_name,
        resident_phone=resident_phone,
        address=address,
        places=places,
        deadline=deadline,
        by=by,
        public_title=public_title,
        campaign=campaign,
    )
    audit_record(actor=by, action="need.record", target=need, organisation=grid)
    if publish:
        need = need_publish(need=need, by=by)
    return need


@transaction.atomic
def need_publish(*, need: Need, by: User, public_title: str | None = None) -> Need:
    """待审核 → 已公开: the public sees its public title, party members may claim it."""
    need = _lock(need)
    _require_manager(by, need)
    if need.status != Status.PENDING:
        raise Conflict(
            "not_pending",
            _("这项需求当前为“%(status)s”，不能再审核公开。")
            % {"status": need.get_status_display()},
        )
    if need.deadline < timezone.localdate():
        raise Conflict("deadline_past", _("截止日期已过，请修改截止日期或关闭这项需求。"))
    if public_title is not None:
        _title, _description, need.public_title = _texts(
            title=need.title, description="", public_title=public_title
        )
    need.status = Status.PUBLISHED
    need.published_at = timezone.now()
    need.save(update_fields=["public_title", "status", "published_at"])
    audit_record(
        actor=by,
        action="need.publish",
        target=need,
        organisation=need.grid,
        public_title=need.public_title,
    )
    # Matching (services.needs_matching): tell the party members whose skills fit, once.
    # run_here: a broker away must not lose it; the job is a few inserts.
    queue_after_commit("volunteers.tasks.need_match", need.pk, run_here=True)
    _tell(
        need.resident,
        need,
        event="published",
        title=_("您的微心愿已公开"),
        body=_("“%(title)s”已审核通过，在微心愿墙上等待党员认领。") % {"title": need.title},
    )
    return need


@transaction.atomic
def need_close(*, need: Need, by: User, reason: str) -> Need:
    """Close a need that will not be met (or was withdrawn by the resident), with a reason.

    Claims not yet served are withdrawn and their claimants told; a claim whose service
    is waiting for confirmation must be confirmed first, so nobody's service is lost.
    """
    need = _lock(need)
    is_resident = need.resident is not None and need.resident.user_id == getattr(by, "pk", None)
    if not is_resident:
        _require_manager(by, need)
    reason = plain_text(reason, field="reason", label=_("关闭原因"), max_length=200, required=True)
    if need.status in (Status.DONE, Status.CLOSED):
        raise Conflict(
            "need_finished",
            _("这项需求已%(status)s，不能关闭。") % {"status": need.get_status_display()},
        )
    claims = list(
        Claim.objects.select_for_update(of=("self",))
        .filter(need=need, status__in=Claim.LIVE_STATUSES)
        .select_related("person")
    )
    if any(claim.status == ClaimStatus.REPORTED for claim in claims):
        raise Conflict("claims_reported", _("有认领人已提交完成情况，请先确认，再关闭这项需求。"))
    if is_resident and claims and not permissions.can(by, Action.MANAGE_NEEDS, need):
        raise Conflict("already_claimed", _("已有党员认领，如需撤回请联系网格员。"))
    now = timezone.now()
    for claim in claims:
        if claim.status == ClaimStatus.CLAIMED:
            claim.status, claim.withdrawn_at = ClaimStatus.WITHDRAWN, now
            claim.save(update_fields=["status", "withdrawn_at"])
            _tell(
                claim.person,
                need,
                event="closed",
                title=_("您认领的需求已关闭"),
                body=_("“%(title)s”已关闭：%(reason)s")
                % {"title": need.public_title, "reason": reason},
            )
    need.claimed_places = sum(1 for c in claims if c.status == ClaimStatus.CONFIRMED)
    need.status, need.close_reason, need.closed_at = Status.CLOSED, reason, now
    need.save(update_fields=["status", "close_reason", "closed_at", "claimed_places"])
    audit_record(actor=by, action="need.close", target=need, organisation=need.grid, reason=reason)
    if not is_resident:
        _tell(
            need.resident,
            need,
            event="closed",
            title=_("您的微心愿已关闭"),
            body=_("“%(title)s”已关闭：%(reason)s") % {"title": need.title, "reason": reason},
        )
    return need


@transaction.atomic
def need_set_campaign(*, need: Need, campaign: Campaign | None, by: User) -> Need:
    """Tag a need with a 提升行动 (or none): it then counts in that campaign's figures.

    Any state: a need met last month may be tagged afterwards for the quarter's report.
    A campaign no longer running (正在开展 off) is not offered, except the one it has.
    """
    need = _lock(need)
    _require_manager(by, need)
    if campaign is not None and not campaign.active and campaign.pk != need.campaign_id:
        raise Invalid(
            "campaign_inactive",
            _("“%(name)s”已停止开展，请选择其他提升行动。") % {"name": campaign.name},
            field="campaign",
        )
    if (campaign.pk if campaign else None) == need.campaign_id:
        return need  # nothing changes: nothing to audit
    old_campaign = need.campaign.name if need.campaign else ""
    need.campaign = campaign
    need.save(update_fields=["campaign"])
    audit_record(
        actor=by,
        action="need.campaign",
        target=need,
        organisation=need.grid,
        campaign=campaign.name if campaign else "",
        old_campaign=old_campaign,
    )
    return need


# ---------------------------------------------------------------- claiming


def claim_refusal(
    need: Need,
    person: Person | None,
    *,
    today: datetime.date | None = None,
    unit: Organisation | None = None,
) -> Conflict | Forbidden | Gone | None:
    """Why ``person`` may not claim ``need`` now (for ``unit``, if given), or None. Pages
    use it to explain. A unit's contact need not be a party member: the unit claims."""
    today = today or timezone.localdate()
    if person is not None and unit is not None:
        refused = unit_refusal(person.user, unit)
        if refused is not None:
            return refused
    elif person is None or not person.is_party_member:
        return Forbidden(
            "not_party_member",
            _("双项认领面向党员；志愿者可以报名参加志愿活动。"),
        )
    if need.status == Status.CLOSED:
        return Conflict("need_closed", _("这项需求已关闭。"))
    if need.status == Status.DONE:
        return Conflict("need_done", _("这项需求已完成。"))
    if need.status == Status.PENDING:
        return Conflict("need_pending", _("这项需求尚未审核公开，暂不能认领。"))
    if need.is_past_deadline(today):
        return Gone("need_past_deadline", _("这项需求已过截止日期，不能再认领。"))
    if need.resident_id is not None and need.resident_id == person.pk:
        return Conflict("own_need", _("不能认领自己提交的需求。"))
    if need.open_places <= 0:
        return Conflict("need_full", _("这项需求的认领名额已满。"))
    return None


@transaction.atomic
def need_claim(*, need: Need, person: Person, unit: Organisation | None = None) -> Claim:
    """Claim a place on ``need``: first come, under the need's row lock.

    ``unit``: a 单位认领, made by ``person`` as the unit's contact; one live claim per unit,
    and it takes a place like anyone's.
    """
    need = _lock(need)
    if unit is not None:
        refused = unit_refusal(person.user, unit)
        if refused is not None:
            raise refused  # before anything about the need: not theirs to ask
        mine = Claim.objects.filter(need=need, unit=unit)
        already = _("本单位已认领这项需求。")
    else:
        mine = Claim.objects.filter(need=need, person=person, unit__isnull=True)
        already = _("您已经认领了这项需求。")
    if mine.filter(status__in=Claim.LIVE_STATUSES).exists():
        raise Conflict("already_claimed", already)
    refusal = claim_refusal(need, person, unit=unit)
    if refusal is not None:
        raise refusal
    try:
        with transaction.atomic():
            claim = Claim.objects.create(need=need, person=person, unit=unit)
    except IntegrityError:
        raise Conflict("already_claimed", already) from None
    need.claimed_places += 1
    if need.claimed_places >= need.places:
        need.status = Status.CLAIMED
    need.save(update_fields=["claimed_places", "status"])
    audit_record(
        actor=person.user,
        action="need.claim",
        target=claim,
        organisation=need.grid,
        **({"unit": unit.name} if unit is not None else {}),
    )
    who = claimant_name(claim)
    _tell(
        need.resident,
        need,
        event=f"claimed:{claim.pk}",
        title=_("您的微心愿有人认领了"),
        body=_("%(who)s认领了“%(title)s”，会与您联系。") % {"who": who, "title": need.title},
    )
    _tell_staff(
        need,
        event=f"claimed:{claim.pk}",
        title=_("需求已被认领：%(title)s") % {"title": need.title},
        body=_("%(who)s认领了%(grid)s的需求“%(title)s”。")
        % {"who": who, "grid": need.grid.name, "title": need.title},
    )
    return claim


@transaction.atomic
def claim_withdraw(*, claim: Claim, person: Person) -> Claim:
    """The claimant gives their place back before serving."""
    claim = _lock_claim(claim)
    if claim.person_id != person.pk:
        raise NotFound("claim_not_found", _("没有找到这条认领记录。"))
    if claim.post is not None:
        return _post_claim_withdraw(claim, person)
    need = _lock(_need_of(claim))
    if claim.status != ClaimStatus.CLAIMED:
        raise Conflict(
            "claim_not_open",
            _("这条认领当前为“%(status)s”，不能撤回。") % {"status": claim.get_status_display()},
        )
    claim.status, claim.withdrawn_at = ClaimStatus.WITHDRAWN, timezone.now()
    claim.save(update_fields=["status", "withdrawn_at"])
    need.claimed_places = max(0, need.claimed_places - 1)
    if need.status == Status.CLAIMED:
        need.status = Status.PUBLISHED
    need.save(update_fields=["claimed_places", "status"])
    audit_record(actor=person.user, action="claim.withdraw", target=claim, organisation=need.grid)
    _tell_staff(
        need,
        event=f"withdrawn:{claim.pk}",
        title=_("认领已撤回：%(title)s") % {"title": need.title},
        body=_("%(name)s撤回了对“%(title)s”的认领，需求重新等待认领。")
        % {"name": person.real_name, "title": need.title},
    )
    return claim


def _need_of(claim: Claim) -> Need:
    if claim.need is None:  # the check constraint: a claim without a post has a need
        raise NotFound("claim_not_found", _("没有找到这条认领记录。"))
    return claim.need


def _post_claim_withdraw(claim: Claim, person: Person) -> Claim:
    """``claim_withdraw`` for a claim on a project's post: the post's lock, its place."""
    post = posts.lock_post(claim.post)  # type: ignore[arg-type]
    if claim.status != ClaimStatus.CLAIMED:
        raise Conflict(
            "claim_not_open",
            _("这条认领当前为“%(status)s”，不能撤回。") % {"status": claim.get_status_display()},
        )
    claim.status, claim.withdrawn_at = ClaimStatus.WITHDRAWN, timezone.now()
    claim.save(update_fields=["status", "withdrawn_at"])
    post.claimed_places = max(0, post.claimed_places - 1)
    post.save(update_fields=["claimed_places"])
    audit_record(
        actor=person.user,
        action="claim.withdraw",
        target=claim,
        organisation=post.project.community,
    )
    posts.tell_project_staff(
        post.project,
        event=f"withdrawn:{claim.pk}",
        title=_("认领已撤回：%(title)s") % {"title": str(post)},
        body=_("%(name)s撤回了对“%(title)s”的认领，名额重新开放。")
        % {"name": person.real_name, "title": str(post)},
    )
    return claim


def _check_photo(photo: "UploadedFile[bytes] | None") -> None:
    if photo is None:
        return
    if photo.size is not None and photo.size > PHOTO_MAX_BYTES:
        raise Invalid("photo_too_large", _("照片不能超过 5 MB。"), field="photo")
    from PIL import Image, UnidentifiedImageError  # Pillow: a Wagtail dependency

    try:
        with Image.open(photo) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Invalid(
            "photo_not_image", _("照片无法识别，请上传 JPG 或 PNG 图片。"), field="photo"
        ) from None
    photo.seek(0)


@transaction.atomic
def claim_report(
    *,
    claim: Claim,
    person: Person,
    minutes: int | None,
    served_on: datetime.date | None,
    note: str = "",
    photo: "UploadedFile[bytes] | None" = None,
) -> Claim:
    """The claimant says the service is done: how long, which day, what was done."""
    claim = _lock_claim(claim)
    if claim.person_id != person.pk:
        raise NotFound("claim_not_found", _("没有找到这条认领记录。"))
    need: Need | None = None
    post: ProjectPost | None = None
    if claim.post is not None:
        post = posts.lock_post(claim.post)
    else:
        need = _lock(_need_of(claim))
    if claim.status != ClaimStatus.CLAIMED:
        raise Conflict(
            "claim_not_open",
            _("这条认领当前为“%(status)s”，不能再提交完成情况。")
            % {"status": claim.get_status_display()},
        )
    if need is not None and need.status == Status.CLOSED:
        raise Conflict("need_closed", _("这项需求已关闭。"))
    if post is not None and post.project.status in (
        post.project.Status.DONE,
        post.project.Status.CANCELLED,
    ):
        raise Conflict("project_finished", _("项目已结束。"))
    if minutes is None or not 1 <= minutes <= 24 * 60:
        raise Invalid("minutes_range", _("服务时长应在 1 分钟到 24 小时之间。"), field="minutes")
    today = timezone.localdate()
    claimed_on = timezone.localdate(claim.claimed_at)
    if served_on is None or not claimed_on <= served_on <= today:
        raise Invalid(
            "served_on_range",
            _("服务日期应在认领当天（%(from)s）到今天之间。") % {"from": claimed_on.isoformat()},
            field="served_on",
        )
    claim.note = plain_text(
        note, field="note", label=_("完成情况"), max_length=300, required=True, multiline=True
    )
    _check_photo(photo)
    if photo is not None:
        claim.photo = photo
    claim.minutes, claim.served_on = minutes, served_on
    claim.status, claim.reported_at = ClaimStatus.REPORTED, timezone.now()
    claim.save()
    if post is not None:
        audit_record(
            actor=person.user,
            action="claim.report",
            target=claim,
            organisation=post.project.community,
            minutes=minutes,
        )
        posts.tell_project_staff(
            post.project,
            event=f"reported:{claim.pk}",
            title=_("请确认：%(title)s") % {"title": str(post)},
            body=_("%(name)s已完成“%(title)s”的服务（%(minutes)d 分钟），请确认。")
            % {"name": person.real_name, "title": str(post), "minutes": minutes},
        )
        return claim
    assert need is not None  # noqa: S101 -- a claim without a post has a need
    audit_record(
        actor=person.user,
        action="claim.report",
        target=claim,
        organisation=need.grid,
        minutes=minutes,
    )
    _tell_staff(
        need,
        event=f"reported:{claim.pk}",
        title=_("请确认：%(title)s") % {"title": need.title},
        body=_("%(name)s已完成“%(title)s”的服务（%(minutes)d 分钟），请确认。")
        % {"name": person.real_name, "title": need.title, "minutes": minutes},
    )
    _tell(
        need.resident,
        need,
        event=f"reported:{claim.pk}",
        title=_("请确认微心愿已完成"),
        body=_("%(name)s说“%(title)s”已完成，请在“我的微心愿”中确认。")
        % {"name": person.real_name, "title": need.title},
    )
    return claim


def may_confirm(user: User | None, need: Need) -> bool:
    """The grid's staff (the one rule) or the resident the need is for."""
    if user is None or not user.is_authenticated:
        return False
    if need.resident is not None and need.resident.user_id == user.pk:
        return True
    return permissions.can(user, Action.MANAGE_NEEDS, need)


def _confirm_status(claim: Claim, by: User) -> None:
    if claim.status == ClaimStatus.CONFIRMED:
        raise Conflict("already_confirmed", _("这条认领已确认完成。"))
    if claim.status != ClaimStatus.REPORTED:
        raise Conflict("not_reported", _("认领人尚未提交完成情况，不能确认。"))
    claim.status, claim.confirmed_at, claim.confirmed_by = (
        ClaimStatus.CONFIRMED,
        timezone.now(),
        by,
    )
    claim.save(update_fields=["status", "confirmed_at", "confirmed_by"])


def _confirmed_body(claim: Claim, title: str) -> str:
    if claim.unit is not None:
        # points skips a unit's claim: the unit served, not the contact.
        return _("“%(title)s”已确认完成，计入%(unit)s的双报到反馈（单位认领不计个人积分）。") % {
            "title": title,
            "unit": claim.unit.name,
        }
    return _("“%(title)s”的服务已确认完成，服务时长和积分已计入。") % {"title": title}


@transaction.atomic
def claim_confirm(*, claim: Claim, by: User) -> Claim:
    """The service was given: credit it (points, through ``claim_confirmed``)."""
    claim = _lock_claim(claim)
    if claim.post is not None:
        post = posts.lock_post(claim.post)
        if not posts.may_confirm_post_claim(by, post):
            raise Forbidden(
                "not_confirmer", _("只有社区工作人员或轮值主席单位的联络人可以确认完成。")
            )
        if claim.person.user_id == by.pk:
            raise Forbidden("own_claim", _("不能确认自己的认领，请由社区工作人员确认。"))
        _confirm_status(claim, by)
        audit_record(
            actor=by, action="claim.confirm", target=claim, organisation=post.project.community
        )
        # points credits the hours and points here, in this transaction (an error undoes all).
        claim_confirmed.send(sender=Claim, claim=claim)
        posts.tell_claimant(
            claim.person,
            post.project,
            event=f"confirmed:{claim.pk}",
            title=_("认领服务已确认"),
            body=_confirmed_body(claim, str(post)),
        )
        return claim
    need = _lock(_need_of(claim))
    if not may_confirm(by, need):
        raise Forbidden("not_confirmer", _("只有本网格的工作人员或需求人本人可以确认完成。"))
    if claim.person.user_id == by.pk:
        raise Forbidden("own_claim", _("不能确认自己的认领，请由网格员或需求人确认。"))
    _confirm_status(claim, by)
    if (
        need.open_places == 0
        and not Claim.objects.filter(
            need=need, status__in=(ClaimStatus.CLAIMED, ClaimStatus.REPORTED)
        ).exists()
    ):
        need.status, need.completed_at = Status.DONE, claim.confirmed_at
        need.save(update_fields=["status", "completed_at"])
    audit_record(actor=by, action="claim.confirm", target=claim, organisation=need.grid)
    # points credits the hours and points here, in this transaction (an error undoes all).
    claim_confirmed.send(sender=Claim, claim=claim)
    _tell(
        claim.person,
        need,
        event=f"confirmed:{claim.pk}",
        title=_("认领服务已确认"),
        body=_confirmed_body(claim, need.public_title),
    )
    return claim
