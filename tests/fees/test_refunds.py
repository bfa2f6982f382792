"""The refund request workflow: the portal's proposal from its own data, finance's checks and decision, the payout
on the ledger, the history and the notifications (Handbook: fees/ 2.1-2.4)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from fees import selectors, services
from fees.models import EntryType, LedgerEntry, RefundDecision, RefundState
from portal.models import AuditEntry, DegreeLevel, Funding, Notification
from portal.services import ConflictError
from tests.factories import StudentFactory
from tests.fees.helpers import autumn, bill, pay, spring

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 7, 1)
AUTUMN_REGISTRATION = datetime.date(2026, 9, 5)
DAY_30 = AUTUMN_REGISTRATION + datetime.timedelta(days=30)
DAY_31 = AUTUMN_REGISTRATION + datetime.timedelta(days=31)


@pytest.fixture
def year(db):
    return autumn(), spring()


@pytest.fixture
def paid_year(student, finance_staff, year):
    """Amina, a bachelor's student, paid the 2026-2027 tuition of 24,000 RMB."""
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff, reference="Y-1")
    return year


def apply(student, semester, completed_on, *, user=None, **kwargs):
    values = {
        "reason": "Going home",
        "bank_account_name": student.name_latin,
        "bank_name": "Bank of Kenya",
        "bank_account": "KE12 3456 7890",
        "bank_swift": "bkenkena",
    }
    return services.refund_request_apply(
        student=student,
        user=user or student.user,
        semester=semester,
        completed_on=completed_on,
        today=TODAY,
        **{**values, **kwargs},
    )


def approve(refund, by, **kwargs):
    values = {"permit_changed_in_time": True, "receipts_returned": True}
    return services.refund_request_approve(request=refund, actor=by, **{**values, **kwargs})


# --- The proposal -------------------------------------------------------------------------------------------


def test_degree_student_withdrawing_on_day_30_is_proposed_half_the_first_semester_and_all_the_second(
    student, paid_year
):
    refund = apply(student, paid_year[0], DAY_30)
    assert (refund.proposed_amount, refund.proposed_clause) == (Decimal("18000.00"), "2.1.2.1")
    assert refund.state == RefundState.REQUESTED
    assert (refund.tuition_this_semester, refund.tuition_next_semester) == (Decimal("12000.00"), Decimal("12000.00"))
    assert (refund.registration_day, refund.second_registration_day) == (
        AUTUMN_REGISTRATION,
        paid_year[1].registration_day,
    )
    assert refund.bank_account == "KE1234567890" and refund.bank_swift == "BKENKENA"


def test_degree_student_withdrawing_on_day_31_is_proposed_the_second_semester_only(student, paid_year):
    refund = apply(student, paid_year[0], DAY_31)
    assert (refund.proposed_amount, refund.proposed_clause) == (Decimal("12000.00"), "2.1.2.2")


def test_degree_student_choosing_the_spring_semester_is_read_against_the_first_registration_day(student, paid_year):
    refund = apply(student, paid_year[1], DAY_30)
    assert refund.semester == paid_year[0] and refund.proposed_amount == Decimal("18000.00")


def test_degree_student_withdrawing_on_the_second_registration_day_is_proposed_nothing(student, paid_year):
    refund = apply(student, paid_year[0], paid_year[1].registration_day)
    assert (refund.proposed_amount, refund.proposed_clause) == (Decimal("0.00"), "2.1.2.2")


def test_a_partial_payment_covers_the_first_semester_first(student, finance_staff, year):
    bill(student, "24000.00", by=finance_staff)
    pay(student, "10000.00", by=finance_staff, reference="P-1")
    refund = apply(student, year[0], DAY_30)
    assert (refund.tuition_this_semester, refund.tuition_next_semester) == (Decimal("10000.00"), Decimal("0.00"))
    assert refund.proposed_amount == Decimal("5000.00")


def test_a_reversed_payment_is_not_counted_as_paid(student, finance_staff, year):
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff, reference="P-1")
    mistaken = pay(student, "6000.00", by=finance_staff, reference="P-2")
    services.entry_reverse(entry=mistaken, actor=finance_staff, reason="Recorded twice")
    assert selectors.tuition_paid_for(student=student, semester=year[0]).total == Decimal("24000.00")


