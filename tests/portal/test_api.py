"""The API: the same visibility as the pages, read-only review fields, one error shape, token authentication."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal import services
from portal.models import Evidence, EvidenceKind, ReviewState
from tests.factories import upload

pytestmark = pytest.mark.django_db


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def submit(student, kind=EvidenceKind.VISA_PAGE):
    return services.evidence_submit(student=student, kind=kind, upload=upload(), uploaded_by=student.user)


def test_student_lists_only_own_student_record(student, classmate):
    data = api_for(student.user).get("/api/students/").json()
    assert [row["student_id"] for row in data["results"]] == [student.student_id]


def test_student_cannot_read_a_classmates_record(student, classmate):
    response = api_for(student.user).get(f"/api/students/{classmate.student_id}/")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}


def test_school_staff_list_only_their_schools_students(staff_a, student, classmate, other_school_student):
    data = api_for(staff_a).get("/api/students/").json()
    assert {row["student_id"] for row in data["results"]} == {student.student_id, classmate.student_id}


def test_school_staff_cannot_read_another_schools_student(staff_a, other_school_student):
    assert api_for(staff_a).get(f"/api/students/{other_school_student.student_id}/").status_code == 404


def test_passport_numbers_are_masked_for_school_staff_and_whole_for_the_office(staff_a, office_staff, student):
    masked = api_for(staff_a).get(f"/api/students/{student.student_id}/").json()["passport_number"]
    whole = api_for(office_staff).get(f"/api/students/{student.student_id}/").json()["passport_number"]
    assert whole == "P12345678"
    assert masked.endswith("678") and "P12345" not in masked


def test_student_uploads_evidence_through_the_api(student):
    response = api_for(student.user).post(
        "/api/evidence/", {"kind": "insurance_proof", "file": upload("policy.pdf")}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "submitted"
    assert Evidence.objects.get().original_name == "policy.pdf"


def test_api_upload_of_a_disguised_file_is_a_400_with_the_reason(student):
    response = api_for(student.user).post(
        "/api/evidence/", {"kind": "insurance_proof", "file": upload("x.pdf", b"MZ\x90\x00rest")}, format="multipart"
    )
    assert response.status_code == 400
    assert "Only PDF, JPEG and PNG" in str(response.json()["extra"]["fields"]["file"])


def test_student_cannot_upload_for_a_classmate(student, classmate):
    response = api_for(student.user).post(
        "/api/evidence/",
        {"kind": "visa_page", "file": upload(), "student_id": classmate.student_id},
        format="multipart",
    )
    assert response.status_code == 404
    assert not Evidence.objects.exists()


def test_student_cannot_read_or_download_a_classmates_evidence(student, classmate):
    evidence = submit(classmate)
    client = api_for(student.user)
    assert client.get(f"/api/evidence/{evidence.pk}/").status_code == 404
    assert client.get(f"/api/evidence/{evidence.pk}/file/").status_code == 404


def test_patch_that_tries_to_approve_your_own_submission_changes_nothing(student):
    evidence = submit(student)
    response = api_for(student.user).patch(f"/api/evidence/{evidence.pk}/", {"state": "approved"}, format="json")
    assert response.status_code == 405
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUBMITTED


def test_student_cannot_use_the_decision_endpoint(student):
    evidence = submit(student)
    response = api_for(student.user).post(f"/api/evidence/{evidence.pk}/decision/", {"decision": "approve"})
    assert response.status_code == 404
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUBMITTED


def test_office_rejects_through_the_api_and_a_second_decision_is_a_conflict(student, office_staff, admin_user):
    evidence = submit(student)
    response = api_for(office_staff).post(
        f"/api/evidence/{evidence.pk}/decision/", {"decision": "reject", "reason": "Blurry"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "rejected"
    again = api_for(admin_user).post(f"/api/evidence/{evidence.pk}/decision/", {"decision": "approve"}, format="json")
    assert again.status_code == 409
    assert "already" in again.json()["message"]


def test_rejecting_through_the_api_without_a_reason_is_a_400(student, office_staff):
    evidence = submit(student)
    response = api_for(office_staff).post(f"/api/evidence/{evidence.pk}/decision/", {"decision": "reject"})
    assert response.status_code == 400
    assert "reason" in response.json()["extra"]["fields"]


def test_anonymous_api_call_is_refused_with_the_error_shape(db):
    response = APIClient().get("/api/students/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"message", "extra"}


def test_student_reads_only_own_notifications(student, classmate, office_staff):
    services.evidence_approve(evidence=submit(classmate), reviewer=office_staff)
    assert api_for(student.user).get("/api/notifications/").json()["count"] == 0
    assert api_for(classmate.user).get("/api/notifications/").json()["count"] == 1


def test_openapi_schema_is_served_to_signed_in_users(student):
    response = api_for(student.user).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/evidence/" in response.content


def test_student_list_api_query_count_does_not_grow(office_staff, school_a, django_assert_max_num_queries):
    from tests.factories import StudentFactory

    client = api_for(office_staff)
    StudentFactory.create_batch(3, school=school_a)
    with django_assert_max_num_queries(8):
        assert client.get("/api/students/").json()["count"] == 3
    StudentFactory.create_batch(30, school=school_a)
    with django_assert_max_num_queries(8):
        assert client.get("/api/students/").json()["count"] == 33


def test_an_api_address_that_matches_no_route_is_a_404_in_the_error_shape(student):
    # A negative id is a valid integer for the schema, but <int:pk> does not match it: no view runs at all.
    response = api_for(student.user).get("/api/evidence/-1/")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}
