"""Suspension credit (Handbook: fees/ 2.3) and internship fees by actual weeks (Handbook: fees/ 1.2.4).

2.3: a self-funded student whose studies are suspended gets no refund of the current semester's tuition; the unused
part of what they paid is used when they resume. Finance credits it, once, to the semester the student resumes in.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fees import rules, selectors
from fees.models import EntryType, FeeKind, FeeSchedule, LedgerEntry, SuspensionCredit
from fees.permissions import can_manage_fees
from fees.services.billing import _schedule_for
from fees.services.ledger import charge_add, credit_add
from portal.models import Semester, Student, User
from portal.services import ConflictError


def suspension_unused_tuition(*, student: Student, suspended_semester: Semester) -> Decimal:
    """The tuition paid for the time after the semester the student was suspended in (Handbook: fees/ 2.3).

    Degree students paid the year: suspended in the first long semester, the second semester's part is unused;
    suspended in the second, nothing of that year is. Non-degree students pay each semester: a semester paid in
    advance (the next one after the suspended semester) is unused.
    """
    program = rules.program_of(student.degree_level)
    if rules.tuition_is_by_year(program):
        if rules.term_of(suspended_semester.code) != 1:
            return rules.ZERO
        paid = selectors.tuition_paid_for(student=student, semester=suspended_semester)
        return rules.suspension_credit(tuition_next_semester=paid.next_semester)
    following = Semester.objects.filter(starts_on__gt=suspended_semester.starts_on).order_by("starts_on", "pk").first()
    if following is None:
        return rules.ZERO
    paid = selectors.tuition_paid_for(student=student, semester=following)
    return rules.suspension_credit(tuition_next_semester=paid.this_semester)


def suspension_credit_add(
    *, student: Student, suspended_semester: Semester, resumption_semester: Semester, actor: User, request=None
) -> SuspensionCredit:
    """Credit the unused tuition to the semester the student resumes in; once per suspended semester."""
    if not can_manage_fees(actor):
        raise PermissionDenied(_("Only the finance office credits tuition."))
    if resumption_semester.starts_on <= suspended_semester.starts_on:
        raise ValidationError(
            {"resumption_semester": _("The student resumes in a semester after the one they were suspended in.")}
        )
    if rules.tuition_covered_by_scholarship(student.funding):
        raise ValidationError(_("This student's tuition is paid by a scholarship; there is nothing to credit."))
    amount = suspension_unused_tuition(student=student, suspended_semester=suspended_semester)
    if amount <= 0:
        raise ValidationError(
            {
                "suspended_semester": _(
                    "No tuition paid for the time after %(semester)s is recorded: nothing was left unused (2.3)."
                )
                % {"semester": suspended_semester.localized_name()}
            }
        )
    resumption_year = rules.academic_year_of(resumption_semester.code)
    by_year = rules.tuition_is_by_year(rules.program_of(student.degree_level))
    try:
        with transaction.atomic():
            credit = credit_add(
                student=student,
                fee_kind=FeeKind.TUITION,
                academic_year=resumption_year,
                semester=None if by_year else resumption_semester,
                amount=amount,
                description=_("Suspension credit: tuition unused after %(semester)s (2.3)")
                % {"semester": suspended_semester.code},
                actor=actor,
                request=request,
            )
            return SuspensionCredit.objects.create(
                student=student,
                suspended_semester=suspended_semester,
                resumption_semester=resumption_semester,
                amount=amount,
                credit=credit,
                created_by=actor,
            )
    except IntegrityError as exc:
        if "one_suspension_credit_per_semester" in str(exc):
            raise ConflictError(
                _("The unused tuition of %(semester)s has already been credited.")
                % {"semester": suspended_semester.localized_name()}
            ) from None
        raise


# Handbook: fees/ 1.2.4 names the English-taught Clinical Medicine (MBBS) programme.
INTERNSHIP_PROGRAMMES = ("clinical medicine", "mbbs")


def internship_fee_bill(
    *,
    student: Student,
    academic_year: str,
    weeks,
    actor: User,
    yearly_tuition=None,
    request=None,
) -> LedgerEntry:
    """Bill the internship by actual weeks (Handbook: fees/ 1.2.4): ceil(weeks) / 48 x the yearly tuition of the
    student's programme (from the fee schedule unless finance enters it). Once per academic year: a mistaken bill
    is reversed first."""
    if not can_manage_fees(actor):
        raise PermissionDenied(_("Only the finance office bills fees."))
    programme = (student.programme or "").lower()
    if not any(name in programme for name in INTERNSHIP_PROGRAMMES):
        raise ValidationError(
            _("Internship fees by weeks apply to the Clinical Medicine (MBBS) programme only (1.2.4).")
        )
    if yearly_tuition in (None, ""):
        schedules = list(FeeSchedule.objects.filter(kind=FeeKind.TUITION, academic_year=academic_year))
        schedule = _schedule_for(student, schedules)
        if schedule is None:
            raise ValidationError(
                {
                    "yearly_tuition": _("No tuition schedule for %(programme)s in %(year)s; enter the yearly tuition.")
                    % {"programme": student.programme, "year": academic_year}
                }
            )
        yearly_tuition = schedule.amount
    try:
        fee = rules.internship_fee(weeks, yearly_tuition)
    except ValueError:
        raise ValidationError(
            {"weeks": _("Enter the weeks and the tuition as amounts that are not negative.")}
        ) from None
    if fee <= 0:
        raise ValidationError({"weeks": _("Enter the actual internship weeks (more than zero).")})
    whole_weeks = Decimal(weeks).to_integral_value(rounding="ROUND_CEILING")
    with transaction.atomic():
        # The student's row serialises two clicks; the check below then sees the first bill.
        Student.objects.select_for_update().filter(pk=student.pk).first()
        if LedgerEntry.objects.filter(
            student=student,
            fee_kind=FeeKind.INTERNSHIP,
            entry_type=EntryType.CHARGE,
            academic_year=academic_year,
            reversed_by__isnull=True,
        ).exists():
            raise ConflictError(
                _("The internship of %(year)s is already billed; reverse that entry first to bill it again.")
                % {"year": academic_year}
            )
        return charge_add(
            student=student,
            fee_kind=FeeKind.INTERNSHIP,
            academic_year=academic_year,
            amount=fee,
            description=_("Internship %(weeks)s weeks (%(whole)s counted) / 48 x %(tuition)s RMB (1.2.4)")
            % {"weeks": weeks, "whole": whole_weeks, "tuition": rules.money(yearly_tuition)},
            actor=actor,
            request=request,
        )
