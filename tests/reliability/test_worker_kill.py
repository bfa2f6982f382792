"""A Celery worker killed in the middle of sending an email: the email still goes out, and only once.

The worker is a real `celery -A portal worker` process on a Redis of the test's own; the SMTP server is a sink in
this process that holds the message before acknowledging it, so the kill lands deterministically mid-delivery.
Two ways to die are tested, because Celery treats them differently (both measured on this machine):

- the pool process running the task dies (prefork pool; OOM killer, segfault): the worker's main process notices
  within about 5 s, and acks_late + reject_on_worker_lost put the message back on the queue at once;
- the whole worker dies (solo pool, or the machine or container goes): nobody is left to give the message back.
  Redis keeps it as "unacked", and a worker restores it only once it is older than the visibility timeout (2 h in
  settings.py). Until then the periodic sweep is what sends the email; the late redelivery must not send it again.
"""

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest

from portal import services
from portal.models import Notification
from tests.factories import upload
from tests.reliability.conftest import (
    celery_app_on,
    portal_environment,
    record_figure,
    start_worker_process,
    wait_until,
)

pytestmark = pytest.mark.worker

TASK = "portal.tasks.notification_send_email"
# What the test passes to the restarted worker so that an abandoned message comes back in seconds, not hours.
SHORT_VISIBILITY = {"visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}


def _xfail_if_lost_by_the_claim(sink, notification: Notification) -> None:
    """The known bug: emailing claims the row (emailed_at) before it talks to the SMTP server, so a worker that dies
    mid-delivery leaves a row that looks sent, and neither the redelivered task nor the sweep sends it again.
    Only that exact outcome is an expected failure; once the claim is fixed the test passes as it stands."""
    if not sink.delivered and notification.emailed_at is not None:
        pytest.xfail(
            "BUG portal.services.notification_send_email sets emailed_at before sending: "
            "a worker killed mid-send loses the email"
        )


def _decide_and_queue(*, student, office_staff, broker_url) -> Notification:
    """A reviewer approves Amina's visa page; the decision's email is queued on the private Redis after commit."""
    evidence = services.evidence_submit(student=student, kind="visa_page", upload=upload(), uploaded_by=student.user)
    with celery_app_on(broker_url):
        services.evidence_approve(evidence=evidence, reviewer=office_staff)
    return Notification.objects.get(user=student.user)


def _pool_children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


def _task_lines(worker, outcome: str) -> int:
    """How many log lines of a worker say the email task was "received" (one per delivery), "succeeded", ..."""
    return sum(1 for line in worker.log().splitlines() if f"Task {TASK}[" in line and outcome in line)


def _report(scenario: str, sink, notification: Notification, deliveries: int) -> None:
    delivered = sink.recipients().count(notification.user.email)
    record_figure(f"task deliveries after {scenario}", deliveries)
    record_figure(f"emails delivered after {scenario} (expected 1)", delivered)
    record_figure(f"duplicate sends under {scenario}", max(delivered - 1, 0))
    record_figure(f"emails lost under {scenario}", 1 if delivered == 0 else 0)


def test_an_email_whose_pool_process_is_killed_mid_send_is_sent_once(
    transactional_db, processes, redis_server, smtp_sink, student, office_staff
):
    env = portal_environment(broker_url=redis_server.url, smtp_port=smtp_sink.port)
    worker = start_worker_process(processes, env, pool="prefork", concurrency=1)
    smtp_sink.hold(1)

    notification = _decide_and_queue(student=student, office_staff=office_staff, broker_url=redis_server.url)
    assert smtp_sink.holding.wait(20), f"the email never reached the SMTP sink:\n{worker.log()[-3000:]}"
    (child,) = _pool_children(worker.pid)
    os.kill(child, 9)
    started = time.monotonic()

    # The main process sees its child die, requeues the message (reject_on_worker_lost) and a new child runs it.
    wait_until(lambda: _task_lines(worker, "succeeded") + _task_lines(worker, "raised") >= 1, timeout=20)
    time.sleep(0.3)
    record_figure("redelivery after pool-process kill (s)", f"{time.monotonic() - started:.1f}")
    deliveries = _task_lines(worker, "received")
    notification.refresh_from_db()
    _report("pool-process kill", smtp_sink, notification, deliveries)

    assert "WorkerLostError" in worker.log()
    assert deliveries == 2, worker.log()[-3000:]
    assert smtp_sink.dropped == 1
    _xfail_if_lost_by_the_claim(smtp_sink, notification)
    assert smtp_sink.recipients() == [student.user.email]
    assert notification.emailed_at is not None


def test_an_email_whose_whole_worker_is_killed_mid_send_is_sent_once(
    transactional_db, processes, redis_server, smtp_sink, student, office_staff
):
    env = portal_environment(broker_url=redis_server.url, smtp_port=smtp_sink.port)
    first = start_worker_process(processes, env, pool="solo")
    smtp_sink.hold(1)

    notification = _decide_and_queue(student=student, office_staff=office_staff, broker_url=redis_server.url)
    assert smtp_sink.holding.wait(20), f"the email never reached the SMTP sink:\n{first.log()[-3000:]}"
    first.kill()
    broker = redis_server.client()
    assert broker.hlen("unacked") == 1, "the killed worker's message should wait in Redis as unacked"

    # 1. With the portal's own settings (visibility_timeout 2 h) a new worker does not take the message back.
    replacement = start_worker_process(processes, env, pool="solo")
    time.sleep(2)
    record_figure(
        "redeliveries within 2 s of a whole-worker kill (visibility_timeout 2 h)", _task_lines(replacement, "received")
    )
    assert _task_lines(replacement, "received") == 0
    assert broker.hlen("unacked") == 1

    # 2. What production relies on instead: the periodic sweep queues every unsent email again.
    with celery_app_on(redis_server.url):
        swept = services.requeue_stalled_work(older_than=timedelta(0))
    record_figure("emails queued again by the sweep after a whole-worker kill", swept["emails"])
    if swept["emails"]:
        wait_until(lambda: _task_lines(replacement, "succeeded") + _task_lines(replacement, "raised") >= 1, timeout=15)
    # A warm shutdown: anything it still held would go back to the queue.
    replacement.stop_signal = signal.SIGTERM
    replacement.stop()

    # 3. Two hours later the original message becomes visible again (2 s here): running it must not send twice.
    restorer = start_worker_process(processes, env, pool="solo", transport_options=SHORT_VISIBILITY)
    wait_until(lambda: _task_lines(restorer, "succeeded") + _task_lines(restorer, "raised") >= 1, timeout=15)
    time.sleep(0.3)
    notification.refresh_from_db()
    deliveries = 1 + _task_lines(replacement, "received") + _task_lines(restorer, "received")
    _report("whole-worker kill", smtp_sink, notification, deliveries)

    assert _task_lines(restorer, "received") == 1, restorer.log()[-3000:]
    assert broker.hlen("unacked") == 0
    assert smtp_sink.dropped == 1
    _xfail_if_lost_by_the_claim(smtp_sink, notification)
    assert swept["emails"] == 1
    assert smtp_sink.recipients() == [student.user.email]
    assert notification.emailed_at is not None
