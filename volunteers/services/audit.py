from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from volunteers.models import AuditEvent, Organisation, Person, User


def _person_concerned(target: object, extra: dict[str, Any]) -> int | None:
    """The person an event is about: the target itself, its ``person``, or ``person_id``."""
    if isinstance(target, Person):
        return target.pk
    person_id = getattr(target, "person_id", None) or extra.get("person_id")
    return person_id if isinstance(person_id, int) else None


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: object,
    organisation: Organisation | None = None,
    **extra: Any,
) -> AuditEvent:
    """Append one line to the audit log; called inside the service's transaction.

    A model instance as ``target`` is also recorded by reference (its type and key), so
    the reader can list an object's history and link to it; a string is a name only.
    """
    model = target if isinstance(target, models.Model) and target.pk is not None else None
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target=str(target)[:200],
        target_type=ContentType.objects.get_for_model(model) if model is not None else None,
        target_id=str(model.pk) if model is not None else "",
        person_id=_person_concerned(target, extra),
        organisation=organisation,
        extra=extra,
    )
