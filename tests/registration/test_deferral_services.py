"""Deferred registration: leave of registration, the two-week list and the reminders (HANDBOOK Current Student
Registration; New Student Registration 3; Academic Rules 7, 10).

The semester: onsite registration on Tuesday 23 February 2027 ("day 0"), the ordinary last day to register is
day 14 (9 March), and a student still unregistered without approved leave is listed from day 15.
"""

import threading
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import AuditEntry, EvidenceKind, Notification, StudentStatus
from portal.services import ConflictError
from registration import services
from registration.models import (
    LeaveDecision,
    LeaveState,
    ListingKind,
    ListingOutcome,
    RegistrationLeave,
    RegistrationReminder,
    SemesterRegistration,
    TwoWeekListing,
)
from tests.factories import SemesterFactory, StudentFactory, upload

pytestmark = pytest.mark.django_db

REGISTRATION_DAY = date(2027, 2, 23)


def day(n: int) -> date:
    return REGISTRATION_DAY + timedelta(days=n)


@pytest.fixture
def semester(db):
    return SemesterFactory(
        code="2026-2027-2",
        starts_on=date(2027, 2, 22),
        ends_on=date(2027, 7, 10),
        registration_day=REGISTRATION_DAY,
        preregistration_opens_at=timezone.make_aware(datetime(2027, 2, 15, 9)),
        preregistration_closes_at=timezone.make_aware(datetime(2027, 2, 22, 17)),
    )


@pytest.fixture
def autumn(db):
    """The semester before: a student registered for it is not a new student in spring."""
    return SemesterFactory(
        code="2026-2027-1",
        starts_on=date(2026, 9, 7),
        ends_on=date(2027, 1, 20),
        registration_day=date(2026, 9, 7),
        preregistration_opens_at=None,
        preregistration_closes_at=None,
    )


def apply(student, semester, today=None, **overrides):
    data = {"reason": "My flight was cancelled.", "expected_on": day(5)} | overrides
    return services.registration_leave_apply(
        student=student, semester=semester, user=student.user, today=today or day(-10), **data
    )


def register(student, semester, on: date, by):
    at = timezone.make_aware(datetime(on.year, on.month, on.day, 10))
    return SemesterRegistration.objects.create(student=student, semester=semester, registered_at=at, registered_by=by)


def listed(semester):
    return {listing.student.student_id: listing for listing in TwoWeekListing.objects.filter(semester=semester)}


# --- Applying for leave -----------------------------------------------------------------------------------------


def test_a_student_applies_for_leave_and_it_waits_with_its_first_history_entry(student, semester):
    leave = apply(student, semester)
    assert (leave.state, leave.expected_on, leave.reason) == (LeaveState.PENDING, day(5), "My flight was cancelled.")
    assert list(leave.decisions.values_list("state", "decided_by")) == [(LeaveState.PENDING, student.user.pk)]
    assert AuditEntry.objects.filter(action="registration.leave_applied", student=student).exists()


def test_the_proof_is_kept_as_private_leave_evidence(student, semester):
    leave = apply(student, semester, proof=upload("ticket.pdf"))
    assert (leave.proof.kind, leave.proof.original_name, leave.proof.student) == (
        EvidenceKind.LEAVE_PROOF,
        "ticket.pdf",
        student,
    )


def test_the_proof_waits_with_the_leave_and_takes_its_decision(student, semester, office_staff):
    from portal import selectors as portal_selectors
    from portal.models import ReviewState

    leave = apply(student, semester, proof=upload("hospital.pdf"))
    assert not portal_selectors.review_queue(user=office_staff).filter(pk=leave.proof_id).exists()

    services.registration_leave_reject(leave=leave, reviewer=office_staff, reason="The certificate is not stamped.")

    leave.proof.refresh_from_db()
    assert (leave.proof.state, leave.proof.reason) == (ReviewState.REJECTED, "The certificate is not stamped.")


def test_a_proof_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_saved(student, semester):
    with pytest.raises(ValidationError):
        apply(student, semester, proof=upload("notes.txt", content=b"just text", content_type="text/plain"))
    assert not RegistrationLeave.objects.exists()


