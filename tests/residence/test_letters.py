"""The certification letter: requested by the student, approved (numbered) or rejected by the office, and a PDF
with the student's data and the stamp area, downloadable by the student alone."""

import io
from datetime import date, timedelta

import pdfplumber
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry, DocumentStatus, GeneratedDocument, StudentStatus
from portal.services import ConflictError
from residence import rules, services
from residence.documents import builders, certification_letter
from residence.models import LetterEvent, LetterRequest, LetterState

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def no_progress(done, total):
    pass


def pdf_text(content: bytes) -> str:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        # The letter, its signature and its stamp area fit one A4 page.
        assert len(pdf.pages) == 1
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    # Lines wrap wherever the layout puts them; the checks read the text as one line.
    return " ".join(text.split())


@pytest.fixture
def amina_with_permit(student, on_record):
    """Amina holds a residence permit E12345678 that expires in 40 days."""
    on_record(
        student,
        "permit",
        number="E12345678",
        issued_on=today() - timedelta(days=320),
        expires_on=today() + timedelta(days=40),
    )
    return student


def ask(student, purpose="permit_extension", note=""):
    return services.letter_request(student=student, purpose=purpose, requested_by=student.user, note=note)


def approve(letter, reviewer, day=None):
    return services.letter_decide(letter=letter, reviewer=reviewer, approve=True, today=day)


# --- The rule ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "enrolled", "leaving", "permit_expires", "refusal"),
    [
        ("permit_extension", True, False, date(2026, 12, 1), None),
        ("permit_extension", True, False, date(2026, 10, 15), None),  # expires today: still valid today
        ("permit_extension", True, False, date(2026, 10, 14), rules.LetterRefusal.PERMIT_EXPIRED),
        ("permit_extension", True, False, None, rules.LetterRefusal.NO_PERMIT),
        ("permit_extension", False, True, date(2026, 12, 1), rules.LetterRefusal.NOT_ENROLLED),
        ("permit_extension", True, True, date(2026, 12, 1), rules.LetterRefusal.LEAVING),
        ("new_permit", True, False, None, None),
        ("new_permit", False, False, None, rules.LetterRefusal.NOT_ENROLLED),
    ],
)
def test_the_letter_rule_follows_residence_4_and_8(purpose, enrolled, leaving, permit_expires, refusal):
    found = rules.letter_refusal(
        purpose=purpose, enrolled=enrolled, leaving=leaving, permit_expires=permit_expires, today=date(2026, 10, 15)
    )
    assert found == refusal


def test_an_unknown_letter_purpose_is_a_value_error():
    with pytest.raises(ValueError, match="purpose"):
        rules.letter_refusal(purpose="tourism", enrolled=True, leaving=False, permit_expires=None, today=date.today())


def test_letter_numbers_carry_the_year_and_a_five_digit_serial():
    assert rules.letter_number(year=2026, serial=7) == "IC-RES-2026-00007"
    with pytest.raises(ValueError):
        rules.letter_number(year=2026, serial=0)


# --- Requests and decisions -------------------------------------------------------------------------------------


def test_a_request_waits_for_the_office_with_its_history_and_audit(amina_with_permit):
    letter = ask(amina_with_permit, note="Permit expires next month")
    assert letter.state == LetterState.REQUESTED and letter.number is None
    event = LetterEvent.objects.get(letter=letter)
    assert (event.from_state, event.to_state, event.actor) == ("", "requested", amina_with_permit.user)
    assert AuditEntry.objects.filter(action="residence.letter.requested", student=amina_with_permit).exists()


def test_a_second_request_for_the_same_purpose_while_one_waits_is_refused(amina_with_permit):
    ask(amina_with_permit)
    with pytest.raises(ConflictError):
        ask(amina_with_permit)
    ask(amina_with_permit, purpose="new_permit")  # another purpose may wait beside it
    assert LetterRequest.objects.filter(student=amina_with_permit).count() == 2


def test_an_extension_letter_needs_an_approved_permit_on_record(student):
    with pytest.raises(ValidationError) as error:
        ask(student)
    assert "no approved residence permit" in str(error.value)


