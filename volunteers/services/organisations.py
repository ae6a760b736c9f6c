"""Building the organisation tree."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Invalid
from volunteers.models import Organisation

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


@transaction.atomic
def organisation_add(
    *, parent: Organisation | None, name: str, kind: str, code: str, description: str = ""
) -> Organisation:
    """Add a node under ``parent`` (or a new root), keeping the tree's shape."""
    if parent is None:
        if kind != Organisation.Kind.TOWN:
            raise Invalid("bad_root", _("只有镇可以作为组织树的根。"))
        return Organisation.add_root(name=name, kind=kind, code=code, description=description)
    if kind not in ALLOWED_CHILDREN.get(parent.kind, set()):
        raise Invalid(
            "bad_parent",
            _("“%(parent)s”下不能添加%(kind)s。")
            % {"parent": parent.name, "kind": Organisation.Kind(kind).label},
        )
    return parent.add_child(name=name, kind=kind, code=code, description=description)
