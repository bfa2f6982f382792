"""Queueing background work so that a broker outage never costs a user what they just saved."""

import logging
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def _send(task, args: tuple) -> None:
    try:
        task.apply_async(args=args, retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2})
    except (OperationalError, ConnectionError, OSError):
        # The broker is down: the row is saved and the periodic sweep queues it again.
        logger.warning("Could not queue %s%r; the sweep will retry it", task.name, args, exc_info=True)
    except Exception:
        if not task.app.conf.task_always_eager:
            raise
        # In-process mode (the demo) runs the task right here; its failure is recorded on its own row
        # (a failed document, an unsent email) and must not turn the user's saved request into an error page.
        logger.exception("Task %s%r ran in-process and failed", task.name, args)


def enqueue_after_commit(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (never for a rolled-back write).

    If the broker cannot be reached the request still succeeds: the work is recorded in the database
    (a notification not yet emailed, a document still queued) and `portal.tasks.requeue_stalled_work` picks it up.
    """
    transaction.on_commit(partial(_send, task, args))
