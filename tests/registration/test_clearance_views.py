"""Leaving-school pages and API: the student's checklist, printing refused before completion (page, URL, API),
the offices' queues and sign-offs, the PDF with every item, the verification page and batch printing."""

import datetime
import io

import pdfplumber
import pytest
from django.urls import reverse

from portal import services as portal_services
from portal.models import DocumentStatus, GeneratedDocument
from registration import services
from tests.registration.clearance_helpers import graduate, item, open_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def clearance(student, office_staff):
    open_window(office_staff)
    return graduate(student, by=office_staff)


@pytest.fixture
def completed(clearance, student, office_staff, clearance_staff, dormitory_staff, staff_a):
    services.clearance_library_online(
        item=item(clearance, "library"), user=student.user, today=clearance.created_at.date()
    )
    services.clearance_item_sign(item=item(clearance, "property"), user=clearance_staff)
    services.clearance_item_sign(item=item(clearance, "dormitory_keys"), user=dormitory_staff)
    services.clearance_item_sign(item=item(clearance, "school"), user=staff_a)
    services.clearance_item_sign(item=item(clearance, "residence_permit"), user=office_staff)
    clearance.refresh_from_db()
    return clearance


def render(document_pk):
    portal_services.generated_document_render(document_id=document_pk)
    document = GeneratedDocument.objects.get(pk=document_pk)
    assert document.status == DocumentStatus.DONE, document.error
    with pdfplumber.open(io.BytesIO(document.file.read())) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages), len(pdf.pages)


def test_the_student_sees_the_open_items_and_no_print_button(client_for, student, clearance):
    response = client_for(student.user).get(reverse("clearance_mine"))
    assert response.status_code == 200
    assert b"Still open" in response.content
    assert b"Cancel my library card online" in response.content
    assert b"Print the Leaving School Form" not in response.content


def test_the_print_url_refuses_with_the_open_items_before_completion(client_for, student, clearance):
    client = client_for(student.user)
    for method in (client.get, client.post):
        response = method(reverse("leaving_form_print"))
        assert response.status_code == 403
        assert "Still open" in response.content.decode()
    assert not GeneratedDocument.objects.exists()


def test_the_api_refuses_the_form_before_completion_with_the_reason(client_for, student, clearance):
    response = client_for(student.user).post(reverse("api_leaving_form"))
    assert response.status_code == 409
    assert "Still open" in response.json()["message"]


def test_the_library_item_completes_online_from_the_page(client_for, student, clearance):
    response = client_for(student.user).post(reverse("clearance_library_online"))
    assert response.status_code == 302
    assert item(clearance, "library").done_how == "online"


def test_the_print_button_appears_once_every_item_is_done(client_for, student, completed):
    response = client_for(student.user).get(reverse("clearance_mine"))
    assert b"Print the Leaving School Form" in response.content


def test_the_printed_form_lists_every_item_with_who_signed_and_the_verification_number(client_for, student, completed):
    response = client_for(student.user).post(reverse("leaving_form_print"))
    assert response.status_code == 302
    document = GeneratedDocument.objects.get(kind="leaving_school_form")
    text, pages = render(document.pk)
    assert pages == 1
    for label in (
        "Fees settled",
        "Library books returned",
        "University property returned",
        "Dormitory keys returned",
        "leaving procedure",
        "Residence permit",
    ):
        assert label in text
    assert completed.verification_number in text
    assert "Leo" in text and "Sam" in text and "automatic" in text


def test_the_api_queues_the_form_once_every_item_is_done(client_for, student, completed):
    response = client_for(student.user).post(reverse("api_leaving_form"))
    assert response.status_code == 202
    assert response.json()["kind"] == "leaving_school_form"


def test_the_verification_page_confirms_a_completed_form_and_denies_others(client, completed, clearance):
    response = client.get(reverse("clearance_verify", args=[completed.verification_number]))
    assert response.status_code == 200 and b"Valid" in response.content
    assert client.get(reverse("clearance_verify", args=["LS-NOTANUMBER"])).status_code == 404


def test_an_incomplete_clearance_does_not_verify(client, clearance):
    assert client.get(reverse("clearance_verify", args=[clearance.verification_number])).status_code == 404


def test_the_clearance_office_queue_holds_library_and_property_but_not_fees(client_for, clearance, clearance_staff):
    page = client_for(clearance_staff).get(reverse("clearance_queue")).content.decode()
    assert 'data-item="library"' in page and 'data-item="property"' in page and 'data-item="fees"' not in page


