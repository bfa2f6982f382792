"""Pages of generated documents: a student gets a certificate, nobody else sees it, staff print their own school."""

import io

import pdfplumber
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import DocumentStatus, GeneratedDocument
from tests.factories import StudentFactory


def pdf_text(content: bytes) -> str:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def document_urls(document) -> list[str]:
    return [reverse(name, args=[document.pk]) for name in ("document_detail", "document_status", "document_download")]


@pytest.fixture
def aminas_certificate(student, client, django_capture_on_commit_callbacks):
    """Amina asks for her certificate; the task runs in-process when the request's transaction commits."""
    client.force_login(student.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enrolment_certificate"))
    client.logout()
    document = GeneratedDocument.objects.get(owner=student.user)
    assert response.status_code == 302
    assert response["Location"] == reverse("document_detail", args=[document.pk])
    return document


def test_the_request_page_explains_the_certificate(client_for, student):
    response = client_for(student.user).get(reverse("enrolment_certificate"))

    assert response.status_code == 200
    assert "在读证明" in response.content.decode()
    assert b"Prepare my certificate" in response.content


def test_a_student_requests_a_certificate_sees_it_ready_and_downloads_it(client_for, student, aminas_certificate):
    client = client_for(student.user)

    detail = client.get(reverse("document_detail", args=[aminas_certificate.pk]))
    status = client.get(reverse("document_status", args=[aminas_certificate.pk])).json()
    download = client.get(reverse("document_download", args=[aminas_certificate.pk]))

    assert detail.status_code == 200
    assert b"Download the PDF" in detail.content
    assert b"document_progress.js" in detail.content
    assert status == {
        "status": "done",
        "status_label": "Ready",
        "done": 1,
        "total": 1,
        "percent": 100,
        "download_url": reverse("document_download", args=[aminas_certificate.pk]),
    }
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="enrolment-certificate-2026000001.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]
    text = pdf_text(b"".join(download.streaming_content))
    assert "Amina Yusuf" in text and "阿米娜" in text


def test_the_certificate_is_printed_in_the_language_the_student_is_using(
    client, student, django_capture_on_commit_callbacks
):
    client.force_login(student.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enrolment_certificate"))

    document = GeneratedDocument.objects.get(owner=student.user)
    assert document.language == "zh-hans"
    assert "医学院" in pdf_text(document.file.read())


def test_a_second_click_while_preparing_shows_the_same_document(client_for, student):
    client = client_for(student.user)
    # Without running the on-commit callbacks the first document stays queued.
    first = client.post(reverse("enrolment_certificate"))
    second = client.post(reverse("enrolment_certificate"))

    assert GeneratedDocument.objects.filter(owner=student.user).count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize("persona", ["classmate", "office_staff", "admin_user", "staff_a"])
def test_nobody_but_the_owner_sees_a_generated_document(request, client_for, aminas_certificate, persona):
    someone = request.getfixturevalue(persona)
    client = client_for(getattr(someone, "user", someone))

    for url in document_urls(aminas_certificate):
        assert client.get(url).status_code == 404, url


def test_an_anonymous_visitor_is_sent_to_log_in(client, aminas_certificate):
    for url in document_urls(aminas_certificate) + [reverse("document_list"), reverse("batch_print")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_document_still_being_prepared_cannot_be_downloaded(client_for, student):
    document = GeneratedDocument.objects.create(owner=student.user, kind="enrolment_certificate", title="Certificate")
    client = client_for(student.user)

    assert client.get(reverse("document_download", args=[document.pk])).status_code == 404
    detail = client.get(reverse("document_detail", args=[document.pk])).content.decode()
    assert "Refresh" in detail
    assert client.get(reverse("document_status", args=[document.pk])).json()["download_url"] is None


def test_staff_cannot_request_a_student_certificate(client_for, office_staff):
    assert client_for(office_staff).get(reverse("enrolment_certificate")).status_code == 404


# --- Batch printing -------------------------------------------------------------------------------------------


def test_school_staff_batch_print_only_their_own_school(
    client_for, staff_a, student, classmate, other_school_student, django_capture_on_commit_callbacks
):
    client = client_for(staff_a)
    pasted = f"{student.student_id}\n{other_school_student.student_id}\n{classmate.student_id}\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("batch_print"), {"student_ids": pasted}, follow=True)

    document = GeneratedDocument.objects.get(owner=staff_a)
    assert response.redirect_chain[-1][0] == reverse("document_detail", args=[document.pk])
    page = response.content.decode()
    assert "not found" in page and other_school_student.student_id in page
    assert document.parameters == {"student_ids": [student.student_id, classmate.student_id]}
    assert document.total_items == 2
    assert document.status == DocumentStatus.DONE
    text = pdf_text(document.file.read())
    assert "Amina Yusuf" in text and "Ben Okafor" in text
    assert "Chen Wei Ling" not in text


def test_staff_can_print_all_students_they_can_see_in_a_school(
    client_for, office_staff, student, classmate, other_school_student, school_b
):
    response = client_for(office_staff).post(reverse("batch_print"), {"school": school_b.pk, "all_students": "on"})

    assert response.status_code == 302
    document = GeneratedDocument.objects.get(owner=office_staff)
    assert document.kind == "enrolment_certificate_batch"
    assert document.parameters == {"student_ids": [other_school_student.student_id]}


def test_school_staff_are_offered_only_their_school(client_for, staff_a, student, other_school_student):
    page = client_for(staff_a).get(reverse("batch_print")).content.decode()

    assert "School of Medicine" in page
    assert "School of Economics" not in page


def test_school_staff_cannot_choose_another_school(client_for, staff_a, student, other_school_student, school_b):
    response = client_for(staff_a).post(reverse("batch_print"), {"school": school_b.pk, "all_students": "on"})

    assert response.status_code == 400
    assert not GeneratedDocument.objects.exists()


def test_a_batch_of_only_unknown_ids_is_refused(client_for, staff_a, other_school_student):
    response = client_for(staff_a).post(reverse("batch_print"), {"student_ids": other_school_student.student_id})

    assert response.status_code == 400
    assert b"None of these students" in response.content
    assert not GeneratedDocument.objects.exists()


def test_an_empty_batch_form_says_what_to_do(client_for, staff_a):
    response = client_for(staff_a).post(reverse("batch_print"), {})

    assert response.status_code == 400
    assert b"Paste student IDs" in response.content


def test_a_student_gets_404_on_batch_print(client_for, student):
    assert client_for(student.user).get(reverse("batch_print")).status_code == 404


def test_clearance_staff_may_not_print_batches(client_for, clearance_staff):
    assert client_for(clearance_staff).get(reverse("batch_print")).status_code == 403


# --- The list ------------------------------------------------------------------------------------------------


def test_the_list_shows_only_my_documents(client_for, student, classmate):
    GeneratedDocument.objects.create(owner=student.user, kind="enrolment_certificate", title="Amina's letter")
    GeneratedDocument.objects.create(owner=classmate.user, kind="enrolment_certificate", title="Ben's letter")

    page = client_for(student.user).get(reverse("document_list")).content.decode()

    assert "Amina&#x27;s letter" in page
    assert "Ben&#x27;s letter" not in page


def test_the_list_shows_download_links_for_ready_documents(client_for, student, aminas_certificate):
    page = client_for(student.user).get(reverse("document_list")).content.decode()

    assert reverse("document_download", args=[aminas_certificate.pk]) in page


def test_the_list_query_count_does_not_grow_with_documents(
    client_for, office_staff, school_a, django_assert_max_num_queries
):
    client = client_for(office_staff)
    students = StudentFactory.create_batch(2, school=school_a)

    def make(n):
        for i in range(n):
            GeneratedDocument.objects.create(
                owner=office_staff,
                kind="enrolment_certificate_batch",
                title=f"Batch {i}",
                parameters={"student_ids": [s.student_id for s in students]},
                status=DocumentStatus.DONE if i % 2 else DocumentStatus.RUNNING,
            )

    make(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("document_list")).status_code == 200
    make(20)
    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("document_list"))
    assert page.content.decode().count("Batch ") >= 22
