"""tuition_status_for and remittance_status_for: what the registration desk and form ask of fees."""

from decimal import Decimal

import pytest

from fees import services
from fees.models import RemittanceConfirmation, RemittanceState
from fees.selectors import remittance_status_for, tuition_status_for
from portal.models import DegreeLevel, Funding
from tests.factories import StudentFactory
from tests.fees.helpers import YEAR, autumn, bill, pay, slip, spring

pytestmark = pytest.mark.django_db


@pytest.fixture
def semesters():
    return autumn(), spring()


@pytest.fixture
def language_student(school_a):
    """Dana, a non-degree Chinese-language student who pays by semester."""
    return StudentFactory(
        student_id="2026000010",
        name_latin="Dana Ivanova",
        school=school_a,
        degree_level=DegreeLevel.NON_DEGREE,
        programme="Chinese Language",
    )


def status(student, semester):
    return tuition_status_for(students=[student], semester=semester)[student.pk]


def test_degree_student_who_paid_the_year_is_paid_in_autumn_and_spring(student, finance_staff, semesters):
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff)
    for semester in semesters:
        result = status(student, semester)
        assert result.paid and result.balance == Decimal("0.00") and not result.covered_by_scholarship
        assert YEAR in result.explanation


def test_degree_student_who_paid_part_of_the_year_owes_the_rest(student, finance_staff, semesters):
    bill(student, "24000.00", by=finance_staff)
    pay(student, "20000.00", by=finance_staff)
    result = status(student, semesters[1])
    assert not result.paid
    assert result.balance == Decimal("4000.00")
    assert "4000.00" in result.explanation


def test_tuition_never_billed_does_not_count_as_paid(student, semesters):
    result = status(student, semesters[0])
    assert not result.paid and result.balance == Decimal("0.00")
    assert "billed" in result.explanation


def test_last_years_payment_does_not_pay_this_year(student, finance_staff, semesters):
    bill(student, "24000.00", by=finance_staff, year="2025-2026")
    pay(student, "24000.00", by=finance_staff, year="2025-2026")
    bill(student, "24000.00", by=finance_staff)
    assert not status(student, semesters[0]).paid


def test_overpayment_is_paid_with_a_negative_balance(student, finance_staff, semesters):
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24500.00", by=finance_staff)
    result = status(student, semesters[0])
    assert result.paid and result.balance == Decimal("-500.00")


def test_non_degree_student_pays_each_semester_separately(language_student, finance_staff, semesters):
    first, second = semesters
    bill(language_student, "11000.00", by=finance_staff, semester=first)
    pay(language_student, "11000.00", by=finance_staff, semester=first)
    bill(language_student, "11000.00", by=finance_staff, semester=second)
    assert status(language_student, first).paid
    second_status = status(language_student, second)
    assert not second_status.paid and second_status.balance == Decimal("11000.00")


def test_reversed_payment_leaves_the_tuition_unpaid(student, finance_staff, semesters):
    bill(student, "24000.00", by=finance_staff)
    payment = pay(student, "24000.00", by=finance_staff)
    services.entry_reverse(entry=payment, actor=finance_staff, reason="Bounced")
    result = status(student, semesters[0])
    assert not result.paid and result.balance == Decimal("24000.00")


def test_reversed_charge_counts_as_never_billed(student, finance_staff, semesters):
    charge = bill(student, "24000.00", by=finance_staff)
    services.entry_reverse(entry=charge, actor=finance_staff, reason="Wrong programme")
    assert not status(student, semesters[0]).paid


@pytest.mark.parametrize("funding", [Funding.CSC, Funding.CONFUCIUS])
def test_scholarship_students_tuition_is_covered_without_payment(school_a, semesters, funding):
    scholar = StudentFactory(school=school_a, funding=funding)
    result = status(scholar, semesters[0])
    assert result.paid and result.covered_by_scholarship
    assert str(scholar.get_funding_display()) in result.explanation


def test_accommodation_charges_do_not_affect_tuition(student, finance_staff, semesters):
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff)
    bill(student, "6000.00", by=finance_staff, kind="accommodation")
    assert status(student, semesters[0]).paid


def test_one_query_for_any_number_of_students(school_a, finance_staff, semesters, django_assert_num_queries):
    few = StudentFactory.create_batch(2, school=school_a)
    many = few + StudentFactory.create_batch(25, school=school_a, degree_level=DegreeLevel.NON_DEGREE)
    for index, someone in enumerate(many):
        bill(someone, "10000.00", by=finance_staff, semester=semesters[0] if index % 2 else None)
        pay(someone, "10000.00" if index % 3 else "5000.00", by=finance_staff)
    with django_assert_num_queries(1):
        tuition_status_for(students=few, semester=semesters[0])
    with django_assert_num_queries(1):
        result = tuition_status_for(students=many, semester=semesters[0])
    assert set(result) == {someone.pk for someone in many}


def test_no_students_needs_no_answer(semesters):
    assert tuition_status_for(students=[], semester=semesters[0]) == {}


# --- remittance_status_for -----------------------------------------------------------------------------------


def remittance(student, semester, state=RemittanceState.PENDING):
    return RemittanceConfirmation.objects.create(
        student=student,
        semester=semester,
        academic_year=YEAR,
        slip=slip(student),
        amount=Decimal("3500.00"),
        currency="USD",
        remitted_on=semester.starts_on,
        state=state,
        reason="Illegible slip" if state == RemittanceState.REJECTED else "",
    )


def test_no_remittance_filed_is_none(student, semesters):
    assert remittance_status_for(student=student, semester=semesters[0]) is None


def test_a_filed_remittance_is_pending(student, semesters):
    remittance(student, semesters[0])
    assert remittance_status_for(student=student, semester=semesters[0]) == "pending"


def test_a_new_filing_after_a_rejection_is_pending(student, semesters):
    remittance(student, semesters[0], RemittanceState.REJECTED)
    assert remittance_status_for(student=student, semester=semesters[0]) == "rejected"
    remittance(student, semesters[0])
    assert remittance_status_for(student=student, semester=semesters[0]) == "pending"


def test_degree_students_confirmed_autumn_remittance_counts_in_spring(student, finance_staff, semesters):
    filed = remittance(student, semesters[0])
    services.remittance_confirm(remittance=filed, credited_rmb=Decimal("24000.00"), actor=finance_staff)
    assert remittance_status_for(student=student, semester=semesters[1]) == "confirmed"


def test_language_students_remittance_is_for_its_semester_only(language_student, semesters):
    remittance(language_student, semesters[0])
    assert remittance_status_for(student=language_student, semester=semesters[1]) is None


def test_a_classmates_remittance_is_not_mine(student, classmate, semesters):
    remittance(classmate, semesters[0])
    assert remittance_status_for(student=student, semester=semesters[0]) is None
