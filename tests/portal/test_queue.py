"""Background work is queued after commit, and a broker outage never loses what the user saved."""

import pytest
from django.core import mail
from django.urls import reverse

from portal import services
from portal.celery import app
from portal.models import Evidence, ReviewState
from tests.factories import upload

pytestmark = pytest.mark.django_db


def reset_connections():
    # Drop the app's references only: kombu keeps pools per broker address, and closing them would break the
    # next test that talks to the original address.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """Point Celery at a port where nothing listens, as when Redis is stopped."""
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "redis://127.0.0.1:1/0"
    reset_connections()
    yield
    app.conf.task_always_eager, app.conf.broker_url = eager, broker
    reset_connections()


def test_a_decision_is_saved_and_the_page_succeeds_while_the_broker_is_down(
    client_for, student, office_staff, broker_down, django_capture_on_commit_callbacks
):
    evidence = services.evidence_submit(student=student, kind="visa_page", upload=upload(), uploaded_by=student.user)
    client = client_for(office_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review_evidence", args=[evidence.pk]), {"decision": "reject", "reason": "Cut"})
    assert response.status_code == 302
    assert Evidence.objects.get(pk=evidence.pk).state == ReviewState.REJECTED
    notification = student.user.notifications.get()
    assert notification.emailed_at is None


def test_the_sweep_sends_what_was_saved_while_the_broker_was_down(student, office_staff):
    from datetime import timedelta

    evidence = services.evidence_submit(student=student, kind="visa_page", upload=upload(), uploaded_by=student.user)
    services.evidence_approve(evidence=evidence, reviewer=office_staff)  # on_commit never runs in this test
    assert mail.outbox == []
    assert services.requeue_stalled_work(older_than=timedelta(0)) == {"emails": 1, "documents": 0}
    assert len(mail.outbox) == 1
    assert services.requeue_stalled_work(older_than=timedelta(0)) == {"emails": 0, "documents": 0}
    assert len(mail.outbox) == 1
