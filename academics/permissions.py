"""Who may see and change courses, results and transcripts (the one access decision of this app).

Handbook: People and roles; academics/. A student sees only their own results; school staff see their own school's
offerings and students' records and enter their school's results; the International College sees every school's,
decides on corrections of stable results and prints official transcripts; admins may do everything. Finance,
dormitory and clearance have no business with results.
"""

from django.db.models import Q

from portal import permissions
from portal.models import Role

VIEWING_ROLES = frozenset({Role.INTERNATIONAL_OFFICE, Role.SCHOOL_STAFF})


def _viewing_staff(user) -> bool:
    return permissions.is_admin(user) or (permissions.is_staff_member(user) and user.role in VIEWING_ROLES)


def record_scope(user, prefix: str = "student__") -> Q:
    """A filter on a model reaching Student through `prefix` for the academic records `user` may see."""
    if not permissions.is_staff_member(user) or permissions.is_admin(user):
        # Students: their own; admins: everything; anonymous: nothing (student_scope decides).
        return permissions.student_scope(user, prefix=prefix)
    if user.role not in VIEWING_ROLES:
        return permissions.NOTHING
    return permissions.student_scope(user, prefix=prefix)


def offering_scope(user, prefix: str = "") -> Q:
    """A filter on Offering: school staff their school's, the office and admins every one, nobody else any."""
    if not _viewing_staff(user):
        return permissions.NOTHING
    if permissions.is_admin(user) or user.role == Role.INTERNATIONAL_OFFICE:
        return Q()
    return Q(**{f"{prefix}school_id": user.school_id}) if user.school_id else permissions.NOTHING


def can_view_records(user) -> bool:
    return _viewing_staff(user)


def _admin_or_staff_of_school(user, school_id: int | None) -> bool:
    """An admin, or a member of the named school's staff."""
    if permissions.is_admin(user):
        return True
    return (
        permissions.is_staff_member(user)
        and user.role == Role.SCHOOL_STAFF
        and user.school_id is not None
        and user.school_id == school_id
    )


def can_enter_results(user, offering) -> bool:
    """Handbook: Assessment 31 - the school that teaches the course enters its results (admins may too)."""
    return _admin_or_staff_of_school(user, offering.school_id)


def exam_application_scope(user, prefix: str = "") -> Q:
    """A filter on ExamApplication: students their own; staff those of the offerings they teach (read-only) and of
    the students whose records they see (the student's school decides, see can_decide_exam_application)."""
    if not permissions.is_staff_member(user):
        return record_scope(user, prefix=f"{prefix}enrolment__student__")
    return offering_scope(user, prefix=f"{prefix}enrolment__offering__") | record_scope(
        user, prefix=f"{prefix}enrolment__student__"
    )


def can_decide_exam_application(user, student) -> bool:
    """Handbook: People and roles ("school staff: academic affairs of their own school's students only");
    Assessment 21 ("approval from the college"): the STUDENT's school decides a deferral or a drop, also when another
    school teaches the course (that school sees the application, read-only). Admins may act for any school.

    Academic Rules 16 names the university's Office of Academic Affairs for a drop; the portal has no such role,
    so the student's school records that decision (admins may too)."""
    return _admin_or_staff_of_school(user, student.school_id)


def can_decide_corrections(user) -> bool:
    """Handbook: Assessment 38, 41 - a stable result changes only by a correction the office approves."""
    return permissions.is_admin(user) or (permissions.is_staff_member(user) and user.role == Role.INTERNATIONAL_OFFICE)


def can_print_transcripts(user) -> bool:
    """Official transcripts: the International College and admins for everybody, a school for its own students."""
    return _viewing_staff(user)


def can_print_transcript_batches(user) -> bool:
    """Batches of official transcripts (by school, year, programme, pasted IDs) are printed by the office."""
    return can_decide_corrections(user)
