"""Who may see and change residence records, obligations and reminders (the one access decision of this app).

Handbook: People and roles. A student sees only their own records; the International College (which reviews
passport, visa, permit and insurance evidence) and admins see every student's; school staff see their own school's
students' records and board, read-only; the other offices have no business with them.
"""

from django.db.models import Q

from portal import permissions
from portal.models import Role

# Staff roles that see residence records, besides admins; school staff are limited to their school by student_scope.
VIEWING_ROLES = frozenset({Role.INTERNATIONAL_OFFICE, Role.SCHOOL_STAFF})


def record_scope(user, prefix: str = "student__") -> Q:
    """A filter on a model reaching Student through `prefix` for the residence data `user` may see."""
    if not permissions.is_staff_member(user) or permissions.is_admin(user):
        # Students: their own (student_scope); admins: everything; anonymous: nothing.
        return permissions.student_scope(user, prefix=prefix)
    if user.role not in VIEWING_ROLES:
        return permissions.NOTHING
    return permissions.student_scope(user, prefix=prefix)


def can_view_board(user) -> bool:
    return permissions.is_admin(user) or (permissions.is_staff_member(user) and user.role in VIEWING_ROLES)


def can_review_records(user) -> bool:
    # Handbook: People and roles - the International College reviews residence and insurance evidence.
    return permissions.is_admin(user) or (permissions.is_staff_member(user) and user.role == Role.INTERNATIONAL_OFFICE)


def can_update_records_for(user, student) -> bool:
    """Students update their own records; the International College and admins may on a student's behalf."""
    return permissions.can_upload_evidence_for(user, student)
