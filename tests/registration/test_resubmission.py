"""What a reviewer sees of a resubmitted form, and the scholarship statement signed once a year (GUIDE; HANDBOOK
Current Student Registration)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.models import Funding
from registration import rules, selectors, services
from registration.models import FormSubmission, ItemKind, ScholarshipStatement
from tests.factories import SemesterFactory, upload
from tests.registration.test_services import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def semester(db):
    return SemesterFactory(code="2026-2027-2")


@pytest.fixture
def submitted(student, semester):
    form = fill(services.registration_form_for(student=student, semester=semester), student.user)
    return services.registration_submit(form=form, user=student.user)


def _reject_insurance(form, reviewer):
    for item in form.items.all():
        services.registration_item_decide(
            item=item,
            reviewer=reviewer,
            approve=item.kind != ItemKind.INSURANCE,
            reason="" if item.kind != ItemKind.INSURANCE else "The insurance proof is unreadable.",
        )
    form.refresh_from_db()
    return form


def _resubmit_with_new_insurance(form, user):
    form = services.registration_step_save(
        form=form,
        step="location",
        user=user,
        data={
            "location": "in_china",
            "insurance_number": "PICC-2",
            "insurance_starts_on": form.insurance_starts_on,
            "insurance_ends_on": form.insurance_ends_on,
        },
        uploads=[services.StepUpload("insurance_proof", "insurance_proof", upload("insurance-clear.pdf"))],
    )
    return services.registration_submit(form=form, user=user)


def test_each_submission_keeps_what_the_form_said(submitted):
    snapshot = FormSubmission.objects.get(form=submitted).snapshot
    assert snapshot["insurance_number"] == "PICC-1"
    assert snapshot["insurance_proof"]["name"] == "insurance.pdf"
    assert snapshot["permit_expires_on"] == submitted.permit_expires_on.isoformat()


def test_a_first_submission_has_no_changes_to_show(submitted):
    assert selectors.registration_changes_since_last_submission(form=submitted) == {}


def test_a_resubmission_shows_the_corrected_fields_of_the_rejected_item_only(submitted, student, office_staff):
    form = _resubmit_with_new_insurance(_reject_insurance(submitted, office_staff), student.user)

    changes = selectors.registration_changes_since_last_submission(form=form)

    assert set(changes) == {ItemKind.INSURANCE}
    shown = {change["field"]: (change["before"], change["after"]) for change in changes[ItemKind.INSURANCE]}
    assert shown == {
        "insurance_number": ("PICC-1", "PICC-2"),
        "insurance_proof": ("insurance.pdf", "insurance-clear.pdf"),
    }


def test_the_review_page_shows_what_changed_since_the_last_submission(submitted, student, office_staff, client_for):
    form = _resubmit_with_new_insurance(_reject_insurance(submitted, office_staff), student.user)

    page = client_for(office_staff).get(reverse("registration_review", args=[form.pk])).content.decode()

    assert "Changed since the last submission" in page
    assert "<del>PICC-1</del>" in page and "<ins>PICC-2</ins>" in page
    assert "insurance-clear.pdf" in page
    assert reverse("evidence_preview", args=[form.insurance_proof_id]) in page


def test_semester_codes_name_their_academic_year():
    assert rules.academic_year_of("2026-2027-2") == "2026-2027"
    for bad in ("spring-2027", "2026-2028-1", "2026"):
        with pytest.raises(ValueError):
            rules.academic_year_of(bad)


@pytest.mark.parametrize(
    ("funding", "signed", "required"),
    [
        ("csc", set(), True),
        ("confucius", set(), True),
        ("csc", {"2026-2027"}, False),
        ("csc", {"2025-2026"}, True),
        ("self_funded", set(), False),
    ],
)
def test_scholarship_students_sign_the_statement_once_per_academic_year(funding, signed, required):
    assert (
        rules.scholarship_statement_required(funding=funding, signed_years=signed, academic_year="2026-2027")
        is required
    )


@pytest.fixture
def scholarship_form(student, semester):
    student.funding = Funding.CSC
    student.save(update_fields=["funding"])
    return services.registration_form_for(student=student, semester=semester)


def test_a_scholarship_student_cannot_agree_without_signing_the_statement(scholarship_form, student):
    with pytest.raises(ValidationError) as error:
        services.registration_step_save(form=scholarship_form, step="agree", data={"agree": True}, user=student.user)
    assert "sign_statement" in error.value.message_dict
    assert not ScholarshipStatement.objects.exists()


def test_signing_the_statement_records_it_for_the_academic_year(scholarship_form, student):
    services.registration_step_save(
        form=scholarship_form, step="agree", data={"agree": True, "sign_statement": True}, user=student.user
    )
    statement = ScholarshipStatement.objects.get(student=student)
    assert (statement.academic_year, statement.form_id) == ("2026-2027", scholarship_form.pk)


def test_the_next_semester_of_the_same_year_does_not_ask_again(scholarship_form, student):
    services.registration_step_save(
        form=scholarship_form, step="agree", data={"agree": True, "sign_statement": True}, user=student.user
    )
    autumn = SemesterFactory(code="2026-2027-1")
    next_year = SemesterFactory(code="2027-2028-1")
    assert not services.scholarship_statement_due(services.registration_form_for(student=student, semester=autumn))
    assert services.scholarship_statement_due(services.registration_form_for(student=student, semester=next_year))


def test_a_scholarship_student_sees_the_statement_on_the_agree_step(scholarship_form, student, client_for):
    page = client_for(student.user).get(reverse("registration_step", args=["agree"])).content.decode()
    assert "registration statement for scholarship students" in page


def test_a_self_funded_student_is_not_asked_to_sign(student, semester, client_for):
    services.registration_form_for(student=student, semester=semester)
    page = client_for(student.user).get(reverse("registration_step", args=["agree"])).content.decode()
    assert "registration statement for scholarship students" not in page


def test_an_unsigned_statement_keeps_the_form_from_being_submitted(student, semester):
    # The form was filled while the student was self-funded; the scholarship was recorded before they submitted.
    form = fill(services.registration_form_for(student=student, semester=semester), student.user)
    student.funding = Funding.CONFUCIUS
    student.save(update_fields=["funding"])

    with pytest.raises(ValidationError) as error:
        services.registration_submit(form=form, user=student.user)

    assert "agree" in error.value.message_dict


@pytest.mark.parametrize(
    ("phone", "plausible"),
    [("+86 138 0000 0000", True), ("(0571) 8888-1234", True), ("123", False), ("call me", False), ("86+138", False)],
)
def test_a_phone_number_must_be_one_the_office_can_dial(phone, plausible):
    assert rules.phone_number_plausible(phone) is plausible


def test_approving_the_contacts_puts_them_on_record_where_the_notices_go(submitted, student, office_staff):
    from portal.models import AuditEntry

    contacts = submitted.items.get(kind=ItemKind.CONTACTS)
    services.registration_item_decide(item=contacts, reviewer=office_staff, approve=True)

    student.refresh_from_db()
    student.user.refresh_from_db()
    assert (student.user.email, student.phone) == ("amina@example.org", "+86 138 0000 0000")
    assert AuditEntry.objects.filter(action="registration.contacts_applied", student=student).exists()


def test_a_student_abroad_after_a_rejection_resubmits_without_the_permit(submitted, student, office_staff):
    _reject_insurance(submitted, office_staff)
    form = services.registration_step_save(
        form=services.registration_form_for(student=student, semester=submitted.semester),
        step="location",
        data={"location": "abroad"},
        user=student.user,
    )
    form = services.registration_submit(form=form, user=student.user)

    assert ItemKind.PERMIT not in services.registration_item_kinds(form)
    for item in form.items.filter(state="pending"):
        services.registration_item_decide(item=item, reviewer=office_staff, approve=True)
    form.refresh_from_db()
    assert form.status == "approved"


def test_a_common_reason_with_a_note_reaches_the_student_in_their_language():
    from django.utils import translation

    from registration.reasons import COMMON_REASONS, reason_in_language

    with translation.override("en"):
        stored = f"{COMMON_REASONS['unreadable']} The stamp is missing."
    with translation.override("zh-hans"):
        shown = reason_in_language(stored)
        common_in_chinese = str(COMMON_REASONS["unreadable"])

    assert shown == f"{common_in_chinese} The stamp is missing."
    assert reason_in_language("Free text from a reviewer") == "Free text from a reviewer"