def test_new_non_degree_student_within_30_days_is_proposed_half(finance_staff, year):
    learner = StudentFactory(degree_level=DegreeLevel.NON_DEGREE, enrolment_year=2026, programme="Chinese")
    bill(learner, "8000.00", by=finance_staff, semester=year[0])
    pay(learner, "8000.00", by=finance_staff, semester=year[0], reference="N-1")
    assert apply(learner, year[0], DAY_30).proposed_amount == Decimal("4000.00")


def test_new_non_degree_student_on_day_31_is_proposed_nothing(finance_staff, year):
    learner = StudentFactory(degree_level=DegreeLevel.NON_DEGREE, enrolment_year=2026, programme="Chinese")
    bill(learner, "8000.00", by=finance_staff, semester=year[0])
    pay(learner, "8000.00", by=finance_staff, semester=year[0], reference="N-1")
    refund = apply(learner, year[0], DAY_31)
    assert (refund.proposed_amount, refund.proposed_clause) == (Decimal("0.00"), "2.1.1.1")


def test_continuing_non_degree_student_who_paid_the_coming_semester_is_proposed_80_percent(finance_staff, year):
    learner = StudentFactory(degree_level=DegreeLevel.NON_DEGREE, enrolment_year=2025, programme="Chinese")
    bill(learner, "8000.00", by=finance_staff, semester=year[1])
    pay(learner, "8000.00", by=finance_staff, semester=year[1], reference="N-2")
    refund = apply(learner, year[1], year[1].registration_day - datetime.timedelta(days=1))
    assert (refund.proposed_amount, refund.proposed_clause, refund.continuing_paid_next) == (
        Decimal("6400.00"),
        "2.1.1.2",
        True,
    )


def test_scholarship_student_has_no_tuition_to_refund(finance_staff, year):
    scholar = StudentFactory(funding=Funding.CSC)
    with pytest.raises(ValidationError, match="scholarship"):
        apply(scholar, year[0], DAY_30)


def test_nothing_paid_means_nothing_to_apply_for(student, finance_staff, year):
    bill(student, "24000.00", by=finance_staff)
    with pytest.raises(ValidationError, match="nothing to refund"):
        apply(student, year[0], DAY_30)


def test_without_the_second_registration_day_a_late_degree_withdrawal_cannot_be_computed(student, finance_staff):
    first = autumn()
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff, reference="Y-1")
    with pytest.raises(ValidationError, match="second semester"):
        apply(student, first, DAY_31)


def test_application_needs_a_reason_bank_details_and_a_past_completion_day(student, paid_year):
    with pytest.raises(ValidationError) as caught:
        apply(student, paid_year[0], TODAY + datetime.timedelta(days=1), reason=" ", bank_account="", bank_name="")
    assert set(caught.value.message_dict) == {"reason", "completed_on", "bank_account", "bank_name"}


def test_the_application_is_the_first_line_of_the_history(student, paid_year):
    refund = apply(student, paid_year[0], DAY_30)
    (first,) = refund.decisions.all()
    assert (first.state, first.decided_by, first.amount, first.clause) == (
        RefundState.REQUESTED,
        student.user,
        Decimal("18000.00"),
        "2.1.2.1",
    )
    assert AuditEntry.objects.filter(action="fees.refund_requested", student=student).exists()


def test_a_second_application_for_the_same_year_is_a_conflict(student, paid_year):
    apply(student, paid_year[0], DAY_30)
    with pytest.raises(ConflictError, match="already have a refund request"):
        apply(student, paid_year[0], DAY_31)


def test_after_a_rejection_the_student_may_apply_again(student, paid_year, finance_staff):
    services.refund_request_reject(request=apply(student, paid_year[0], DAY_30), actor=finance_staff, reason="No")
    assert apply(student, paid_year[0], DAY_30).state == RefundState.REQUESTED


@pytest.mark.parametrize("persona", ["classmate", "finance_staff", "office_staff"])
def test_only_the_student_applies_for_their_own_refund(request, student, paid_year, persona):
    someone = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        apply(student, paid_year[0], DAY_30, user=getattr(someone, "user", someone))


# --- Finance's decision -------------------------------------------------------------------------------------


