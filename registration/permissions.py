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