def test_a_student_who_has_left_cannot_ask_for_a_letter(amina_with_permit):
    amina_with_permit.status = StudentStatus.LEFT
    amina_with_permit.save()
    with pytest.raises(ValidationError):
        ask(amina_with_permit, purpose="new_permit")


def test_a_graduating_student_gets_no_extension_letter_but_may_ask_for_another(amina_with_permit, admin_user):
    from registration.services.clearance import clearance_open

    clearance_open(
        student=amina_with_permit, reason="graduation", effective_on=today() + timedelta(days=60), actor=admin_user
    )
    with pytest.raises(ValidationError) as error:
        ask(amina_with_permit)
    assert "leaving the university" in str(error.value)
    assert ask(amina_with_permit, purpose="new_permit").state == LetterState.REQUESTED


def test_a_classmate_cannot_ask_for_amina(amina_with_permit, classmate):
    with pytest.raises(PermissionDenied):
        services.letter_request(student=amina_with_permit, purpose="new_permit", requested_by=classmate.user)


def test_approval_numbers_the_letter_fixes_the_data_and_tells_the_student(amina_with_permit, office_staff):
    letter = approve(ask(amina_with_permit), office_staff)
    assert letter.state == LetterState.APPROVED
    assert letter.number == f"IC-RES-{today().year}-00001" and letter.issued_on == today()
    assert letter.details["permit_number"] == "E12345678" and letter.details["passport_number"] == "P12345678"
    assert [e.to_state for e in letter.events.all()] == ["requested", "approved"]
    assert amina_with_permit.user.notifications.filter(subject__contains=letter.number).exists()
    # The PDF is queued for the student in her language.
    document = GeneratedDocument.objects.get(owner=amina_with_permit.user, kind=services.DOCUMENT_KIND)
    assert document.parameters == {"letter_id": letter.pk}


def test_letters_are_numbered_one_after_another_within_the_year(amina_with_permit, other_school_student, office_staff):
    first = approve(ask(amina_with_permit), office_staff)
    second = approve(ask(other_school_student, purpose="new_permit"), office_staff)
    assert (first.serial, second.serial) == (1, 2)
    next_year = approve(ask(amina_with_permit, purpose="new_permit"), office_staff, day=date(today().year + 1, 1, 2))
    assert next_year.number == f"IC-RES-{today().year + 1}-00001"


def test_a_rejection_needs_a_reason_and_the_student_reads_it(amina_with_permit, office_staff):
    letter = ask(amina_with_permit)
    with pytest.raises(ValidationError):
        services.letter_decide(letter=letter, reviewer=office_staff, approve=False, reason="  ")
    letter = services.letter_decide(
        letter=letter, reviewer=office_staff, approve=False, reason="You graduate in June; no extension."
    )
    assert letter.state == LetterState.REJECTED and letter.number is None
    notification = amina_with_permit.user.notifications.order_by("-pk").first()
    assert "You graduate in June" in notification.body
    assert not GeneratedDocument.objects.filter(kind=services.DOCUMENT_KIND).exists()


def test_the_second_of_two_decisions_is_refused_and_changes_nothing(amina_with_permit, office_staff, admin_user):
    letter = ask(amina_with_permit)
    approve(letter, office_staff)
    with pytest.raises(ConflictError):
        services.letter_decide(letter=letter, reviewer=admin_user, approve=False, reason="Too late")
    letter.refresh_from_db()
    assert letter.state == LetterState.APPROVED and letter.decided_by == office_staff


def test_school_staff_cannot_decide_on_letters(amina_with_permit, staff_a):
    with pytest.raises(PermissionDenied):
        approve(ask(amina_with_permit), staff_a)


def test_approval_checks_the_rule_again_at_decision_time(amina_with_permit, office_staff):
    letter = ask(amina_with_permit)
    amina_with_permit.status = StudentStatus.SUSPENDED
    amina_with_permit.save()
    with pytest.raises(ValidationError):
        approve(letter, office_staff)
    letter.refresh_from_db()
    assert letter.state == LetterState.REQUESTED


# --- The PDF ----------------------------------------------------------------------------------------------------


def test_the_builder_is_offered_for_wiring_and_registered_in_the_document_pipeline():
    from portal.documents import DOCUMENT_BUILDERS

    assert builders() == {"residence_certification_letter": certification_letter}
    assert "residence_certification_letter" in DOCUMENT_BUILDERS