def test_an_office_signs_its_item_from_the_queue(client_for, clearance, clearance_staff):
    library = item(clearance, "library")
    response = client_for(clearance_staff).post(
        reverse("clearance_item_sign", args=[library.pk]), {"version": library.version, "next": "queue"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("clearance_queue")
    assert item(clearance, "library").done_by == clearance_staff


def test_an_office_cannot_sign_another_offices_item_on_the_page_or_the_api(client_for, clearance, finance_staff):
    library = item(clearance, "library")
    client = client_for(finance_staff)
    assert client.post(reverse("clearance_item_sign", args=[library.pk])).status_code == 403
    assert client.post(reverse("api_clearance_sign", args=[library.pk])).status_code == 403
    assert not item(clearance, "library").is_done


def test_school_staff_of_another_school_do_not_see_the_item(client_for, clearance, staff_b):
    school = item(clearance, "school")
    assert client_for(staff_b).post(reverse("clearance_item_sign", args=[school.pk])).status_code == 404


def test_the_school_signs_its_item_through_the_api(client_for, clearance, staff_a):
    school = item(clearance, "school")
    response = client_for(staff_a).post(reverse("api_clearance_sign", args=[school.pk]), {"note": "Thesis archived"})
    assert response.status_code == 200
    assert response.json()["done"] is True
    assert response.json()["sign_offs"][0]["note"] == "Thesis archived"


def test_the_library_records_book_fees_and_the_student_is_sent_to_the_library(
    client_for, student, clearance, clearance_staff
):
    library = item(clearance, "library")
    client_for(clearance_staff).post(
        reverse("clearance_item_needs", args=[library.pk]),
        {"needs": "Return 2 books", "owed": "8.00", "books_out": "2"},
    )
    page = client_for(student.user).get(reverse("clearance_mine")).content.decode()
    assert "Return 2 books" in page and "go to the library" in page
    assert "Cancel my library card online" not in page


def test_the_office_opens_a_clearance_from_the_page(client_for, classmate, office_staff):
    response = client_for(office_staff).post(
        reverse("clearance_open"),
        {"student_ids": classmate.student_id, "reason": "withdrawal", "effective_on": "2027-03-01", "housing": "off"},
    )
    assert response.status_code == 302
    clearance = classmate.clearances.get()
    assert str(clearance.move_out_by) == "2027-03-08"


def test_opening_for_an_unknown_student_is_a_form_error(client_for, office_staff):
    response = client_for(office_staff).post(
        reverse("clearance_open"), {"student_ids": "nobody", "reason": "withdrawal", "effective_on": "2027-03-01"}
    )
    assert response.status_code == 400 and b"Not found among the students you can see: nobody" in response.content


def test_an_admin_prints_completed_forms_in_batch_by_school_and_incomplete_ones_are_left_out(
    client_for, admin_user, completed, classmate, office_staff, school_a
):
    graduate(classmate, by=office_staff)  # not complete: not printed
    response = client_for(admin_user).post(reverse("leaving_form_batch"), {"school": school_a.pk})
    assert response.status_code == 302
    document = GeneratedDocument.objects.get(kind="leaving_school_form_batch")
    assert document.parameters["clearance_ids"] == [completed.pk]
    text, pages = render(document.pk)
    assert pages == 1 and completed.student.student_id in text


def test_a_batch_with_nothing_completed_is_refused_with_a_reason(client_for, admin_user, clearance):
    response = client_for(admin_user).post(reverse("leaving_form_batch"), {"graduation_year": "2001"})
    assert response.status_code == 400 and b"No completed" in response.content


def test_the_overdue_list_shows_leavers_past_their_move_out_day(client_for, student, office_staff):
    import datetime

    from django.utils import timezone

    graduate(student, by=office_staff, effective_on=timezone.localdate() - datetime.timedelta(days=30))
    page = client_for(office_staff).get(reverse("clearance_overdue")).content.decode()
    assert student.student_id in page


def test_the_office_opens_a_whole_graduating_class_at_once_and_skips_those_already_leaving(
    client_for, student, classmate, other_school_student, office_staff
):
    graduate(student, by=office_staff)
    ids = f"{student.student_id}\n{classmate.student_id}, {other_school_student.student_id}"
    response = client_for(office_staff).post(
        reverse("clearance_open"), {"student_ids": ids, "reason": "graduation", "effective_on": "2027-06-30"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("clearance_list")
    assert classmate.clearances.count() == 1 and other_school_student.clearances.count() == 1
    assert student.clearances.count() == 1


@pytest.mark.parametrize("url_name", ["clearance_queue", "clearance_list", "clearance_overdue"])
def test_the_office_pages_take_the_same_number_of_queries_for_3_or_30_leavers(
    client_for, office_staff, school_a, url_name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import StudentFactory

    client = client_for(office_staff)

    def count_for(students):
        for student in students:
            graduate(student, by=office_staff, effective_on=datetime.date(2026, 1, 1))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name)).status_code == 200
        return len(queries)

    few = count_for(StudentFactory.create_batch(3, school=school_a))
    many = count_for(StudentFactory.create_batch(27, school=school_a))
    assert many == few
