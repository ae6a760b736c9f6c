"""The volunteers domain's models, split by topic."""

from .organisation import Organisation
from .people import AuditEvent, Membership, Person, User
from .roster import RosterImport

__all__ = ["AuditEvent", "Membership", "Organisation", "Person", "RosterImport", "User"]
