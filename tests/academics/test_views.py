"""Academics pages: the student's results with GPA, the school's grid (per-row errors, typed values kept), the CSV
upload page, a student's record for staff (their school only), and query counts that do not grow with the rows."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from academics.models import Result
from tests.academics.helpers import enrol, enter, offering
from tests.factories import SemesterFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def term():
    """A semester whose results are being entered now (assessed yesterday), and the next one far ahead."""
    today = timezone.localdate()
    current = SemesterFactory(
        code="2026-2027-1", name_en="Autumn 2026", starts_on=today - datetime.timedelta(days=100),
        ends_on=today + datetime.timedelta(days=5),
    )  # fmt: skip
    SemesterFactory(
        code="2026-2027-2", starts_on=today + datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=200)
    )
    return current


@pytest.fixture
def anatomy(term, school_a):
    return offering(school_a, term, "MED101", assessed_on=timezone.localdate() - datetime.timedelta(days=1))


def test_a_student_sees_term_and_cumulative_gpa_with_two_decimals(client_for, student, staff_a, term, school_a):
    day = timezone.localdate() - datetime.timedelta(days=1)
    enter(offering(school_a, term, "MED101", credits="4", assessed_on=day), student, "86", by=staff_a, today=day)
    enter(offering(school_a, term, "MED120", credits="2", scale="letter", assessed_on=day), student, "B+", by=staff_a,
          today=day)  # fmt: skip
    response = client_for(student.user).get(reverse("academics_my_results"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "4.07" in body  # (4.2 x 4 + 3.8 x 2) / 6
    assert "MED120" in body and "B+" in body


def test_a_student_sees_only_their_own_results(client_for, student, classmate, staff_a, anatomy):
    enter(anatomy, classmate, "91", by=staff_a, today=timezone.localdate())
    body = client_for(student.user).get(reverse("academics_my_results")).content.decode()
    assert "MED101" not in body


def test_school_staff_save_the_grid_and_a_bad_row_keeps_what_was_typed(client_for, student, classmate, staff_a,
                                                                       anatomy):  # fmt: skip
    good, bad = enrol(anatomy, student), enrol(anatomy, classmate)
    url = reverse("academics_offering_grid", args=[anatomy.pk])
    response = client_for(staff_a).post(
        url,
        {
            f"value_{good.pk}": "77", f"mark_{good.pk}": "", f"version_{good.pk}": "0",
            f"value_{bad.pk}": "seventy", f"mark_{bad.pk}": "", f"version_{bad.pk}": "0",
        },
    )  # fmt: skip
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="seventy"' in body and "not a whole number" in body
    assert list(Result.objects.values_list("enrolment__student__student_id", "value")) == [(student.student_id, "77")]


def test_a_grid_saved_from_a_stale_page_is_refused_for_that_row(client_for, student, staff_a, anatomy):
    enrolment = enrol(anatomy, student)
    enter(anatomy, student, "70", by=staff_a, today=timezone.localdate())
    response = client_for(staff_a).post(
        reverse("academics_offering_grid", args=[anatomy.pk]),
        {f"value_{enrolment.pk}": "90", f"mark_{enrolment.pk}": "", f"version_{enrolment.pk}": "0"},
    )
    assert response.status_code == 400 and "changed by someone else" in response.content.decode()
    assert Result.objects.get().value == "70"


def test_the_office_reads_the_grid_without_inputs(client_for, student, staff_a, office_staff, anatomy):
    enter(anatomy, student, "70", by=staff_a, today=timezone.localdate())
    body = client_for(office_staff).get(reverse("academics_offering_grid", args=[anatomy.pk])).content.decode()
    assert "70" in body and 'name="value_' not in body


def test_the_upload_page_lists_each_refused_row(client_for, student, classmate, staff_a, anatomy):
    enrol(anatomy, student)
    upload = SimpleUploadedFile(
        "r.csv", f"student_id,result\n{student.student_id},88\n{classmate.student_id},80\n".encode(), "text/csv"
    )
    response = client_for(staff_a).post(reverse("academics_offering_upload", args=[anatomy.pk]), {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 saved, 0 unchanged, 1 with errors." in body and "not enrolled" in body


def test_staff_of_another_school_do_not_find_a_students_record(client_for, student, staff_b):
    url = reverse("academics_student_record", args=[student.student_id])
    assert client_for(staff_b).get(url).status_code == 404


def test_the_grid_costs_the_same_queries_for_5_or_25_students(client_for, staff_a, anatomy, school_a):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client_for(staff_a).get(reverse("academics_offering_grid", args=[anatomy.pk])).status_code == 200
        return len(captured)

    queries()  # the first request of a session records the session: not part of the page's cost
    for _ in range(5):
        enter(anatomy, StudentFactory(school=school_a), "75", by=staff_a, today=timezone.localdate())
    few = queries()
    for _ in range(20):
        enter(anatomy, StudentFactory(school=school_a), "75", by=staff_a, today=timezone.localdate())
    assert queries() == few


def test_a_record_costs_the_same_queries_for_2_or_12_courses(client_for, student, staff_a, term, school_a):
    day = timezone.localdate() - datetime.timedelta(days=1)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            url = reverse("academics_student_record", args=[student.student_id])
            assert client_for(staff_a).get(url).status_code == 200
        return len(captured)

    queries()  # the first request of a session records the session: not part of the page's cost
    for n in range(2):
        enter(offering(school_a, term, f"C{n}", assessed_on=day), student, "80", by=staff_a, today=day)
    few = queries()
    for n in range(2, 12):
        enter(offering(school_a, term, f"C{n}", assessed_on=day), student, "80", by=staff_a, today=day)
    assert queries() == few


def test_a_student_sees_the_exam_accommodations_on_the_exam_list(client_for, student, term, school_a):
    from academics.models import Course

    exam_day = timezone.localdate() + datetime.timedelta(days=3)
    enrol(offering(school_a, term, "MED101", assessed_on=exam_day), student)
    law = offering(school_a, term, "LAW101", assessed_on=exam_day)
    Course.objects.filter(pk=law.course_id).update(exam_extra_minutes=15, paper_dictionary_allowed=False)
    enrol(law, student)
    body = client_for(student.user).get(reverse("academics_my_results")).content.decode()
    assert "150 minutes (30 extra for international students)" in body  # 120 + 30 (Supplementary 18)
    assert "135 minutes (15 extra for international students)" in body and "Not allowed for this course" in body


def test_staff_see_the_credit_warning_before_the_quit_flag(client_for, student, staff_a, school_a):
    from tests.academics.helpers import course

    # Regular programme: under 12 credits in 2 long semesters in a row; a third would meet Supplementary 32.I.
    student.programme = "Civil Engineering"
    student.save(update_fields=["programme"])
    small = course(school_a, "CIV101", credits="5")
    for n in range(2):
        semester = SemesterFactory(
            code=f"202{n}-202{n + 1}-1", starts_on=datetime.date(2020 + n, 9, 1), ends_on=datetime.date(2021 + n, 1, 10)
        )
        enter(offering(school_a, semester, small.code, assessed_on=datetime.date(2021 + n, 1, 5)), student, "80",
              by=staff_a, today=datetime.date(2021 + n, 1, 6))  # fmt: skip
    body = client_for(staff_a).get(reverse("academics_student_record", args=[student.student_id])).content.decode()
    assert "Long semesters with fewer than 12 credits earned: 2 (longest run: 2)." in body
    assert "an academic warning is due" in body


def test_the_office_prints_a_batch_by_programme_and_year(client_for, office_staff, student, classmate,
                                                         other_school_student):  # fmt: skip
    from portal.models import GeneratedDocument

    classmate.programme = "Nursing"
    classmate.save(update_fields=["programme"])
    response = client_for(office_staff).post(
        reverse("academics_transcript_batch"),
        {"programme": "Clinical Medicine (MBBS)", "enrolment_year": "2024", "study_abroad": "on"},
    )
    document = GeneratedDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("document_detail", args=[document.pk])
    assert document.kind == "academic_transcript_batch"
    assert document.parameters == {"student_ids": [student.student_id, other_school_student.student_id],
                                   "study_abroad": True, "output": "pdf"}  # fmt: skip


def test_pasted_ids_not_found_are_named_and_left_out(client_for, office_staff, student):
    from portal.models import GeneratedDocument

    response = client_for(office_staff).post(
        reverse("academics_transcript_batch"), {"student_ids": f"{student.student_id}, 1234567890"}, follow=True
    )
    assert "1234567890" in response.content.decode()
    assert GeneratedDocument.objects.get().parameters["student_ids"] == [student.student_id]


def test_an_empty_batch_choice_is_refused_with_a_reason(client_for, office_staff):
    response = client_for(office_staff).post(reverse("academics_transcript_batch"), {})
    assert response.status_code == 400 and "Choose a school" in response.content.decode()


def test_school_staff_request_a_correction_and_the_office_approves_it(client_for, student, staff_a, office_staff,
                                                                      school_a):  # fmt: skip
    long_ago = SemesterFactory(
        code="2020-2021-1", starts_on=datetime.date(2020, 9, 1), ends_on=datetime.date(2021, 1, 10)
    )
    SemesterFactory(code="2020-2021-2", starts_on=datetime.date(2021, 2, 20), ends_on=datetime.date(2021, 7, 1))
    old = offering(school_a, long_ago, "MED101", assessed_on=datetime.date(2021, 1, 5))
    result = enter(old, student, "58", by=staff_a, today=datetime.date(2021, 1, 6))
    grid = client_for(staff_a).get(reverse("academics_offering_grid", args=[old.pk])).content.decode()
    assert "Request a correction" in grid and 'name="value_' not in grid  # stable: no inputs
    url = reverse("academics_result_correction", args=[result.pk])
    assert client_for(staff_a).post(url, {"value": "61", "reason": ""}).status_code == 400
    assert client_for(staff_a).post(url, {"value": "61", "reason": "Addition error on page 2"}).status_code == 302
    from academics.models import CorrectionRequest

    correction = CorrectionRequest.objects.get()
    queue = client_for(office_staff).get(reverse("academics_correction_queue")).content.decode()
    assert student.student_id in queue
    decide = reverse("academics_correction_decide", args=[correction.pk])
    assert client_for(office_staff).post(decide, {"decision": "approve"}).status_code == 302
    result.refresh_from_db()
    assert result.value == "61"


def test_school_staff_enrol_pasted_ids_and_each_refusal_says_why(client_for, staff_a, student, classmate,
                                                                 other_school_student, anatomy):  # fmt: skip
    enrol(anatomy, classmate)
    ids = f"{student.student_id}\n{classmate.student_id}\n{other_school_student.student_id}"
    response = client_for(staff_a).post(
        reverse("academics_offering_enrol", args=[anatomy.pk]), {"student_ids": ids, "attempt": "first"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "1 enrolled, 1 already enrolled, 1 refused." in body
    assert other_school_student.student_id in body  # not visible to school A's staff: refused, not enrolled
    from academics.models import Enrolment

    assert set(Enrolment.objects.values_list("student__student_id", flat=True)) == {
        student.student_id,
        classmate.student_id,
    }


def test_the_warning_list_flags_the_quit_rule_and_the_warning_within_the_school(
    client_for, student, classmate, staff_a, staff_b, school_a
):
    from tests.academics.helpers import course

    small = course(school_a, "CIV101", credits="5")
    offerings = [
        offering(
            school_a,
            SemesterFactory(code=f"20{10 + n}-20{11 + n}-1", starts_on=datetime.date(2010 + n, 9, 1),
                            ends_on=datetime.date(2011 + n, 1, 10)),
            small.code,
            assessed_on=datetime.date(2011 + n, 1, 5),
        )
        for n in range(3)
    ]  # fmt: skip
    for who, count in ((student, 3), (classmate, 2)):
        who.programme = "Civil Engineering"
        who.save(update_fields=["programme"])
        for found in offerings[:count]:
            enter(found, who, "80", by=staff_a, today=found.assessed_on + datetime.timedelta(days=1))
    # 3 long semesters in a row under 12 credits: the quit rule (regular); 2 in a row: a warning is due.
    body = client_for(staff_a).get(reverse("academics_credit_warnings")).content.decode()
    assert "Quit rule met" in body and "Warning due" in body
    assert body.index(student.student_id) < body.index(classmate.student_id)
    assert student.student_id not in client_for(staff_b).get(reverse("academics_credit_warnings")).content.decode()
