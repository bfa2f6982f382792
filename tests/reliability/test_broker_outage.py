"""Redis stops while reviewers submit decisions: nothing they saved is lost, and each email goes out once it is back.

The web side is this process (the Django test client, queueing on a Redis of the test's own, as in production);
the worker is a real `celery -A portal worker` process that is running before the outage and must reconnect by
itself when Redis comes back. The periodic sweep (requeue_stalled_work) is what queues the unsent emails again.
"""

import time
from datetime import timedelta

import pytest
from django.urls import reverse

from portal import services
from portal.models import Evidence, Notification, ReviewState
from tests.factories import upload
from tests.reliability.conftest import (
    celery_app_on,
    portal_environment,
    record_figure,
    start_worker_process,
    wait_until,
)

pytestmark = pytest.mark.worker

# Two decisions keep the outage near 2-3 s: the worker retries its broker connection 2, 6, 12 s after losing it.
DECISIONS = 2


def test_decisions_submitted_while_redis_is_down_are_saved_and_emailed_once_when_it_is_back(
    transactional_db, processes, redis_server, smtp_sink, student, office_staff, client_for
):
    documents = [
        services.evidence_submit(student=student, kind="visa_page", upload=upload(), uploaded_by=student.user)
        for _ in range(DECISIONS)
    ]
    worker = start_worker_process(
        processes, portal_environment(broker_url=redis_server.url, smtp_port=smtp_sink.port), pool="solo"
    )
    client = client_for(office_staff)

    with celery_app_on(redis_server.url):
        redis_server.kill()
        down = time.monotonic()
        slowest = 0.0
        statuses = []
        for evidence in documents:
            started = time.monotonic()
            response = client.post(
                reverse("review_evidence", args=[evidence.pk]), {"decision": "reject", "reason": "The page is cut off"}
            )
            slowest = max(slowest, time.monotonic() - started)
            statuses.append(response.status_code)

        saved = Evidence.objects.filter(pk__in=[e.pk for e in documents], state=ReviewState.REJECTED).count()
        unsent = Notification.objects.filter(user=student.user, send_email=True, emailed_at__isnull=True).count()
        record_figure("decisions submitted with Redis down", DECISIONS)
        record_figure("submissions lost with Redis down", DECISIONS - saved)
        record_figure("slowest decision response with Redis down (s)", f"{slowest:.2f}")
        assert statuses == [302] * DECISIONS
        assert saved == DECISIONS
        assert unsent == DECISIONS
        assert smtp_sink.delivered == []

        redis_server.start()
        back = time.monotonic()
        record_figure("Redis outage (s)", f"{back - down:.1f}")
        # The worker that lost its broker reconnects by itself (Celery retries the connection).
        reconnected = wait_until(lambda: worker.log().count("Connected to redis://") >= 2, timeout=20, interval=0.1)
        record_figure("worker reconnected to Redis after its restart (s)", f"{time.monotonic() - back:.1f}")
        assert reconnected, worker.log()[-3000:]

        swept = services.requeue_stalled_work(older_than=timedelta(0))
        assert swept == {"emails": DECISIONS, "documents": 0}
        wait_until(lambda: len(smtp_sink.delivered) >= DECISIONS, timeout=20)
        # A second sweep (the next beat tick) finds nothing left to send.
        time.sleep(0.3)
        assert services.requeue_stalled_work(older_than=timedelta(0)) == {"emails": 0, "documents": 0}

    delivered = smtp_sink.recipients()
    record_figure("emails sent after Redis came back", f"{len(delivered)} of {DECISIONS}")
    record_figure("duplicate sends after Redis came back", max(len(delivered) - DECISIONS, 0))
    assert delivered == [student.user.email] * DECISIONS
    assert not Notification.objects.filter(user=student.user, emailed_at__isnull=True).exists()