def test_finance_approves_what_the_rules_give_and_the_student_is_told(student, paid_year, finance_staff):
    refund = approve(apply(student, paid_year[0], DAY_30), finance_staff)
    assert (refund.state, refund.approved_amount, refund.decided_clause) == (
        RefundState.APPROVED,
        Decimal("18000.00"),
        "2.1.2.1",
    )
    assert (refund.permit_changed_in_time, refund.receipts_returned, refund.decided_by) == (True, True, finance_staff)
    message = Notification.objects.get(user=student.user)
    assert "approved" in message.subject and "18000.00" in message.body
    assert [d.state for d in refund.decisions.all()] == ["requested", "approved"]


def test_a_permit_not_changed_in_time_gives_nothing_so_approval_is_refused(student, paid_year, finance_staff):
    refund = apply(student, paid_year[0], DAY_30)
    with pytest.raises(ValidationError, match="reject"):
        approve(refund, finance_staff, permit_changed_in_time=False)
    refund.refresh_from_db()
    assert refund.state == RefundState.REQUESTED


def test_a_cause_of_2_2_1_gives_nothing(student, paid_year, finance_staff):
    refund = apply(student, paid_year[0], DAY_30)
    result = services.refund_recompute(
        request=refund, permit_changed_in_time=True, receipts_returned=True, no_refund_reason="absent_two_weeks"
    )
    assert (result.amount, result.clause) == (Decimal("0.00"), "2.2.1")


def test_receipts_not_returned_give_nothing_under_2_4(student, paid_year, finance_staff):
    result = services.refund_recompute(
        request=apply(student, paid_year[0], DAY_30), permit_changed_in_time=True, receipts_returned=False
    )
    assert (result.amount, result.clause) == (Decimal("0.00"), "2.4")


def test_another_amount_needs_a_reason(student, paid_year, finance_staff):
    refund = apply(student, paid_year[0], DAY_30)
    with pytest.raises(ValidationError, match="say why"):
        approve(refund, finance_staff, amount="15000")
    approved = approve(refund, finance_staff, amount="15000", reason="Advance payment kept (2.2.2)")
    assert (approved.approved_amount, approved.decided_clause, approved.adjusted) == (
        Decimal("15000.00"),
        "adjusted",
        True,
    )
    assert approved.decisions.last().reason == "Advance payment kept (2.2.2)"


def test_an_amount_above_the_tuition_paid_is_refused(student, paid_year, finance_staff):
    with pytest.raises(ValidationError, match="more than the tuition paid"):
        approve(apply(student, paid_year[0], DAY_30), finance_staff, amount="30000", reason="Typo")


def test_a_rejection_needs_a_reason_and_tells_the_student(student, paid_year, finance_staff):
    refund = apply(student, paid_year[0], DAY_30)
    with pytest.raises(ValidationError):
        services.refund_request_reject(request=refund, actor=finance_staff, reason="  ")
    rejected = services.refund_request_reject(
        request=refund, actor=finance_staff, reason="Receipts not handed back", receipts_returned=False
    )
    assert rejected.state == RefundState.REJECTED
    assert "Receipts not handed back" in Notification.objects.get(user=student.user).body


@pytest.mark.parametrize("persona", ["office_staff", "staff_a", "dormitory_staff"])
def test_other_offices_may_not_decide_refunds(request, student, paid_year, persona):
    refund = apply(student, paid_year[0], DAY_30)
    with pytest.raises(PermissionDenied):
        approve(refund, request.getfixturevalue(persona))
    with pytest.raises(PermissionDenied):
        services.refund_request_reject(request=refund, actor=request.getfixturevalue(persona), reason="No")


def test_a_second_decision_is_a_conflict_naming_the_first_decider(student, paid_year, finance_staff, admin_user):
    refund = apply(student, paid_year[0], DAY_30)
    approve(refund, finance_staff)
    with pytest.raises(ConflictError, match="already approved by"):
        services.refund_request_reject(request=refund, actor=admin_user, reason="No")


def test_a_decision_on_a_stale_version_is_a_conflict(student, paid_year, finance_staff):
    refund = apply(student, paid_year[0], DAY_30)
    with pytest.raises(ConflictError, match="changed since you opened it"):
        approve(refund, finance_staff, expected_version=refund.version + 1)


