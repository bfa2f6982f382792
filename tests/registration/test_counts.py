"""The office's registration counts per school, live during the window and exportable as CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from registration import selectors, services
from registration.models import FormStatus, LeaveState, RegistrationForm, RegistrationLeave, SemesterRegistration
from tests.factories import SemesterFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def semester(db):
    return SemesterFactory(code="2026-2027-2")


@pytest.fixture
def world(semester, student, classmate, other_school_student, office_staff):
    """School A: Amina approved and registered, her classmate with a draft, Ben with nothing but approved leave.
    School B: Chen waiting for review."""
    ben = StudentFactory(school=student.school, student_id="2026990001")
    RegistrationForm.objects.create(student=student, semester=semester, status=FormStatus.APPROVED)
    services.registration_form_for(student=classmate, semester=semester)
    RegistrationForm.objects.create(student=other_school_student, semester=semester, status=FormStatus.SUBMITTED)
    SemesterRegistration.objects.create(student=student, semester=semester, registered_by=office_staff)
    RegistrationLeave.objects.create(
        student=ben,
        semester=semester,
        reason="Visa delayed",
        expected_on=semester.registration_day + timedelta(days=10),
        state=LeaveState.APPROVED,
        approved_until=semester.registration_day + timedelta(days=10),
    )
    return {"ben": ben}


def _by_school(lines):
    return {line.school.code: line for line in lines}


def test_the_office_counts_every_school(world, semester, office_staff, school_a, school_b):
    lines = _by_school(selectors.registration_school_counts(user=office_staff, semester=semester))

    a, b = lines[school_a.code], lines[school_b.code]
    assert (a.students, a.approved, a.draft, a.registered, a.deferred, a.missing) == (3, 1, 1, 1, 1, 2)
    assert (b.students, b.submitted, b.missing) == (1, 1, 0)


def test_school_staff_count_only_their_school(world, semester, staff_a, school_a):
    lines = _by_school(selectors.registration_school_counts(user=staff_a, semester=semester))
    assert list(lines) == [school_a.code]


def test_a_student_who_left_is_not_missing(world, semester, office_staff, school_a):
    ben = world["ben"]
    ben.status = "left"
    ben.save(update_fields=["status"])

    line = _by_school(selectors.registration_school_counts(user=office_staff, semester=semester))[school_a.code]

    assert (line.students, line.missing) == (2, 1)


def test_the_counts_page_shows_totals(world, semester, office_staff, client_for):
    response = client_for(office_staff).get(reverse("registration_counts"), {"semester": semester.pk})

    assert response.status_code == 200
    assert "Registered at the desk" in response.content.decode()
    assert "Total" in response.content.decode()


def test_the_counts_download_as_csv_that_spreadsheets_read(world, semester, office_staff, client_for, school_b):
    response = client_for(office_staff).get(reverse("registration_counts"), {"semester": semester.pk, "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[-1]["school"] == "total" and rows[-1]["students"] == "4"
    school_b_row = next(row for row in rows if row["school"] == school_b.code)
    assert (school_b_row["school_zh"], school_b_row["submitted"]) == (school_b.name_zh, "1")


def test_finance_cannot_see_the_counts(semester, finance_staff, client_for):
    assert client_for(finance_staff).get(reverse("registration_counts")).status_code == 403


def test_the_counts_page_is_a_constant_number_of_queries(
    semester, office_staff, client_for, django_assert_max_num_queries, school_a, school_b
):
    for school in (school_a, school_b):
        for candidate in StudentFactory.create_batch(15, school=school):
            RegistrationForm.objects.create(student=candidate, semester=semester, status=FormStatus.SUBMITTED)
    client = client_for(office_staff)
    with django_assert_max_num_queries(16):
        client.get(reverse("registration_counts"), {"semester": semester.pk})


def test_students_on_leave_suspended_or_admitted_later_are_not_expected(world, semester, office_staff, school_a):
    ben = world["ben"]
    ben.status = "suspended"
    ben.save(update_fields=["status"])
    StudentFactory(school=school_a, student_id="2027990001", enrolment_year=2027)

    line = _by_school(selectors.registration_school_counts(user=office_staff, semester=semester))[school_a.code]

    assert (line.students, line.missing) == (2, 1)