def _document(letter, language="en", owner=None):
    return GeneratedDocument.objects.create(
        owner=owner or letter.student.user,
        kind=services.DOCUMENT_KIND,
        title="Letter",
        parameters={"letter_id": letter.pk},
        language=language,
    )


def test_the_extension_letter_pdf_carries_the_number_the_students_data_and_the_stamp_area(
    amina_with_permit, office_staff
):
    letter = approve(ask(amina_with_permit), office_staff)
    filename, content_type, content = certification_letter(_document(letter), no_progress)
    text = pdf_text(content)
    assert content_type == "application/pdf" and letter.number in filename
    assert letter.number in text
    # The bilingual title: English in capitals (the stylesheet's), Chinese letter-spaced.
    assert "CERTIFICATION FOR THE EXTENSION OF A RESIDENCE PERMIT" in text
    assert "外国留学生居留许可延期证明" in text.replace(" ", "")
    expires = today() + timedelta(days=40)
    assert f"valid until {expires.day} {expires:%B} {expires.year}" in text
    assert "Amina Yusuf" in text and "阿米娜" in text
    assert "P12345678" in text and "E12345678" in text and "2026000001" in text
    assert "School of Medicine" in text
    assert "Seal of the International College" in text and "Signature and seal" in text


def test_the_chinese_pdf_says_the_same_in_chinese(other_school_student, office_staff):
    other_school_student.user.language = "zh-hans"
    other_school_student.user.save()
    letter = approve(ask(other_school_student, purpose="new_permit"), office_staff)
    _filename, _type, content = certification_letter(_document(letter, language="zh-hans"), no_progress)
    text = pdf_text(content)
    assert letter.number in text
    assert "外国留学生居留许可申请证明" in text.replace(" ", "")
    assert "陈伟玲" in text and "经济学院" in text and "P33333333" in text
    # The date of issue is written the Chinese way.
    assert f"{today().year}年{today().month}月{today().day}日" in text


def test_a_copy_printed_after_a_passport_change_still_says_what_was_certified(amina_with_permit, office_staff):
    letter = approve(ask(amina_with_permit), office_staff)
    amina_with_permit.passport_number = "N0000001"
    amina_with_permit.save()
    text = pdf_text(certification_letter(_document(letter), no_progress)[2])
    assert "P12345678" in text and "N0000001" not in text


def test_the_builder_refuses_a_letter_that_is_not_approved_or_not_the_owners(
    amina_with_permit, classmate, office_staff
):
    letter = ask(amina_with_permit)
    with pytest.raises(ValueError, match="approved"):
        certification_letter(_document(letter), no_progress)
    approve(letter, office_staff)
    with pytest.raises(ValueError, match="only to the student"):
        certification_letter(_document(letter, owner=classmate.user), no_progress)


