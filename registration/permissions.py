"""Who may do what with registration forms (the form's visibility follows the student's, portal.permissions)."""

from portal import permissions
from portal.models import Role


def can_review_registration(user) -> bool:
    # Handbook: People and roles - the International College reviews registration evidence.
    return permissions.is_admin(user) or (permissions.is_staff_member(user) and user.role == Role.INTERNATIONAL_OFFICE)


def can_register_at_desk(user) -> bool:
    # Handbook: NOTICE (onsite registration) - the International College's desk stamps the student ID book.
    return can_review_registration(user)


def can_view_registration_counts(user) -> bool:
    # School staff follow their own school's registration; the International College and admins see every school.
    return can_review_registration(user) or (permissions.is_staff_member(user) and user.role == Role.SCHOOL_STAFF)


def can_manage_semesters(user) -> bool:
    # Handbook: NOTICE — the International College announces the window, the registration day and place.
    return can_review_registration(user)


# --- Leaving the university -------------------------------------------------------------------------------------


def can_open_clearance(user) -> bool:
    # Handbook: Leaving the University - the International College starts a leaver's deregistration procedure.
    return can_review_registration(user)


def can_manage_clearance_windows(user) -> bool:
    # Handbook: LEAVING 4 - the office announces when the digital leaving-school system is open.
    return can_review_registration(user)


def clearance_signing_kinds(user) -> frozenset[str]:
    """The checklist items this user's office signs (admins: every item)."""
    from registration import rules

    if permissions.is_admin(user):
        return frozenset(rules.ClearanceKind)
    if not permissions.is_staff_member(user):
        return frozenset()
    return frozenset(kind for kind, role in rules.CLEARANCE_SIGNERS.items() if role == user.role)


def can_sign_clearance_item(user, item) -> bool:
    """An office signs only its own item; school staff only for their own school's students."""
    if item.kind not in clearance_signing_kinds(user):
        return False
    if permissions.is_admin(user):
        return True
    if user.role == Role.SCHOOL_STAFF:
        return bool(user.school_id) and item.clearance.student.school_id == user.school_id
    return True


def can_use_clearance_queue(user) -> bool:
    return bool(clearance_signing_kinds(user)) or can_open_clearance(user)


def can_print_leaving_batches(user) -> bool:
    # Handbook: People and roles - admins print the leaving-school forms in batch.
    return permissions.is_admin(user)


# --- Student status ---------------------------------------------------------------------------------------------


def can_decide_status_step(user, change) -> bool:
    """The approver of the change's current step: by the step's role; school staff for their own school only."""
    from registration import rules

    step = change.current_step
    if not step:
        return False
    if permissions.is_admin(user):
        return True
    if not permissions.is_staff_member(user) or user.role != rules.LEAVE_STEP_ROLES.get(step):
        return False
    if user.role == Role.SCHOOL_STAFF:
        return bool(user.school_id) and change.student.school_id == user.school_id
    return True


def can_enter_status_for(user, student) -> bool:
    """Staff who may enter an emergency leave for a student (oral first, written after: Academic Rules 13)."""
    if permissions.is_admin(user) or (permissions.is_staff_member(user) and user.role == Role.INTERNATIONAL_OFFICE):
        return True
    return (
        permissions.is_staff_member(user)
        and user.role == Role.SCHOOL_STAFF
        and bool(user.school_id)
        and student.school_id == user.school_id
    )


def can_decide_withdrawal(user) -> bool:
    # Handbook: Supplementary 32 - the university decides withdrawals and dismissals; the International College
    # records the decision and issues the notice.
    return can_review_registration(user)


def can_view_status_work(user) -> bool:
    return permissions.is_admin(user) or (
        permissions.is_staff_member(user) and user.role in (Role.SCHOOL_STAFF, Role.INTERNATIONAL_OFFICE)
    )


def can_record_attendance(user, student) -> bool:
    """The student's school records attendance (the class adviser's office); the International College and admins
    may too (STATUS Art. 12; Supplementary 32.VII)."""
    return can_enter_status_for(user, student)