@pytest.mark.parametrize(
    ("expected_on", "today"),
    [
        (REGISTRATION_DAY, day(-10)),  # not after the registration day
        (day(-1), day(-10)),  # before it
        (day(3), day(4)),  # already in the past
        (date(2027, 7, 11), day(-10)),  # after the semester: a suspension, not a deferral
    ],
)
def test_an_expected_date_that_cannot_be_right_is_refused_with_the_reason(student, semester, expected_on, today):
    with pytest.raises(ValidationError) as error:
        apply(student, semester, expected_on=expected_on, today=today)
    assert "expected_on" in error.value.error_dict


def test_a_leave_beyond_the_two_weeks_can_be_asked_for_force_majeure(student, semester):
    assert apply(student, semester, expected_on=day(30)).expected_on == day(30)


def test_a_reason_is_required(student, semester):
    with pytest.raises(ValidationError) as error:
        apply(student, semester, reason="   ")
    assert "reason" in error.value.error_dict


def test_one_open_leave_per_semester(student, semester):
    apply(student, semester)
    with pytest.raises(ConflictError):
        apply(student, semester, expected_on=day(7))
    assert RegistrationLeave.objects.count() == 1


def test_after_cancelling_the_student_may_apply_again(student, semester):
    services.registration_leave_cancel(leave=apply(student, semester), user=student.user)
    assert apply(student, semester, expected_on=day(7)).state == LeaveState.PENDING


def test_leave_can_be_asked_for_up_to_the_last_day_to_register_and_not_after(student, semester):
    assert apply(student, semester, today=day(14), expected_on=day(16)).state == LeaveState.PENDING
    services.registration_leave_cancel(leave=RegistrationLeave.objects.get(), user=student.user)
    with pytest.raises(ValidationError, match="last day to register"):
        apply(student, semester, today=day(15), expected_on=day(16))


def test_a_registered_student_cannot_apply(student, semester, office_staff):
    register(student, semester, REGISTRATION_DAY, office_staff)
    with pytest.raises(ValidationError):
        apply(student, semester, today=REGISTRATION_DAY)


def test_only_the_student_applies_for_their_own_leave(student, classmate, semester):
    with pytest.raises(PermissionDenied):
        services.registration_leave_apply(
            student=student, semester=semester, user=classmate.user, reason="x", expected_on=day(5), today=day(-1)
        )


def test_a_semester_without_a_registration_day_takes_no_application(student, semester):
    semester.registration_day = None
    with pytest.raises(ValidationError):
        apply(student, semester)


# --- Cancelling and deciding ------------------------------------------------------------------------------------


def test_the_student_cancels_a_waiting_application(student, semester):
    leave = services.registration_leave_cancel(leave=apply(student, semester), user=student.user)
    assert leave.state == LeaveState.CANCELLED
    assert list(leave.decisions.values_list("state", flat=True)) == [LeaveState.PENDING, LeaveState.CANCELLED]


def test_an_approved_leave_cannot_be_cancelled_by_the_student(student, semester, office_staff):
    leave = services.registration_leave_approve(leave=apply(student, semester), reviewer=office_staff)
    with pytest.raises(ConflictError):
        services.registration_leave_cancel(leave=leave, user=student.user)


def test_a_classmate_cannot_cancel_the_application(student, classmate, semester):
    with pytest.raises(PermissionDenied):
        services.registration_leave_cancel(leave=apply(student, semester), user=classmate.user)


def test_approval_defaults_to_the_expected_date_and_tells_the_student(student, semester, office_staff):
    leave = services.registration_leave_approve(leave=apply(student, semester), reviewer=office_staff)
    assert (leave.state, leave.approved_until, leave.decided_by) == (LeaveState.APPROVED, day(5), office_staff)
    assert leave.decisions.last().approved_until == day(5)
    message = Notification.objects.get(user=student.user)
    assert "approved" in message.subject and day(5).isoformat() in message.body
    assert AuditEntry.objects.filter(action="registration.leave_approved", student=student).exists()


