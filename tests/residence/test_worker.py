"""A real Celery worker on this machine's Redis runs the residence reminder job the way Celery beat sends it.

The rest of the residence tests call the service in-process; this one proves the production path: the beat's task
goes through Redis to a worker, the worker computes the obligation from the committed records, writes the reminder
and its inbox message, queues the run's email task after its commit and sends the email once; a second delivery of
the job sends nothing more. It fails, never skips, when Redis is down (the worker fixture pings it).
"""

import time
from datetime import timedelta

import pytest
from celery.worker import state as worker_state
from django.core import mail
from django.utils import timezone

from residence.models import Obligation, Reminder
from residence.tasks import residence_reminders_send
from tests.portal.test_celery_worker import celery_on_redis  # noqa: F401 - the real worker, as a fixture

pytestmark = pytest.mark.worker

WAIT_SECONDS = 60
JOB = "residence.tasks.residence_reminders_send"
EMAILS = "residence.tasks.reminder_emails_send"


def handled(task_name: str) -> int:
    return worker_state.total_count.get(task_name, 0)


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {WAIT_SECONDS}s")
        time.sleep(0.2)


@pytest.fixture
def amina_due_for_extension(transactional_db, student, on_record):
    """Amina's permit expires in 40 days: the extension is due in 10, so today is the 14-day reminder."""
    today = timezone.localdate()
    on_record(
        student,
        "permit",
        number="E55555555",
        issued_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=40),
    )
    mail.outbox.clear()
    return student


def test_a_real_worker_sends_the_reminder_once_across_two_deliveries(amina_due_for_extension, celery_on_redis):  # noqa: F811
    amina = amina_due_for_extension
    jobs_before, emails_before = handled(JOB), handled(EMAILS)

    residence_reminders_send.delay()
    wait_until(lambda: handled(JOB) == jobs_before + 1, "the reminder job")
    wait_until(lambda: handled(EMAILS) == emails_before + 1, "the run's email task")

    reminder = Reminder.objects.select_related("obligation", "notification").get()
    assert reminder.obligation.student_id == amina.pk and reminder.obligation.kind == "permit_extension"
    assert reminder.lead_days == 14
    assert reminder.notification.user_id == amina.user_id and reminder.notification.emailed_at is not None
    assert [message.to for message in mail.outbox] == [[amina.user.email]]

    # A second delivery of the same day's job (a double beat, a redelivered task) sends nothing more.
    residence_reminders_send.delay()
    wait_until(lambda: handled(JOB) == jobs_before + 2, "the second run of the job")
    assert Reminder.objects.count() == 1 and Obligation.objects.count() == 1
    assert len(mail.outbox) == 1
    # Ran in the worker from the Redis queue, not in-process.
    assert handled(JOB) == jobs_before + 2
