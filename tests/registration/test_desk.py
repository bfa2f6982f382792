"""The onsite check-in desk: look the student up, check the documents, stamp (NOTICE; Academic Rules 10; Fees 1.2)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry, Funding, Notification
from portal.services import ConflictError
from registration import services
from registration.models import LeaveState, RegistrationLeave, SemesterRegistration
from tests.factories import SemesterFactory
from tests.fees.helpers import bill, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def semester(today):
    # The registration day was yesterday: the desk is open, and the two weeks are running.
    return SemesterFactory(
        code="2026-2027-2",
        registration_day=today - timedelta(days=1),
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=120),
    )


@pytest.fixture
def paid_student(student, finance_staff):
    bill(student, "26000.00", by=finance_staff)
    pay(student, "26000.00", by=finance_staff)
    return student


def register(student, semester, staff, **kwargs):
    kwargs.setdefault("documents_checked", True)
    return services.semester_register_at_desk(student=student, semester=semester, staff=staff, **kwargs)


def test_a_student_who_paid_is_registered_with_what_the_desk_checked(paid_student, semester, office_staff, today):
    registration = register(paid_student, semester, office_staff, today=semester.registration_day)

    assert registration.registered_by == office_staff
    assert not registration.late_without_leave
    assert paid_student.passport_number in registration.checked["Passport"]
    assert AuditEntry.objects.filter(action="registration.registered_at_desk", student=paid_student).exists()
    assert Notification.objects.filter(user=paid_student.user, subject__contains="registered").exists()


def test_unpaid_tuition_keeps_the_student_from_being_registered_and_says_why(
    student, semester, finance_staff, office_staff
):
    bill(student, "26000.00", by=finance_staff)
    pay(student, "10000.00", by=finance_staff)

    with pytest.raises(ValidationError) as error:
        register(student, semester, office_staff)

    assert "Tuition is not paid" in error.value.messages[0]
    assert not SemesterRegistration.objects.exists()


def test_a_government_scholarship_student_needs_no_payment(student, semester, office_staff):
    student.funding = Funding.CSC
    student.save(update_fields=["funding"])

    assert register(student, semester, office_staff).pk


def test_the_desk_does_not_register_before_the_registration_day(paid_student, semester, office_staff):
    with pytest.raises(ValidationError) as error:
        register(paid_student, semester, office_staff, today=semester.registration_day - timedelta(days=1))
    assert str(semester.registration_day) in error.value.messages[0]


def test_day_14_is_still_in_time_but_late_without_leave(paid_student, semester, office_staff):
    registration = register(paid_student, semester, office_staff, today=semester.registration_day + timedelta(days=14))
    assert registration.late_without_leave


def test_day_15_without_leave_is_too_late_for_the_desk(paid_student, semester, office_staff):
    with pytest.raises(ValidationError) as error:
        register(paid_student, semester, office_staff, today=semester.registration_day + timedelta(days=15))
    assert "two-week list" in error.value.messages[0]


def test_approved_leave_lets_the_student_register_after_the_two_weeks(paid_student, semester, office_staff):
    leave = RegistrationLeave.objects.create(
        student=paid_student,
        semester=semester,
        reason="Visa delayed",
        expected_on=semester.registration_day + timedelta(days=20),
        state=LeaveState.APPROVED,
        approved_until=semester.registration_day + timedelta(days=20),
    )

    registration = register(paid_student, semester, office_staff, today=semester.registration_day + timedelta(days=18))

    assert (registration.leave, registration.late_without_leave) == (leave, False)


def test_a_second_stamp_says_who_gave_the_first(paid_student, semester, office_staff, admin_user):
    register(paid_student, semester, office_staff)

    with pytest.raises(ConflictError) as error:
        register(paid_student, semester, admin_user)

    assert office_staff.display_name() in str(error.value)
    assert SemesterRegistration.objects.count() == 1


def test_the_documents_must_be_checked_before_the_stamp(paid_student, semester, office_staff):
    with pytest.raises(ValidationError) as error:
        register(paid_student, semester, office_staff, documents_checked=False)
    assert "documents_checked" in error.value.message_dict


@pytest.mark.parametrize("persona", ["staff_a", "finance_staff", "dormitory_staff"])
def test_only_the_international_college_stamps(paid_student, semester, persona, request):
    with pytest.raises(PermissionDenied):
        register(paid_student, semester, request.getfixturevalue(persona))


def test_a_student_who_left_cannot_be_registered(paid_student, semester, office_staff):
    paid_student.status = "left"
    paid_student.left_on = semester.registration_day - timedelta(days=30)
    paid_student.save(update_fields=["status", "left_on"])

    with pytest.raises(ValidationError) as error:
        register(paid_student, semester, office_staff)
    assert "left the university" in error.value.messages[0]


# The desk page


def test_the_desk_shows_the_approved_data_and_the_tuition_status(paid_student, semester, office_staff, client_for):
    response = client_for(office_staff).get(reverse("registration_desk"), {"student_id": paid_student.student_id})

    page = response.content.decode()
    assert response.status_code == 200
    assert paid_student.passport_number in page
    assert "Tuition for the 2026-2027 academic year is paid." in page
    assert "Mark registered" in page


def test_the_desk_says_why_a_student_cannot_be_registered(student, semester, office_staff, client_for):
    page = client_for(office_staff).get(reverse("registration_desk"), {"student_id": student.student_id})

    assert "Cannot be registered:" in page.content.decode()
    assert "Mark registered" not in page.content.decode()


def test_an_unknown_student_id_is_reported_on_the_lookup(semester, office_staff, client_for):
    response = client_for(office_staff).get(reverse("registration_desk"), {"student_id": "1999999999"})

    assert response.status_code == 404
    assert "No student has the ID 1999999999." in response.content.decode()


def test_marking_registered_goes_back_to_an_empty_lookup(paid_student, semester, office_staff, client_for):
    response = client_for(office_staff).post(
        reverse("registration_desk_register"), {"student_id": paid_student.student_id, "documents_checked": "on"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("registration_desk")
    assert SemesterRegistration.objects.filter(student=paid_student, semester=semester).exists()


def test_an_unticked_check_is_shown_on_the_form(paid_student, semester, office_staff, client_for):
    response = client_for(office_staff).post(
        reverse("registration_desk_register"), {"student_id": paid_student.student_id}
    )

    assert response.status_code == 400
    assert "Check the passport and residence permit" in response.content.decode()
    assert not SemesterRegistration.objects.exists()


def test_school_staff_cannot_open_the_desk(semester, staff_a, client_for):
    assert client_for(staff_a).get(reverse("registration_desk")).status_code == 403


def test_the_desk_page_query_count_does_not_grow_with_the_day(
    paid_student, semester, office_staff, client_for, django_assert_max_num_queries
):
    from tests.factories import StudentFactory

    for other in StudentFactory.create_batch(12, school=paid_student.school):
        SemesterRegistration.objects.create(student=other, semester=semester, registered_by=office_staff)
    client = client_for(office_staff)
    with django_assert_max_num_queries(30):
        client.get(reverse("registration_desk"), {"student_id": paid_student.student_id})


def test_a_suspended_student_is_sent_to_resumption_not_stamped(paid_student, semester, office_staff):
    paid_student.status = "suspended"
    paid_student.save(update_fields=["status"])

    with pytest.raises(ValidationError) as error:
        register(paid_student, semester, office_staff)
    assert "suspended" in error.value.messages[0]


def test_only_an_approved_passport_photo_page_is_shown(paid_student, semester, office_staff):
    from portal import services as portal_services
    from tests.factories import png_bytes, upload

    photo = portal_services.evidence_submit(
        student=paid_student,
        kind="passport_page",
        upload=upload("passport.png", png_bytes(), "image/png"),
        uploaded_by=paid_student.user,
    )
    assert services.desk_view(student=paid_student, semester=semester, user=office_staff).photo is None

    portal_services.evidence_approve(evidence=photo, reviewer=office_staff)

    assert services.desk_view(student=paid_student, semester=semester, user=office_staff).photo == photo


def test_a_student_the_office_kept_on_the_list_can_still_be_registered(paid_student, semester, office_staff):
    from registration.models import ListingKind, ListingOutcome, TwoWeekListing

    TwoWeekListing.objects.create(
        student=paid_student,
        semester=semester,
        kind=ListingKind.TO_BE_WITHDRAWN,
        registration_day=semester.registration_day,
        last_day_to_register=semester.registration_day + timedelta(days=14),
        listed_on=semester.registration_day + timedelta(days=15),
        outcome=ListingOutcome.KEPT,
        decision_reason="Hospitalised; certificate seen.",
    )

    registration = register(paid_student, semester, office_staff, today=semester.registration_day + timedelta(days=16))

    assert registration.late_without_leave


def test_the_desk_serves_the_semester_whose_registration_is_running_or_next(db):
    from datetime import date

    spring = SemesterFactory(code="2025-2026-2", registration_day=date(2026, 2, 20))
    autumn = SemesterFactory(code="2026-2027-1", registration_day=date(2026, 9, 5))

    assert services.desk_semester(today=date(2026, 3, 6)) == spring  # day 14 of spring
    assert services.desk_semester(today=date(2026, 6, 1)) == autumn  # long after spring: the next one
    assert services.desk_semester(today=date(2026, 9, 20)) == autumn
    assert services.desk_semester(today=date(2027, 1, 20)) == autumn  # nothing next: the last one