def test_staff_may_approve_a_shorter_leave_than_asked_but_not_a_longer_one(student, semester, office_staff):
    leave = apply(student, semester, expected_on=day(20))
    with pytest.raises(ValidationError):
        services.registration_leave_approve(leave=leave, reviewer=office_staff, approved_until=day(21))
    with pytest.raises(ValidationError):
        services.registration_leave_approve(leave=leave, reviewer=office_staff, approved_until=REGISTRATION_DAY)
    leave = services.registration_leave_approve(leave=leave, reviewer=office_staff, approved_until=day(10))
    assert leave.approved_until == day(10)


def test_rejecting_needs_a_reason_which_the_student_reads(student, semester, office_staff):
    leave = apply(student, semester)
    with pytest.raises(ValidationError):
        services.registration_leave_reject(leave=leave, reviewer=office_staff, reason=" ")
    leave = services.registration_leave_reject(leave=leave, reviewer=office_staff, reason="No proof of the flight.")
    assert (leave.state, leave.decision_reason) == (LeaveState.REJECTED, "No proof of the flight.")
    assert "No proof of the flight." in Notification.objects.get(user=student.user).body


def test_a_second_decision_is_refused_with_who_made_the_first(student, semester, office_staff, admin_user):
    leave = apply(student, semester)
    services.registration_leave_approve(leave=leave, reviewer=office_staff)
    with pytest.raises(ConflictError, match="Olga"):
        services.registration_leave_reject(leave=leave, reviewer=admin_user, reason="Too long")
    leave.refresh_from_db()
    assert leave.state == LeaveState.APPROVED
    assert LeaveDecision.objects.filter(leave=leave).count() == 2


def test_a_decision_from_a_page_older_than_the_application_is_refused(student, semester, office_staff):
    leave = apply(student, semester)
    with pytest.raises(ConflictError):
        services.registration_leave_approve(leave=leave, reviewer=office_staff, expected_version=leave.version + 1)


@pytest.mark.parametrize("persona", ["staff_a", "finance_staff", "dormitory_staff"])
def test_staff_who_do_not_review_registration_cannot_decide(student, semester, persona, request):
    leave = apply(student, semester)
    with pytest.raises(PermissionDenied):
        services.registration_leave_approve(leave=leave, reviewer=request.getfixturevalue(persona))
    with pytest.raises(PermissionDenied):
        services.registration_leave_reject(leave=leave, reviewer=request.getfixturevalue(persona), reason="No")


