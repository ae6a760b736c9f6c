"""资源清单: what a 共建单位, a department, a team or a person offers a community.

A resource belongs to one community and has one provider: an organisation or a person,
never both (the model's check constraint holds it too). Who writes is one policy,
``permissions.may_offer_resource``: the community's staff for any provider, a unit's
contact for the unit's own, a person for their own in the community they live in or
reported to. A resource is never deleted — projects may point at it — but retired
(停用): it drops out of the list and of the suggestions on a need's page. Every change
is audited.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.text import plain_text
from volunteers import permissions
from volunteers.models import NeedCategory, Organisation, Person, Resource, User
from volunteers.services.audit import audit_record

Kind = Resource.Kind


def _texts(*, title: str, description: str, availability: str, contact: str) -> dict[str, str]:
    return {
        "title": plain_text(
            title, field="title", label=_("资源名称"), max_length=60, required=True
        ),
        "description": plain_text(
            description, field="description", label=_("说明"), max_length=1000, multiline=True
        ),
        "availability": plain_text(
            availability, field="availability", label=_("可提供时间"), max_length=100
        ),
        "contact": plain_text(contact, field="contact", label=_("联系方式"), max_length=50),
    }


def _check_kind(kind: str) -> str:
    if kind not in Kind.values:
        raise Invalid("kind", _("请选择资源类型（技能、场地、物资或服务）。"), field="kind")
    return kind


def _check_community(community: Organisation | None) -> Organisation:
    if community is None or community.kind != Organisation.Kind.COMMUNITY:
        raise Invalid("community_required", _("请选择资源服务的社区。"), field="community")
    return community


def _check_provider(organisation: Organisation | None, person: Person | None) -> None:
    if organisation is not None and person is not None:
        raise Invalid(
            "two_providers",
            _("一项资源只能由一个单位或一个人提供，请只选择其中之一。"),
            field="organisation",
        )
    if organisation is None and person is None:
        raise Invalid("provider_required", _("请选择提供资源的单位或个人。"), field="organisation")
    if organisation is not None and organisation.is_closed:
        raise Invalid(
            "provider_closed",
            _("%(name)s已撤销，不能再登记资源。") % {"name": organisation.name},
            field="organisation",
        )


def _shown(name: str, value: object) -> str:
    """A value as the audit log keeps it: a kind and a category by their Chinese names."""
    if value is None:
        return ""
    return str(Kind(str(value)).label) if name == "kind" else str(value)


def _lock(resource: Resource) -> Resource:
    try:
        return (
            Resource.objects.select_for_update(of=("self",))
            .select_related("community", "organisation", "person")
            .get(pk=resource.pk)
        )
    except Resource.DoesNotExist:
        raise NotFound("resource_not_found", _("没有找到这项资源。")) from None


def _require_changer(by: User | None, resource: Resource) -> None:
    if not permissions.may_change_resource(by, resource):
        raise Forbidden("not_resource_keeper", _("只有提供方或本社区的工作人员可以修改这项资源。"))


@transaction.atomic
def resource_add(
    *,
    by: User,
    community: Organisation | None,
    organisation: Organisation | None = None,
    person: Person | None = None,
    kind: str,
    category: NeedCategory | None,
    title: str,
    description: str = "",
    availability: str = "",
    contact: str = "",
) -> Resource:
    """Put a resource on ``community``'s list; ``category`` (optional) is the kind of
    need it meets, which is how a need's page finds it."""
    community = _check_community(community)
    _check_provider(organisation, person)
    if not permissions.may_offer_resource(
        by, community=community, organisation=organisation, person=person
    ):
        if person is not None and person.user_id == getattr(by, "pk", None):
            raise Forbidden(
                "not_own_community",
                _("只能为您所在网格的社区或报到的社区登记资源。"),
            )
        raise Forbidden(
            "not_resource_keeper",
            _("只有本社区的工作人员、单位联络人或本人可以登记这项资源。"),
        )
    resource = Resource.objects.create(
        community=community,
        organisation=organisation,
        person=person,
        kind=_check_kind(kind),
        category=category,
        created_by=by,
        **_texts(title=title, description=description, availability=availability, contact=contact),
    )
    audit_record(actor=by, action="resource.add", target=resource, organisation=community)
    return resource


@transaction.atomic
def resource_update(
    *,
    resource: Resource,
    by: User,
    kind: str,
    category: NeedCategory | None,
    title: str,
    description: str = "",
    availability: str = "",
    contact: str = "",
) -> Resource:
    """Change what is offered and when. The community and the provider stay: a resource
    offered elsewhere or by someone else is a new one."""
    resource = _lock(resource)
    _require_changer(by, resource)
    if not resource.active:
        raise Conflict("resource_retired", _("这项资源已停用，不能修改；如需恢复请重新登记。"))
    values = {
        "kind": _check_kind(kind),
        "category": category,
        **_texts(title=title, description=description, availability=availability, contact=contact),
    }
    changes = {
        name: [_shown(name, getattr(resource, name)), _shown(name, value)]
        for name, value in values.items()
        if getattr(resource, name) != value
    }
    if not changes:
        return resource
    for name, value in values.items():
        setattr(resource, name, value)
    resource.save(update_fields=list(values))
    audit_record(
        actor=by,
        action="resource.update",
        target=resource,
        organisation=resource.community,
        changes=changes,
    )
    return resource


@transaction.atomic
def resource_retire(*, resource: Resource, by: User) -> Resource:
    """停用: no longer offered. Kept (projects may name it), out of lists and suggestions."""
    resource = _lock(resource)
    _require_changer(by, resource)
    if not resource.active:
        raise Conflict("resource_retired", _("这项资源已经停用。"))
    resource.active = False
    resource.save(update_fields=["active"])
    audit_record(
        actor=by, action="resource.retire", target=resource, organisation=resource.community
    )
    return resource
