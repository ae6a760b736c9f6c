"""Building the organisation tree: adding, renaming, moving and closing its nodes.

Whoever builds the tree needs ``MANAGE_ROLES`` on the nodes concerned (``by=None`` is
the system: the demo seed, imports, tests). Every change is audited. A move changes
the nodes above everyone linked to the moved subtree, so it tells the layers above
(``volunteers.signals.organisation_moved``): points copies their totals to the
rankings they now belong to, in the same transaction.
"""

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from volunteers import permissions
from volunteers.models import Activity, Membership, Organisation, User
from volunteers.services.audit import audit_record
from volunteers.services.memberships import membership_end
from volunteers.signals import organisation_moved

# Which kinds of node may sit under which: keeps the tree the shape the town has.
ALLOWED_CHILDREN: dict[str, set[str]] = {
    Organisation.Kind.TOWN: {
        Organisation.Kind.COMMUNITY,
        Organisation.Kind.DETACHMENT,
        Organisation.Kind.UNIT,
    },
    Organisation.Kind.COMMUNITY: {Organisation.Kind.GRID, Organisation.Kind.PARTY_COMMITTEE},
    Organisation.Kind.PARTY_COMMITTEE: {Organisation.Kind.PARTY_BRANCH},
    Organisation.Kind.PARTY_BRANCH: {Organisation.Kind.PARTY_GROUP},
    Organisation.Kind.DETACHMENT: {Organisation.Kind.SQUAD},
    Organisation.Kind.SQUAD: {Organisation.Kind.TEAM},
    Organisation.Kind.GRID: set(),
    Organisation.Kind.PARTY_GROUP: set(),
    Organisation.Kind.TEAM: set(),
    Organisation.Kind.UNIT: set(),
}

NAME_MAX = Organisation._meta.get_field("name").max_length or 100
CODE_MAX = Organisation._meta.get_field("code").max_length or 64
REASON_MAX = 200
CODE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]+$")
# How many open children a refusal to close names before "等".
NAMED_CHILDREN = 3
# The word a generated code gives each kind: liyuan-grid-49, liyuan-pc-branch-5.
KIND_CODES: dict[str, str] = {
    Organisation.Kind.TOWN: "town",
    Organisation.Kind.COMMUNITY: "community",
    Organisation.Kind.GRID: "grid",
    Organisation.Kind.PARTY_COMMITTEE: "pc",
    Organisation.Kind.PARTY_BRANCH: "branch",
    Organisation.Kind.PARTY_GROUP: "group",
    Organisation.Kind.DETACHMENT: "detachment",
    Organisation.Kind.SQUAD: "squad",
    Organisation.Kind.TEAM: "team",
    Organisation.Kind.UNIT: "unit",
}


def allowed_child_kinds(parent: Organisation) -> list[str]:
    """The kinds that may be added under ``parent``, in the order of ``Organisation.Kind``."""
    allowed = ALLOWED_CHILDREN.get(parent.kind, set())
    return [kind for kind in Organisation.Kind.values if kind in allowed]


def may_hold(parent: Organisation, kind: str) -> bool:
    return kind in ALLOWED_CHILDREN.get(parent.kind, set())


def _require_tree_builder(by: User | None, organisation: Organisation) -> None:
    if by is not None and not permissions.can(by, permissions.Action.MANAGE_ROLES, organisation):
        raise Forbidden(
            "forbidden",
            _("您无权管理“%(name)s”的组织架构。") % {"name": organisation.name},
        )


def _locked(organisation: Organisation) -> Organisation:
    """The node as stored now, locked: treebeard computes paths from the row, not a copy."""
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid("missing_name", _("请填写组织名称。"), field="name")
    if len(name) > NAME_MAX:
        raise Invalid(
            "name_too_long", _("组织名称最多 %(max)d 个字。") % {"max": NAME_MAX}, field="name"
        )
    return name


def _clean_code(code: str) -> str:
    code = code.strip()
    if len(code) > CODE_MAX:
        raise Invalid(
            "code_too_long", _("组织编码最多 %(max)d 个字符。") % {"max": CODE_MAX}, field="code"
        )
    if not CODE_PATTERN.match(code):
        raise Invalid(
            "bad_code",
            _("组织编码只能由英文字母、数字、连字符“-”和下划线“_”组成，例如 liyuan-grid-03。"),
            field="code",
        )
    if Organisation.objects.filter(code=code).exists():
        raise Conflict(
            "code_taken", _("编码“%(code)s”已被其他组织使用。") % {"code": code}, field="code"
        )
    return code


