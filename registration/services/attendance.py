"""Attendance: the absences a school records, and what the rules make of them.

Handbook: Supplementary 32.VII (absent 2 weeks in succession without leave: the office decides); STATUS Art. 12
(absent more than 4 weeks in a semester: the student must apply for suspension). The student is told of each, once a
term.
Absences are never deleted; a mistaken record is withdrawn with a reason.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import services as portal_services
from portal.audit import audit_record
from portal.models import Semester, Student, StudentStatus, User
from portal.services import ConflictError
from registration import rules
from registration.models import (
    Absence,
    AttendanceNotice,
    LeaveState,
    RegistrationLeave,
    StatusChange,
    StatusChangeKind,
    StatusChangeState,
)
from registration.permissions import can_record_attendance

NOTE_MAX_LENGTH = 500
# Absence is not "without leave" when leave was approved or asked for (Supplementary 32.VII: "without asking for a
# leave"), or the student is suspended or on approved deferred registration.
ASKED = (StatusChangeState.PENDING, StatusChangeState.APPROVED)


def attendance_term(today: date) -> Semester | None:
    """The term attendance is counted in: the current one, else the last one that ended (in a vacation)."""
    return Semester.objects.current(today) or Semester.objects.filter(ends_on__lt=today).order_by("-ends_on").first()


@dataclass(frozen=True)
class StudentAttendance:
    student: Student
    standing: rules.AttendanceStanding
    absences: list[Absence]
    applied_for_suspension: bool


def attendance_of(*, students, term: Semester) -> dict[int, StudentAttendance]:
    """The term's attendance of many students at once (four queries, whatever their number): every student with an
    absence recorded or an approved leave of absence in the term."""
    absences = list(
        Absence.objects.active()
        .overlapping(term.starts_on, term.ends_on)
        .filter(student__in=students)
        .order_by("student_id", "first_day", "pk")
    )
    changes = list(
        StatusChange.objects.filter(
            student__in=students,
            kind__in=(StatusChangeKind.LEAVE, StatusChangeKind.SUSPENSION),
            state__in=ASKED,
            first_day__lte=term.ends_on,
        )
        .filter(Q(last_day__isnull=True) | Q(last_day__gte=term.starts_on))
        .values_list("student_id", "kind", "state", "first_day", "last_day")
    )
    ids = {absence.student_id for absence in absences} | {
        student_id
        for student_id, kind, state, *_days in changes
        if kind == StatusChangeKind.LEAVE and state == StatusChangeState.APPROVED
    }
    if not ids:
        return {}
    excused: dict[int, list[rules.Period]] = {}
    on_leave: dict[int, list[rules.Period]] = {}
    suspension_applied: set[int] = set()
    for student_id, kind, state, first_day, last_day in changes:
        period = rules.Period(first_day, last_day or term.ends_on)
        excused.setdefault(student_id, []).append(period)
        if kind == StatusChangeKind.SUSPENSION:
            suspension_applied.add(student_id)
        elif state == StatusChangeState.APPROVED:
            on_leave.setdefault(student_id, []).append(period)
    # Deferred registration (Academic Rules 7, 10): from the term's start to the day approved, or asked for.
    deferrals = RegistrationLeave.objects.filter(
        student_id__in=ids, semester=term, state__in=(LeaveState.PENDING, LeaveState.APPROVED)
    ).values_list("student_id", "state", "expected_on", "approved_until")
    for student_id, state, expected_on, approved_until in deferrals:
        until = approved_until if state == LeaveState.APPROVED and approved_until else expected_on
        if until and until >= term.starts_on:
            excused.setdefault(student_id, []).append(rules.Period(term.starts_on, until))
    by_student: dict[int, list[Absence]] = {student_id: [] for student_id in ids}
    for absence in absences:
        by_student[absence.student_id].append(absence)
    people = Student.objects.select_related("school", "user").in_bulk(ids)
    result = {}
    for student_id, own in by_student.items():
        standing = rules.attendance_standing(
            [rules.Period(absence.first_day, absence.last_day) for absence in own],
            excused.get(student_id, []),
            on_leave=on_leave.get(student_id, []),
            term_starts_on=term.starts_on,
            term_ends_on=term.ends_on,
        )
        result[student_id] = StudentAttendance(people[student_id], standing, own, student_id in suspension_applied)
    return result


def _check_period(first_day: date, last_day: date, today: date) -> None:
    if last_day < first_day:
        raise ValidationError({"last_day": _("The end cannot be before the start.")})
    if last_day > today:
        raise ValidationError({"last_day": _("Record an absence once it has happened: the end is in the future.")})


NOTICE_TEMPLATES = {
    rules.AttendanceFlag.ABSENT_WITHOUT_LEAVE: "registration/email/attendance_without_leave",
    rules.AttendanceFlag.MUST_APPLY_FOR_SUSPENSION: "registration/email/attendance_suspension",
}


def _notify_once(attendance: StudentAttendance, term: Semester, flag: rules.AttendanceFlag) -> bool:
    """Tell the student of a flag once a term: the unique notice row, not a check, keeps a second recording or a
    second run from telling twice."""
    try:
        with transaction.atomic():
            AttendanceNotice.objects.create(student=attendance.student, semester=term, flag=flag.value)
    except IntegrityError:
        return False
    portal_services.notify(
        user=attendance.student.user,
        template=NOTICE_TEMPLATES[flag],
        context={"student": attendance.student, "standing": attendance.standing, "term": term},
        url=reverse("status_mine"),
    )
    return True


def _flags_to_tell(attendance: StudentAttendance) -> list[rules.AttendanceFlag]:
    """No suspension notice to a student who has applied for one."""
    return [
        flag
        for flag in attendance.standing.flags
        if not (flag == rules.AttendanceFlag.MUST_APPLY_FOR_SUSPENSION and attendance.applied_for_suspension)
    ]


def _tell_student(*, student: Student, term: Semester) -> None:
    attendance = attendance_of(students=[student], term=term).get(student.pk)
    for flag in _flags_to_tell(attendance) if attendance else []:
        _notify_once(attendance, term, flag)


def attendance_notices_send(*, today: date) -> int:
    """Daily: tell every student a flag applies to who has not been told this term. Recording an absence tells the
    student at once; this catches what changes without a recording (a leave approved that passes the 4 weeks, a
    suspension application rejected). A few queries for the whole university, plus one notice per student told."""
    term = Semester.objects.current(today)
    if term is None:
        return 0
    students = Student.objects.filter(status__in=(StudentStatus.ENROLLED, StudentStatus.ON_LEAVE))
    told = set(AttendanceNotice.objects.filter(semester=term).values_list("student_id", "flag"))
    sent = 0
    for attendance in attendance_of(students=students, term=term).values():
        for flag in _flags_to_tell(attendance):
            if (attendance.student.pk, flag.value) not in told:
                sent += _notify_once(attendance, term, flag)
    return sent


def absence_record(
    *, student: Student, user: User, first_day: date, last_day: date, note: str = "", today: date | None = None
) -> Absence:
    """The school records days a student was absent from classes."""
    if not can_record_attendance(user, student):
        raise PermissionDenied
    today = today or timezone.localdate()
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("Keep the note under 500 characters.")})
    _check_period(first_day, last_day, today)
    with transaction.atomic():
        # Two staff recording the same student at once queue here, so the overlap check below sees the other's row.
        status = Student.objects.select_for_update().values_list("status", flat=True).get(pk=student.pk)
        if status not in (StudentStatus.ENROLLED, StudentStatus.ON_LEAVE):
            raise ValidationError({"student": _("Absences are recorded for enrolled students only.")})
        clash = Absence.objects.active().filter(student=student).overlapping(first_day, last_day).first()
        if clash is not None:
            raise ConflictError(
                _(
                    "This overlaps the absence already recorded from %(first)s to %(last)s; withdraw that record "
                    "first if it was wrong."
                )
                % {"first": clash.first_day.isoformat(), "last": clash.last_day.isoformat()}
            )
        absence = Absence.objects.create(
            student=student, first_day=first_day, last_day=last_day, note=note, recorded_by=user
        )
        audit_record(
            actor=user,
            action="attendance.absence_recorded",
            target=absence,
            student=student,
            changes={"first_day": str(first_day), "last_day": str(last_day)},
            reason=note,
        )
        term = attendance_term(last_day)
        if term is not None:
            _tell_student(student=student, term=term)
    return absence


def absence_withdraw(*, absence: Absence, user: User, reason: str) -> Absence:
    """A record entered by mistake is withdrawn with a reason (kept, never deleted)."""
    if not can_record_attendance(user, absence.student):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the record is withdrawn.")})
    if len(reason) > NOTE_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    with transaction.atomic():
        locked = Absence.objects.select_for_update().get(pk=absence.pk)
        if locked.withdrawn_at is not None:
            raise ConflictError(_("This record was already withdrawn."))
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = user
        locked.withdrawn_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        audit_record(
            actor=user,
            action="attendance.absence_withdrawn",
            target=locked,
            student=locked.student,
            changes={"withdrawn": ["", "yes"]},
            reason=reason,
        )
    return locked
