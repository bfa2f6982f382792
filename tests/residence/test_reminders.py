"""The reminder job: each reminder once per obligation and lead time, whatever happens to the run."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Notification, StudentStatus
from residence import rules, services
from residence.models import Obligation, ObligationKind, Reminder
from tests.factories import SemesterFactory, StudentFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 10, 15)


@pytest.fixture(autouse=True)
def calendar(db):
    """Autumn term 2026-09-07 .. 2027-01-20, spring 2027-02-22 .. 2027-06-30 (winter vacation between)."""
    SemesterFactory(code="2026-2027-1", starts_on=date(2026, 9, 7), ends_on=date(2027, 1, 20))
    SemesterFactory(code="2026-2027-2", starts_on=date(2027, 2, 22), ends_on=date(2027, 6, 30))


@pytest.fixture
def insured(on_record):
    def add(student):
        return on_record(
            student, "insurance", today=TODAY, certificate_number="C", insurer="Ping An",
            starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31),
        )  # fmt: skip

    return add


@pytest.fixture
def amina(student, insured):
    insured(student)
    return student


def permit(on_record, student, expires_on, number="E1"):
    return on_record(student, "permit", today=TODAY, number=number, issued_on=date(2026, 1, 10), expires_on=expires_on)


def sent_to(student):
    """The reminder notifications in the student's inbox (review decisions are notified too)."""
    return Notification.objects.filter(
        pk__in=Reminder.objects.filter(obligation__student=student).values("notification")
    )


def run(today=TODAY):
    return services.reminders_send(today=today)


def reminders(student, kind=None):
    found = Reminder.objects.filter(obligation__student=student)
    if kind:
        found = found.filter(obligation__kind=kind)
    return list(found.order_by("sent_at", "pk").values_list("lead_days", flat=True))


def test_a_permit_expiring_in_two_months_sends_the_30_day_reminder_once_over_two_runs(amina, on_record):
    # Expires 2026-12-14: the extension is due 30 days earlier, 2026-11-14, 30 days from today.
    permit(on_record, amina, date(2026, 12, 14))
    first, second = run(), run()
    assert first["sent"] == 1 and second["sent"] == 0
    assert reminders(amina, ObligationKind.PERMIT_EXTENSION) == [30]
    notification = sent_to(amina).get()
    assert "2026-11-14" in notification.subject
    assert notification.send_email


def test_each_lead_time_is_sent_once_as_the_due_date_comes_closer(amina, on_record):
    permit(on_record, amina, date(2026, 12, 14))
    for day in [TODAY, TODAY, date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 7), date(2026, 11, 14)]:
        run(day)
    run(date(2026, 11, 15))
    run(date(2026, 11, 20))
    assert reminders(amina, ObligationKind.PERMIT_EXTENSION) == [30, 14, 7, 1, rules.OVERDUE]


def test_a_job_that_ran_late_sends_only_the_reminder_that_is_true_now(amina, on_record):
    permit(on_record, amina, date(2026, 12, 14))
    run(date(2026, 11, 10))  # the 30 and 14 day runs were missed
    assert reminders(amina, ObligationKind.PERMIT_EXTENSION) == [7]


def test_renewing_the_permit_closes_the_obligation_and_stops_its_reminders(amina, on_record):
    permit(on_record, amina, date(2026, 12, 14))
    run()
    permit(on_record, amina, date(2027, 12, 14), number="E2")
    counts = run(date(2026, 11, 7))
    obligation = Obligation.objects.get(student=amina, kind=ObligationKind.PERMIT_EXTENSION)
    assert counts["closed"] == 1 and obligation.closed_at is not None
    assert reminders(amina, ObligationKind.PERMIT_EXTENSION) == [30]


