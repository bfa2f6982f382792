"""The fees pages: what the student and the finance office see and do."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fees.models import LedgerEntry, RemittanceConfirmation, RemittanceState
from tests.factories import pdf_bytes
from tests.fees.helpers import YEAR, autumn, bill, pay

pytestmark = pytest.mark.django_db


def test_student_sees_own_balance_and_receipt(client, student, classmate, finance_staff):
    bill(student, "24000.00", by=finance_staff)
    payment = pay(student, "20000.00", by=finance_staff)
    bill(classmate, "99999.00", by=finance_staff)
    client.force_login(student.user)
    page = client.get(reverse("fees_my_account")).content.decode()
    assert "4000.00" in page and payment.receipt.number in page
    assert "99999.00" not in page


def test_student_cannot_open_finance_pages_of_their_own_account(client, student):
    client.force_login(student.user)
    assert client.get(reverse("fees_student_account", kwargs={"student_id": student.student_id})).status_code == 404


@pytest.mark.parametrize("persona", ["office_staff", "staff_a", "dormitory_staff", "clearance_staff"])
def test_other_offices_may_not_use_the_finance_pages(client, request, student, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("fees_finance_home")).status_code == 403
    assert client.get(reverse("fees_student_account", kwargs={"student_id": student.student_id})).status_code == 403


def test_student_files_a_remittance_with_the_bank_slip(client, student):
    semester = autumn()
    client.force_login(student.user)
    response = client.post(
        reverse("fees_remittance_new"),
        {
            "semester": semester.pk,
            "amount": "3500.00",
            "currency": "usd",
            "remitted_on": "2026-08-01",
            "slip": SimpleUploadedFile("slip.pdf", pdf_bytes(), content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    remittance = RemittanceConfirmation.objects.get(student=student)
    assert remittance.currency == "USD" and remittance.state == RemittanceState.PENDING


def test_a_remittance_without_a_slip_is_refused_with_a_form_error(client, student):
    semester = autumn()
    client.force_login(student.user)
    response = client.post(
        reverse("fees_remittance_new"),
        {"semester": semester.pk, "amount": "3500", "currency": "USD", "remitted_on": "2026-08-01"},
    )
    assert response.status_code == 400
    assert not RemittanceConfirmation.objects.exists()


def test_finance_records_a_payment_from_the_account_page(client, student, finance_staff):
    client.force_login(finance_staff)
    response = client.post(
        reverse("fees_payment_add", kwargs={"student_id": student.student_id}),
        {
            "payment-fee_kind": "tuition",
            "payment-academic_year": YEAR,
            "payment-amount": "24000.00",
            "payment-channel": "online",
            "payment-reference": "PLAT-9",
            "payment-paid_on": "2026-08-20",
        },
    )
    assert response.status_code == 302
    assert LedgerEntry.objects.get(reference="PLAT-9").amount == -24000


def test_a_bad_academic_year_is_a_form_error(client, student, finance_staff):
    client.force_login(finance_staff)
    response = client.post(
        reverse("fees_charge_add", kwargs={"student_id": student.student_id}),
        {"charge-fee_kind": "tuition", "charge-academic_year": "2026-2028", "charge-amount": "10"},
    )
    assert response.status_code == 400
    assert "consecutive" in response.content.decode()


def test_finance_confirms_a_remittance_from_the_queue(client, student, finance_staff):
    from fees import services
    from tests.factories import upload

    remittance = services.remittance_file(
        student=student,
        semester=autumn(),
        amount="3500",
        currency="USD",
        remitted_on=datetime.date(2026, 8, 1),
        slip_upload=upload(),
        user=student.user,
    )
    client.force_login(finance_staff)
    assert student.student_id in client.get(reverse("fees_remittance_queue")).content.decode()
    response = client.post(
        reverse("fees_remittance_decide", kwargs={"pk": remittance.pk}),
        {"decision": "confirm", "credited_rmb": "24500.00"},
    )
    assert response.status_code == 302
    remittance.refresh_from_db()
    assert remittance.state == RemittanceState.CONFIRMED and str(remittance.credited_rmb) == "24500.00"


def test_refund_calculator_shows_amount_and_clause(client, finance_staff):
    client.force_login(finance_staff)
    response = client.get(
        reverse("fees_refund_calculator"),
        {
            "program": "degree",
            "registration_day": "2026-09-05",
            "completed_on": "2026-10-05",
            "tuition_this_semester": "12000",
            "tuition_next_semester": "12000",
            "second_registration_day": "2027-02-23",
            "permit_changed_in_time": "on",
            "receipts_returned": "on",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "18000.00" in page and "2.1.2.1" in page


def test_refund_calculator_reports_impossible_input(client, finance_staff):
    client.force_login(finance_staff)
    response = client.get(
        reverse("fees_refund_calculator"),
        {
            "program": "degree",
            "registration_day": "2026-09-05",
            "completed_on": "2026-12-05",
            "tuition_this_semester": "12000",
            "permit_changed_in_time": "on",
            "receipts_returned": "on",
        },
    )
    assert response.status_code == 400 and "second_registration_day" in response.content.decode()


def test_arrears_page_lists_who_owes(client, student, finance_staff):
    bill(student, "24000.00", by=finance_staff)
    client.force_login(finance_staff)
    page = client.get(reverse("fees_finance_home")).content.decode()
    assert student.student_id in page and "24000.00" in page


def test_unpaid_list_page_shows_students_after_two_weeks(client, student, finance_staff):
    semester = autumn(registration_day=datetime.date.today() - datetime.timedelta(days=20))
    bill(student, "24000.00", by=finance_staff)
    client.force_login(finance_staff)
    page = client.get(reverse("fees_unpaid_list"), {"semester": semester.code}).content.decode()
    assert student.student_id in page


def test_statement_import_page_shows_row_errors(client, student, finance_staff):
    client.force_login(finance_staff)
    content = (
        "transaction_id,student_id,amount,paid_on,fee,academic_year\n"
        f"T1,{student.student_id},100,2026-08-20,tuition,{YEAR}\n"
        "T2,nobody,100,2026-08-20,tuition,2026-2027\n"
    ).encode()
    response = client.post(
        reverse("fees_statement_import"), {"file": SimpleUploadedFile("s.csv", content, content_type="text/csv")}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "nobody" in page
    assert LedgerEntry.objects.filter(reference="T1").exists()
