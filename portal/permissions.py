"""Who may see and change what: the one place that answers it for the shared kernel.

Handbook: People and roles. Students see only their own records and files; school staff only their school's
students; the offices see the students they serve and the evidence their office reviews; admins see everything.
Every page, API view, export, admin list and task filters through these functions.
"""

from django.db.models import Q

from portal.models import EvidenceKind, Role

# Which office reviews which kind of evidence (the office that decides on it).
EVIDENCE_REVIEWERS: dict[str, frozenset[str]] = {
    EvidenceKind.PASSPORT_PAGE: frozenset({Role.INTERNATIONAL_OFFICE}),
    EvidenceKind.VISA_PAGE: frozenset({Role.INTERNATIONAL_OFFICE}),
    EvidenceKind.INSURANCE_PROOF: frozenset({Role.INTERNATIONAL_OFFICE}),
    EvidenceKind.PHYSICAL_EXAM: frozenset({Role.INTERNATIONAL_OFFICE}),
    EvidenceKind.TUITION_RECEIPT: frozenset({Role.FINANCE, Role.INTERNATIONAL_OFFICE}),
    EvidenceKind.REMITTANCE_SLIP: frozenset({Role.FINANCE}),
    EvidenceKind.ACCOMMODATION_RECEIPT: frozenset({Role.DORMITORY, Role.INTERNATIONAL_OFFICE}),
    EvidenceKind.HOUSING_LEASE: frozenset({Role.DORMITORY, Role.INTERNATIONAL_OFFICE}),
    EvidenceKind.LEAVE_PROOF: frozenset({Role.SCHOOL_STAFF, Role.INTERNATIONAL_OFFICE}),
    EvidenceKind.OTHER: frozenset({Role.INTERNATIONAL_OFFICE}),
}

# Roles that serve every school's students (school staff serve their own school only).
ALL_SCHOOLS_ROLES = frozenset({Role.INTERNATIONAL_OFFICE, Role.FINANCE, Role.DORMITORY, Role.CLEARANCE, Role.ADMIN})

# Roles whose work needs full passport and permit numbers; everybody else sees them masked.
FULL_IDENTITY_NUMBER_ROLES = frozenset({Role.INTERNATIONAL_OFFICE, Role.ADMIN})

NOTHING = Q(pk__in=[])


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return _active(user) and (user.role == Role.ADMIN or user.is_superuser)


def is_staff_member(user) -> bool:
    return _active(user) and (user.role != Role.STUDENT or user.is_superuser)


def reviewable_kinds(user) -> frozenset[str]:
    """The evidence kinds this user decides on."""
    if is_admin(user):
        return frozenset(EvidenceKind)
    if not is_staff_member(user):
        return frozenset()
    return frozenset(kind for kind, roles in EVIDENCE_REVIEWERS.items() if user.role in roles)


def student_scope(user, prefix: str = "") -> Q:
    """A filter on Student (or on a model that reaches Student through `prefix`) for what `user` may see."""
    if not _active(user):
        return NOTHING
    if is_admin(user) or user.role in ALL_SCHOOLS_ROLES:
        return Q()
    if user.role == Role.SCHOOL_STAFF:
        return Q(**{f"{prefix}school_id": user.school_id}) if user.school_id else NOTHING
    if user.role == Role.STUDENT:
        return Q(**{f"{prefix}user_id": user.pk})
    return NOTHING


def evidence_scope(user) -> Q:
    """A filter on Evidence for what `user` may see: own files for a student, reviewed kinds for an office."""
    if not _active(user):
        return NOTHING
    if is_admin(user):
        return Q()
    if user.role == Role.STUDENT:
        return Q(student__user_id=user.pk)
    kinds = reviewable_kinds(user)
    if not kinds:
        return NOTHING
    return student_scope(user, prefix="student__") & Q(kind__in=kinds)


def can_review_evidence(user, evidence, *, within: str = "") -> bool:
    """Whether the user decides this pending upload now. An upload another workflow reviews (registration items,
    leave proofs) is decided only from within that workflow (`within`), never from the documents queue or API."""
    if not evidence.is_pending or evidence.reviewed_in != within:
        return False
    if evidence.kind not in reviewable_kinds(user):
        return False
    # School staff decide on their own school's students only (People and roles), whichever workflow asks.
    if not is_admin(user) and user.role == Role.SCHOOL_STAFF and evidence.student.school_id != user.school_id:
        return False
    # Nobody decides on their own upload (an admin who uploaded on a student's behalf included).
    return evidence.uploaded_by_id != user.pk


def can_upload_evidence_for(user, student) -> bool:
    """Students upload their own evidence; the international office and admins may upload on a student's behalf."""
    if not _active(user):
        return False
    if user.role == Role.STUDENT:
        return student.user_id == user.pk
    return is_admin(user) or user.role == Role.INTERNATIONAL_OFFICE


def can_import_students(user) -> bool:
    return is_admin(user) or (_active(user) and user.role == Role.INTERNATIONAL_OFFICE)


def can_reissue_first_login(user) -> bool:
    return is_admin(user) or (_active(user) and user.role == Role.INTERNATIONAL_OFFICE)


def can_print_batches(user) -> bool:
    return is_staff_member(user) and user.role != Role.CLEARANCE


def sees_full_identity_numbers(user) -> bool:
    return _active(user) and (is_admin(user) or user.role in FULL_IDENTITY_NUMBER_ROLES or user.role == Role.STUDENT)


def mask_identity_number(number: str) -> str:
    """Show only the last 3 characters of a passport or permit number."""
    if not number:
        return ""
    visible = number[-3:]
    return "•" * max(len(number) - 3, 3) + visible


def identity_number_for(user, number: str) -> str:
    return number if sees_full_identity_numbers(user) else mask_identity_number(number)
