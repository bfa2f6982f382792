"""Recording absences: who may, what is refused, the notices to the student once a term, and the office's decision
list (Supplementary 32.VII; STATUS Art. 12). Weeks are counted in class days (Monday to Friday)."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from portal.models import Notification, StudentStatus
from portal.services import ConflictError
from registration import services
from registration.models import Absence, AttendanceNotice
from registration.selectors_leaving import status_decision_list
from tests.factories import SemesterFactory, StudentFactory

pytestmark = pytest.mark.django_db

TERM_STARTS = datetime.date(2027, 2, 22)
TODAY = datetime.date(2027, 5, 10)


@pytest.fixture
def term(db):
    return SemesterFactory(code="2026-2027-2", starts_on=TERM_STARTS, ends_on=datetime.date(2027, 7, 9))


def record(student, user, first, count, today=TODAY, note=""):
    return services.absence_record(
        student=student,
        user=user,
        first_day=first,
        last_day=first + datetime.timedelta(days=count - 1),
        note=note,
        today=today,
    )


def test_the_school_records_an_absence_and_it_is_audited(term, student, staff_a):
    from portal.models import AuditEntry

    absence = record(student, staff_a, datetime.date(2027, 3, 1), 3, note="Did not come to classes")
    assert (absence.first_day, absence.last_day, absence.recorded_by) == (
        datetime.date(2027, 3, 1),
        datetime.date(2027, 3, 3),
        staff_a,
    )
    assert AuditEntry.objects.filter(action="attendance.absence_recorded", actor=staff_a).exists()


def test_another_school_and_other_offices_cannot_record(term, student, staff_b, finance_staff, classmate):
    for user in (staff_b, finance_staff, classmate.user):
        with pytest.raises(PermissionDenied):
            record(student, user, datetime.date(2027, 3, 1), 3)
    assert not Absence.objects.exists()


def test_the_international_college_may_record_for_any_school(term, other_school_student, office_staff):
    assert record(other_school_student, office_staff, datetime.date(2027, 3, 1), 1).pk


def test_an_absence_in_the_future_or_backwards_is_refused(term, student, staff_a):
    with pytest.raises(ValidationError) as error:
        record(student, staff_a, TODAY, 2)
    assert "last_day" in error.value.error_dict
    with pytest.raises(ValidationError):
        services.absence_record(
            student=student,
            user=staff_a,
            first_day=datetime.date(2027, 3, 5),
            last_day=datetime.date(2027, 3, 1),
            today=TODAY,
        )


def test_an_overlap_with_a_recorded_absence_is_refused_with_the_dates(term, student, staff_a):
    record(student, staff_a, datetime.date(2027, 3, 1), 5)
    with pytest.raises(ConflictError) as error:
        record(student, staff_a, datetime.date(2027, 3, 5), 2)
    assert "2027-03-01" in str(error.value) and "2027-03-05" in str(error.value)


def test_a_withdrawn_record_stays_and_no_longer_counts(term, student, staff_a, staff_b):
    absence = record(student, staff_a, datetime.date(2027, 3, 1), 14)
    assert [flag.student for flag in status_decision_list(user=staff_a, today=TODAY)] == [student]
    with pytest.raises(PermissionDenied):
        services.absence_withdraw(absence=absence, user=staff_b, reason="x")
    with pytest.raises(ValidationError):
        services.absence_withdraw(absence=absence, user=staff_a, reason="  ")
    services.absence_withdraw(absence=absence, user=staff_a, reason="Wrong student")
    absence.refresh_from_db()
    assert absence.withdrawn_by == staff_a and absence.withdrawn_reason == "Wrong student"
    assert status_decision_list(user=staff_a, today=TODAY) == []
    with pytest.raises(ConflictError):
        services.absence_withdraw(absence=absence, user=staff_a, reason="Again")
    # The same days can now be recorded correctly.
    assert record(student, staff_a, datetime.date(2027, 3, 1), 2).pk


def test_two_weeks_without_leave_puts_the_student_on_the_decision_list_from_the_tenth_class_day(term, student, staff_a):
    record(student, staff_a, datetime.date(2027, 3, 1), 11)  # Monday to the next Thursday: 9 class days
    assert status_decision_list(user=staff_a, today=TODAY) == []
    assert not Notification.objects.filter(user=student.user).exists()
    record(student, staff_a, datetime.date(2027, 3, 12), 1)
    [flag] = status_decision_list(user=staff_a, today=TODAY)
    assert flag.student == student and "2 weeks" in flag.flag and flag.since == datetime.date(2027, 3, 12)
    # The student is told, once.
    record(student, staff_a, datetime.date(2027, 3, 15), 1)
    assert Notification.objects.filter(user=student.user, subject__icontains="2 weeks").count() == 1


def test_a_leave_asked_for_and_a_deferred_registration_are_not_absence_without_leave(term, student, staff_a):
    services.status_apply(
        student=student,
        user=student.user,
        kind="leave",
        category="personal",
        first_day=datetime.date(2027, 3, 1),
        last_day=datetime.date(2027, 4, 15),
        reason="Family matters",
    )  # waiting for the Office of Academic Affairs: asked for, not yet approved
    record(student, staff_a, datetime.date(2027, 3, 1), 21)
    assert status_decision_list(user=staff_a, today=TODAY) == []
    from registration.models import LeaveState, RegistrationLeave

    classmate = StudentFactory(student_id="2026000099", school=student.school)
    RegistrationLeave.objects.create(
        student=classmate,
        semester=term,
        expected_on=datetime.date(2027, 3, 5),
        reason="Visa delayed",
        state=LeaveState.APPROVED,
        approved_until=datetime.date(2027, 3, 5),
    )
    record(classmate, staff_a, TERM_STARTS, 16)  # 22 February to 9 March; deferred until 5 March
    [row] = services.attendance_of(students=[classmate], term=term).values()
    assert row.standing.longest_without_leave == 2 and row.standing.flags == ()


def test_approved_leave_covers_the_days(term, student, staff_a):
    leave = services.status_apply(
        student=student,
        user=student.user,
        kind="leave",
        category="personal",
        first_day=datetime.date(2027, 3, 1),
        last_day=datetime.date(2027, 3, 7),
        reason="Family matters",
    )
    services.status_decide(change=leave, user=staff_a, approve=True)
    record(student, staff_a, datetime.date(2027, 3, 1), 18)
    # 14 class days absent, the first 5 on leave: a run of 9 class days without leave, no flag.
    assert status_decision_list(user=staff_a, today=TODAY) == []
    [row] = services.attendance_of(students=[student], term=term).values()
    assert (row.standing.days_absent, row.standing.longest_without_leave) == (14, 9)


def test_over_four_weeks_tells_the_student_once_and_lists_them_until_they_apply(term, student, staff_a, office_staff):
    record(student, staff_a, datetime.date(2027, 3, 1), 7)
    record(student, staff_a, datetime.date(2027, 3, 15), 7)
    record(student, staff_a, datetime.date(2027, 3, 29), 7)
    record(student, staff_a, datetime.date(2027, 4, 12), 7)
    told = Notification.objects.filter(user=student.user, subject__icontains="suspension")
    assert told.count() == 0  # exactly 4 weeks (20 class days) is not more than 4 weeks
    record(student, staff_a, datetime.date(2027, 4, 26), 2)
    assert told.count() == 1
    record(student, staff_a, datetime.date(2027, 5, 3), 1)
    assert told.count() == 1 and AttendanceNotice.objects.count() == 1
    flags = status_decision_list(user=office_staff, today=TODAY)
    assert [("4 weeks" in flag.flag, flag.since) for flag in flags] == [(True, datetime.date(2027, 4, 26))]
    services.status_apply(
        student=student,
        user=student.user,
        kind="suspension",
        category="personal",
        first_day=datetime.date(2027, 5, 17),
        last_day=datetime.date(2027, 8, 31),
        reason="Family",
    )
    assert status_decision_list(user=office_staff, today=TODAY) == []


def test_only_enrolled_students_get_absences(term, student, staff_a):
    student.status = StudentStatus.LEFT
    student.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        record(student, staff_a, datetime.date(2027, 3, 1), 1)


@pytest.mark.django_db(transaction=True)
def test_two_staff_recording_overlapping_absences_at_once_store_one(term, student, staff_a, office_staff):
    outcomes = []
    barrier = threading.Barrier(2)

    def attempt(user):
        try:
            barrier.wait()
            record(student, user, datetime.date(2027, 3, 1), 5)
            outcomes.append("recorded")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in (staff_a, office_staff)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "recorded"]
    assert Absence.objects.count() == 1


def test_the_decision_list_query_count_stays_flat(term, school_a, staff_a, office_staff, django_assert_max_num_queries):
    def add(count, offset):
        for n in range(count):
            pupil = StudentFactory(student_id=f"20279{offset + n:05d}", school=school_a)
            record(pupil, staff_a, datetime.date(2027, 3, 1), 15)

    add(2, 0)
    with django_assert_max_num_queries(40) as few:
        assert len(status_decision_list(user=office_staff, today=TODAY)) == 2
    add(20, 100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(status_decision_list(user=office_staff, today=TODAY)) == 22


def test_the_demo_data_shows_both_flags_and_runs_twice_without_adding(school_a, office_staff):
    from django.utils import timezone

    from registration.demo import seed_attendance_demo

    today = timezone.localdate()
    SemesterFactory(starts_on=today - datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=60))
    pupils = [StudentFactory(student_id=f"20277{n:05d}", school=school_a) for n in range(4)]
    assert seed_attendance_demo(students=pupils, office=office_staff) == 4
    assert seed_attendance_demo(students=pupils, office=office_staff) == 0
    flags = {flag.flag for flag in status_decision_list(user=office_staff, today=today)}
    assert any("2 weeks" in flag for flag in flags) and any("4 weeks" in flag for flag in flags)


def test_the_daily_job_tells_a_student_whose_approved_leave_passes_four_weeks_once(
    school_a, student, staff_a, admin_user
):
    from django.utils import timezone

    today = timezone.localdate()
    SemesterFactory(starts_on=today - datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=60))
    leave = services.status_apply(
        student=student,
        user=student.user,
        kind="leave",
        category="personal",
        first_day=today - datetime.timedelta(days=50),
        last_day=today - datetime.timedelta(days=10),
        reason="Family matters",
    )
    services.status_decide(change=leave, user=admin_user, approve=True)  # over a month: Academic Affairs
    assert services.attendance_notices_send(today=today) == 1
    assert services.attendance_notices_send(today=today) == 0
    assert Notification.objects.filter(user=student.user, subject__icontains="suspension").count() == 1


def test_the_office_keeps_a_student_with_a_reason_and_the_flag_leaves_the_list(
    term, student, staff_a, office_staff, client_for
):
    from portal.models import AuditEntry
    from registration.models import DecisionKept

    record(student, staff_a, datetime.date(2027, 3, 1), 12)
    [flag] = status_decision_list(user=office_staff, today=TODAY)
    keep = {"user": office_staff, "student": student, "code": flag.code, "since": flag.since, "today": TODAY}
    with pytest.raises(PermissionDenied):
        services.decision_flag_keep(**{**keep, "user": staff_a}, reason="x")
    with pytest.raises(ValidationError):
        services.decision_flag_keep(**keep, reason=" ")
    services.decision_flag_keep(**keep, reason="Was in hospital; certificate seen")
    assert status_decision_list(user=office_staff, today=TODAY) == []
    assert DecisionKept.objects.get().reason == "Was in hospital; certificate seen"
    assert AuditEntry.objects.filter(action="status.decision_kept", actor=office_staff).exists()
    with pytest.raises(ConflictError):
        services.decision_flag_keep(**keep, reason="Again")
    # A new run of absence without leave is a new flag.
    record(student, staff_a, datetime.date(2027, 4, 5), 12)
    assert [flag.since for flag in status_decision_list(user=office_staff, today=TODAY)] == [datetime.date(2027, 4, 16)]


def test_keeping_through_the_page_and_a_refusal_keeps_the_reason_typed(
    term, student, staff_a, office_staff, client_for
):
    record(student, staff_a, datetime.date(2027, 3, 1), 12)
    client = client_for(office_staff)
    refused = client.post(
        "/staff/status/decisions/keep/",
        {"student_id": student.student_id, "code": "absent_without_leave", "since": "2027-03-01", "reason": "Typed"},
    )
    assert refused.status_code == 400 and "no longer on the decision list" in refused.content.decode()
    # (The page lists today's flags; this one is from the term of TODAY, so the service is asked with the real date.)
    assert client_for(staff_a).post("/staff/status/decisions/keep/", {}).status_code == 403
