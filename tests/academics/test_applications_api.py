"""The examination applications API: a student applies (multipart with the proof), lists and withdraws their own;
the school that teaches the course lists and decides; everyone else gets 404 or 403; a stale decision is a 409."""

import pytest
from django.urls import reverse
from django.utils import timezone

from academics import services
from academics.models import ExamApplication, ExamApplicationState
from tests.academics.helpers import enrol, upcoming_offering
from tests.factories import StudentFactory, upload

pytestmark = pytest.mark.django_db

LIST = "api_academics_exam_applications"


@pytest.fixture
def anatomy(school_a):
    return upcoming_offering(school_a)


@pytest.fixture
def enrolment(anatomy, student):
    return enrol(anatomy, student)


@pytest.fixture
def application(enrolment, student):
    return services.exam_application_submit(enrolment=enrolment, user=student.user, kind="drop")


def test_a_student_applies_for_a_deferral_with_the_proof(client_for, student, enrolment):
    response = client_for(student.user).post(
        reverse(LIST),
        {
            "enrolment_id": enrolment.pk,
            "kind": "deferral",
            "deferral_reason": "representing_university",
            "statement": "Debate final in Beijing",
            "proof": upload("organiser.pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "pending" and body["has_proof"] is True and body["course_code"] == "MED101"
    assert ExamApplication.objects.get().proof.reviewed_in == "academics"


def test_a_deferral_without_proof_is_a_400_naming_the_field(client_for, student, enrolment):
    response = client_for(student.user).post(
        reverse(LIST),
        {"enrolment_id": enrolment.pk, "kind": "deferral", "deferral_reason": "hospitalisation"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "proof" in response.json()["extra"]["fields"]


def test_a_student_cannot_apply_for_a_classmates_exam(client_for, classmate, enrolment):
    response = client_for(classmate.user).post(
        reverse(LIST), {"enrolment_id": enrolment.pk, "kind": "drop"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_a_second_open_application_is_a_409(client_for, student, enrolment, application):
    response = client_for(student.user).post(
        reverse(LIST), {"enrolment_id": enrolment.pk, "kind": "drop"}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["extra"]["code"] == "conflict"


def test_each_sees_only_what_is_theirs(client_for, student, classmate, staff_a, staff_b, finance_staff, application):
    assert [row["id"] for row in client_for(student.user).get(reverse(LIST)).json()["results"]] == [application.pk]
    assert client_for(classmate.user).get(reverse(LIST)).json()["count"] == 0
    assert [row["id"] for row in client_for(staff_a).get(reverse(LIST)).json()["results"]] == [application.pk]
    assert client_for(staff_b).get(reverse(LIST)).json()["count"] == 0
    assert client_for(finance_staff).get(reverse(LIST)).status_code == 403
    detail = reverse("api_academics_exam_application_detail", args=[application.pk])
    assert client_for(student.user).get(detail).json()["events"][0]["to_state"] == "pending"
    assert client_for(classmate.user).get(detail).status_code == 404
    assert client_for(staff_b).get(detail).status_code == 404


def test_the_student_withdraws_and_nobody_else_can(client_for, student, classmate, staff_a, application):
    url = reverse("api_academics_exam_application_withdraw", args=[application.pk])
    assert client_for(classmate.user).post(url, {}, content_type="application/json").status_code == 404
    assert client_for(staff_a).post(url, {}, content_type="application/json").status_code == 404
    response = client_for(student.user).post(url, {"version": application.version}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    again = client_for(student.user).post(url, {}, content_type="application/json")
    assert again.status_code == 409


def test_the_school_decides_and_a_stale_second_decision_is_a_409(client_for, student, staff_a, admin_user,
                                                                  application):  # fmt: skip
    url = reverse("api_academics_exam_application_decision", args=[application.pk])
    decision = {"approve": True, "reason": "", "version": application.version}
    response = client_for(staff_a).post(url, decision, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    application.enrolment.refresh_from_db()
    assert application.enrolment.drop_approved_on == timezone.localdate()
    refusal = decision | {"approve": False, "reason": "No"}
    late = client_for(admin_user).post(url, refusal, content_type="application/json")
    assert late.status_code == 409 and "already approved" in late.json()["message"]


def test_a_rejection_needs_a_reason(client_for, staff_a, application):
    url = reverse("api_academics_exam_application_decision", args=[application.pk])
    response = client_for(staff_a).post(
        url, {"approve": False, "version": application.version}, content_type="application/json"
    )
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.state == ExamApplicationState.PENDING


def test_others_cannot_decide(client_for, student, staff_b, office_staff, finance_staff, application):
    url = reverse("api_academics_exam_application_decision", args=[application.pk])
    decision = {"approve": True, "version": application.version}
    assert client_for(student.user).post(url, decision, content_type="application/json").status_code == 404
    assert client_for(staff_b).post(url, decision, content_type="application/json").status_code == 404
    assert client_for(office_staff).post(url, decision, content_type="application/json").status_code == 403
    assert client_for(finance_staff).post(url, decision, content_type="application/json").status_code == 403
    application.refresh_from_db()
    assert application.state == ExamApplicationState.PENDING


def test_the_staff_list_costs_the_same_queries_for_2_or_20(client_for, staff_a, anatomy, school_a,
                                                            django_assert_max_num_queries):  # fmt: skip
    def apply(count):
        for _ in range(count):
            someone = StudentFactory(school=school_a)
            services.exam_application_submit(enrolment=enrol(anatomy, someone), user=someone.user, kind="drop")

    client = client_for(staff_a)
    apply(2)
    client.get(reverse(LIST))
    with django_assert_max_num_queries(10) as few:
        assert client.get(reverse(LIST)).json()["count"] == 2
    apply(18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(LIST)).json()["count"] == 20
