"""The progress and academic-warning API: a student reads their own progress and the warnings issued to them;
staff of the student's school (or the office) read the flags and record decisions; 404 outside one's scope, 409 for
a flag already decided, 400 with the reason; the flag list's queries do not grow with the students."""

import pytest
from django.urls import reverse

from academics.models import AcademicDecision, DecisionOutcome, FlagKind
from tests.academics.test_warnings_services import decide, two_short_years
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def year_flag(student):
    return {"student_id": student.student_id, "flag": "year_below_minimum",
            "period": f"{student.enrolment_year}-{student.enrolment_year + 1}"}  # fmt: skip


def test_a_student_reads_their_own_progress_and_not_a_classmates(client_for, student, classmate, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    client = client_for(student.user)

    own = client.get(reverse("api_academics_student_progress", args=[student.student_id]))
    assert own.status_code == 200
    data = own.json()
    assert [year["credits"] for year in data["years"]][:2] == ["10.0", "10.0"]
    assert data["graduation"] == {"certificate": "not_yet", "credits_missing": "140.0"}
    assert data["supplementary_32"]["must_quit"] is True
    assert data["flags"] == []  # the flags are for staff; the student sees the warnings issued
    other = client.get(reverse("api_academics_student_progress", args=[classmate.student_id]))
    assert other.status_code == 404 and set(other.json()) == {"message", "extra"}


def test_staff_read_the_flags_and_their_decisions_in_the_progress(client_for, student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    decide(student, staff_a)

    data = client_for(staff_a).get(reverse("api_academics_student_progress", args=[student.student_id])).json()

    first_year = f"{student.enrolment_year}-{student.enrolment_year + 1}"
    by_flag = {(flag["flag"], flag["period"]): flag for flag in data["flags"]}
    assert by_flag[("year_below_minimum", first_year)]["decision"]["decision"] == "warning"
    assert [flag["decision"] for key, flag in by_flag.items() if key[0] == "behind_after_two_years"] == [None]
    assert [key[1][-2:] for key in by_flag if key[0] == "credits"] == ["-2"]


def test_a_student_reads_only_the_warnings_issued_to_them(client_for, student, classmate, staff_a, school_a):
    first = two_short_years(student, staff_a, school_a)
    warning = decide(student, staff_a)
    decide(student, staff_a, kind=FlagKind.CREDITS, period=f"{first + 1}-{first + 2}-2",
           outcome=DecisionOutcome.REFERRED, reason="Internal")  # fmt: skip
    client = client_for(student.user)

    listed = client.get(reverse("api_academics_student_warnings", args=[student.student_id])).json()
    assert [row["id"] for row in listed["results"]] == [warning.pk]
    assert client.get(reverse("api_academics_warning", args=[warning.pk])).status_code == 200
    staff_view = client_for(staff_a).get(reverse("api_academics_student_warnings", args=[student.student_id])).json()
    assert staff_view["count"] == 2
    stranger = client_for(classmate.user)
    assert stranger.get(reverse("api_academics_warning", args=[warning.pk])).status_code == 404
    assert stranger.get(reverse("api_academics_student_warnings", args=[student.student_id])).status_code == 404


def test_staff_record_a_decision_once(client_for, student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    client = client_for(staff_a)
    url = reverse("api_academics_flag_decisions")
    body = {**year_flag(student), "decision": "warning", "reason": "Meet your adviser."}

    created = client.post(url, body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["decision"] == "warning" and created.json()["decided_by"] == staff_a.username

    again = client.post(url, {**body, "decision": "no_action"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["extra"]["code"] == "conflict"
    assert AcademicDecision.objects.count() == 1


def test_a_decision_without_a_reason_or_with_an_unknown_outcome_is_refused(client_for, student, staff_a, school_a):
    two_short_years(student, staff_a, school_a)
    client = client_for(staff_a)
    url = reverse("api_academics_flag_decisions")

    blank = client.post(
        url, {**year_flag(student), "decision": "warning", "reason": " "}, content_type="application/json"
    )
    assert blank.status_code == 400 and "reason" in blank.json()["extra"]["fields"]
    unknown = client.post(url, {**year_flag(student), "decision": "expel", "reason": "x"},
                          content_type="application/json")  # fmt: skip
    assert unknown.status_code == 400 and "decision" in unknown.json()["extra"]["fields"]
    assert not AcademicDecision.objects.exists()


def test_students_other_schools_and_other_offices_cannot_decide(client_for, student, staff_a, staff_b,
                                                                finance_staff, school_a):  # fmt: skip
    two_short_years(student, staff_a, school_a)
    url = reverse("api_academics_flag_decisions")
    body = {**year_flag(student), "decision": "warning", "reason": "x"}

    assert client_for(student.user).post(url, body, content_type="application/json").status_code == 404
    assert client_for(staff_b).post(url, body, content_type="application/json").status_code == 404
    assert client_for(finance_staff).post(url, body, content_type="application/json").status_code == 403
    assert not AcademicDecision.objects.exists()


def test_the_flag_list_is_for_staff_and_limited_to_their_school(client_for, student, staff_a, staff_b, school_a):
    two_short_years(student, staff_a, school_a)
    url = reverse("api_academics_flags")

    rows = client_for(staff_a).get(url).json()["results"]
    assert {row["student_id"] for row in rows} == {student.student_id}
    assert client_for(staff_b).get(url).json()["count"] == 0
    assert client_for(student.user).get(url).status_code == 404
    assert client_for(staff_a).get(url, {"school": "nowhere"}).status_code == 404


def test_the_flag_list_makes_the_same_queries_for_two_students_and_ten(client_for, staff_a, school_a,
                                                                      django_assert_max_num_queries):  # fmt: skip
    students = [StudentFactory(school=school_a) for _ in range(10)]
    for one in students[:2]:
        two_short_years(one, staff_a, school_a)
    client = client_for(staff_a)
    url = reverse("api_academics_flags")
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url, {"show": "all"})
    for one in students[2:]:
        two_short_years(one, staff_a, school_a)
        decide(one, staff_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, {"show": "all"})
    assert response.json()["count"] >= 30