def generated_code(parent: Organisation | None, kind: str) -> str:
    """A free code from the parent's and the kind's: ``<parent>-<kind>-<n>``, n counting on
    from the parent's children of that kind (liyuan-grid-49), within ``CODE_MAX``."""
    word = KIND_CODES.get(kind, "org")
    if parent is None:
        base, n = word, Organisation.get_root_nodes().filter(kind=kind).count() + 1
    else:
        base, n = f"{parent.code}-{word}", parent.get_children().filter(kind=kind).count() + 1
    while True:
        suffix = f"-{n}"
        code = f"{base[: CODE_MAX - len(suffix)].rstrip('-_')}{suffix}"
        if not Organisation.objects.filter(code=code).exists():
            return code
        n += 1


def _refuse_closed(parent: Organisation) -> None:
    if parent.is_closed:
        raise Conflict(
            "parent_closed",
            _("“%(name)s”已撤销，不能再在其下添加或移入组织。") % {"name": parent.name},
        )


def _refuse_kind(parent: Organisation, kind: str, field: str | None = None) -> None:
    if not may_hold(parent, kind):
        raise Invalid(
            "bad_parent",
            _("“%(parent)s”下不能添加%(kind)s。")
            % {"parent": parent.name, "kind": Organisation.Kind(kind).label},
            field=field,
        )


@transaction.atomic
def organisation_add(
    *,
    parent: Organisation | None,
    name: str,
    kind: str,
    code: str = "",
    description: str = "",
    by: User | None = None,
) -> Organisation:
    """Add a node under ``parent`` (or a new root), keeping the tree's shape.

    Without a ``code`` the node gets a free one made from its parent's (``generated_code``).
    """
    if kind not in Organisation.Kind.values:
        raise Invalid("bad_kind", _("未知的组织类型。"), field="kind")
    if parent is None:
        if by is not None and not permissions.is_superuser(by):
            raise Forbidden("forbidden", _("只有系统管理员可以新建一个镇。"))
        if kind != Organisation.Kind.TOWN:
            raise Invalid("bad_root", _("只有镇可以作为组织树的根。"), field="kind")
    else:
        _require_tree_builder(by, parent)
        parent = _locked(parent)
        _refuse_closed(parent)
        _refuse_kind(parent, kind, field="kind")
    fields = {
        "name": _clean_name(name),
        "kind": kind,
        "code": _clean_code(code) if (code or "").strip() else generated_code(parent, kind),
        "description": (description or "").strip(),
    }
    try:
        with transaction.atomic():
            node = Organisation.add_root(**fields) if parent is None else parent.add_child(**fields)
    except IntegrityError:
        # Another writer took the code between the check and the insert.
        raise Conflict(
            "code_taken", _("编码“%(code)s”已被其他组织使用。") % fields, field="code"
        ) from None
    audit_record(
        actor=by,
        action="organisation.add",
        target=node,
        organisation=node,
        parent_id=parent.pk if parent is not None else None,
        kind=kind,
        code=node.code,
    )
    return node


@transaction.atomic
def organisation_rename(
    *, organisation: Organisation, name: str, description: str = "", by: User | None = None
) -> Organisation:
    """Give a node a new name and description."""
    _require_tree_builder(by, organisation)
    node = _locked(organisation)
    old_name = node.name
    node.name = _clean_name(name)
    node.description = (description or "").strip()
    node.save(update_fields=["name", "description"])
    audit_record(
        actor=by,
        action="organisation.rename",
        target=node,
        organisation=node,
        old_name=old_name,
        new_name=node.name,
    )
    return node


