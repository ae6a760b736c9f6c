"""The volunteers domain's models, split by topic."""

from .activities import Activity, ActivityCategory, SignUp
from .checkin import Attendance, CommunityReport, Method, ScanAttempt
from .joining import JoinRequest
from .needs import Claim, Need, NeedCategory
from .notifications import ExportJob, Notification, NotificationPreference
from .organisation import Organisation
from .people import (
    AuditEvent,
    Membership,
    Person,
    UnverifiedPhone,
    User,
    current_membership_q,
)
from .projects import Campaign, Project, ProjectPost, Resource, RotatingChair
from .roster import RosterImport

__all__ = [
    "Activity",
    "ActivityCategory",
    "Attendance",
    "AuditEvent",
    "Campaign",
    "Claim",
    "CommunityReport",
    "ExportJob",
    "JoinRequest",
    "Membership",
    "Method",
    "Need",
    "NeedCategory",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "Person",
    "Project",
    "ProjectPost",
    "Resource",
    "RosterImport",
    "RotatingChair",
    "ScanAttempt",
    "SignUp",
    "UnverifiedPhone",
    "User",
    "current_membership_q",
]
