"""Deferred registration pages: the student's leave of registration, the office's leave queue and the two-week
list, with who may open what."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import EvidenceKind, StudentStatus
from registration import services
from registration.models import LeaveState, ListingKind, ListingOutcome, RegistrationLeave, SemesterRegistration
from tests.factories import SchoolFactory, SemesterFactory, StudentFactory, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def semester(today):
    """Registration is a week away: leave can be asked for."""
    return SemesterFactory(
        code="2026-2027-3",
        starts_on=today - timedelta(days=5),
        ends_on=today + timedelta(days=120),
        registration_day=today + timedelta(days=7),
    )


@pytest.fixture
def past_semester(today):
    """Registration was 20 days ago: the two weeks are over and the list is due."""
    return SemesterFactory(
        code="2026-2027-4",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=90),
        registration_day=today - timedelta(days=20),
    )


def apply(student, semester, **overrides):
    data = {"reason": "My visa is delayed.", "expected_on": semester.registration_day + timedelta(days=5)} | overrides
    return services.registration_leave_apply(student=student, semester=semester, user=student.user, **data)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def register(student, semester, by, days_ago=0):
    at = timezone.now() - timedelta(days=days_ago)
    return SemesterRegistration.objects.create(student=student, semester=semester, registered_at=at, registered_by=by)


LEAVE = "registration_leave"


# --- The student's page -----------------------------------------------------------------------------------------


def test_the_registration_overview_links_to_leave_of_registration(client_for, student, semester):
    response = client_for(student.user).get(reverse("registration_overview"))
    assert reverse(LEAVE) in response.content.decode()


def test_the_leave_page_shows_the_dates_and_the_form(client_for, student, semester):
    response = client_for(student.user).get(reverse(LEAVE))
    page = response.content.decode()
    assert response.status_code == 200
    assert semester.registration_day.isoformat() in page
    assert (semester.registration_day + timedelta(days=14)).isoformat() in page
    assert response.context["form"] is not None


def test_a_student_applies_with_proof_and_sees_the_application_waiting(client_for, student, semester):
    client = client_for(student.user)
    expected = semester.registration_day + timedelta(days=4)
    response = client.post(
        reverse(LEAVE),
        {"reason": "Flight cancelled", "expected_on": expected.isoformat(), "proof": upload("ticket.pdf")},
    )
    assert response.status_code == 302
    leave = RegistrationLeave.objects.get(student=student)
    assert (leave.state, leave.expected_on, leave.proof.kind) == (
        LeaveState.PENDING,
        expected,
        EvidenceKind.LEAVE_PROOF,
    )
    page = client.get(reverse(LEAVE))
    assert "Waiting for a decision" in page.content.decode() and page.context["form"] is None


def test_an_expected_date_before_the_registration_day_is_refused_with_the_reason_and_the_typing_kept(
    client_for, student, semester
):
    response = client_for(student.user).post(
        reverse(LEAVE), {"reason": "Flight cancelled", "expected_on": semester.registration_day.isoformat()}
    )
    assert response.status_code == 400
    assert "after the registration day" in " ".join(response.context["form"].errors["expected_on"])
    assert "Flight cancelled" in response.content.decode()
    assert not RegistrationLeave.objects.exists()


def test_a_proof_of_the_wrong_type_is_refused_with_400(client_for, student, semester):
    response = client_for(student.user).post(
        reverse(LEAVE),
        {
            "reason": "Ill",
            "expected_on": (semester.registration_day + timedelta(days=3)).isoformat(),
            "proof": upload("virus.exe", content=b"MZ\x90\x00", content_type="application/octet-stream"),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["proof"]
    assert not RegistrationLeave.objects.exists()


def test_a_second_application_while_one_is_open_is_refused(client_for, student, semester):
    apply(student, semester)
    response = client_for(student.user).post(
        reverse(LEAVE), {"reason": "Again", "expected_on": (semester.registration_day + timedelta(days=2)).isoformat()}
    )
    assert response.status_code == 302
    assert RegistrationLeave.objects.count() == 1
    assert any("cannot apply" in m for m in messages_of(response))


def test_the_student_reads_the_reason_of_a_refusal(client_for, student, semester, office_staff):
    services.registration_leave_reject(leave=apply(student, semester), reviewer=office_staff, reason="No visa letter")
    response = client_for(student.user).get(reverse(LEAVE))
    assert "No visa letter" in response.content.decode()


def test_approved_leave_shows_the_later_last_day(client_for, student, semester, office_staff):
    until = semester.registration_day + timedelta(days=20)
    services.registration_leave_approve(leave=apply(student, semester, expected_on=until), reviewer=office_staff)
    response = client_for(student.user).get(reverse(LEAVE))
    assert response.context["last_day"] == until


def test_the_student_opens_their_application_and_its_history(client_for, student, semester):
    leave = apply(student, semester)
    response = client_for(student.user).get(reverse("registration_leave_detail", args=[leave.pk]))
    assert response.status_code == 200 and "My visa is delayed." in response.content.decode()


def test_a_student_cannot_see_a_classmates_application(client_for, student, classmate, semester):
    leave = apply(classmate, semester)
    assert client_for(student.user).get(reverse("registration_leave_detail", args=[leave.pk])).status_code == 404


def test_the_student_cancels_a_waiting_application(client_for, student, semester):
    leave = apply(student, semester)
    response = client_for(student.user).post(
        reverse("registration_leave_cancel", args=[leave.pk]), {"version": leave.version}
    )
    leave.refresh_from_db()
    assert (response.status_code, leave.state) == (302, LeaveState.CANCELLED)


def test_a_student_cannot_cancel_a_classmates_application(client_for, student, classmate, semester):
    leave = apply(classmate, semester)
    response = client_for(student.user).post(reverse("registration_leave_cancel", args=[leave.pk]))
    leave.refresh_from_db()
    assert (response.status_code, leave.state) == (404, LeaveState.PENDING)


def test_after_the_last_day_the_page_says_leave_can_no_longer_be_asked_for(client_for, student, past_semester):
    response = client_for(student.user).get(reverse(LEAVE))
    assert response.context["form"] is None
    assert "can no longer be applied for" in response.content.decode()


def test_staff_get_404_on_the_students_leave_page(client_for, office_staff, semester):
    assert client_for(office_staff).get(reverse(LEAVE)).status_code == 404


# --- The office's leave queue -----------------------------------------------------------------------------------


def test_office_staff_see_waiting_applications_with_the_dates(
    client_for, student, other_school_student, semester, office_staff
):
    amina, chen = apply(student, semester), apply(other_school_student, semester)
    services.registration_leave_reject(leave=chen, reviewer=office_staff, reason="No")
    response = client_for(office_staff).get(reverse("registration_leave_queue"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [amina]
    assert amina.expected_on.isoformat() in response.content.decode()


def test_the_leave_queue_filters_by_school_and_state(
    client_for, student, other_school_student, semester, office_staff, school_b
):
    apply(student, semester)
    chen = apply(other_school_student, semester)
    client = client_for(office_staff)
    assert list(client.get(reverse("registration_leave_queue"), {"school": school_b.pk}).context["page"]) == [chen]
    services.registration_leave_approve(leave=chen, reviewer=office_staff)
    approved = client.get(reverse("registration_leave_queue"), {"state": LeaveState.APPROVED})
    assert list(approved.context["page"]) == [chen]


@pytest.mark.parametrize("persona", ["staff_a", "finance_staff", "dormitory_staff"])
def test_staff_who_do_not_review_registration_get_403_on_the_leave_pages(
    client_for, student, semester, persona, request
):
    leave = apply(student, semester)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("registration_leave_queue")).status_code == 403
    assert client.get(reverse("registration_leave_review", args=[leave.pk])).status_code == 403
    assert (
        client.post(reverse("registration_leave_review", args=[leave.pk]), {"decision": "approve"}).status_code == 403
    )
    leave.refresh_from_db()
    assert leave.state == LeaveState.PENDING


def test_a_student_gets_404_on_the_office_pages(client_for, student, semester):
    leave = apply(student, semester)
    client = client_for(student.user)
    assert client.get(reverse("registration_leave_queue")).status_code == 404
    assert client.get(reverse("registration_leave_review", args=[leave.pk])).status_code == 404


def test_the_leave_queue_takes_the_same_queries_for_3_and_for_30_applications(
    client_for, semester, office_staff, school_a
):
    client = client_for(office_staff)

    def queries_for(n):
        for student in StudentFactory.create_batch(n, school=school_a):
            apply(student, semester, proof=upload("p.pdf"))
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("registration_leave_queue"))
        assert response.status_code == 200
        return len(context.captured_queries)

    assert queries_for(3) == queries_for(27)


# --- Deciding on an application ---------------------------------------------------------------------------------


def review(client, leave, **data):
    return client.post(
        reverse("registration_leave_review", args=[leave.pk]), {"version": leave.version, "reason": ""} | data
    )


def test_office_staff_approve_a_shorter_leave_than_asked(client_for, student, semester, office_staff):
    leave = apply(student, semester)
    until = semester.registration_day + timedelta(days=2)
    response = review(client_for(office_staff), leave, decision="approve", approved_until=until.isoformat())
    leave.refresh_from_db()
    assert response.status_code == 302
    assert (leave.state, leave.approved_until) == (LeaveState.APPROVED, until)


def test_rejecting_without_a_reason_is_refused_with_400(client_for, student, semester, office_staff):
    leave = apply(student, semester)
    response = review(client_for(office_staff), leave, decision="reject")
    leave.refresh_from_db()
    assert (response.status_code, leave.state) == (400, LeaveState.PENDING)
    assert response.context["form"].errors["reason"]


def test_approving_a_longer_leave_than_asked_is_refused_with_the_reason(client_for, student, semester, office_staff):
    leave = apply(student, semester)
    too_long = leave.expected_on + timedelta(days=1)
    response = review(client_for(office_staff), leave, decision="approve", approved_until=too_long.isoformat())
    assert response.status_code == 400
    assert "longer than the student asked" in " ".join(response.context["form"].errors["approved_until"])


def test_a_second_reviewer_with_a_stale_page_is_told_who_decided(
    client_for, student, semester, office_staff, admin_user
):
    leave = apply(student, semester)
    services.registration_leave_approve(leave=leave, reviewer=office_staff)
    response = review(client_for(admin_user), leave, decision="reject", reason="Too late")
    leave.refresh_from_db()
    assert response.status_code == 302 and leave.state == LeaveState.APPROVED
    assert any("Olga" in m for m in messages_of(response))


def test_the_review_page_of_a_missing_application_is_404(client_for, office_staff):
    assert client_for(office_staff).get(reverse("registration_leave_review", args=[999999])).status_code == 404


# --- The two-week list ------------------------------------------------------------------------------------------


@pytest.fixture
def listed(student, other_school_student, past_semester, today):
    """Amina (medicine, current student) and Chen (economics, new this year) are on the list."""
    other_school_student.enrolment_year = 2026
    other_school_student.save(update_fields=["enrolment_year"])
    services.two_week_list_refresh(semester=past_semester, today=today)
    return {listing.student_id: listing for listing in past_semester.two_week_listings.all()}


def test_the_two_week_list_shows_both_lists_with_the_dates_that_put_them_there(
    client_for, listed, student, past_semester, office_staff
):
    response = client_for(office_staff).get(reverse("registration_two_week_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert {row.kind for row in response.context["page"]} == {
        ListingKind.TO_BE_WITHDRAWN,
        ListingKind.ADMISSION_FORFEITED,
    }
    assert "To be withdrawn" in page and "Admission forfeited" in page
    registration_day = past_semester.registration_day
    for date in (registration_day, registration_day + timedelta(days=14), registration_day + timedelta(days=15)):
        assert date.isoformat() in page


def test_the_two_week_list_filters_by_school_and_kind(
    client_for, listed, student, other_school_student, office_staff, school_b
):
    client = client_for(office_staff)
    by_school = client.get(reverse("registration_two_week_list"), {"school": school_b.pk, "outcome": "open"})
    assert [row.student for row in by_school.context["page"]] == [other_school_student]
    by_kind = client.get(reverse("registration_two_week_list"), {"kind": ListingKind.TO_BE_WITHDRAWN, "outcome": ""})
    assert [row.student for row in by_kind.context["page"]] == [student]


def test_a_student_registered_after_listing_is_shown_for_staff_to_close(
    client_for, listed, student, past_semester, office_staff
):
    register(student, past_semester, office_staff)
    response = client_for(office_staff).get(reverse("registration_two_week_list"))
    assert "Registered after listing" in response.content.decode()


def test_the_list_shows_the_leave_of_a_listed_student(client_for, listed, student, past_semester, office_staff):
    RegistrationLeave.objects.create(
        student=student,
        semester=past_semester,
        reason="Ill",
        expected_on=past_semester.registration_day + timedelta(days=3),
        state=LeaveState.REJECTED,
        decision_reason="No certificate",
    )
    response = client_for(office_staff).get(reverse("registration_two_week_list"))
    assert "Refused" in response.content.decode()


def test_the_two_week_list_takes_the_same_queries_for_3_and_for_30_students(
    client_for, past_semester, office_staff, today
):
    client = client_for(office_staff)

    def queries_for(n):
        for i in range(n):
            StudentFactory(school=SchoolFactory(code=f"s{n}-{i % 3}"))
        services.two_week_list_refresh(semester=past_semester, today=today)
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("registration_two_week_list"))
        assert response.status_code == 200
        return len(context.captured_queries)

    assert queries_for(3) == queries_for(27)


def test_confirming_a_listing_records_the_student_as_left(client_for, listed, student, office_staff, today):
    listing = listed[student.pk]
    response = client_for(office_staff).post(
        reverse("registration_listing_decide", args=[listing.pk]), {"decision": "confirm", "reason": ""}
    )
    student.refresh_from_db()
    listing.refresh_from_db()
    assert response.status_code == 302
    assert (listing.outcome, student.status, student.left_on) == (ListingOutcome.CONFIRMED, StudentStatus.LEFT, today)


def test_keeping_a_student_without_a_reason_is_refused_with_400(client_for, listed, student, office_staff):
    listing = listed[student.pk]
    response = client_for(office_staff).post(
        reverse("registration_listing_decide", args=[listing.pk]), {"decision": "keep", "reason": " "}
    )
    listing.refresh_from_db()
    assert (response.status_code, listing.outcome) == (400, ListingOutcome.OPEN)


def test_a_decided_listing_cannot_be_decided_again(client_for, listed, student, office_staff, admin_user):
    listing = listed[student.pk]
    services.two_week_listing_decide(listing=listing, reviewer=office_staff, confirm=False, reason="Registered")
    response = client_for(admin_user).post(
        reverse("registration_listing_decide", args=[listing.pk]), {"decision": "confirm"}
    )
    student.refresh_from_db()
    assert response.status_code == 302 and student.status == StudentStatus.ENROLLED
    assert any("already decided" in m for m in messages_of(response))


@pytest.mark.parametrize("persona", ["staff_a", "staff_b", "finance_staff", "clearance_staff"])
def test_staff_who_do_not_review_registration_get_403_on_the_two_week_list(
    client_for, listed, student, persona, request
):
    listing = listed[student.pk]
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("registration_two_week_list")).status_code == 403
    url = reverse("registration_listing_decide", args=[listing.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "confirm"}).status_code == 403
    student.refresh_from_db()
    assert student.status == StudentStatus.ENROLLED


def test_a_student_gets_404_on_the_two_week_list_and_their_own_listing(client_for, listed, student):
    client = client_for(student.user)
    assert client.get(reverse("registration_two_week_list")).status_code == 404
    assert client.get(reverse("registration_listing_decide", args=[listed[student.pk].pk])).status_code == 404


def test_the_two_week_list_page_says_its_dates_in_the_listing(client_for, listed, student, office_staff):
    listing = listed[student.pk]
    response = client_for(office_staff).get(reverse("registration_listing_decide", args=[listing.pk]))
    assert response.status_code == 200
    assert listing.listed_on.isoformat() in response.content.decode()


def test_the_office_finds_the_deferral_pages_on_its_home_page_and_school_staff_do_not(
    client_for, office_staff, staff_a
):
    assert reverse("registration_two_week_list") in client_for(office_staff).get(reverse("staff_home")).content.decode()
    assert reverse("registration_two_week_list") not in client_for(staff_a).get(reverse("staff_home")).content.decode()


def test_an_empty_application_is_refused_with_what_is_missing(client_for, student, semester):
    response = client_for(student.user).post(reverse(LEAVE), {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"reason", "expected_on"}
