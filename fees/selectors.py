"""Reads of the fees app: tuition status for registration, ledgers, arrears and the finance queues."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fees import rules
from fees.models import EntryType, FeeKind, LedgerEntry, Receipt, RemittanceConfirmation, RemittanceState
from portal.models import Evidence, EvidenceKind, Semester, Student, StudentStatus


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


# --- Ledgers and finance lists ------------------------------------------------------------------------------------


def student_for_fees(*, user, student_id: str) -> Student | None:
    """The student whose account the user may see (their own, or any for finance), or None."""
    from fees.permissions import can_see_fees_of

    student = Student.objects.select_related("school", "user").filter(student_id=student_id).first()
    return student if student is not None and can_see_fees_of(user, student) else None


def ledger_entries(*, user, student: Student) -> QuerySet[LedgerEntry]:
    """The student's ledger, oldest first, as far as the user may see it, with what each row shows."""
    return (
        LedgerEntry.objects.visible_to(user)
        .filter(student=student)
        .select_related("semester", "created_by", "reversed_by", "receipt")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class AccountLine:
    fee_kind: str
    academic_year: str
    semester: str
    charged: Decimal
    paid: Decimal
    balance: Decimal


def account_summary(*, entries: Iterable[LedgerEntry]) -> tuple[list[AccountLine], Decimal]:
    """Balances per fee and period from already-fetched entries (no query), and the total owed.

    "Paid" is what the student paid or was credited, net of refunds paid out to them, so charged - paid = owed.
    """
    entries = list(entries)
    # A reversal undoes an entry of the same student, so the entry it undoes is in the list: no query needed.
    types = {entry.pk: entry.entry_type for entry in entries}
    groups: dict[tuple, dict] = {}
    for entry in entries:
        key = (entry.fee_kind, entry.academic_year, entry.semester.code if entry.semester_id else "")
        group = groups.setdefault(key, {"charged": rules.ZERO, "paid": rules.ZERO, "balance": rules.ZERO})
        group["balance"] += entry.amount
        if entry.entry_type == EntryType.CHARGE:
            group["charged"] += entry.amount
        elif entry.entry_type in (EntryType.PAYMENT, EntryType.CREDIT, EntryType.REFUND):
            group["paid"] -= entry.amount
        elif entry.entry_type == EntryType.REVERSAL and entry.reverses_id:
            # Reversals move the column of what they undo.
            undone = types.get(entry.reverses_id)
            if undone == EntryType.CHARGE or (undone is None and entry.amount < 0):
                group["charged"] += entry.amount
            else:
                group["paid"] -= entry.amount
    lines = [
        AccountLine(kind, year, semester, values["charged"], values["paid"], values["balance"])
        for (kind, year, semester), values in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
    return lines, sum((line.balance for line in lines), rules.ZERO)


def receipts_of(*, user, student: Student) -> QuerySet[Receipt]:
    return Receipt.objects.visible_to(user).filter(student=student).select_related("payment__semester")


def remittances_of(*, user, student: Student) -> QuerySet[RemittanceConfirmation]:
    return RemittanceConfirmation.objects.visible_to(user).filter(student=student).select_related("semester", "slip")


@dataclass(frozen=True)
class Arrear:
    student_id: str
    name: str
    school: str
    fee_kind: str
    academic_year: str
    semester: str
    balance: Decimal
    since: date
    age_days: int


def arrears_list(*, user, today: date, fee_kind: str = "") -> list[Arrear]:
    """Everything owed, per student, fee and period, oldest first, with its age in days since the first charge.

    One query whatever the number of students (Handbook: fees/ 1.2; Dormitory Art. 4 for accommodation).
    """
    from fees.permissions import can_manage_fees

    if not can_manage_fees(user):
        return []
    entries = LedgerEntry.objects.visible_to(user)
    if fee_kind:
        entries = entries.filter(fee_kind=fee_kind)
    rows = (
        entries.values(
            "student_id",
            "student__student_id",
            "student__name_latin",
            "student__school__name_en",
            "fee_kind",
            "academic_year",
            "semester__code",
        )
        .annotate(balance=Sum("amount"), since=Min("created_at", filter=Q(entry_type=EntryType.CHARGE)))
        .filter(balance__gt=0)
        .order_by("since", "student__student_id")
    )
    result = []
    for row in rows:
        since = timezone.localdate(row["since"]) if row["since"] else today
        result.append(
            Arrear(
                student_id=row["student__student_id"],
                name=row["student__name_latin"],
                school=row["student__school__name_en"],
                fee_kind=row["fee_kind"],
                academic_year=row["academic_year"],
                semester=row["semester__code"] or "",
                balance=row["balance"],
                since=since,
                age_days=(today - since).days,
            )
        )
    return result


@dataclass(frozen=True)
class UnpaidListing:
    student: Student
    status: TuitionStatus
    deadline: date


def unpaid_after_registration(*, user, semester: Semester, today: date) -> list[UnpaidListing]:
    """Handbook: fees/ 1.2: students still owing the semester's tuition two weeks after the registration day, for
    the office's decision on their status (the portal never cancels anyone by itself). Two queries in all."""
    from fees.permissions import can_manage_fees

    if not can_manage_fees(user) or semester.registration_day is None:
        return []
    deadline = rules.unpaid_tuition_deadline(registration_day=semester.registration_day)
    if today <= deadline:
        return []
    students = list(
        Student.objects.filter(status__in=[StudentStatus.ENROLLED, StudentStatus.ON_LEAVE])
        .exclude(funding__in=rules.SCHOLARSHIP_FUNDINGS)
        .select_related("school")
    )
    statuses = tuition_status_for(students=students, semester=semester)
    return [
        UnpaidListing(student=student, status=statuses[student.pk], deadline=deadline)
        for student in students
        if not statuses[student.pk].paid and statuses[student.pk].balance > 0
    ]


def remittance_queue(*, user, state: str = RemittanceState.PENDING) -> QuerySet[RemittanceConfirmation]:
    from fees.permissions import can_manage_fees

    if not can_manage_fees(user):
        return RemittanceConfirmation.objects.none()
    return (
        RemittanceConfirmation.objects.visible_to(user)
        .filter(state=state)
        .select_related("student__school", "semester", "slip", "decided_by")
        .order_by("created_at", "pk")
    )


def ereceipt_queue(*, user) -> QuerySet[Evidence]:
    """Tuition e-receipts ("other" channel) waiting for finance's review."""
    from fees.permissions import can_manage_fees

    if not can_manage_fees(user):
        return Evidence.objects.none()
    return (
        Evidence.objects.visible_to(user)
        .pending_review()
        # A receipt uploaded with the registration form is decided with the form's tuition item, not here.
        .filter(kind=EvidenceKind.TUITION_RECEIPT, reviewed_in="")
        .select_related("student__school")
        .order_by("uploaded_at", "pk")
    )


# --- Refunds and suspension credits -------------------------------------------------------------------------------


def _money_received(entries) -> Decimal:
    """Money the student paid on these entries: payments net of their reversals (credits are not money)."""
    received = entries.filter(
        Q(entry_type=EntryType.PAYMENT) | Q(entry_type=EntryType.REVERSAL, reverses__entry_type=EntryType.PAYMENT)
    ).aggregate(total=Sum("amount"))["total"]
    return rules.money(-(received or 0))


def _charged(entries) -> Decimal:
    return rules.money(entries.filter(_charged_filter(Q())).aggregate(total=Sum("amount"))["total"] or 0)


@dataclass(frozen=True)
class TuitionPaid:
    """The tuition a student paid for a period, split the way the refund rules read it."""

    program: str
    academic_year: str
    this_semester: Decimal
    next_semester: Decimal

    @property
    def total(self) -> Decimal:
        return self.this_semester + self.next_semester


def tuition_paid_for(*, student: Student, semester: Semester) -> TuitionPaid:
    """Handbook: fees/ 1.2.1-1.2.2, 2.1: the tuition paid for the period of `semester`, from the ledger.

    Degree students pay the year at once; the year's tuition is read as two equal long semesters and a payment
    covers the first semester first. Non-degree students pay each semester; it is all "this semester".
    """
    program = rules.program_of(student.degree_level)
    academic_year = rules.academic_year_of(semester.code)
    tuition = LedgerEntry.objects.filter(student=student, fee_kind=FeeKind.TUITION)
    if not rules.tuition_is_by_year(program):
        paid = _money_received(tuition.filter(semester=semester))
        return TuitionPaid(program, academic_year, this_semester=max(paid, rules.ZERO), next_semester=rules.ZERO)
    year = tuition.filter(academic_year=academic_year)
    paid = max(_money_received(year), rules.ZERO)
    charged = _charged(year)
    half = rules.money((charged if charged > 0 else paid) / 2)
    this_semester = min(paid, half)
    next_semester = paid - this_semester
    if charged > 0:
        # More paid than billed is not tuition: the second semester is at most the rest of the year's tuition.
        next_semester = min(next_semester, charged - half)
    return TuitionPaid(program, academic_year, this_semester=this_semester, next_semester=next_semester)


@dataclass(frozen=True)
class RefundProposal:
    """What fees.rules.refund gives for the data the portal has, and the data it was given."""

    semester: Semester
    inputs: dict
    refund: rules.Refund


def _semester_of_year(academic_year: str, term: int) -> Semester | None:
    return Semester.objects.filter(code=f"{academic_year}-{term}").first()


def refund_proposal(*, student: Student, semester: Semester, completed_on: date) -> RefundProposal:
    """The refund the handbook gives a student who withdraws, computed from the portal's own data (Handbook: fees/
    2.1-2.4), assuming the formalities of 2.4 are done: finance checks them when deciding.

    1. The programme type comes from the degree level; scholarship students paid no tuition and get nothing back.
    2. The registration day is the semester's (non-degree) or the first long semester's of its academic year
       (degree), and the second long semester's registration day is read for degree students.
    3. The tuition paid comes from the ledger (tuition_paid_for).
    4. A non-degree student who withdraws before the registration day of a semester they paid for, and who studied
       with us before, is a continuing student who paid the coming semester (2.1.1.2).
    Raises ValidationError with a sentence for the student when the portal lacks something the rules need.
    """
    from django.core.exceptions import ValidationError

    if rules.tuition_covered_by_scholarship(student.funding):
        raise ValidationError(_("Your tuition is paid by your scholarship, so there is no tuition to refund."))
    paid = tuition_paid_for(student=student, semester=semester)
    by_year = rules.tuition_is_by_year(paid.program)
    first = _semester_of_year(paid.academic_year, 1) if by_year else semester
    second = _semester_of_year(paid.academic_year, 2) if by_year else None
    if first is None or first.registration_day is None:
        raise ValidationError(
            _("The registration day of %(semester)s is not set in the portal yet; ask the finance office.")
            % {"semester": first.localized_name() if first else paid.academic_year}
        )
    if paid.total <= 0:
        raise ValidationError(
            _("No tuition payment for %(period)s is recorded on your account, so there is nothing to refund.")
            % {"period": paid.academic_year if by_year else semester.localized_name()}
        )
    second_day = second.registration_day if second is not None else None
    if (
        by_year
        and second_day is None
        and completed_on > first.registration_day + timedelta(days=rules.REFUND_WINDOW_DAYS)
    ):
        raise ValidationError(
            _(
                "The registration day of the second semester of %(year)s is not set in the portal yet; ask the "
                "finance office."
            )
            % {"year": paid.academic_year}
        )
    continuing = False
    if not by_year and completed_on < first.registration_day:
        start_year = int(paid.academic_year[:4])
        studied_before = student.enrolment_year < start_year or (
            LedgerEntry.objects.filter(
                student=student,
                fee_kind=FeeKind.TUITION,
                entry_type=EntryType.CHARGE,
                semester__starts_on__lt=semester.starts_on,
            ).exists()
        )
        continuing = studied_before
    inputs = {
        "program": paid.program,
        "completed_on": completed_on,
        "registration_day": first.registration_day,
        "second_registration_day": second_day,
        "tuition_this_semester": paid.this_semester,
        "tuition_next_semester": paid.next_semester,
        "continuing_paid_next": continuing,
    }
    try:
        result = rules.refund(**inputs)
    except ValueError as exc:
        raise ValidationError(
            _("The portal cannot compute this refund (%(problem)s); ask the finance office.") % {"problem": exc}
        ) from None
    return RefundProposal(semester=first, inputs=inputs, refund=result)


def refund_requests_of(*, user, student: Student) -> QuerySet:
    from fees.models import RefundRequest

    return RefundRequest.objects.visible_to(user).filter(student=student).select_related("semester")


def refund_get(*, user, pk: int):
    """One refund request as far as the user may see it (None otherwise), with its history."""
    from fees.models import RefundDecision, RefundRequest

    return (
        RefundRequest.objects.visible_to(user)
        .select_related(
            "student__school", "student__user", "semester", "decided_by__student", "paid_by", "refund_entry"
        )
        .prefetch_related(Prefetch("decisions", queryset=RefundDecision.objects.select_related("decided_by__student")))
        .filter(pk=pk)
        .first()
    )


def refund_queue(*, user, state: str = "") -> QuerySet:
    """Refund requests for finance, oldest first, in a fixed number of queries whatever their number."""
    from fees.models import RefundRequest
    from fees.permissions import can_manage_fees

    if not can_manage_fees(user):
        return RefundRequest.objects.none()
    requests = RefundRequest.objects.visible_to(user).select_related(
        "student__school", "semester", "decided_by__student"
    )
    if state:
        requests = requests.filter(state=state)
    return requests.order_by("created_at", "pk")


def suspension_credits_of(*, user, student: Student) -> QuerySet:
    from fees.models import SuspensionCredit
    from fees.permissions import ledger_scope

    return SuspensionCredit.objects.filter(ledger_scope(user), student=student).select_related(
        "suspended_semester", "resumption_semester", "created_by__student"
    )
