"""A login account's phone: recorded at sign-up, attached to a person only once proven.

There is one way in. An account that has signed up but not entered the SMS code holds
nothing: its phone waits in ``UnverifiedPhone``, no ``Person`` is made, no roster entry
is claimed, no role is held, and nobody else is kept from signing up with that number.
Only when the code proves the phone does the account get its person: the roster entry
with that number (roles and all) if the community recorded one, or a new registration.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.utils import timezone

from volunteers.models import Person, UnverifiedPhone, User
from volunteers.selectors import person_for_user
from volunteers.services.audit import audit_record
from volunteers.services.people import person_attach_account, person_set_phone

# How long an unproven sign-up may wait for its code before it is removed.
UNVERIFIED_SIGNUP_LIFETIME = datetime.timedelta(days=1)


@transaction.atomic
def account_phone_record(*, user: User, phone: str, real_name: str = "") -> UnverifiedPhone:
    """Remember the phone an account signed up with (or changed to) until it is proven."""
    pending, _created = UnverifiedPhone.objects.update_or_create(
        user=user, defaults={"phone": phone, **({"real_name": real_name} if real_name else {})}
    )
    return pending


@transaction.atomic
def account_phone_prove(*, user: User, phone: str) -> Person:
    """The SMS code proved ``phone``: give the account its person, or move its number."""
    pending = UnverifiedPhone.objects.select_for_update().filter(user=user).first()
    person = person_for_user(user)
    if person is not None:
        person = person_set_phone(person=person, phone=phone, verified=True)
    else:
        real_name = pending.real_name if pending is not None else ""
        person = person_attach_account(user=user, phone=phone, verified=True, real_name=real_name)
    if pending is not None:
        pending.delete()
    return person


def unverified_accounts(*, now: datetime.datetime | None = None) -> QuerySet[User]:
    """Accounts whose phone was never proven, older than a day; staff accounts excepted.

    Besides sign-ups still waiting (``UnverifiedPhone``), this finds accounts made before
    there was one way in, linked to a person whose number nobody ever proved.
    """
    cutoff = (now or timezone.now()) - UNVERIFIED_SIGNUP_LIFETIME
    waiting = Q(unverified_phone__isnull=False, person__isnull=True)
    linked_unproven = Q(person__isnull=False, person__phone_verified=False)
    return get_user_model().objects.filter(
        waiting | linked_unproven,
        date_joined__lt=cutoff,
        is_staff=False,
        is_superuser=False,
    )


def unverified_accounts_remove(*, now: datetime.datetime | None = None) -> int:
    """Remove unproven accounts older than a day; a roster entry one had claimed is freed.

    Returns how many accounts were removed. An account something still points at
    (it cannot be, without a proven phone, but the ledger protects its rows) is
    deactivated instead, so it can never log in.
    """
    removed = 0
    for user in unverified_accounts(now=now).iterator():
        with transaction.atomic():
            person = Person.objects.filter(user=user).first()
            if person is not None:
                person.user = None
                person.save(update_fields=["user", "updated_at"])
                audit_record(
                    actor=None,
                    action="person.unclaim",
                    target=person,
                    person_id=person.pk,
                    reason="unverified_account",
                )
            try:
                with transaction.atomic():
                    user.delete()
                removed += 1
            except ProtectedError:
                user.is_active = False
                user.save(update_fields=["is_active"])
    return removed
