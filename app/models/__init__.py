"""Every model, imported here so metadata (and Alembic) sees all tables."""

from app.models.accounts import Invitation, PasswordReset, Practice, User, UserRole
from app.models.audit import AuditChainHead, AuditEvent
from app.models.couples import Couple, Partner, PolicyConsent
from app.models.crisis import CrisisLine
from app.models.guides import Exercise, ExerciseVersion, Guide, Step
from app.models.homework import Assignment, AssignmentPause, Draft, Entry, EntryRevision
from app.models.outbox import MailOutbox
from app.models.reports import Report
from app.models.safety_checks import SafetyAddition, SafetyCheck, SafetyFlag
from app.models.safety_holds import SafetyHold
from app.models.sessions import MeasureResponse, SessionRecordVersion, TherapySession
from app.models.submissions import FormSubmission

__all__ = [
    "Assignment",
    "AssignmentPause",
    "AuditChainHead",
    "AuditEvent",
    "Couple",
    "CrisisLine",
    "Draft",
    "Entry",
    "EntryRevision",
    "Exercise",
    "ExerciseVersion",
    "FormSubmission",
    "Guide",
    "Invitation",
    "MailOutbox",
    "MeasureResponse",
    "Partner",
    "PasswordReset",
    "PolicyConsent",
    "Practice",
    "Report",
    "SafetyAddition",
    "SafetyCheck",
    "SafetyFlag",
    "SafetyHold",
    "SessionRecordVersion",
    "Step",
    "TherapySession",
    "User",
    "UserRole",
]
