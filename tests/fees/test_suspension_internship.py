"""Suspension credit on resumption (Handbook: fees/ 2.3) and internship fees by actual weeks (1.2.4)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fees import selectors, services
from fees.models import EntryType, FeeKind, FeeSchedule, LedgerEntry, SuspensionCredit
from portal.models import DegreeLevel
from portal.services import ConflictError
from tests.factories import SemesterFactory, StudentFactory
from tests.fees.helpers import YEAR, autumn, bill, pay, spring

pytestmark = pytest.mark.django_db


@pytest.fixture
def semesters(db):
    next_autumn = SemesterFactory(
        code="2027-2028-1",
        name_en="Autumn 2027",
        starts_on=datetime.date(2027, 9, 1),
        ends_on=datetime.date(2028, 1, 20),
        registration_day=datetime.date(2027, 9, 4),
    )
    return autumn(), spring(), next_autumn


def owed(student, user, academic_year):
    return sum(
        (e.amount for e in selectors.ledger_entries(user=user, student=student) if e.academic_year == academic_year),
        Decimal("0"),
    )


# --- Suspension credit ----------------------------------------------------------------------------------------


def test_degree_student_suspended_in_autumn_gets_the_spring_half_credited_to_the_year_they_resume(
    student, finance_staff, semesters
):
    first, _spring, resumption = semesters
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff)
    bill(student, "24000.00", by=finance_staff, year="2027-2028")
    credit = services.suspension_credit_add(
        student=student, suspended_semester=first, resumption_semester=resumption, actor=finance_staff
    )
    assert credit.amount == Decimal("12000.00")
    assert (credit.credit.entry_type, credit.credit.amount, credit.credit.academic_year) == (
        EntryType.CREDIT,
        Decimal("-12000.00"),
        "2027-2028",
    )
    assert owed(student, finance_staff, "2027-2028") == Decimal("12000.00")
    assert owed(student, finance_staff, YEAR) == Decimal("0.00")  # the suspended semester is not refunded


def test_suspended_in_the_second_semester_leaves_nothing_of_the_year_unused(student, finance_staff, semesters):
    _autumn, second, resumption = semesters
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff)
    with pytest.raises(ValidationError, match="nothing was left unused"):
        services.suspension_credit_add(
            student=student, suspended_semester=second, resumption_semester=resumption, actor=finance_staff
        )
    assert not SuspensionCredit.objects.exists()


def test_non_degree_student_who_paid_the_next_semester_gets_it_credited(finance_staff, semesters):
    first, second, resumption = semesters
    learner = StudentFactory(degree_level=DegreeLevel.NON_DEGREE, programme="Chinese")
    for semester in (first, second):
        bill(learner, "8000.00", by=finance_staff, semester=semester)
        pay(learner, "8000.00", by=finance_staff, semester=semester)
    credit = services.suspension_credit_add(
        student=learner, suspended_semester=first, resumption_semester=resumption, actor=finance_staff
    )
    assert credit.amount == Decimal("8000.00") and credit.credit.semester == resumption


def test_the_unused_tuition_is_credited_once(student, finance_staff, admin_user, semesters):
    first, _spring, resumption = semesters
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff)
    services.suspension_credit_add(
        student=student, suspended_semester=first, resumption_semester=resumption, actor=finance_staff
    )
    with pytest.raises(ConflictError, match="already been credited"):
        services.suspension_credit_add(
            student=student, suspended_semester=first, resumption_semester=resumption, actor=admin_user
        )
    assert LedgerEntry.objects.filter(entry_type=EntryType.CREDIT).count() == 1


def test_resumption_must_come_after_the_suspension(student, finance_staff, semesters):
    first, second, _next = semesters
    with pytest.raises(ValidationError):
        services.suspension_credit_add(
            student=student, suspended_semester=second, resumption_semester=first, actor=finance_staff
        )


def test_only_finance_credits_a_suspension(student, office_staff, semesters):
    with pytest.raises(PermissionDenied):
        services.suspension_credit_add(
            student=student, suspended_semester=semesters[0], resumption_semester=semesters[2], actor=office_staff
        )


def test_finance_credits_a_suspension_from_the_account_page(client, student, finance_staff, semesters):
    bill(student, "24000.00", by=finance_staff)
    pay(student, "24000.00", by=finance_staff)
    client.force_login(finance_staff)
    url = reverse("fees_suspension_credit_add", args=[student.student_id])
    response = client.post(
        url, {"suspension-suspended_semester": semesters[0].pk, "suspension-resumption_semester": semesters[2].pk}
    )
    assert response.status_code == 302
    page = client.get(reverse("fees_student_account", args=[student.student_id])).content.decode()
    assert "Autumn 2026 → Autumn 2027: 12000.00 RMB" in page
    again = client.post(
        url, {"suspension-suspended_semester": semesters[0].pk, "suspension-resumption_semester": semesters[2].pk}
    )
    assert again.status_code == 400 and "already been credited" in again.content.decode()


# --- Internship fees ------------------------------------------------------------------------------------------


@pytest.fixture
def tuition_schedule(db):
    return FeeSchedule.objects.create(
        kind=FeeKind.TUITION, academic_year=YEAR, program="degree", period="year", amount=Decimal("48000.00")
    )


def test_internship_of_10_2_weeks_is_billed_as_11_weeks_of_the_yearly_tuition(student, finance_staff, tuition_schedule):
    charge = services.internship_fee_bill(
        student=student, academic_year=YEAR, weeks=Decimal("10.2"), actor=finance_staff
    )
    assert (charge.fee_kind, charge.entry_type, charge.amount) == (
        FeeKind.INTERNSHIP,
        EntryType.CHARGE,
        Decimal("11000.00"),
    )
    assert "11 counted" in charge.description


def test_exactly_whole_weeks_are_not_rounded_up(student, finance_staff, tuition_schedule):
    charge = services.internship_fee_bill(student=student, academic_year=YEAR, weeks=Decimal("12"), actor=finance_staff)
    assert charge.amount == Decimal("12000.00")


def test_the_internship_is_billed_once_a_year_until_reversed(student, finance_staff, tuition_schedule):
    charge = services.internship_fee_bill(student=student, academic_year=YEAR, weeks=Decimal("4"), actor=finance_staff)
    with pytest.raises(ConflictError, match="already billed"):
        services.internship_fee_bill(student=student, academic_year=YEAR, weeks=Decimal("4"), actor=finance_staff)
    services.entry_reverse(entry=charge, actor=finance_staff, reason="Wrong weeks")
    again = services.internship_fee_bill(student=student, academic_year=YEAR, weeks=Decimal("5"), actor=finance_staff)
    assert again.amount == Decimal("5000.00")


def test_internship_fees_apply_to_clinical_medicine_only(finance_staff, tuition_schedule):
    economist = StudentFactory(programme="International Trade")
    with pytest.raises(ValidationError, match="Clinical Medicine"):
        services.internship_fee_bill(student=economist, academic_year=YEAR, weeks=Decimal("4"), actor=finance_staff)


def test_without_a_schedule_finance_enters_the_yearly_tuition(student, finance_staff):
    with pytest.raises(ValidationError) as caught:
        services.internship_fee_bill(student=student, academic_year=YEAR, weeks=Decimal("4"), actor=finance_staff)
    assert "yearly_tuition" in caught.value.message_dict
    charge = services.internship_fee_bill(
        student=student, academic_year=YEAR, weeks=Decimal("4"), yearly_tuition=Decimal("36000"), actor=finance_staff
    )
    assert charge.amount == Decimal("3000.00")


def test_only_finance_bills_an_internship(student, office_staff, tuition_schedule):
    with pytest.raises(PermissionDenied):
        services.internship_fee_bill(student=student, academic_year=YEAR, weeks=Decimal("4"), actor=office_staff)


def test_finance_bills_the_internship_from_the_account_page(client, student, finance_staff, tuition_schedule):
    client.force_login(finance_staff)
    url = reverse("fees_internship_add", args=[student.student_id])
    response = client.post(url, {"internship-academic_year": YEAR, "internship-weeks": "10.2"})
    assert response.status_code == 302
    assert LedgerEntry.objects.get(fee_kind=FeeKind.INTERNSHIP).amount == Decimal("11000.00")
    bad = client.post(url, {"internship-academic_year": YEAR, "internship-weeks": "0"})
    assert bad.status_code == 400 and bad.context["internship_form"].errors["weeks"]
