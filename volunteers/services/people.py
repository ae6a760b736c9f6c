"""Creating and changing people."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from core.identity import (
    id_number_digest,
    new_volunteer_number,
    normalise_id_number,
    normalise_phone,
    protect_id_number,
    validate_id_number,
    validate_mainland_mobile,
)
from core.masking import mask_phone
from volunteers import permissions
from volunteers.models import Organisation, Person, User
from volunteers.services.audit import audit_record


def _check_phone(phone: str, *, exclude_pk: int | None = None) -> str:
    phone = normalise_phone(phone)
    try:
        validate_mainland_mobile(phone)
    except ValidationError as exc:
        raise Invalid("invalid_phone", exc.messages[0], field="phone") from None
    taken = Person.objects.filter(phone=phone)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Conflict("duplicate_phone", _("该手机号已登记。"), field="phone")
    return phone


def _check_id_number(id_number: str, *, exclude_pk: int | None = None) -> str:
    id_number = normalise_id_number(id_number)
    try:
        validate_id_number(id_number)
    except ValidationError as exc:
        raise Invalid(exc.code or "invalid_id", exc.messages[0], field="id_number") from None
    digest = id_number_digest(id_number)
    taken = Person.objects.filter(id_number_digest=digest)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Conflict("duplicate_id", _("该身份证号已登记。"), field="id_number")
    return id_number


def _check_party_fields(
    political_status: str, in_service: bool, party_branch: Organisation | None
) -> None:
    is_party = political_status in Person.PARTY_STATUSES
    if in_service and not is_party:
        raise Invalid(
            "not_party_member", _("只有中共党员或预备党员可以登记为在职党员。"), field="in_service"
        )
    if party_branch is not None and not is_party:
        raise Invalid("not_party_member", _("只有党员可以登记所在党支部。"), field="party_branch")


@transaction.atomic
def person_create(
    *,
    real_name: str,
    phone: str,
    political_status: str = Person.PoliticalStatus.MASSES,
    home_grid: Organisation | None = None,
    skills: str = "",
    date_joined: datetime.date | None = None,
    party_branch: Organisation | None = None,
    employer_unit: Organisation | None = None,
    in_service: bool = False,
    id_number: str = "",
    user: User | None = None,
    phone_verified: bool = False,
) -> Person:
    """Register a person with a fresh volunteer number."""
    real_name = (real_name or "").strip()
    if not real_name:
        raise Invalid("missing_name", _("请填写姓名。"), field="real_name")
    phone = _check_phone(phone)
    _check_party_fields(political_status, in_service, party_branch)
    person = Person(
        real_name=real_name,
        phone=phone,
        phone_verified=phone_verified,
        political_status=political_status,
        home_grid=home_grid,
        skills=skills.strip(),
        date_joined=date_joined or timezone.localdate(),
        party_branch=party_branch,
        employer_unit=employer_unit,
        in_service=in_service,
        user=user,
    )
    if id_number:
        digest, ciphertext, masked = protect_id_number(_check_id_number(id_number))
        person.id_number_digest = digest
        person.id_number_encrypted = ciphertext
        person.id_number_masked = masked
    # A clash of random numbers is astronomically rare; retry rather than check first.
    for _attempt in range(5):
        person.volunteer_number = new_volunteer_number()
        try:
            with transaction.atomic():
                person.save()
            return person
        except IntegrityError:
            if Person.objects.filter(phone=phone).exists():
                raise Conflict("duplicate_phone", _("该手机号已登记。"), field="phone") from None
    raise Conflict("number_exhausted", _("暂时无法生成志愿者编号，请重试。"))


@transaction.atomic
def person_set_phone(*, person: Person, phone: str, verified: bool) -> Person:
    phone = _check_phone(phone, exclude_pk=person.pk)
    person.phone = phone
    person.phone_verified = verified
    person.save(update_fields=["phone", "phone_verified", "updated_at"])
    return person


@transaction.atomic
def person_link_user(*, person: Person, user: User) -> Person:
    """Attach a login account to a person who has none yet (e.g. imported from a roster)."""
    if person.user_id and person.user_id != user.pk:
        raise Conflict("already_linked", _("该人员已绑定其他账号。"))
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return person


@transaction.atomic
def person_attach_account(*, user: User, phone: str, verified: bool, real_name: str = "") -> Person:
    """Give a new account its Person: claim the roster entry with this phone, or register one.

    Claiming is safe because allauth will not finish any login for the account
    until the phone has been verified by SMS code (``PhoneVerificationStage``).
    The roster entry stays as the community recorded it, its name included.
    """
    roster_entry = Person.objects.select_for_update().filter(phone=phone, user__isnull=True).first()
    if roster_entry is None:
        real_name = real_name or user.get_full_name() or user.get_username()
        return person_create(real_name=real_name, phone=phone, user=user, phone_verified=verified)
    person_link_user(person=roster_entry, user=user)
    # The roster may have marked the number verified; for this new account it is not, yet.
    person_set_phone(person=roster_entry, phone=phone, verified=verified)
    audit_record(actor=user, action="person.claim", target=roster_entry, person_id=roster_entry.pk)
    return roster_entry


# What staff may change on a person, and which changes need a reason: a name, a phone,
# an ID number or a political status changed by someone else must say why.
STAFF_FIELDS = frozenset(
    {
        "real_name",
        "phone",
        "political_status",
        "party_branch",
        "employer_unit",
        "in_service",
        "skills",
        "service_interests",
        "id_number",
    }
)
REASON_FIELDS = frozenset({"real_name", "phone", "id_number", "political_status"})
OWN_FIELDS = frozenset(
    {"real_name", "skills", "service_interests", "need_suggestions", "employer_unit"}
)
_LINK_KINDS = {
    "party_branch": Organisation.Kind.PARTY_BRANCH,
    "employer_unit": Organisation.Kind.UNIT,
}


def _model_field(name: str) -> "models.Field[Any, Any]":
    field = Person._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(name)
    return field


def _shown(field: str, value: Any) -> Any:
    """A value as the audit log keeps it: phones masked, organisations by name."""
    if field == "phone":
        return mask_phone(value)
    if isinstance(value, Organisation):
        return value.name
    return value


def _check_link(field: str, value: Any) -> Organisation | None:
    if value is None:
        return None
    if not isinstance(value, Organisation) or value.kind != _LINK_KINDS[field]:
        label = _model_field(field).verbose_name
        raise Invalid("wrong_kind", _("请选择正确的%(field)s。") % {"field": label}, field=field)
    if value.is_closed:
        raise Invalid(
            "organisation_closed", _("“%(org)s”已撤销。") % {"org": value.name}, field=field
        )
    return value


def _check_text(field: str, value: Any) -> str:
    value = str(value or "").strip()
    limit = _model_field(field).max_length or 200
    if len(value) > limit:
        label = _model_field(field).verbose_name
        raise Invalid(
            "too_long",
            _("%(field)s最多 %(limit)s 个字。") % {"field": label, "limit": limit},
            field=field,
        )
    return value


def _apply_changes(person: Person, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Check and set ``changes`` on ``person``; answer {field: [old, new]} of what differs."""
    differs: dict[str, list[Any]] = {}
    for field, raw in changes.items():
        if field == "id_number":
            if not raw:
                continue  # an empty box keeps the number on record
            number = _check_id_number(raw, exclude_pk=person.pk)
            digest, ciphertext, masked = protect_id_number(number)
            if digest != person.id_number_digest:
                differs[field] = [person.id_number_masked, masked]
                person.id_number_digest = digest
                person.id_number_encrypted = ciphertext
                person.id_number_masked = masked
            continue
        if field == "real_name":
            value: Any = _check_text(field, raw)
            if not value:
                raise Invalid("missing_name", _("请填写姓名。"), field="real_name")
        elif field == "phone":
            value = _check_phone(raw, exclude_pk=person.pk)
        elif field == "political_status":
            if raw not in Person.PoliticalStatus.values:
                raise Invalid(
                    "invalid_status", _("请选择正确的政治面貌。"), field="political_status"
                )
            value = raw
        elif field in _LINK_KINDS:
            value = _check_link(field, raw)
        elif field in ("in_service", "need_suggestions"):
            value = bool(raw)
        else:
            value = _check_text(field, raw)
        old = getattr(person, field)
        if old != value:
            differs[field] = [_shown(field, old), _shown(field, value)]
            setattr(person, field, value)
    if "phone" in differs:
        person.phone_verified = False  # a number staff typed in is not proven by SMS
    return differs