@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_at_the_same_moment_record_one_decision(school_a, office_staff, admin_user):
    student = StudentFactory(school=school_a)
    semester = SemesterFactory(code="2026-2027-7", registration_day=timezone.localdate() + timedelta(days=7))
    leave = services.registration_leave_apply(
        student=student,
        semester=semester,
        user=student.user,
        reason="Visa delayed",
        expected_on=semester.registration_day + timedelta(days=5),
    )
    barrier, outcomes = threading.Barrier(2), []

    def decide(reviewer, approve):
        try:
            barrier.wait(timeout=5)
            if approve:
                services.registration_leave_approve(leave=leave, reviewer=reviewer)
            else:
                services.registration_leave_reject(leave=leave, reviewer=reviewer, reason="No proof")
            outcomes.append("decided")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(office_staff, True)),
        threading.Thread(target=decide, args=(admin_user, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["conflict", "decided"]
    assert LeaveDecision.objects.filter(leave=leave).count() == 2  # the application and one decision


# --- The two-week list ------------------------------------------------------------------------------------------


def test_registered_on_day_14_is_in_time_and_not_listed(student, semester, office_staff):
    register(student, semester, day(14), office_staff)
    services.two_week_list_refresh(semester=semester, today=day(15))
    assert listed(semester) == {}


def test_not_registered_on_day_14_is_not_listed_yet(student, semester):
    assert services.two_week_list_refresh(semester=semester, today=day(14)) == {"evaluated": 0, "listed": 0}
    assert listed(semester) == {}


def test_not_registered_by_day_15_is_listed_to_be_withdrawn_with_the_dates(student, semester):
    counts = services.two_week_list_refresh(semester=semester, today=day(15))
    listing = listed(semester)[student.student_id]
    assert counts == {"evaluated": 1, "listed": 1}
    assert (listing.kind, listing.outcome) == (ListingKind.TO_BE_WITHDRAWN, ListingOutcome.OPEN)
    assert (listing.registration_day, listing.last_day_to_register, listing.listed_on) == (
        REGISTRATION_DAY,
        day(14),
        day(15),
    )


def test_registered_late_on_day_15_is_still_listed_for_staff_to_decide(student, semester, office_staff):
    register(student, semester, day(15), office_staff)
    services.two_week_list_refresh(semester=semester, today=day(16))
    assert student.student_id in listed(semester)


def test_a_run_after_a_missed_day_gives_the_handbook_date_not_the_run_date(student, semester):
    services.two_week_list_refresh(semester=semester, today=day(18))
    assert listed(semester)[student.student_id].listed_on == day(15)


def test_approved_leave_past_day_14_keeps_the_student_off_the_list_until_the_day_after_the_leave(
    student, semester, office_staff
):
    leave = apply(student, semester, expected_on=day(20))
    services.registration_leave_approve(leave=leave, reviewer=office_staff)
    services.two_week_list_refresh(semester=semester, today=day(15))
    services.two_week_list_refresh(semester=semester, today=day(20))
    assert listed(semester) == {}
    services.two_week_list_refresh(semester=semester, today=day(21))
    listing = listed(semester)[student.student_id]
    assert (listing.last_day_to_register, listing.listed_on) == (day(20), day(21))


def test_registered_within_the_approved_leave_is_not_listed(student, semester, office_staff):
    services.registration_leave_approve(leave=apply(student, semester, expected_on=day(20)), reviewer=office_staff)
    register(student, semester, day(19), office_staff)
    services.two_week_list_refresh(semester=semester, today=day(25))
    assert listed(semester) == {}


def test_a_short_approved_leave_never_shortens_the_two_weeks(student, semester, office_staff):
    services.registration_leave_approve(leave=apply(student, semester, expected_on=day(3)), reviewer=office_staff)
    services.two_week_list_refresh(semester=semester, today=day(14))
    assert listed(semester) == {}
    services.two_week_list_refresh(semester=semester, today=day(15))
    assert listed(semester)[student.student_id].last_day_to_register == day(14)


@pytest.mark.parametrize("decision", ["pending", "rejected", "cancelled"])
def test_leave_that_is_not_approved_does_not_protect(student, semester, office_staff, decision):
    leave = apply(student, semester, expected_on=day(20))
    if decision == "rejected":
        services.registration_leave_reject(leave=leave, reviewer=office_staff, reason="No proof")
    elif decision == "cancelled":
        services.registration_leave_cancel(leave=leave, user=student.user)
    services.two_week_list_refresh(semester=semester, today=day(15))
    assert student.student_id in listed(semester)


def test_a_new_student_forfeits_admission_and_a_returning_one_is_to_be_withdrawn(
    semester, autumn, school_a, office_staff
):
    newcomer = StudentFactory(school=school_a, enrolment_year=2026)
    returning = StudentFactory(school=school_a, enrolment_year=2026)
    register(returning, autumn, date(2026, 9, 7), office_staff)
    senior = StudentFactory(school=school_a, enrolment_year=2024)
    services.two_week_list_refresh(semester=semester, today=day(15))
    kinds = {sid: listing.kind for sid, listing in listed(semester).items()}
    assert kinds == {
        newcomer.student_id: ListingKind.ADMISSION_FORFEITED,
        returning.student_id: ListingKind.TO_BE_WITHDRAWN,
        senior.student_id: ListingKind.TO_BE_WITHDRAWN,
    }


@pytest.mark.parametrize("status", [StudentStatus.ON_LEAVE, StudentStatus.SUSPENDED, StudentStatus.LEFT])
def test_students_not_expected_to_register_are_not_listed(student, semester, status):
    student.status = status
    student.save(update_fields=["status"])
    services.two_week_list_refresh(semester=semester, today=day(15))
    assert listed(semester) == {}


def test_a_student_admitted_for_a_later_year_is_not_listed(student, semester):
    student.enrolment_year = 2027
    student.save(update_fields=["enrolment_year"])
    services.two_week_list_refresh(semester=semester, today=day(15))
    assert listed(semester) == {}


def test_running_the_refresh_twice_adds_nothing_and_changes_nothing(student, classmate, semester, office_staff):
    services.two_week_list_refresh(semester=semester, today=day(15))
    services.two_week_listing_decide(
        listing=listed(semester)[classmate.student_id], reviewer=office_staff, confirm=False, reason="Ill"
    )
    before = list(TwoWeekListing.objects.order_by("pk").values())
    assert services.two_week_list_refresh(semester=semester, today=day(16)) == {"evaluated": 0, "listed": 0}
    assert list(TwoWeekListing.objects.order_by("pk").values()) == before


def test_a_listed_student_who_registers_later_stays_on_the_list(student, semester, office_staff):
    services.two_week_list_refresh(semester=semester, today=day(15))
    register(student, semester, day(16), office_staff)
    services.two_week_list_refresh(semester=semester, today=day(17))
    assert listed(semester)[student.student_id].outcome == ListingOutcome.OPEN


def test_the_refresh_takes_the_same_number_of_queries_for_3_and_for_30_students(semester, school_a):
    def queries_for(n, today):
        StudentFactory.create_batch(n, school=school_a)
        with CaptureQueriesContext(connection) as context:
            counts = services.two_week_list_refresh(semester=semester, today=today)
        assert counts["listed"] == n
        return len(context.captured_queries)

    assert queries_for(3, day(15)) == queries_for(30, day(16))


# --- Deciding on a listing --------------------------------------------------------------------------------------


@pytest.fixture
def listing(student, semester):
    services.two_week_list_refresh(semester=semester, today=day(15))
    return listed(semester)[student.student_id]


def test_confirming_a_listing_records_that_the_student_left_and_tells_them(listing, student, office_staff):
    services.two_week_listing_decide(listing=listing, reviewer=office_staff, confirm=True, today=day(16))
    student.refresh_from_db()
    listing.refresh_from_db()
    assert (student.status, student.left_on) == (StudentStatus.LEFT, day(16))
    assert (listing.outcome, listing.decided_by) == (ListingOutcome.CONFIRMED, office_staff)
    entry = AuditEntry.objects.get(action="registration.listing_confirmed")
    assert entry.changes["status"] == [StudentStatus.ENROLLED, StudentStatus.LEFT]
    assert "cancelled" in Notification.objects.get(user=student.user).subject


def test_keeping_a_student_needs_a_reason_and_changes_no_status(listing, student, office_staff):
    with pytest.raises(ValidationError):
        services.two_week_listing_decide(listing=listing, reviewer=office_staff, confirm=False, reason="")
    services.two_week_listing_decide(listing=listing, reviewer=office_staff, confirm=False, reason="In hospital")
    student.refresh_from_db()
    listing.refresh_from_db()
    assert (student.status, listing.outcome, listing.decision_reason) == (
        StudentStatus.ENROLLED,
        ListingOutcome.KEPT,
        "In hospital",
    )


def test_a_listing_is_decided_once(listing, office_staff, admin_user):
    services.two_week_listing_decide(listing=listing, reviewer=office_staff, confirm=False, reason="Registered late")
    with pytest.raises(ConflictError, match="Olga"):
        services.two_week_listing_decide(listing=listing, reviewer=admin_user, confirm=True)


@pytest.mark.parametrize("persona", ["staff_a", "finance_staff"])
def test_staff_who_do_not_review_registration_cannot_decide_on_a_listing(listing, persona, request):
    with pytest.raises(PermissionDenied):
        services.two_week_listing_decide(listing=listing, reviewer=request.getfixturevalue(persona), confirm=True)


# --- Reminders --------------------------------------------------------------------------------------------------


def remind(semester, today, **kwargs):
    return services.registration_reminders_send(semester=semester, today=today, **kwargs)


def reminders_of(student):
    return sorted(RegistrationReminder.objects.filter(student=student).values_list("deadline", "lead_days"))


def test_three_days_before_the_registration_day_unregistered_students_are_reminded(student, semester):
    assert remind(semester, day(-3)) == {"evaluated": 1, "sent": 1}
    assert reminders_of(student) == [(REGISTRATION_DAY, 3)]
    message = Notification.objects.get(user=student.user)
    assert "Onsite registration" in message.subject and "in 3 days" in message.body


def test_before_the_lead_time_nobody_is_reminded(student, semester):
    assert remind(semester, day(-4)) == {"evaluated": 0, "sent": 0}


def test_a_second_run_on_the_same_day_sends_nothing(student, semester):
    remind(semester, day(-3))
    assert remind(semester, day(-3))["sent"] == 0
    assert Notification.objects.filter(user=student.user).count() == 1


def test_a_concurrent_run_that_lost_the_claim_sends_nothing(student, semester):
    """Two runs with their own timestamps: the second one's rows conflict, so it notifies nobody."""
    remind(semester, day(-3), now=timezone.now())
    assert remind(semester, day(-3), now=timezone.now() + timedelta(seconds=1))["sent"] == 0
    assert Notification.objects.filter(user=student.user).count() == 1


def test_on_the_registration_day_a_second_reminder_is_sent_and_the_days_between_send_none(student, semester):
    remind(semester, day(-3))
    assert remind(semester, day(-2))["sent"] == 0
    assert remind(semester, REGISTRATION_DAY)["sent"] == 1
    assert remind(semester, day(5))["sent"] == 0
    assert reminders_of(student) == [(REGISTRATION_DAY, 0), (REGISTRATION_DAY, 3)]
    assert "today" in Notification.objects.filter(user=student.user).latest("pk").body


def test_before_the_last_day_to_register_the_unregistered_are_warned(student, semester):
    assert remind(semester, day(11))["sent"] == 1
    assert remind(semester, day(14))["sent"] == 1
    assert reminders_of(student) == [(day(14), 0), (day(14), 3)]
    assert "listed for withdrawal" in Notification.objects.filter(user=student.user).latest("pk").body


def test_registered_students_and_students_who_left_are_not_reminded(student, classmate, semester, office_staff):
    register(student, semester, day(-5), office_staff)
    classmate.status = StudentStatus.LEFT
    classmate.save(update_fields=["status"])
    assert remind(semester, day(-3)) == {"evaluated": 0, "sent": 0}


def test_approved_leave_moves_the_reminders_to_the_end_of_the_leave(student, semester, office_staff):
    services.registration_leave_approve(leave=apply(student, semester, expected_on=day(20)), reviewer=office_staff)
    for today in (day(-3), REGISTRATION_DAY, day(11), day(14)):
        assert remind(semester, today)["sent"] == 0
    assert remind(semester, day(17))["sent"] == 1
    assert reminders_of(student) == [(day(20), 3)]


def test_reminder_queries_do_not_grow_with_students_when_none_is_due(semester, school_a):
    def queries_for(n):
        StudentFactory.create_batch(n, school=school_a)
        with CaptureQueriesContext(connection) as context:
            remind(semester, day(5))
        return len(context.captured_queries)

    assert queries_for(3) == queries_for(30)


@pytest.mark.django_db(transaction=True)
def test_two_applications_sent_at_the_same_moment_make_one_leave(school_a):
    student = StudentFactory(school=school_a)
    semester = SemesterFactory(code="2026-2027-8", registration_day=timezone.localdate() + timedelta(days=7))
    barrier, outcomes = threading.Barrier(2), []

    def send():
        try:
            barrier.wait(timeout=5)
            apply(
                student, semester, today=timezone.localdate(), expected_on=semester.registration_day + timedelta(days=3)
            )
            outcomes.append("applied")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["applied", "conflict"]
    assert RegistrationLeave.objects.filter(student=student).count() == 1


def test_approving_a_leave_keeps_a_listed_student(student, semester, office_staff):
    services.two_week_list_refresh(semester=semester, today=day(15))
    leave = apply(student, semester, today=day(13), expected_on=day(20))

    services.registration_leave_approve(leave=leave, reviewer=office_staff)

    listing = listed(semester)[student.student_id]
    assert listing.outcome == "kept" and "approved until" in listing.decision_reason


def test_a_registered_student_cannot_be_confirmed_off_the_list(student, semester, office_staff):
    from portal.services import ConflictError

    services.two_week_list_refresh(semester=semester, today=day(15))
    register(student, semester, on=day(16), by=office_staff)

    with pytest.raises(ConflictError):
        services.two_week_listing_decide(
            listing=listed(semester)[student.student_id], reviewer=office_staff, confirm=True
        )
    student.refresh_from_db()
    assert student.status == "enrolled"
