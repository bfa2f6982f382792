"""The shared kernel: people, schools, semesters, evidence and its review, notifications, documents, audit."""

from portal.models.audit import AuditEntry, UserSession
from portal.models.base import AppendOnlyModel, private_storage
from portal.models.communications import (
    DocumentStatus,
    GeneratedDocument,
    GeneratedDocumentQuerySet,
    Notification,
    generated_upload_to,
)
from portal.models.evidence import (
    PENDING_REVIEW_STATES,
    Evidence,
    EvidenceKind,
    EvidenceQuerySet,
    ReviewEvent,
    ReviewState,
    evidence_upload_to,
)
from portal.models.people import (
    STAFF_ROLES,
    DegreeLevel,
    Funding,
    Gender,
    PortalUserManager,
    Role,
    School,
    Semester,
    SemesterQuerySet,
    Student,
    StudentQuerySet,
    StudentStatus,
    User,
)

__all__ = [
    "STAFF_ROLES",
    "PENDING_REVIEW_STATES",
    "AppendOnlyModel",
    "AuditEntry",
    "DegreeLevel",
    "DocumentStatus",
    "Evidence",
    "EvidenceKind",
    "EvidenceQuerySet",
    "Funding",
    "Gender",
    "GeneratedDocument",
    "GeneratedDocumentQuerySet",
    "Notification",
    "PortalUserManager",
    "ReviewEvent",
    "ReviewState",
    "Role",
    "School",
    "Semester",
    "SemesterQuerySet",
    "Student",
    "StudentQuerySet",
    "StudentStatus",
    "User",
    "UserSession",
    "evidence_upload_to",
    "generated_upload_to",
    "private_storage",
]