def _save_changes(person: Person, differs: dict[str, list[Any]]) -> None:
    fields = {"id_number_digest", "id_number_encrypted", "id_number_masked"}
    update = [f for f in differs if f != "id_number"]
    if "id_number" in differs:
        update += sorted(fields)
    if "phone" in differs:
        update.append("phone_verified")
    try:
        with transaction.atomic():
            person.save(update_fields=[*update, "updated_at"])
    except IntegrityError:
        raise Conflict("duplicate", _("该手机号或身份证号已登记。")) from None


@transaction.atomic
def person_update_by_staff(
    *, person: Person, by: User, changes: dict[str, Any], reason: str = ""
) -> Person:
    """Staff correct a person's record; name, phone, ID and political status need a reason."""
    if not permissions.can(by, permissions.Action.MANAGE_PEOPLE, person):
        raise Forbidden("forbidden", _("您无权修改此人员的资料。"))
    unknown = set(changes) - STAFF_FIELDS
    if unknown:
        raise Invalid("unknown_field", _("不能修改这些资料。"))
    person = Person.objects.select_for_update().get(pk=person.pk)
    differs = _apply_changes(person, changes)
    _check_party_fields(person.political_status, person.in_service, person.party_branch)
    reason = (reason or "").strip()
    if set(differs) & REASON_FIELDS and not reason:
        raise Invalid(
            "missing_reason",
            _("修改姓名、手机号、身份证号或政治面貌时，请填写修改原因。"),
            field="reason",
        )
    if len(reason) > 200:
        raise Invalid("reason_too_long", _("原因最多 200 个字。"), field="reason")
    if not differs:
        return person
    _save_changes(person, differs)
    audit_record(actor=by, action="person.update", target=person, changes=differs, reason=reason)
    return person


@transaction.atomic
def person_update_own_profile(*, person: Person, changes: dict[str, Any]) -> Person:
    """A person changes their own name, skills, service interests, whether they want 微心愿
    suggestions and (party members) employer unit; their home grid changes through a join
    request."""
    unknown = set(changes) - OWN_FIELDS
    if unknown:
        raise Invalid("unknown_field", _("不能在这里修改这些资料。"))
    person = Person.objects.select_for_update().get(pk=person.pk)
    unit = changes.get("employer_unit", person.employer_unit)
    if unit != person.employer_unit and not person.is_party_member:
        raise Invalid("not_party_member", _("在职单位只由党员登记。"), field="employer_unit")
    differs = _apply_changes(person, changes)
    if not differs:
        return person
    _save_changes(person, differs)
    audit_record(actor=person.user, action="person.update_own", target=person, changes=differs)
    return person
