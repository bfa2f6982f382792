"""Examination applications of a student taking another school's course, and applications beside results.

Handbook: People and roles ("school staff: academic affairs of their own school's students only"); Assessment 21
("approval from the college"): Chen (school B) applies in school A's anatomy; school B decides and opens the proof,
school A reads the application without deciding or opening the proof. An approval is refused once a result exists.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from academics import services
from academics.models import ExamApplicationState, ResultMark
from portal.services import ConflictError
from tests.academics.helpers import enrol, enter, upcoming_offering
from tests.factories import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def anatomy(school_a):
    return upcoming_offering(school_a)


@pytest.fixture
def chens_deferral(anatomy, other_school_student):
    enrolment = enrol(anatomy, other_school_student)
    return services.exam_application_submit(
        enrolment=enrolment,
        user=other_school_student.user,
        kind="deferral",
        deferral_reason="hospitalisation",
        proof=upload("hospital.pdf"),
    )


# --- Who decides ----------------------------------------------------------------------------------------------------


def test_the_students_school_decides_not_the_teaching_school(chens_deferral, staff_a, staff_b):
    with pytest.raises(PermissionDenied):
        services.exam_application_approve(application=chens_deferral, actor=staff_a)
    services.exam_application_approve(application=chens_deferral, actor=staff_b)
    chens_deferral.refresh_from_db()
    chens_deferral.proof.refresh_from_db()
    assert chens_deferral.state == ExamApplicationState.APPROVED and chens_deferral.decided_by == staff_b
    assert chens_deferral.proof.state == "approved"


def test_the_students_school_decides_from_the_page_and_opens_the_proof(client_for, chens_deferral, staff_b):
    client = client_for(staff_b)
    queue = client.get(reverse("academics_exam_application_queue"))
    assert chens_deferral in queue.context["page"].object_list
    review = client.get(reverse("academics_exam_application_review", args=[chens_deferral.pk]))
    assert review.status_code == 200 and review.context["form"] is not None
    assert reverse("evidence_file", args=[chens_deferral.proof.pk]) in review.content.decode()
    assert client.get(reverse("evidence_file", args=[chens_deferral.proof.pk])).status_code == 200
    decided = client.post(
        reverse("academics_exam_application_review", args=[chens_deferral.pk]),
        {"decision": "approve", "reason": "", "version": chens_deferral.version},
    )
    assert decided.status_code == 302
    chens_deferral.refresh_from_db()
    assert chens_deferral.state == ExamApplicationState.APPROVED


def test_the_teaching_school_reads_the_application_without_deciding_or_the_proof(client_for, chens_deferral, staff_a):
    client = client_for(staff_a)
    url = reverse("academics_exam_application_review", args=[chens_deferral.pk])
    review = client.get(url)
    assert review.status_code == 200 and review.context["form"] is None
    assert reverse("evidence_file", args=[chens_deferral.proof.pk]) not in review.content.decode()
    assert "school opens it" in review.content.decode()
    assert client.post(url, {"decision": "approve", "reason": "", "version": 1}).status_code == 403
    assert client.get(reverse("evidence_file", args=[chens_deferral.proof.pk])).status_code == 404


def test_through_the_api_the_students_school_decides_and_opens_the_proof(client_for, chens_deferral, staff_a, staff_b):
    detail = reverse("api_academics_exam_application_detail", args=[chens_deferral.pk])
    decide = reverse("api_academics_exam_application_decision", args=[chens_deferral.pk])
    proof_file = reverse("api_evidence_file", args=[chens_deferral.proof.pk])
    # client_for logs the one test client in: first school A, then school B.
    school_a = client_for(staff_a)
    assert school_a.get(detail).json()["proof_id"] == chens_deferral.proof.pk
    assert school_a.get(proof_file).status_code == 404
    refused = school_a.post(decide, {"approve": True, "version": 1}, content_type="application/json")
    assert refused.status_code == 403
    school_b = client_for(staff_b)
    body = school_b.get(detail).json()
    assert school_b.get(proof_file).status_code == 200
    approved = school_b.post(decide, {"approve": True, "version": body["version"]}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"


def test_the_teaching_school_cannot_decide_on_the_proof_from_the_documents_side(chens_deferral, staff_a):
    from portal import permissions as portal_permissions

    assert not portal_permissions.can_review_evidence(staff_a, chens_deferral.proof, within="academics")


# --- Applications beside results -------------------------------------------------------------------------------------


def test_a_deferral_is_not_approved_once_the_examination_has_a_result(chens_deferral, anatomy, staff_a, staff_b):
    # School A entered "absent" over the waiting deferral: approving it now would leave absent (counts 0) beside an
    # approved deferral.
    enter(anatomy, chens_deferral.enrolment.student, "", mark=ResultMark.ABSENT, by=staff_a)
    with pytest.raises(ConflictError, match="already has a result"):
        services.exam_application_approve(application=chens_deferral, actor=staff_b)
    chens_deferral.refresh_from_db()
    chens_deferral.enrolment.refresh_from_db()
    assert chens_deferral.state == ExamApplicationState.PENDING
    assert chens_deferral.enrolment.deferral_approved_at is None
    # Rejecting it stays possible.
    services.exam_application_reject(application=chens_deferral, actor=staff_b, reason="Sat the examination.")


def test_a_drop_is_not_approved_once_the_examination_has_a_result(client_for, anatomy, student, staff_a):
    enrolment = enrol(anatomy, student)
    application = services.exam_application_submit(enrolment=enrolment, user=student.user, kind="drop")
    enter(anatomy, student, "", mark=ResultMark.ABSENT, by=staff_a)
    response = client_for(staff_a).post(
        reverse("academics_exam_application_review", args=[application.pk]),
        {"decision": "approve", "reason": "", "version": application.version},
        follow=True,
    )
    assert "already has a result" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.drop_approved_on is None


def test_the_results_grid_shows_a_waiting_application(client_for, chens_deferral, anatomy, staff_a):
    page = client_for(staff_a).get(reverse("academics_offering_grid", args=[anatomy.pk]))
    assert "Application waiting for a decision: Deferred assessment" in page.content.decode()


def test_the_grid_costs_the_same_queries_with_1_or_10_waiting_applications(
    client_for, anatomy, staff_a, django_assert_max_num_queries
):
    from tests.factories import StudentFactory

    client = client_for(staff_a)
    url = reverse("academics_offering_grid", args=[anatomy.pk])
    students = [StudentFactory(school=anatomy.school) for _ in range(10)]
    for student in students[:1]:
        services.exam_application_submit(enrolment=enrol(anatomy, student), user=student.user, kind="drop")
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    for student in students[1:]:
        services.exam_application_submit(enrolment=enrol(anatomy, student), user=student.user, kind="drop")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "Give up the examination" in client.get(url).content.decode()
