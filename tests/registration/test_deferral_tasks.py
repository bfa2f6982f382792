"""The daily deferred-registration jobs: thin, idempotent, over the semesters whose registration period is current."""

import threading
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app
from portal.models import Notification
from registration import tasks
from registration.models import RegistrationReminder, TwoWeekListing
from tests.factories import SemesterFactory, StudentFactory

pytestmark = pytest.mark.django_db

REGISTRATION_DAY = date(2027, 2, 23)


@pytest.fixture
def semester(db):
    return SemesterFactory(
        code="2026-2027-2", starts_on=date(2027, 2, 22), ends_on=date(2027, 7, 10), registration_day=REGISTRATION_DAY
    )


@pytest.fixture
def other_semester(db):
    """A semester whose registration is long over (it ended): the jobs leave it alone."""
    return SemesterFactory(
        code="2025-2026-2", starts_on=date(2026, 2, 22), ends_on=date(2026, 7, 10), registration_day=date(2026, 2, 23)
    )


def run(task, day: date):
    # Run in-process as the worker would (apply), reading the result without EagerResult.get(), which Celery
    # refuses in a thread where another task ran.
    result = task.apply(kwargs={"day": day.isoformat()})
    assert result.successful(), result.traceback
    return result.result


def test_the_list_job_lists_the_unregistered_of_the_current_semester_once(student, semester, other_semester):
    day_15 = REGISTRATION_DAY + timedelta(days=15)
    assert run(tasks.two_week_lists_refresh, day_15) == {semester.code: {"evaluated": 1, "listed": 1}}
    assert run(tasks.two_week_lists_refresh, day_15 + timedelta(days=1)) == {
        semester.code: {"evaluated": 0, "listed": 0}
    }
    assert TwoWeekListing.objects.filter(student=student).count() == 1


def test_the_list_job_does_nothing_before_day_15(student, semester):
    run(tasks.two_week_lists_refresh, REGISTRATION_DAY + timedelta(days=14))
    assert not TwoWeekListing.objects.exists()


def test_the_reminder_job_sends_each_reminder_once(student, semester):
    three_days_before = REGISTRATION_DAY - timedelta(days=3)
    assert run(tasks.registration_reminders_send, three_days_before) == {semester.code: {"evaluated": 1, "sent": 1}}
    assert run(tasks.registration_reminders_send, three_days_before)[semester.code]["sent"] == 0
    assert Notification.objects.filter(user=student.user).count() == 1


def test_the_reminder_job_ignores_semesters_outside_their_registration_period(student, semester):
    assert run(tasks.registration_reminders_send, REGISTRATION_DAY - timedelta(days=4)) == {}
    assert run(tasks.registration_reminders_send, semester.ends_on + timedelta(days=1)) == {}


def test_both_jobs_are_in_the_beat_schedule_under_their_registered_names():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (tasks.two_week_lists_refresh, tasks.registration_reminders_send):
        assert task.name in scheduled
        assert task.name in app.tasks


@pytest.mark.django_db(transaction=True)
def test_two_reminder_jobs_running_at_once_send_each_reminder_once(school_a):
    semester = SemesterFactory(
        code="2026-2027-2", starts_on=date(2027, 2, 22), ends_on=date(2027, 7, 10), registration_day=REGISTRATION_DAY
    )
    students = StudentFactory.create_batch(5, school=school_a)
    barrier, results = threading.Barrier(2), []

    def job():
        try:
            barrier.wait(timeout=5)
            results.append(run(tasks.registration_reminders_send, REGISTRATION_DAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(result[semester.code]["sent"] for result in results) == [0, 5]
    assert RegistrationReminder.objects.count() == 5
    assert Notification.objects.filter(user__student__in=students).count() == 5