@transaction.atomic
def organisation_move(
    *, organisation: Organisation, new_parent: Organisation, by: User | None = None
) -> Organisation:
    """Hang a node (and everything under it) under another parent of a fitting kind."""
    _require_tree_builder(by, organisation)
    _require_tree_builder(by, new_parent)
    node = _locked(organisation)
    target = _locked(new_parent)
    if target.path.startswith(node.path):
        raise Invalid(
            "move_into_itself",
            _("不能把“%(name)s”移到它自己或它的下级组织“%(target)s”之下。")
            % {"name": node.name, "target": target.name},
            field="new_parent",
        )
    old_parent = node.get_parent()
    if old_parent is not None and old_parent.pk == target.pk:
        raise Invalid(
            "same_parent",
            _("“%(name)s”已经在“%(target)s”之下。") % {"name": node.name, "target": target.name},
            field="new_parent",
        )
    _refuse_closed(target)
    if not may_hold(target, node.kind):
        raise Invalid(
            "bad_parent",
            _("%(kind)s不能放在%(parent_kind)s“%(parent)s”之下。")
            % {
                "kind": node.get_kind_display(),
                "parent_kind": target.get_kind_display(),
                "parent": target.name,
            },
            field="new_parent",
        )
    node.move(target, "last-child")
    node.refresh_from_db()
    if by is not None:
        permissions.forget_grants(by)  # the paths it holds its roles on may have moved
    audit_record(
        actor=by,
        action="organisation.move",
        target=node,
        organisation=node,
        old_parent_id=old_parent.pk if old_parent is not None else None,
        old_parent=old_parent.name if old_parent is not None else "",
        new_parent_id=target.pk,
        new_parent=target.name,
    )
    # Everyone linked to the subtree now ranks under other nodes: points follows here.
    organisation_moved.send(sender=Organisation, organisation=node)
    return node


@transaction.atomic
def organisation_close(
    *, organisation: Organisation, reason: str, by: User | None = None
) -> Organisation:
    """Close (撤销) a node: no more children, roles or activities; its roles end today."""
    _require_tree_builder(by, organisation)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("missing_reason", _("请填写撤销原因。"), field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid(
            "reason_too_long",
            _("撤销原因最多 %(max)d 个字。") % {"max": REASON_MAX},
            field="reason",
        )
    node = _locked(organisation)
    if node.is_closed:
        raise Conflict(
            "already_closed",
            _("“%(name)s”已于 %(date)s 撤销。") % {"name": node.name, "date": node.closed_on},
        )
    open_children = list(
        node.get_children().filter(closed_on__isnull=True).values_list("name", flat=True)
    )
    if open_children:
        named = "、".join(open_children[:NAMED_CHILDREN])
        if len(open_children) > NAMED_CHILDREN:
            named = _("%(names)s等 %(count)d 个") % {"names": named, "count": len(open_children)}
        raise Conflict(
            "open_children",
            _("“%(name)s”还有未撤销的下级组织：%(children)s。请先撤销或移走它们。")
            % {"name": node.name, "children": named},
        )
    upcoming = Activity.objects.upcoming().filter(organisation__path__startswith=node.path).count()
    if upcoming:
        raise Conflict(
            "upcoming_activities",
            _("“%(name)s”还有 %(count)d 个已发布、尚未结束的活动，请先取消或等它们结束。")
            % {"name": node.name, "count": upcoming},
        )
    node.closed_on = timezone.localdate()
    node.save(update_fields=["closed_on"])
    memberships = (
        Membership.objects.current()
        .filter(organisation=node)
        .select_related("person__user", "organisation")
        .order_by("pk")
    )
    ended = 0
    for membership in memberships:
        membership_end(membership=membership, by=by)
        ended += 1
    audit_record(
        actor=by,
        action="organisation.close",
        target=node,
        organisation=node,
        reason=reason,
        memberships_ended=ended,
    )
    return node


@transaction.atomic
def organisation_set_based_in(
    *, squad: Organisation, community: Organisation | None, by: User | None = None
) -> Organisation:
    """Base a squad in a community (or nowhere): that community's staff run it too."""
    _require_tree_builder(by, squad)
    node = _locked(squad)
    if node.kind != Organisation.Kind.SQUAD:
        raise Invalid("not_a_squad", _("只有志愿服务小分队可以设置所在社区。"), field="community")
    if community is not None:
        if community.kind != Organisation.Kind.COMMUNITY:
            raise Invalid(
                "not_a_community",
                _("“%(name)s”不是社区。") % {"name": community.name},
                field="community",
            )
        if community.is_closed:
            raise Conflict(
                "community_closed",
                _("“%(name)s”已撤销，小分队不能设在该社区。") % {"name": community.name},
                field="community",
            )
        if community.path[: Organisation.steplen] != node.path[: Organisation.steplen]:
            raise Invalid(
                "other_town",
                _("“%(name)s”不在小分队所在的镇。") % {"name": community.name},
                field="community",
            )
    old = node.based_in
    node.based_in = community
    node.save(update_fields=["based_in"])
    if by is not None:
        permissions.forget_grants(by)
    audit_record(
        actor=by,
        action="organisation.based_in",
        target=node,
        organisation=node,
        old_community_id=old.pk if old is not None else None,
        community_id=community.pk if community is not None else None,
        community=community.name if community is not None else "",
    )
    return node