@pytest.mark.django_db(transaction=True)
def test_two_finance_staff_deciding_at_the_same_moment_record_one_decision(school_a, finance_staff, admin_user):
    student = StudentFactory(school=school_a)
    first, _second = autumn(), spring()
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff, reference="T-1")
    refund = apply(student, first, DAY_30)
    barrier, outcomes = threading.Barrier(2), []

    def decide(actor, approve_it):
        try:
            barrier.wait(timeout=5)
            if approve_it:
                approve(refund, actor, expected_version=refund.version)
            else:
                services.refund_request_reject(
                    request=refund, actor=actor, reason="No receipts", expected_version=refund.version
                )
            outcomes.append("decided")
        except ConflictError as exc:
            outcomes.append(f"conflict: {exc}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(finance_staff, True)),
        threading.Thread(target=decide, args=(admin_user, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcome.split(":")[0] for outcome in outcomes) == ["conflict", "decided"]
    assert "This refund request was already" in next(o for o in outcomes if o.startswith("conflict"))
    assert RefundDecision.objects.filter(request=refund).count() == 2  # the application and one decision


# --- The payout ---------------------------------------------------------------------------------------------


def test_marking_paid_writes_a_credit_and_a_refund_entry_and_leaves_the_balance(student, paid_year, finance_staff):
    refund = approve(apply(student, paid_year[0], DAY_30), finance_staff)
    paid = services.refund_request_mark_paid(
        request=refund, actor=finance_staff, paid_on=datetime.date.today(), reference="SWIFT-77"
    )
    assert paid.state == RefundState.PAID and paid.paid_by == finance_staff
    assert (paid.credit_entry.entry_type, paid.credit_entry.amount) == (EntryType.CREDIT, Decimal("-18000.00"))
    assert (paid.refund_entry.entry_type, paid.refund_entry.amount) == (EntryType.REFUND, Decimal("18000.00"))
    assert paid.refund_entry.reference == "SWIFT-77"
    entries = list(selectors.ledger_entries(user=finance_staff, student=student))
    [line], total = selectors.account_summary(entries=entries)
    assert (line.charged, line.paid, line.balance, total) == (
        Decimal("24000.00"),
        Decimal("24000.00"),  # 24,000 paid + 18,000 written off - 18,000 paid back
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert AuditEntry.objects.filter(action="fees.refund_paid_out", student=student).count() == 1
    assert AuditEntry.objects.filter(action="fees.refund_paid", student=student).count() == 1
    assert [d.state for d in paid.decisions.all()] == ["requested", "approved", "paid"]
    assert Notification.objects.filter(user=student.user).count() == 2


def test_a_refund_is_paid_once(student, paid_year, finance_staff, admin_user):
    refund = approve(apply(student, paid_year[0], DAY_30), finance_staff)
    services.refund_request_mark_paid(request=refund, actor=finance_staff, paid_on=datetime.date.today(), reference="R")
    with pytest.raises(ConflictError, match="already paid by"):
        services.refund_request_mark_paid(
            request=refund, actor=admin_user, paid_on=datetime.date.today(), reference="R"
        )
    assert LedgerEntry.objects.filter(entry_type=EntryType.REFUND).count() == 1


def test_a_request_not_approved_cannot_be_paid(student, paid_year, finance_staff):
    refund = apply(student, paid_year[0], DAY_30)
    with pytest.raises(ConflictError):
        services.refund_request_mark_paid(
            request=refund, actor=finance_staff, paid_on=datetime.date.today(), reference="R"
        )


def test_a_payout_needs_a_reference_and_a_date_not_in_the_future(student, paid_year, finance_staff):
    refund = approve(apply(student, paid_year[0], DAY_30), finance_staff)
    with pytest.raises(ValidationError) as caught:
        services.refund_request_mark_paid(
            request=refund,
            actor=finance_staff,
            paid_on=datetime.date.today() + datetime.timedelta(days=1),
            reference="",
        )
    assert set(caught.value.message_dict) == {"reference", "paid_on"}


def test_after_a_paid_refund_the_year_cannot_be_refunded_again(student, paid_year, finance_staff):
    refund = approve(apply(student, paid_year[0], DAY_30), finance_staff)
    services.refund_request_mark_paid(request=refund, actor=finance_staff, paid_on=datetime.date.today(), reference="R")
    with pytest.raises(ConflictError):
        apply(student, paid_year[0], DAY_30)


def test_the_history_is_append_only(student, paid_year):
    decision = apply(student, paid_year[0], DAY_30).decisions.get()
    decision.reason = "rewritten"
    with pytest.raises(RuntimeError):
        decision.save()
    with pytest.raises(RuntimeError):
        decision.delete()