def test_a_crash_after_claiming_and_notifying_loses_nothing_and_sends_nothing_twice(amina, on_record):
    # Claim and notification are one statement; the worker dies after it, before the commit (while auditing).
    permit(on_record, amina, date(2026, 12, 14))
    with mock.patch("residence.services.reminders.audit_record", side_effect=RuntimeError("worker killed")):
        with pytest.raises(RuntimeError):
            run()
    # The claim rolled back with the notification: nothing was sent, nothing is marked as sent.
    assert reminders(amina) == [] and not amina.user.notifications.filter(subject__icontains="reminder").exists()
    run()
    run()
    assert reminders(amina, ObligationKind.PERMIT_EXTENSION) == [30]
    assert sent_to(amina).count() == 1


def test_reminder_emails_go_out_once_even_when_the_email_task_runs_twice(amina, on_record, mailoutbox):
    permit(on_record, amina, date(2026, 12, 14))
    mailoutbox.clear()
    with mock.patch("residence.tasks.reminder_emails_send.apply_async"):
        run()  # the queueing after the commit is lost (a worker dies right after the commit)
    reminder = Reminder.objects.get(obligation__student=amina)
    assert services.reminder_emails_send(run=str(reminder.run)) == 1
    assert services.reminder_emails_send(run=str(reminder.run)) == 0
    assert len(mailoutbox) == 1 and "2026-11-14" in mailoutbox[0].subject
    reminder.notification.refresh_from_db()
    assert reminder.notification.emailed_at is not None


def test_two_runs_claiming_the_same_reminder_send_it_from_one_run_only(amina, on_record):
    permit(on_record, amina, date(2026, 12, 14))
    run()
    obligation = Obligation.objects.get(student=amina, kind=ObligationKind.PERMIT_EXTENSION)
    # A second run that computed the same claim inserts nothing: the constraint, not a check, refuses it.
    inserted = Reminder.objects.bulk_create(
        [Reminder(obligation=obligation, lead_days=30, run="00000000-0000-0000-0000-000000000001")],
        ignore_conflicts=True,
    )
    assert len(inserted) == 1  # Django returns what it was given ...
    assert not Reminder.objects.filter(run="00000000-0000-0000-0000-000000000001").exists()  # ... none was inserted


def test_an_extension_due_in_the_vacation_is_asked_for_before_the_vacation(amina, on_record):
    # Expires 2027-03-01: legally due 2027-01-30, inside the winter vacation (2027-01-21 .. 2027-02-21).
    permit(on_record, amina, date(2027, 3, 1))
    run(date(2026, 12, 21))
    obligation = Obligation.objects.get(student=amina, kind=ObligationKind.PERMIT_EXTENSION)
    assert (obligation.due, obligation.legal_due) == (date(2027, 1, 20), date(2027, 1, 30))
    body = sent_to(amina).get().body
    assert "vacation" in body and "2027-01-20" in body and "2027-01-30" in body


def test_a_new_x1_student_is_reminded_of_the_permit_and_the_physical_exam(student, insured, on_record):
    insured(student)
    on_record(student, "visa", today=TODAY, visa_type="x1", entry_date=date(2026, 10, 1))
    run()
    assert reminders(student, ObligationKind.PERMIT_APPLICATION) == [30]  # due 2026-10-31
    assert reminders(student, ObligationKind.PHYSICAL_EXAM) == [30]
    on_record(student, "exam", today=TODAY, verified_on=date(2026, 10, 10))
    run()
    assert Obligation.objects.get(kind=ObligationKind.PHYSICAL_EXAM).closed_at is not None
    on_record(student, "permit", today=TODAY, number="E9", issued_on=date(2026, 10, 14), expires_on=date(2027, 10, 13))
    run()
    assert not Obligation.objects.open().filter(kind=ObligationKind.PERMIT_APPLICATION).exists()


