"""A real Celery worker on this machine's Redis renders a certificate queued the way the portal queues it.

The rest of the suite runs tasks in-process (no broker is set); this test proves the production path: the task
is sent to Redis only after the transaction commits, a worker thread picks it up, reads the committed rows and
stores a PDF with the Chinese name in it. It fails, never skips, when Redis is down: the test command starts it.
"""

import io
import os
import time

import pdfplumber
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state

from portal import services
from portal.celery import app
from portal.models import DocumentStatus, GeneratedDocument

pytestmark = pytest.mark.worker

# A database number of its own, emptied before and after, so leftovers never reach another test or a dev worker.
BROKER_URL = os.environ.get("WORKER_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
WAIT_SECONDS = 60

OVERRIDES = {
    "broker_url": BROKER_URL,
    "task_always_eager": False,
    "result_backend": None,
    # Leave pytest's logging alone.
    "worker_hijack_root_logger": False,
}


def _drop_connection_pools():
    # The app caches broker connections per URL; forget them so the next send uses the current broker_url.
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None


@pytest.fixture
def celery_on_redis(monkeypatch):
    broker = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=3)
    broker.ping()  # Raises when Redis is unreachable: this test must fail then, not skip.
    broker.flushdb()
    # Django checks run on worker start-up; they were already run for the test session.
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    saved = {key: app.conf[key] for key in OVERRIDES}
    app.conf.update(OVERRIDES)
    _drop_connection_pools()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        _drop_connection_pools()
        broker.flushdb()
        broker.close()


def test_a_real_worker_renders_a_certificate_with_a_chinese_name(
    transactional_db, other_school_student, celery_on_redis
):
    task_name = "portal.tasks.generated_document_render"
    handled_before = worker_state.total_count.get(task_name, 0)
    document = services.generated_document_request(
        owner=other_school_student.user,
        kind="enrolment_certificate",
        title="Certificate of enrolment",
        parameters={"student_id": other_school_student.student_id},
    )

    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        document.refresh_from_db()
        if document.status in (DocumentStatus.DONE, DocumentStatus.FAILED) or time.monotonic() > deadline:
            break
        time.sleep(0.2)

    assert document.status == DocumentStatus.DONE, f"status {document.status!r} after {WAIT_SECONDS}s: {document.error}"
    assert document.attempts == 1
    with document.file.open("rb") as handle, pdfplumber.open(io.BytesIO(handle.read())) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "陈伟玲" in text
    assert "Chen Wei Ling" in text
    assert GeneratedDocument.objects.count() == 1
    # Rendered by the worker from the Redis queue, not in-process.
    assert worker_state.total_count.get(task_name, 0) == handled_before + 1


def test_health_reports_ok_when_a_real_worker_runs_the_canary(transactional_db, client, celery_on_redis, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER_URL
    response = client.get("/health/")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "ok"}


def test_health_is_degraded_when_no_worker_runs_the_canary(db, client, settings, monkeypatch):
    # Celery's configuration is saved before the settings change: Celery reads Django's settings through, so a copy
    # taken after would "restore" in-process tasks as off for every later test (a live server's PDFs never made).
    saved = {key: app.conf[key] for key in OVERRIDES}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER_URL
    monkeypatch.setattr("portal.views.health.CANARY_WAIT_SECONDS", 0.3)
    app.conf.update(OVERRIDES)
    _drop_connection_pools()
    try:
        response = client.get("/health/")
    finally:
        app.conf.update(saved)
        _drop_connection_pools()
        redis.Redis.from_url(BROKER_URL).flushdb()
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "no worker ran the canary task"
