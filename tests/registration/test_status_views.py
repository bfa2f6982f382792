"""Student status pages: applying, the approvers' queue and decisions, emergency leave, the office's decisions,
the timeline."""

import datetime

import pytest
from django.urls import reverse

from portal.models import StudentStatus
from registration import services
from registration.models import StatusChange

pytestmark = pytest.mark.django_db


def apply(client, **data):
    values = {"kind": "leave", "category": "personal", "first_day": "2027-03-01", "last_day": "2027-03-07"}
    values.update(reason="Family matters", **data)
    return client.post(reverse("status_mine"), values)


def test_a_student_applies_for_a_week_of_leave_and_sees_the_route(client_for, student):
    client = client_for(student.user)
    assert apply(client).status_code == 302
    page = client.get(reverse("status_mine")).content.decode()
    assert "adviser" in page and "Waiting for approval" in page


def test_a_sick_leave_without_a_certificate_is_a_field_error(client_for, student):
    response = apply(client_for(student.user), category="sick")
    assert response.status_code == 400 and "hospital certificate" in response.content.decode()
    assert not StatusChange.objects.exists()


def test_a_leave_ending_before_it_starts_is_a_field_error(client_for, student):
    response = apply(client_for(student.user), last_day="2027-02-01")
    assert response.status_code == 400 and "The end cannot be before the start" in response.content.decode()


def test_the_adviser_approves_in_the_queue_and_the_student_is_on_leave(client_for, student, staff_a):
    apply(client_for(student.user))
    change = StatusChange.objects.get()
    client = client_for(staff_a)
    assert f"{student.student_id} {student.name_latin}" in client.get(reverse("status_queue")).content.decode()
    response = client.post(
        reverse("status_decide", args=[change.pk]), {"decision": "approve", "version": change.version}
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.status == StudentStatus.ON_LEAVE


def test_the_international_college_cannot_decide_the_advisers_step(client_for, student, office_staff):
    apply(client_for(student.user))
    change = StatusChange.objects.get()
    response = client_for(office_staff).post(
        reverse("status_decide", args=[change.pk]), {"decision": "approve", "version": change.version}
    )
    assert response.status_code == 403


def test_once_the_school_approved_the_school_cannot_decide_the_next_step(client_for, student, staff_a):
    apply(client_for(student.user), last_day="2027-03-20")
    change = StatusChange.objects.get()
    services.status_decide(change=change, user=staff_a, approve=True)
    response = client_for(staff_a).post(
        reverse("status_decide", args=[change.pk]), {"decision": "approve", "version": change.version}
    )
    assert response.status_code == 403


def test_school_staff_enter_an_emergency_leave(client_for, student, staff_a):
    response = client_for(staff_a).post(
        reverse("status_emergency"),
        {
            "student_id": student.student_id,
            "category": "sick",
            "first_day": "2027-03-01",
            "last_day": "2027-03-03",
            "reason": "Called from the hospital",
        },
    )
    assert response.status_code == 302
    assert StatusChange.objects.get().emergency


def test_staff_of_another_school_cannot_enter_a_leave_for_the_student(client_for, student, staff_b):
    response = client_for(staff_b).post(
        reverse("status_emergency"),
        {
            "student_id": student.student_id,
            "category": "sick",
            "first_day": "2027-03-01",
            "last_day": "2027-03-03",
            "reason": "x",
        },
    )
    assert response.status_code == 400 and not StatusChange.objects.exists()


def test_the_office_records_a_withdrawal_and_is_sent_to_the_notice(client_for, student, office_staff):
    response = client_for(office_staff).post(
        reverse("status_withdrawal"),
        {"student_id": student.student_id, "kind": "withdrawal", "effective_on": "2027-03-01", "reason": "Asked to"},
    )
    assert response.status_code == 302 and "/documents/" in response["Location"]
    student.refresh_from_db()
    assert student.status == StudentStatus.LEFT


def test_the_timeline_shows_every_step(client_for, student, staff_a, office_staff):
    apply(client_for(student.user))
    change = StatusChange.objects.get()
    services.status_decide(change=change, user=staff_a, approve=True)
    page = client_for(office_staff).get(reverse("status_timeline", args=[student.student_id])).content.decode()
    assert "Leave of absence" in page and "adviser approved" in page


def test_the_timeline_of_another_schools_student_is_not_found(client_for, student, staff_b):
    assert client_for(staff_b).get(reverse("status_timeline", args=[student.student_id])).status_code == 404


def test_a_classmate_cannot_add_proof_to_someone_elses_leave(client_for, student, classmate, staff_a):
    change = services.status_apply(
        student=student,
        user=staff_a,
        kind="leave",
        category="sick",
        first_day=datetime.date(2027, 3, 1),
        last_day=datetime.date(2027, 3, 2),
        reason="x",
        emergency=True,
    )
    assert client_for(classmate.user).post(reverse("status_proof", args=[change.pk])).status_code == 404


def test_two_approvers_at_once_the_second_is_told_someone_decided(client_for, student, staff_a, admin_user):
    apply(client_for(student.user))
    change = StatusChange.objects.get()
    stale_version = change.version
    services.status_decide(change=change, user=staff_a, approve=True)
    response = client_for(admin_user).post(
        reverse("status_decide", args=[change.pk]), {"decision": "approve", "version": stale_version}
    )
    # The leave is approved now: nobody may decide it any more (the page no longer offers a decision).
    assert response.status_code == 403
