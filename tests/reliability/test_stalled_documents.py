"""A document whose worker died in the middle of rendering it is not left "Being prepared" for ever.

When a worker dies mid-render the document stays RUNNING. Its redelivered task (seconds later, see
test_worker_kill.py) rightly leaves it alone: generated_document_render takes over a RUNNING document only once
the render's hard time limit has passed, so that two workers never render one document at once. After that, only
the periodic sweep can queue it again. The tests run the sweep in-process (no broker is set in the test suite).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal import services
from portal.models import DocumentStatus, GeneratedDocument
from tests.reliability.conftest import record_figure

pytestmark = pytest.mark.django_db


def _document_left_running(owner, *, started_ago: timedelta) -> GeneratedDocument:
    """A certificate whose worker claimed it `started_ago` and then died (on_commit never runs in these tests)."""
    document = services.generated_document_request(
        owner=owner.user,
        kind="enrolment_certificate",
        title="Certificate of enrolment",
        parameters={"student_id": owner.student_id},
    )
    now = timezone.now()
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.RUNNING, created_at=now - started_ago, started_at=now - started_ago, attempts=1
    )
    return document


def test_the_sweep_takes_over_a_document_whose_worker_died_once_its_time_limit_has_passed(other_school_student):
    abandoned = timedelta(seconds=services.DOCUMENT_RENDER_TIME_LIMIT + 120)
    document = _document_left_running(other_school_student, started_ago=abandoned)

    swept = services.requeue_stalled_work()

    document.refresh_from_db()
    record_figure("documents left RUNNING by a dead worker that the sweep took over", f"{swept['documents']} of 1")
    assert swept == {"emails": 0, "documents": 1}
    assert document.status == DocumentStatus.DONE
    assert document.attempts == 2


def test_the_sweep_leaves_a_document_alone_while_its_render_may_still_be_running(other_school_student):
    document = _document_left_running(other_school_student, started_ago=timedelta(minutes=10))

    assert services.requeue_stalled_work() == {"emails": 0, "documents": 0}
    document.refresh_from_db()
    assert document.status == DocumentStatus.RUNNING
    assert document.attempts == 1
