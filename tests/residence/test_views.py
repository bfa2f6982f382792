"""Residence pages: the student's records and guided updates, the office's board and review, and the API."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from residence import services
from residence.models import Obligation, PassportLoss, PassportRecord, Reminder
from tests.factories import StudentFactory, upload

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def passport_post(**extra):
    return {
        "number": "N7654321",
        "country": "Nigeria",
        "issued_on": (today() - timedelta(days=5)).isoformat(),
        "expires_on": (today() + timedelta(days=3650)).isoformat(),
        "file": upload(),
        **extra,
    }


def test_a_student_sees_her_records_and_the_new_permit_checklist(client_for, student, on_record):
    on_record(
        student,
        "permit",
        number="E123",
        issued_on=today() - timedelta(days=30),
        expires_on=today() + timedelta(days=300),
    )
    page = client_for(student.user).get(reverse("residence_overview"))
    assert page.status_code == 200
    assert "E123" in page.text and "JW201" in page.text


def test_a_student_uploads_a_changed_passport_that_waits_for_review(client_for, student):
    response = client_for(student.user).post(reverse("residence_update", args=["passport"]), passport_post())
    assert response.status_code == 302
    record = PassportRecord.objects.get(student=student)
    assert record.reason == "change" and not record.is_current


def test_an_expiry_before_the_issue_date_is_shown_on_the_field(client_for, student):
    data = passport_post(expires_on=(today() - timedelta(days=10)).isoformat())
    response = client_for(student.user).post(reverse("residence_update", args=["passport"]), data)
    assert response.status_code == 400
    assert "expiry date must be after" in response.text


def test_an_unknown_kind_of_record_is_404(client_for, student):
    assert client_for(student.user).get(reverse("residence_update", args=["tattoo"])).status_code == 404


def test_the_passport_loss_flow_reports_then_takes_the_new_passport(client_for, student, office_staff):
    client = client_for(student.user)
    response = client.post(
        reverse("residence_passport_lost"), {"lost_on": today().isoformat(), "circumstances": "Taxi"}
    )
    assert response.status_code == 302
    loss = PassportLoss.objects.get(student=student)
    assert "after the loss" in client.get(reverse("residence_update", args=["passport"])).text
    client.post(reverse("residence_update", args=["passport"]), passport_post())
    record = PassportRecord.objects.get(student=student)
    assert (record.reason, record.loss_id) == ("replacement", loss.pk)


def test_a_second_loss_report_is_refused_with_a_message(client_for, student):
    client = client_for(student.user)
    client.post(reverse("residence_passport_lost"), {"lost_on": today().isoformat()})
    response = client.post(reverse("residence_passport_lost"), {"lost_on": today().isoformat()}, follow=True)
    assert "already reported" in response.text
    assert PassportLoss.objects.filter(student=student).count() == 1


def test_the_office_approves_a_record_on_the_students_page(client_for, student, submit, office_staff):
    record = submit(
        student, "permit", number="E9", issued_on=today() - timedelta(days=3), expires_on=today() + timedelta(days=365)
    )
    client = client_for(office_staff)
    page = client.get(reverse("residence_student", args=[student.student_id]))
    assert "E9" in page.text
    response = client.post(reverse("residence_record_decide", args=["permit", record.pk]), {"decision": "approve"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.is_current


def test_a_rejection_needs_a_reason(client_for, student, submit, office_staff):
    record = submit(student, "exam", verified_on=today())
    response = client_for(office_staff).post(
        reverse("residence_record_decide", args=["exam", record.pk]), {"decision": "reject", "reason": " "}
    )
    assert response.status_code == 400
    record.evidence.refresh_from_db()
    assert record.evidence.is_pending


def test_school_staff_see_their_schools_records_but_cannot_decide(client_for, student, submit, staff_a, staff_b):
    record = submit(student, "exam", verified_on=today())
    assert client_for(staff_a).get(reverse("residence_student", args=[student.student_id])).status_code == 200
    url = reverse("residence_record_decide", args=["exam", record.pk])
    assert client_for(staff_a).post(url, {"decision": "approve"}).status_code == 403
    assert client_for(staff_b).get(reverse("residence_student", args=[student.student_id])).status_code == 404


def _board_world(school, n):
    for _ in range(n):
        someone = StudentFactory(school=school)
        Obligation.objects.create(
            student=someone,
            kind="permit_extension",
            due=today() + timedelta(days=5),
            legal_due=today() + timedelta(days=5),
        )


def test_the_board_costs_the_same_queries_at_3_and_30_students(client_for, office_staff, school_a, school_b):
    client = client_for(office_staff)
    _board_world(school_a, 3)
    client.get(reverse("residence_board"))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("residence_board")).status_code == 200
    _board_world(school_b, 27)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("residence_board"))
    assert len(many) == len(few)
    assert page.context["counts"]["due_7"] == 30


def test_the_board_shows_who_was_reminded_and_filters_by_school(
    client_for, office_staff, staff_a, student, other_school_student, on_record
):
    for someone in (student, other_school_student):
        on_record(
            someone,
            "permit",
            number="E",
            issued_on=today() - timedelta(days=300),
            expires_on=today() + timedelta(days=40),
        )
    services.reminders_send()
    page = client_for(office_staff).get(reverse("residence_board"), {"kind": "permit_extension", "bucket": "due_30"})
    assert student.student_id in page.text and other_school_student.student_id in page.text
    assert Reminder.objects.count() >= 2 and "14 days before" in page.text
    own_school = client_for(staff_a).get(reverse("residence_board"))
    assert student.student_id in own_school.text and other_school_student.student_id not in own_school.text


def test_the_board_exports_csv(client_for, office_staff, student):
    Obligation.objects.create(
        student=student, kind="insurance_renewal", due=date(2026, 1, 1), legal_due=date(2026, 1, 1)
    )
    response = client_for(office_staff).get(reverse("residence_board"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert student.student_id in response.content.decode("utf-8-sig")


def test_finance_staff_have_no_residence_board(client_for, finance_staff):
    assert client_for(finance_staff).get(reverse("residence_board")).status_code == 403


# --- API --------------------------------------------------------------------------------------------------------


def test_the_api_gives_a_student_her_own_records_and_404_for_a_classmates(client_for, student, classmate, on_record):
    on_record(
        student,
        "insurance",
        certificate_number="C1",
        insurer="Ping An",
        starts_on=today() - timedelta(days=10),
        ends_on=today() + timedelta(days=300),
    )
    client = client_for(student.user)
    mine = client.get(reverse("api_residence_records", args=[student.student_id]))
    assert mine.status_code == 200
    assert mine.json()["insurance"][0]["certificate_number"] == "C1" and mine.json()["insurance"][0]["is_current"]
    theirs = client.get(reverse("api_residence_records", args=[classmate.student_id]))
    assert theirs.status_code == 404 and "message" in theirs.json()


def test_the_api_masks_permit_numbers_for_school_staff(client_for, student, staff_a, on_record):
    on_record(
        student,
        "permit",
        number="E12345678",
        issued_on=today() - timedelta(days=3),
        expires_on=today() + timedelta(days=365),
    )
    data = client_for(staff_a).get(reverse("api_residence_records", args=[student.student_id])).json()
    assert data["permit"][0]["number"].endswith("678") and "E123" not in data["permit"][0]["number"]


def test_the_obligations_api_lists_only_a_students_own(client_for, student, classmate):
    for someone in (student, classmate):
        Obligation.objects.create(student=someone, kind="passport_renewal", due=today(), legal_due=today())
    data = client_for(student.user).get(reverse("api_residence_obligations")).json()
    assert [row["student_id"] for row in data["results"]] == [student.student_id]


def test_the_obligations_api_refuses_an_unknown_bucket(client_for, office_staff):
    response = client_for(office_staff).get(reverse("api_residence_obligations"), {"bucket": "someday"})
    assert response.status_code == 400 and "bucket" in response.json()["extra"]["fields"]


def test_the_boards_second_page_continues_in_due_order(client_for, office_staff, school_a, monkeypatch):
    monkeypatch.setattr("residence.views.BOARD_PAGE_SIZE", 2)
    for days in (9, 3, 5, 1, 7):
        Obligation.objects.create(
            student=StudentFactory(school=school_a),
            kind="passport_renewal",
            due=today() + timedelta(days=days),
            legal_due=today() + timedelta(days=days),
        )
    client = client_for(office_staff)
    pages = [client.get(reverse("residence_board"), {"page": n}).context["rows"] for n in (1, 2, 3)]
    dues = [(row["o"].due - today()).days for rows in pages for row in rows]
    assert dues == [1, 3, 5, 7, 9]
    assert pages[0][0]["o"].reminders_sent == 0