def test_the_render_task_stores_the_approved_letters_pdf(
    amina_with_permit, office_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        letter = approve(ask(amina_with_permit), office_staff)
    document = GeneratedDocument.objects.get(kind=services.DOCUMENT_KIND)
    assert document.status == DocumentStatus.DONE, document.error
    with document.file.open("rb") as handle:
        assert letter.number in pdf_text(handle.read())


# --- Pages ------------------------------------------------------------------------------------------------------


def test_the_student_asks_on_the_letters_page_beside_the_new_permit_checklist(client_for, amina_with_permit):
    client = client_for(amina_with_permit.user)
    page = client.get(reverse("residence_letters"))
    assert page.status_code == 200 and "JW201" in page.text and "2-inch photo" in page.text
    response = client.post(reverse("residence_letters"), {"purpose": "permit_extension", "note": "For June"})
    assert response.status_code == 302
    assert LetterRequest.objects.get(student=amina_with_permit).note == "For June"


def test_a_refused_request_is_shown_on_the_form(client_for, student):
    response = client_for(student.user).post(reverse("residence_letters"), {"purpose": "permit_extension"})
    assert response.status_code == 400 and "no approved residence permit" in response.text
    duplicate = client_for(student.user)
    duplicate.post(reverse("residence_letters"), {"purpose": "new_permit"})
    again = duplicate.post(reverse("residence_letters"), {"purpose": "new_permit"})
    assert again.status_code == 400 and "already asked" in again.text


def test_the_office_decides_from_the_queue(client_for, amina_with_permit, office_staff):
    letter = ask(amina_with_permit)
    client = client_for(office_staff)
    assert client.get(reverse("residence_board")).context["letters_waiting"] == 1
    queue = client.get(reverse("residence_letter_queue"))
    assert queue.status_code == 200 and amina_with_permit.student_id in queue.text
    response = client.post(reverse("residence_letter_decide", args=[letter.pk]), {"decision": "approve"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.state == LetterState.APPROVED
    decided = client.get(reverse("residence_letter_queue"), {"state": "approved"})
    assert letter.number in decided.text
    # A second decision (a colleague's stale page) is refused with a message, not an error page.
    again = client.post(
        reverse("residence_letter_decide", args=[letter.pk]), {"decision": "reject", "reason": "x"}, follow=True
    )
    assert "already decided" in again.text


def test_a_rejection_without_a_reason_is_a_400_with_the_reason(client_for, amina_with_permit, office_staff):
    letter = ask(amina_with_permit)
    response = client_for(office_staff).post(
        reverse("residence_letter_decide", args=[letter.pk]), {"decision": "reject"}
    )
    assert response.status_code == 400 and "Say why" in response.text


def test_school_staff_see_the_queue_of_their_school_only_and_cannot_decide(
    client_for, amina_with_permit, other_school_student, staff_a
):
    mine, theirs = ask(amina_with_permit), ask(other_school_student, purpose="new_permit")
    queue = client_for(staff_a).get(reverse("residence_letter_queue"))
    assert amina_with_permit.student_id in queue.text and other_school_student.student_id not in queue.text
    assert client_for(staff_a).post(reverse("residence_letter_decide", args=[mine.pk]), {}).status_code == 403
    assert client_for(staff_a).post(reverse("residence_letter_decide", args=[theirs.pk]), {}).status_code == 404


def test_the_student_downloads_her_approved_letter_in_either_language(
    client_for, amina_with_permit, office_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        letter = approve(ask(amina_with_permit), office_staff)
    client = client_for(amina_with_permit.user)
    page = client.get(reverse("residence_letters"))
    assert letter.number in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("residence_letter_pdf", args=[letter.pk]), {"language": "zh-hans"})
    chinese = GeneratedDocument.objects.get(kind=services.DOCUMENT_KIND, language="zh-hans")
    assert response["Location"] == reverse("document_detail", args=[chinese.pk])
    download = client.get(reverse("document_download", args=[chinese.pk]))
    assert download.status_code == 200
    assert "居留许可延期证明" in pdf_text(b"".join(download.streaming_content)).replace(" ", "")
    # Asking again gives the same document.
    again = client.post(reverse("residence_letter_pdf", args=[letter.pk]), {"language": "zh-hans"})
    assert again["Location"] == response["Location"]


def test_a_letter_not_yet_approved_cannot_be_downloaded_and_a_classmate_gets_404(
    client_for, amina_with_permit, classmate
):
    letter = ask(amina_with_permit)
    response = client_for(amina_with_permit.user).post(reverse("residence_letter_pdf", args=[letter.pk]), {})
    assert response.status_code == 400 and "approved" in response.text
    assert client_for(classmate.user).post(reverse("residence_letter_pdf", args=[letter.pk]), {}).status_code == 404


def test_an_unknown_language_is_refused(client_for, amina_with_permit, office_staff):
    letter = approve(ask(amina_with_permit), office_staff)
    response = client_for(amina_with_permit.user).post(
        reverse("residence_letter_pdf", args=[letter.pk]), {"language": "fr"}
    )
    assert response.status_code == 400 and "language" in response.text


def test_the_letter_queue_costs_the_same_queries_at_3_and_30_requests(client_for, office_staff, school_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import StudentFactory

    def requests(n):
        for _ in range(n):
            ask(StudentFactory(school=school_a), purpose="new_permit")

    client = client_for(office_staff)
    requests(3)
    client.get(reverse("residence_letter_queue"))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("residence_letter_queue"))
    requests(27)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("residence_letter_queue"))
    assert len(many) == len(few)
    assert page.text.count('name="decision" value="approve"') == 30
