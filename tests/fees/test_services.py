"""Ledger writes, remittance confirmation, the statement import, e-receipts, receipts and the finance lists."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fees import selectors, services
from fees.models import Channel, EntryType, LedgerEntry, Receipt, RemittanceState
from portal.models import AuditEntry, DocumentStatus, EvidenceKind, GeneratedDocument, ReviewState
from portal.services import ConflictError, evidence_submit
from tests.factories import StudentFactory, upload
from tests.fees.helpers import YEAR, autumn, bill, pay

pytestmark = pytest.mark.django_db


# --- The ledger -----------------------------------------------------------------------------------------------


def test_a_payment_gets_the_next_receipt_number_and_an_audit_entry(student, finance_staff):
    first = pay(student, "100.00", by=finance_staff)
    second = pay(student, "200.00", by=finance_staff)
    year = first.receipt.issued_at.year
    assert first.receipt.number == f"{year}-000001"
    assert second.receipt.number == f"{year}-000002"
    assert AuditEntry.objects.filter(action="fees.payment", student=student).count() == 2


def test_ledger_entries_cannot_be_edited_or_deleted(student, finance_staff):
    payment = pay(student, "100.00", by=finance_staff)
    payment.amount = Decimal("-1.00")
    with pytest.raises(RuntimeError):
        payment.save()
    with pytest.raises(RuntimeError):
        payment.delete()


def test_a_reference_already_recorded_is_refused(student, finance_staff):
    pay(student, "100.00", by=finance_staff, reference="TX-1")
    with pytest.raises(ConflictError):
        pay(student, "100.00", by=finance_staff, reference="TX-1")
    assert LedgerEntry.objects.filter(reference="TX-1").count() == 1


def test_an_entry_is_reversed_once(student, finance_staff):
    payment = pay(student, "100.00", by=finance_staff)
    reversal = services.entry_reverse(entry=payment, actor=finance_staff, reason="Typed twice")
    assert reversal.amount == Decimal("100.00") and reversal.entry_type == EntryType.REVERSAL
    with pytest.raises(ConflictError):
        services.entry_reverse(entry=payment, actor=finance_staff, reason="Again")


@pytest.mark.parametrize("amount", ["0", "-5", "abc"])
def test_a_charge_needs_a_positive_amount(student, finance_staff, amount):
    with pytest.raises(ValidationError):
        services.charge_add(student=student, fee_kind="tuition", academic_year=YEAR, amount=amount, actor=finance_staff)


def test_only_finance_records_money(student, office_staff):
    with pytest.raises(PermissionDenied):
        bill(student, "100.00", by=office_staff)
    with pytest.raises(PermissionDenied):
        bill(student, "100.00", by=student.user)


def test_amounts_are_rounded_half_up_to_the_fen(student, finance_staff):
    assert bill(student, "100.005", by=finance_staff).amount == Decimal("100.01")


# --- Remittances ----------------------------------------------------------------------------------------------


def file_remittance(student, semester, **kwargs):
    arguments = dict(
        student=student,
        semester=semester,
        amount="3500.00",
        currency="usd",
        remitted_on=datetime.date(2026, 8, 1),
        slip_upload=upload("slip.pdf"),
        user=student.user,
        today=datetime.date(2026, 8, 10),
    )
    return services.remittance_file(**{**arguments, **kwargs})


def test_finance_confirms_the_rmb_credited_which_pays_the_tuition(student, finance_staff):
    semester = autumn()
    bill(student, "24000.00", by=finance_staff)
    remittance = file_remittance(student, semester)
    assert remittance.currency == "USD" and remittance.state == RemittanceState.PENDING
    assert not selectors.tuition_status_for(students=[student], semester=semester)[student.pk].paid

    confirmed = services.remittance_confirm(remittance=remittance, credited_rmb="24000.00", actor=finance_staff)

    assert confirmed.state == RemittanceState.CONFIRMED
    assert confirmed.payment.channel == Channel.REMITTANCE and confirmed.payment.amount == Decimal("-24000.00")
    assert confirmed.slip.state == ReviewState.APPROVED
    assert confirmed.payment.receipt.number
    assert selectors.tuition_status_for(students=[student], semester=semester)[student.pk].paid


def test_a_remittance_is_decided_once(student, finance_staff, admin_user):
    remittance = file_remittance(student, autumn())
    services.remittance_reject(remittance=remittance, reason="No such credit", actor=finance_staff)
    with pytest.raises(ConflictError):
        services.remittance_confirm(remittance=remittance, credited_rmb="1.00", actor=admin_user)
    assert not LedgerEntry.objects.filter(student=student).exists()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"currency": "dollars"}, "currency"),
        ({"amount": "0"}, "amount"),
        ({"remitted_on": datetime.date(2026, 9, 1)}, "remitted_on"),
    ],
)
def test_a_remittance_with_bad_details_is_refused(student, kwargs, field):
    with pytest.raises(ValidationError) as error:
        file_remittance(student, autumn(), **kwargs)
    assert field in error.value.error_dict


def test_nobody_files_a_remittance_for_someone_else(student, classmate):
    with pytest.raises(PermissionDenied):
        file_remittance(student, autumn(), user=classmate.user)


# --- Statement import -----------------------------------------------------------------------------------------


def statement(text: str):
    return SimpleUploadedFile("statement.csv", text.encode("utf-8-sig"), content_type="text/csv")


def test_statement_import_records_good_rows_and_reports_bad_ones(student, classmate, finance_staff):
    semester = autumn()
    result = services.statement_import(
        upload=statement(
            "transaction_id,student_id,amount,paid_on,fee,academic_year,semester\n"
            f"T1,{student.student_id},24000.00,2026-08-20,tuition,{YEAR},\n"
            f"T2,{classmate.student_id},11000,2026-08-21,tuition,{YEAR},{semester.code}\n"
            "T3,9999999999,100,2026-08-21,tuition,2026-2027,\n"
            f"T4,{student.student_id},-5,2026-08-21,tuition,{YEAR},\n"
            f"T5,{student.student_id},5,21/08/2026,parking,{YEAR},\n"
        ),
        actor=finance_staff,
    )
    assert result.recorded == 2
    errors = {row.transaction_id: (row.line, row.message) for row in result.errors}
    assert set(errors) == {"T3", "T4", "T5"}
    assert errors["T3"][0] == 4 and "9999999999" in errors["T3"][1]
    assert "more than zero" in errors["T4"][1]
    assert "YYYY-MM-DD" in errors["T5"][1] and "parking" in errors["T5"][1]
    assert LedgerEntry.objects.get(reference="T2").semester == semester


def test_importing_the_same_statement_twice_records_nothing_twice(student, finance_staff):
    text = (
        "transaction_id,student_id,amount,paid_on,fee,academic_year\n"
        f"T1,{student.student_id},100,2026-08-20,tuition,{YEAR}\n"
    )
    services.statement_import(upload=statement(text), actor=finance_staff)
    again = services.statement_import(upload=statement(text), actor=finance_staff)
    assert again.recorded == 0 and again.duplicates == 1
    assert LedgerEntry.objects.filter(reference="T1").count() == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (b"student_id,amount\n1,2\n", "lacks"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"transaction_id,student_id,amount,paid_on,fee,academic_year\n", "no payment rows"),
    ],
)
def test_a_file_that_is_not_a_statement_is_refused_whole(finance_staff, content, message):
    with pytest.raises(services.StatementFileError, match=message):
        services.statement_import(upload=SimpleUploadedFile("s.csv", content), actor=finance_staff)


# --- E-receipts -----------------------------------------------------------------------------------------------


def test_accepting_an_e_receipt_records_an_other_channel_payment(student, finance_staff):
    evidence = evidence_submit(
        student=student, kind=EvidenceKind.TUITION_RECEIPT, upload=upload(), uploaded_by=student.user
    )
    payment = services.ereceipt_accept(
        evidence=evidence, amount="24000", academic_year=YEAR, paid_on=datetime.date(2026, 8, 2), actor=finance_staff
    )
    assert payment.channel == Channel.OTHER and payment.evidence == evidence
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.APPROVED
    with pytest.raises(ConflictError):
        services.ereceipt_accept(
            evidence=evidence,
            amount="24000",
            academic_year=YEAR,
            paid_on=datetime.date(2026, 8, 2),
            actor=finance_staff,
        )


# --- Receipt PDF ----------------------------------------------------------------------------------------------


def test_receipt_pdf_shows_number_student_and_amount(student, finance_staff):
    from pypdf import PdfReader

    from fees.documents import fee_receipt

    payment = pay(student, "24000.00", by=finance_staff, reference="TX-77")
    document = services.receipt_pdf_request(receipt=payment.receipt, user=student.user, language="en")
    assert services.receipt_pdf_request(receipt=payment.receipt, user=student.user, language="en") == document
    filename, content_type, content = fee_receipt(document, lambda done, total: None)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert filename == f"receipt-{payment.receipt.number}.pdf" and content_type == "application/pdf"
    assert payment.receipt.number in text and student.student_id in text and "24000.00" in text and "TX-77" in text


def test_a_classmate_cannot_have_my_receipt_printed(student, classmate, finance_staff):
    from fees.documents import fee_receipt

    receipt = pay(student, "100.00", by=finance_staff).receipt
    with pytest.raises(PermissionDenied):
        services.receipt_pdf_request(receipt=receipt, user=classmate.user, language="en")
    forged = GeneratedDocument.objects.create(
        owner=classmate.user,
        kind="fee_receipt",
        title="x",
        parameters={"receipt_id": receipt.pk},
        status=DocumentStatus.QUEUED,
    )
    with pytest.raises(ValueError):
        fee_receipt(forged, lambda done, total: None)


# --- Finance lists --------------------------------------------------------------------------------------------


def test_arrears_list_ages_and_one_query_whatever_the_size(school_a, finance_staff, django_assert_num_queries):
    today = datetime.date.today()
    owing = StudentFactory.create_batch(3, school=school_a)
    for someone in owing:
        bill(someone, "1000.00", by=finance_staff)
    pay(owing[0], "1000.00", by=finance_staff)
    with django_assert_num_queries(1):
        arrears = selectors.arrears_list(user=finance_staff, today=today + datetime.timedelta(days=10))
    assert {a.student_id for a in arrears} == {owing[1].student_id, owing[2].student_id}
    assert all(a.age_days == 10 and a.balance == Decimal("1000.00") for a in arrears)
    for someone in StudentFactory.create_batch(20, school=school_a):
        bill(someone, "500.00", by=finance_staff)
    with django_assert_num_queries(1):
        assert len(selectors.arrears_list(user=finance_staff, today=today)) == 22


def test_arrears_are_not_shown_to_other_offices(student, finance_staff, office_staff):
    bill(student, "1000.00", by=finance_staff)
    assert selectors.arrears_list(user=office_staff, today=datetime.date.today()) == []


@pytest.mark.parametrize("days_after, listed", [(14, False), (15, True)])
def test_unpaid_students_are_listed_from_day_15_after_registration(
    student, classmate, finance_staff, days_after, listed
):
    semester = autumn()
    bill(student, "24000.00", by=finance_staff)
    bill(classmate, "24000.00", by=finance_staff)
    pay(classmate, "24000.00", by=finance_staff)
    today = semester.registration_day + datetime.timedelta(days=days_after)
    listings = selectors.unpaid_after_registration(user=finance_staff, semester=semester, today=today)
    assert [listing.student for listing in listings] == ([student] if listed else [])


def test_unpaid_list_query_count_does_not_grow(school_a, finance_staff, django_assert_max_num_queries):
    semester = autumn()
    for someone in StudentFactory.create_batch(15, school=school_a):
        bill(someone, "100.00", by=finance_staff)
    with django_assert_max_num_queries(2):
        listings = selectors.unpaid_after_registration(
            user=finance_staff, semester=semester, today=semester.registration_day + datetime.timedelta(days=20)
        )
    assert len(listings) == 15


def test_receipt_numbers_are_unique(student, finance_staff):
    for amount in ("1", "2", "3"):
        pay(student, amount, by=finance_staff)
    numbers = list(Receipt.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 3


# --- Billing from the schedules -------------------------------------------------------------------------------


def test_billing_a_semester_charges_each_self_funded_student_once(school_a, finance_staff):
    from fees.models import FeeSchedule
    from fees.selectors import tuition_status_for
    from portal.models import DegreeLevel, Funding

    semester = autumn()
    FeeSchedule.objects.create(kind="tuition", academic_year=YEAR, program="degree", period="year", amount="24000")
    FeeSchedule.objects.create(
        kind="tuition",
        academic_year=YEAR,
        program="degree",
        programme="Clinical Medicine (MBBS)",
        period="year",
        amount="42000",
    )
    FeeSchedule.objects.create(
        kind="tuition", academic_year=YEAR, program="non_degree", period="semester", amount="11000"
    )
    mbbs = StudentFactory(school=school_a)
    economics = StudentFactory(school=school_a, programme="Economics")
    language = StudentFactory(school=school_a, degree_level=DegreeLevel.NON_DEGREE, programme="Chinese Language")
    scholar = StudentFactory(school=school_a, funding=Funding.CSC)

    first = services.tuition_bill_semester(semester=semester, actor=finance_staff)
    again = services.tuition_bill_semester(semester=semester, actor=finance_staff)

    assert (first.billed, again.billed, again.already_billed) == (3, 0, 3)
    charges = {e.student_id: e for e in LedgerEntry.objects.filter(entry_type="charge")}
    assert charges[mbbs.pk].amount == Decimal("42000.00") and charges[mbbs.pk].semester is None
    assert charges[economics.pk].amount == Decimal("24000.00")
    assert charges[language.pk].amount == Decimal("11000.00") and charges[language.pk].semester == semester
    assert scholar.pk not in charges
    status = tuition_status_for(students=[mbbs, scholar], semester=semester)
    assert not status[mbbs.pk].paid and status[mbbs.pk].balance == Decimal("42000.00")
    assert status[scholar.pk].covered_by_scholarship


def test_spring_billing_does_not_bill_a_degree_student_twice_in_a_year(student, finance_staff):
    from fees.models import FeeSchedule
    from tests.fees.helpers import spring

    FeeSchedule.objects.create(kind="tuition", academic_year=YEAR, program="degree", period="year", amount="24000")
    services.tuition_bill_semester(semester=autumn(), actor=finance_staff)
    result = services.tuition_bill_semester(semester=spring(), actor=finance_staff)
    assert result.billed == 0 and LedgerEntry.objects.filter(student=student, entry_type="charge").count() == 1
