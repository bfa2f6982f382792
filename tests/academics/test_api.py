"""The academics API: a student reads only their own results and GPA and asks only for their own transcript;
school staff read their school's; other offices nothing; GPA matches the handbook; query counts stay flat."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import GeneratedDocument
from tests.academics.helpers import calendar, enter, offering
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db
ASSESSED = datetime.date(2026, 1, 10)


@pytest.fixture
def results(student, other_school_student, staff_a, staff_b, school_a, school_b):
    autumn, _ = calendar()
    enter(offering(school_a, autumn, "MED101", credits="4", assessed_on=ASSESSED), student, "86", by=staff_a)
    enter(offering(school_a, autumn, "MED120", credits="2", scale="letter", assessed_on=ASSESSED), student, "B+",
          by=staff_a)  # fmt: skip
    enter(offering(school_b, autumn, "ECO101", credits="3", assessed_on=ASSESSED), other_school_student, "90",
          by=staff_b)  # fmt: skip
    return autumn


def ids(response):
    return sorted({row["student_id"] for row in response.json()["results"]})


def test_a_student_lists_only_their_own_results(client_for, student, other_school_student, results):
    response = client_for(student.user).get(reverse("api_academics_results"), {"student_id": "2026000003"})
    assert response.status_code == 200 and response.json()["count"] == 0
    response = client_for(student.user).get(reverse("api_academics_results"))
    assert ids(response) == [student.student_id]
    row = next(r for r in response.json()["results"] if r["course_code"] == "MED101")
    assert (row["result"], row["grade_value"], row["credits"], row["semester"]) == ("86", "4.2", "4.0", "2025-2026-1")


def test_school_staff_list_their_school_and_the_office_every_school(client_for, staff_a, office_staff, results):
    assert ids(client_for(staff_a).get(reverse("api_academics_results"))) == ["2026000001"]
    assert ids(client_for(office_staff).get(reverse("api_academics_results"))) == ["2026000001", "2026000003"]


def test_finance_sees_no_results(client_for, finance_staff, results):
    assert client_for(finance_staff).get(reverse("api_academics_results")).json()["count"] == 0


def test_the_gpa_endpoint_gives_term_and_cumulative_gpa_from_the_handbook(client_for, student, results):
    response = client_for(student.user).get(reverse("api_academics_student_gpa", args=[student.student_id]))
    assert response.status_code == 200
    data = response.json()
    assert Decimal(data["gpa"]) == (Decimal("24.4") / 6).quantize(Decimal("0.0001"))
    assert Decimal(data["study_abroad_gpa"]) == (Decimal("23.6") / 6).quantize(Decimal("0.0001"))
    assert data["terms"][0]["semester"] == "2025-2026-1" and data["credits_earned"] == "6.0"


@pytest.mark.parametrize("who", ["classmate", "staff_b", "finance_staff"])
def test_others_do_not_find_a_students_gpa(client_for, student, results, who, request):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    response = client_for(user).get(reverse("api_academics_student_gpa", args=[student.student_id]))
    assert response.status_code == 404 and "message" in response.json()


def test_results_are_read_only_for_students(client_for, student, results):
    response = client_for(student.user).post(reverse("api_academics_results"), {"result": "100"})
    assert response.status_code == 405


def test_a_student_asks_for_their_own_transcript_and_not_a_classmates(client_for, student, classmate):
    client = client_for(student.user)
    response = client.post(
        reverse("api_academics_transcripts"), {"study_abroad": True}, content_type="application/json"
    )
    assert response.status_code == 202
    document = GeneratedDocument.objects.get(pk=response.json()["document_id"])
    assert document.parameters == {"student_id": student.student_id, "official": False, "study_abroad": True}
    response = client.post(
        reverse("api_academics_transcripts"), {"student_id": classmate.student_id}, content_type="application/json"
    )
    assert response.status_code == 404


def test_school_staff_ask_for_official_transcripts_of_their_school_only(client_for, student, other_school_student,
                                                                       staff_a):  # fmt: skip
    client = client_for(staff_a)
    url = reverse("api_academics_transcripts")
    response = client.post(url, {"student_id": student.student_id}, content_type="application/json")
    assert response.status_code == 202
    assert GeneratedDocument.objects.get().parameters["official"] is True
    response = client.post(url, {"student_id": other_school_student.student_id}, content_type="application/json")
    assert response.status_code == 404


def test_the_results_list_costs_the_same_queries_for_few_or_many_results(client_for, office_staff, school_a, staff_a):
    autumn, _ = calendar()
    course = offering(school_a, autumn, "MED101", assessed_on=ASSESSED)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client_for(office_staff).get(reverse("api_academics_results")).status_code == 200
        return len(captured)

    queries()
    for _ in range(2):
        enter(course, StudentFactory(school=school_a), "70", by=staff_a)
    few = queries()
    for _ in range(10):
        enter(course, StudentFactory(school=school_a), "70", by=staff_a)
    assert queries() == few
