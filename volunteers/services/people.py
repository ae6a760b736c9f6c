"""Creating and changing people."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid
from core.identity import (
    id_number_digest,
    new_volunteer_number,
    normalise_id_number,
    normalise_phone,
    protect_id_number,
    validate_id_number,
    validate_mainland_mobile,
)
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
