from volunteers.models import AuditEvent, Organisation


def audit_record(
    *, actor, action: str, target, organisation: Organisation | None = None, **extra
) -> AuditEvent:
    """Append one line to the audit log; called inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target=str(target)[:200],
        organisation=organisation,
        extra=extra,
    )