def test_an_x2_student_is_reminded_to_extend_the_stay(student, insured, on_record):
    insured(student)
    on_record(student, "visa", today=TODAY, visa_type="x2", entry_date=date(2026, 10, 1), permitted_stay_days=30)
    run()
    # Stay through 2026-10-31, extension due 2026-10-24: 9 days left, the 14-day reminder.
    assert Obligation.objects.get(kind=ObligationKind.STAY_EXTENSION).due == date(2026, 10, 24)
    assert reminders(student, ObligationKind.STAY_EXTENSION) == [14]


def test_insurance_ending_inside_the_semester_or_missing_is_reminded(student, classmate, on_record):
    on_record(
        student, "insurance", today=TODAY, certificate_number="C", insurer="I",
        starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 10),
    )  # fmt: skip
    run()
    assert reminders(student, ObligationKind.INSURANCE_RENEWAL) == [60]
    assert reminders(classmate, ObligationKind.INSURANCE_RENEWAL) == [rules.OVERDUE]  # none at all, term started


def test_a_passport_expiring_within_six_months_is_reminded(amina):
    amina.passport_expires_on = date(2027, 4, 30)  # fewer than 6 months left from 2026-10-31
    amina.save(update_fields=["passport_expires_on"])
    run()
    obligation = Obligation.objects.get(student=amina, kind=ObligationKind.PASSPORT_RENEWAL)
    assert obligation.due == date(2026, 10, 30)
    assert reminders(amina, ObligationKind.PASSPORT_RENEWAL) == [30]


def test_a_new_passport_asks_for_the_permit_data_to_be_changed(amina, on_record):
    permit(on_record, amina, date(2027, 12, 14))
    on_record(
        amina, "passport", today=TODAY, reason="change", number="N1", country="Pakistan",
        issued_on=date(2026, 10, 12), expires_on=date(2036, 10, 11),
    )  # fmt: skip
    run()
    assert Obligation.objects.get(student=amina, kind=ObligationKind.CHANGE_REPORT).due == date(2026, 10, 22)
    assert reminders(amina, ObligationKind.CHANGE_REPORT) == [7]


def test_students_who_left_are_not_reminded(amina, on_record):
    permit(on_record, amina, date(2026, 12, 14))
    amina.status = StudentStatus.LEFT
    amina.save(update_fields=["status"])
    assert run()["sent"] == 0


def test_the_job_runs_a_constant_number_of_queries(on_record, insured, school_a):
    def world(n):
        for _ in range(n):
            someone = StudentFactory(school=school_a)
            insured(someone)
            permit(on_record, someone, date(2026, 12, 14))

    world(2)
    with CaptureQueriesContext(connection) as few:
        assert run()["sent"] == 2
    world(12)
    with CaptureQueriesContext(connection) as many:
        assert run(TODAY + timedelta(days=16))["sent"] == 14
    assert len(many) == len(few)


def test_a_reminder_that_finds_no_message_stops_the_run_instead_of_being_marked_sent(amina, on_record, settings):
    permit(on_record, amina, date(2026, 12, 14))
    # Messages are written for the portal's languages only; a claim whose message is missing must not stay claimed.
    with mock.patch("residence.services.reminders._fallback_language", return_value="xx"):
        amina.user.language = "fr"
        amina.user.save(update_fields=["language"])
        with pytest.raises(RuntimeError):
            run()
    assert reminders(amina) == []
    amina.user.language = "zh-hans"
    amina.user.save(update_fields=["language"])
    run()
    assert reminders(amina, ObligationKind.PERMIT_EXTENSION) == [30]
    assert sent_to(amina).count() == 1


@pytest.mark.parametrize("value", ['a"b\\c', "x,y {z}", "NULL", "", " 中文\n\t"])
def test_array_literals_round_trip_any_text(value):
    from django.db import connection

    from residence.services.reminders import _array

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [_array([value, None])])
        assert cursor.fetchone()[0] == [value, None]


def test_array_literals_refuse_what_they_cannot_spell():
    from decimal import Decimal

    from residence.services.reminders import _array

    with pytest.raises(TypeError):
        _array([Decimal("1.5")])
