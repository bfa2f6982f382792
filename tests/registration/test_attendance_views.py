"""Attendance through the pages and the API (weeks in class days, Monday to Friday): staff of the student's school
record, the office sees it on the decision list, the student sees their own absences and the instruction to apply
for suspension, and nobody else sees them."""

import datetime

import pytest
from django.utils import timezone

from registration import services
from registration.models import Absence
from tests.factories import SemesterFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def term(db):
    today = timezone.localdate()
    return SemesterFactory(starts_on=today - datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=60))


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def class_days(first_ago, last_ago):
    return sum(days_ago(n).weekday() < 5 for n in range(last_ago, first_ago + 1))


def record(student, user, first_ago, last_ago):
    return services.absence_record(
        student=student, user=user, first_day=days_ago(first_ago), last_day=days_ago(last_ago)
    )


def test_school_staff_record_an_absence_on_the_page(term, student, staff_a, client_for):
    response = client_for(staff_a).post(
        "/staff/status/attendance/",
        {"student_id": student.student_id, "first_day": days_ago(20), "last_day": days_ago(5), "note": "No show"},
    )
    assert response.status_code == 302
    page = client_for(staff_a).get("/staff/status/attendance/").content.decode()
    assert student.name_latin in page and "2 weeks without leave" in page


def test_a_bad_absence_keeps_what_was_typed_and_says_why(term, student, staff_a, client_for):
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = client_for(staff_a).post(
        "/staff/status/attendance/",
        {"student_id": student.student_id, "first_day": days_ago(2), "last_day": future, "note": "Keep this note"},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "in the future" in page and "Keep this note" in page
    assert not Absence.objects.exists()


def test_staff_of_another_school_cannot_record_or_see_the_student(term, student, staff_b, client_for):
    client = client_for(staff_b)
    response = client.post(
        "/staff/status/attendance/",
        {"student_id": student.student_id, "first_day": days_ago(3), "last_day": days_ago(1)},
    )
    assert response.status_code == 400 and "No student with this ID" in response.content.decode()
    assert client.get(f"/staff/status/attendance/{student.student_id}/").status_code == 404


def test_the_list_shows_only_the_school_s_own_students(
    term, student, other_school_student, staff_a, staff_b, office_staff, client_for
):
    record(student, staff_a, 10, 9)
    record(other_school_student, staff_b, 10, 9)
    page = client_for(staff_a).get("/staff/status/attendance/").content.decode()
    assert student.name_latin in page and other_school_student.name_latin not in page
    page = client_for(office_staff).get("/staff/status/attendance/").content.decode()
    assert student.name_latin in page and other_school_student.name_latin in page


def test_the_attendance_page_finds_a_student_by_id_or_name(term, student, classmate, staff_a, client_for):
    record(student, staff_a, 10, 9)
    record(classmate, staff_a, 10, 9)
    client = client_for(staff_a)
    for query in (student.student_id, "amina", student.name_zh):
        page = client.get("/staff/status/attendance/", {"q": query}).content.decode()
        assert student.name_latin in page and classmate.name_latin not in page


def test_a_mistaken_record_is_withdrawn_on_the_student_page(term, student, staff_a, client_for):
    absence = record(student, staff_a, 10, 9)
    client = client_for(staff_a)
    response = client.post(f"/staff/status/absences/{absence.pk}/withdraw/", {"reason": "Was in hospital, on leave"})
    assert response.status_code == 302
    page = client.get(f"/staff/status/attendance/{student.student_id}/").content.decode()
    assert "Was in hospital, on leave" in page and "Withdrawn by" in page


def test_the_student_sees_their_absences_and_is_told_to_apply_for_suspension(term, student, staff_a, client_for):
    record(student, staff_a, 40, 10)  # 31 calendar days: 21 to 23 class days
    page = client_for(student.user).get("/status/").content.decode()
    assert f"{class_days(40, 10)} class days" in page and "you must apply for suspension" in page
    assert student.user.notifications.filter(subject__icontains="suspension").count() == 1


def test_the_attendance_page_query_count_stays_flat(term, school_a, staff_a, client_for, django_assert_max_num_queries):
    client = client_for(staff_a)

    def add(count, offset):
        for n in range(count):
            record(StudentFactory(student_id=f"20278{offset + n:05d}", school=school_a), staff_a, 30, 10)

    add(2, 0)
    client.get("/staff/status/attendance/")
    with django_assert_max_num_queries(40) as few:
        assert client.get("/staff/status/attendance/").status_code == 200
    add(25, 100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/staff/status/attendance/").status_code == 200


def test_the_api_gives_a_student_only_their_own_absences(term, student, classmate, staff_a, client_for):
    record(student, staff_a, 10, 9)
    record(classmate, staff_a, 8, 8)
    body = client_for(student.user).get("/api/status/absences/").json()
    assert [row["student_id"] for row in body["absences"]] == [student.student_id]
    assert body["standing"]["days_absent"] == class_days(10, 9)
    response = client_for(student.user).post(
        "/api/status/absences/",
        {"student_id": classmate.student_id, "first_day": days_ago(3), "last_day": days_ago(3)},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_the_api_records_for_the_school_and_hides_other_schools(
    term, student, other_school_student, staff_a, client_for
):
    client = client_for(staff_a)
    created = client.post(
        "/api/status/absences/",
        {"student_id": student.student_id, "first_day": str(days_ago(15)), "last_day": str(days_ago(1))},
        content_type="application/json",
    )
    assert created.status_code == 201
    again = client.post(
        "/api/status/absences/",
        {"student_id": student.student_id, "first_day": str(days_ago(3)), "last_day": str(days_ago(2))},
        content_type="application/json",
    )
    assert again.status_code == 409
    elsewhere = client.post(
        "/api/status/absences/",
        {"student_id": other_school_student.student_id, "first_day": str(days_ago(3)), "last_day": str(days_ago(2))},
        content_type="application/json",
    )
    assert elsewhere.status_code == 404
    assert client.get(f"/api/status/absences/?student={other_school_student.student_id}").status_code == 404
    standing = client.get(f"/api/status/absences/?student={student.student_id}").json()["standing"]
    assert standing["flags"] == ["absent_without_leave"] and standing["longest_without_leave"] == class_days(15, 1)
    withdrawn = client.post(
        f"/api/status/absences/{created.json()['id']}/withdraw/",
        {"reason": "Wrong dates"},
        content_type="application/json",
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_reason"] == "Wrong dates"
