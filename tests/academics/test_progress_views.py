"""Progress pages: the student's own (credits per long semester and year, the graduation check, the warnings issued
to them), a student's for staff of their school with a decision on each flag, the list of flagged students, and
query counts that do not grow with the students or their results."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from academics.models import AcademicDecision, DecisionOutcome, FlagKind, ProgrammeRequirement
from tests.academics.helpers import enter, offering
from tests.academics.test_warnings_services import decide, two_short_years
from tests.factories import SemesterFactory, StudentFactory

pytestmark = pytest.mark.django_db


def year_label(student, offset=0):
    return f"{student.enrolment_year + offset}-{student.enrolment_year + offset + 1}"


def test_a_student_sees_credits_per_year_and_long_semester_against_the_thresholds(client_for, student, staff_a,
                                                                                   school_a):  # fmt: skip
    two_short_years(student, staff_a, school_a)

    response = client_for(student.user).get(reverse("academics_my_progress"))

    assert response.status_code == 200
    body = response.content.decode()
    assert year_label(student) in body and f"{year_label(student)}-2" in body
    assert "Under the minimum" in body
    assert "After two years: 20 credits, under 1/3 of the graduation credits" in body
    assert "140 credits missing: more than 15, so neither certificate yet." in body


def test_fifteen_credits_missing_means_a_completion_certificate(client_for, student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    ProgrammeRequirement.objects.filter(programme="Civil Engineering").update(graduation_credits=35)

    body = client_for(student.user).get(reverse("academics_my_progress")).content.decode()

    assert "15 credits missing: 15 or fewer, so a completion certificate" in body


def test_a_programme_without_requirements_says_so(client_for, student):
    body = client_for(student.user).get(reverse("academics_my_progress")).content.decode()
    assert "are not set yet" in body


def test_the_student_sees_the_warnings_issued_but_not_the_other_decisions(client_for, student, staff_a, school_a):
    first = two_short_years(student, staff_a, school_a)
    decide(student, staff_a, reason="Meet your adviser this week.")
    decide(student, staff_a, kind=FlagKind.CREDITS, period=f"{first + 1}-{first + 2}-2",
           outcome=DecisionOutcome.REFERRED, reason="Internal: refer to the office.")  # fmt: skip

    body = client_for(student.user).get(reverse("academics_my_progress")).content.decode()

    assert "Meet your adviser this week." in body
    assert "Internal: refer to the office." not in body


def test_school_staff_see_their_schools_student_and_not_another_schools(client_for, student, staff_a, staff_b,
                                                                       school_a):  # fmt: skip
    two_short_years(student, staff_a, school_a)
    url = reverse("academics_student_progress", args=[student.student_id])

    body = client_for(staff_a).get(url).content.decode()
    assert "Flags for a decision" in body and "Record the decision" in body
    assert client_for(staff_b).get(url).status_code == 404


def test_staff_record_a_decision_from_the_progress_page(client_for, student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    url = reverse("academics_student_progress", args=[student.student_id])

    response = client_for(staff_a).post(
        url, {"kind": "year_below_minimum", "period": year_label(student), "outcome": "warning",
              "reason": "Meet your adviser."},
    )  # fmt: skip

    assert response.status_code == 302
    decision = AcademicDecision.objects.get()
    assert (decision.kind, decision.outcome, decision.decided_by) == ("year_below_minimum", "warning", staff_a)
    body = client_for(staff_a).get(url).content.decode()
    assert "Decided" in body and "Meet your adviser." in body


def test_a_decision_without_a_reason_keeps_the_choice_and_says_why(client_for, student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    url = reverse("academics_student_progress", args=[student.student_id])

    response = client_for(staff_a).post(
        url, {"kind": "year_below_minimum", "period": year_label(student), "outcome": "no_action", "reason": ""}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body
    assert 'value="no_action" required id="id_outcome_2" checked' in body
    assert not AcademicDecision.objects.exists()


def test_a_decision_on_a_flag_that_is_not_raised_is_refused_on_the_page(client_for, student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    url = reverse("academics_student_progress", args=[student.student_id])

    response = client_for(staff_a).post(
        url, {"kind": "year_below_minimum", "period": "1999-2000", "outcome": "warning", "reason": "Why not"}
    )

    assert response.status_code == 400
    assert "do not flag this student" in response.content.decode()


def test_the_flag_list_shows_waiting_flags_and_on_request_the_decided_ones(client_for, student, classmate,
                                                                           staff_a, staff_b, school_a):  # fmt: skip
    two_short_years(student, staff_a, school_a)
    two_short_years(classmate, staff_a, school_a, credits="15")  # on track: not flagged
    url = reverse("academics_flag_list")

    body = client_for(staff_a).get(url).content.decode()
    assert student.student_id in body and classmate.student_id not in body
    assert "Waiting for a decision" in body

    decide(student, staff_a)
    body = client_for(staff_a).get(url, {"show": "all"}).content.decode()
    assert "Decided" in body
    assert student.student_id not in client_for(staff_b).get(url).content.decode()


def test_the_flag_list_makes_the_same_queries_for_two_students_and_twelve(client_for, staff_a, school_a,
                                                                        django_assert_max_num_queries):  # fmt: skip
    students = [StudentFactory(school=school_a) for _ in range(12)]
    two_short_years(students[0], staff_a, school_a)
    two_short_years(students[1], staff_a, school_a)
    client = client_for(staff_a)
    url = reverse("academics_flag_list")
    client.get(url)  # warm the session and the form's schools
    with django_assert_max_num_queries(12) as small:
        client.get(url, {"show": "all"})
    for other in students[2:]:
        two_short_years(other, staff_a, school_a)
        decide(other, staff_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, {"show": "all"})
    assert response.content.decode().count("Decided") >= 10


def test_the_progress_page_makes_the_same_queries_for_few_results_and_many(client_for, student, staff_a, school_a,
                                                                          django_assert_max_num_queries):  # fmt: skip
    two_short_years(student, staff_a, school_a)
    client = client_for(staff_a)
    url = reverse("academics_student_progress", args=[student.student_id])
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    semester = SemesterFactory(
        code="2010-2011-1", starts_on=datetime.date(2010, 9, 1), ends_on=datetime.date(2011, 1, 10)
    )
    for n in range(8):
        enter(offering(school_a, semester, f"EXTRA{n}", assessed_on=datetime.date(2011, 1, 5)), student, "70",
              by=staff_a, today=datetime.date(2011, 1, 6))  # fmt: skip
    decide(student, staff_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


# --- The credit warning list (Supplementary 32): long semesters only, the graduating year left out ------------------


def short_terms(student, staff, school, codes, *, ends_on=None):
    for code in codes:
        year = int(code[:4])
        semester = SemesterFactory(
            code=code, starts_on=datetime.date(year, 9, 1), ends_on=ends_on or datetime.date(year + 1, 1, 10)
        )
        enter(offering(school, semester, f"S{code}", credits="5", assessed_on=semester.starts_on),
              student, "80", by=staff, today=semester.starts_on + datetime.timedelta(days=1))  # fmt: skip


def test_short_terms_are_not_long_semesters_on_the_credit_warning_list(client_for, student, staff_a, school_a):
    student.programme = "Civil Engineering"
    student.save(update_fields=["programme"])
    # Three terms under 12 credits, but two are the summer terms of one spring/summer semester: 2 short, no flag yet
    # ... and 5 + 5 = 10 is still short: 2 long semesters, a warning, not the quit rule.
    short_terms(student, staff_a, school_a, ["2010-2011-2", "2010-2011-3", "2011-2012-1"])

    body = client_for(staff_a).get(reverse("academics_credit_warnings")).content.decode()

    assert "Warning due" in body and "Quit rule met" not in body


def test_a_long_semester_still_under_way_does_not_count(client_for, student, staff_a, school_a):
    student.programme = "Civil Engineering"
    student.save(update_fields=["programme"])
    short_terms(student, staff_a, school_a, ["2010-2011-1", "2011-2012-1"])
    short_terms(student, staff_a, school_a, ["2012-2013-1"], ends_on=timezone.localdate() + datetime.timedelta(days=30))

    body = client_for(staff_a).get(reverse("academics_credit_warnings")).content.decode()

    assert "Warning due" in body and "Quit rule met" not in body


def test_the_graduating_year_is_left_out_of_the_credit_warning_list(client_for, student, staff_a, school_a):
    student.programme, student.enrolment_year = "Civil Engineering", 2009
    student.save(update_fields=["programme", "enrolment_year"])
    ProgrammeRequirement.objects.create(programme="civil engineering", graduation_credits=160, normal_length_years=4)
    # 2012-2013 is the graduating year of 2009's four-year programme: only two short long semesters count.
    short_terms(student, staff_a, school_a, ["2010-2011-1", "2011-2012-1", "2012-2013-1"])

    body = client_for(staff_a).get(reverse("academics_credit_warnings")).content.decode()

    assert "Warning due" in body and "Quit rule met" not in body
