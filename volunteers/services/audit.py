from typing import Any

from django.contrib.auth.models import AnonymousUser

from volunteers.models import AuditEvent, Organisation, User


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: object,
    organisation: Organisation | None = None,
    **extra: Any,
) -> AuditEvent:
    """Append one line to the audit log; called inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target=str(target)[:200],
        organisation=organisation,
        extra=extra,
    )
