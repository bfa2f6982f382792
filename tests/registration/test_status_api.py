"""The student status API: applying, reading one's own applications, deciding a step (404 / 403 / 409)."""

import pytest
from django.urls import reverse

from registration.models import StatusChange

pytestmark = pytest.mark.django_db

LEAVE = {"kind": "leave", "category": "personal", "first_day": "2027-03-01", "last_day": "2027-03-31", "reason": "x"}


def test_a_student_applies_and_reads_the_route(client_for, student):
    client = client_for(student.user)
    response = client.post(reverse("api_status_mine"), LEAVE, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["route"] == ["school", "international_college"]
    assert [c["id"] for c in client.get(reverse("api_status_mine")).json()] == [response.json()["id"]]


def test_a_sick_leave_without_proof_is_a_400_with_the_field(client_for, student):
    response = client_for(student.user).post(
        reverse("api_status_mine"), {**LEAVE, "category": "sick"}, content_type="application/json"
    )
    assert response.status_code == 400 and "proof" in response.json()["extra"]["fields"]


def test_a_classmate_sees_only_their_own_applications(client_for, student, classmate):
    client_for(student.user).post(reverse("api_status_mine"), LEAVE, content_type="application/json")
    assert client_for(classmate.user).get(reverse("api_status_mine")).json() == []


def test_the_school_decides_its_step_and_the_college_the_next(client_for, student, staff_a, office_staff):
    client_for(student.user).post(reverse("api_status_mine"), LEAVE, content_type="application/json")
    change = StatusChange.objects.get()
    url = reverse("api_status_decision", args=[change.pk])
    refused = client_for(office_staff).post(url, {"approve": True, "version": 1}, content_type="application/json")
    assert refused.status_code == 403
    school = client_for(staff_a).post(url, {"approve": True, "version": 1}, content_type="application/json")
    assert school.status_code == 200 and school.json()["current_step"] == "international_college"
    stale = client_for(office_staff).post(url, {"approve": True, "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    done = client_for(office_staff).post(url, {"approve": True, "version": 2}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "approved"


def test_an_approver_of_another_school_gets_404(client_for, student, staff_b):
    client_for(student.user).post(reverse("api_status_mine"), LEAVE, content_type="application/json")
    change = StatusChange.objects.get()
    response = client_for(staff_b).post(
        reverse("api_status_decision", args=[change.pk]),
        {"approve": True, "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 404
