"""Reads of the fees app: tuition status for registration, ledgers, arrears and the finance queues."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from fees import rules
from fees.models import EntryType, FeeKind, LedgerEntry, RemittanceConfirmation, RemittanceState
from portal.models import Semester, Student


@dataclass(frozen=True)
class TuitionStatus:
    paid: bool
    balance: Decimal
    covered_by_scholarship: bool
    explanation: str


def _charged_filter(period: Q) -> Q:
    # Charges net of their reversals: a reversed charge was never owed.
    return period & (Q(entry_type=EntryType.CHARGE) | Q(entry_type=EntryType.REVERSAL, reverses__entry_type="charge"))


def tuition_status_for(*, students: Iterable[Student], semester: Semester) -> dict[int, TuitionStatus]:
    """Whether each student's tuition for the semester is paid, keyed by Student.pk, in one query for all of them.

    Handbook: fees/ 1.2, 1.2.1-1.2.2; Academic Rules 10. Degree students owe the academic year's tuition (settled
    by the autumn registration; in spring, the year containing the semester); non-degree students the semester's.
    CSC and Confucius Institute scholarship students' tuition is covered by their funding.
    """
    students = list(students)
    academic_year = rules.academic_year_of(semester.code)
    year = Q(academic_year=academic_year)
    term = Q(semester_id=semester.pk)
    rows = (
        LedgerEntry.objects.filter(student_id__in=[s.pk for s in students], fee_kind=FeeKind.TUITION)
        .filter(year | term)
        .values("student_id")
        .order_by()
        .annotate(
            year_charged=Sum("amount", filter=_charged_filter(year)),
            year_balance=Sum("amount", filter=year),
            term_charged=Sum("amount", filter=_charged_filter(term)),
            term_balance=Sum("amount", filter=term),
        )
    )
    sums = {row["student_id"]: row for row in rows} if students else {}
    result = {}
    for student in students:
        row = sums.get(student.pk, {})
        program = rules.program_of(student.degree_level)
        by_year = rules.tuition_is_by_year(program)
        charged = row.get("year_charged" if by_year else "term_charged") or rules.ZERO
        balance = row.get("year_balance" if by_year else "term_balance") or rules.ZERO
        settlement = rules.tuition_settlement(charged=charged, balance=balance)
        period = (
            _("the %(year)s academic year") % {"year": academic_year}
            if by_year
            else _("the semester %(semester)s") % {"semester": semester.localized_name()}
        )
        if rules.tuition_covered_by_scholarship(student.funding):
            result[student.pk] = TuitionStatus(
                paid=True,
                balance=settlement.balance,
                covered_by_scholarship=True,
                explanation=_("Tuition for %(period)s is covered by the %(funding)s.")
                % {"period": period, "funding": student.get_funding_display()},
            )
            continue
        if settlement.paid:
            explanation = _("Tuition for %(period)s is paid.") % {"period": period}
        elif charged <= rules.ZERO:
            explanation = _("No tuition has been billed yet for %(period)s; the finance office bills it first.") % {
                "period": period
            }
        else:
            explanation = _("%(balance)s RMB of the tuition for %(period)s is still owed.") % {
                "balance": settlement.balance,
                "period": period,
            }
        result[student.pk] = TuitionStatus(
            paid=settlement.paid, balance=settlement.balance, covered_by_scholarship=False, explanation=explanation
        )
    return result


# The state the registration form's tuition step shows when a student filed several confirmations.
_REMITTANCE_PRECEDENCE = (RemittanceState.CONFIRMED, RemittanceState.PENDING, RemittanceState.REJECTED)


def remittance_status_for(*, student: Student, semester: Semester) -> str | None:
    """The state of the student's remittance confirmation for the semester: "confirmed", "pending", "rejected" or
    None when none was filed. A degree student's remittance for the academic year counts for both its semesters
    (Handbook: fees/ 1.2.1); a confirmed one outranks a pending one, which outranks a rejected one."""
    scope = Q(semester_id=semester.pk)
    if rules.tuition_is_by_year(rules.program_of(student.degree_level)):
        scope |= Q(academic_year=rules.academic_year_of(semester.code))
    states = set(RemittanceConfirmation.objects.filter(scope, student_id=student.pk).values_list("state", flat=True))
    for state in _REMITTANCE_PRECEDENCE:
        if state in states:
            return str(state)
    return None
