"""Billing a semester's tuition from the fee schedules, for every self-funded student at once.

Handbook: fees/ 1.2.1 (degree students: the academic year's tuition, billed once with the autumn semester or with
whichever semester of the year is billed first), 1.2.2 (non-degree students: each semester), 1.2.3 (extended years
pay regular tuition: they are billed like everyone else). Scholarship students (CSC, Confucius) are not billed.
Running it twice bills nobody twice: a student already charged for the period is skipped.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fees import rules
from fees.models import EntryType, FeeKind, FeeSchedule, LedgerEntry
from fees.permissions import can_manage_fees
from fees.services.ledger import charge_add
from portal.models import Semester, Student, StudentStatus, User


@dataclass
class BillingResult:
    billed: int = 0
    already_billed: int = 0
    no_schedule: list[str] = field(default_factory=list)


def _schedule_for(student: Student, schedules: list[FeeSchedule]) -> FeeSchedule | None:
    """The most specific schedule: the student's own programme first, then the programme type's."""
    program = rules.program_of(student.degree_level)
    for schedule in schedules:
        if schedule.program == program and schedule.programme == student.programme:
            return schedule
    for schedule in schedules:
        if schedule.program == program and not schedule.programme:
            return schedule
    return None


def tuition_bill_semester(*, semester: Semester, actor: User, request=None) -> BillingResult:
    """Charge every enrolled self-funded student the tuition the schedules set for the semester's period."""
    if not can_manage_fees(actor):
        raise PermissionDenied(_("Only the finance office bills tuition."))
    academic_year = rules.academic_year_of(semester.code)
    schedules = list(FeeSchedule.objects.filter(kind=FeeKind.TUITION, academic_year=academic_year))
    students = list(
        Student.objects.filter(status__in=[StudentStatus.ENROLLED, StudentStatus.ON_LEAVE]).exclude(
            funding__in=rules.SCHOLARSHIP_FUNDINGS
        )
    )
    # Who already has a tuition charge for the period (the year for degree students, the semester for the others).
    charged = LedgerEntry.objects.filter(
        fee_kind=FeeKind.TUITION, entry_type=EntryType.CHARGE, academic_year=academic_year, reversed_by__isnull=True
    )
    year_charged = set(charged.filter(semester__isnull=True).values_list("student_id", flat=True))
    term_charged = set(charged.filter(Q(semester=semester)).values_list("student_id", flat=True))
    result = BillingResult()
    with transaction.atomic():
        for student in students:
            by_year = rules.tuition_is_by_year(rules.program_of(student.degree_level))
            if student.pk in (year_charged if by_year else term_charged):
                result.already_billed += 1
                continue
            schedule = _schedule_for(student, schedules)
            if schedule is None:
                result.no_schedule.append(student.student_id)
                continue
            charge_add(
                student=student,
                fee_kind=FeeKind.TUITION,
                academic_year=academic_year,
                semester=None if by_year else semester,
                amount=schedule.amount,
                schedule=schedule,
                description=_("Tuition %(period)s") % {"period": academic_year if by_year else semester.code},
                actor=actor,
                request=request,
            )
            result.billed += 1
    return result
