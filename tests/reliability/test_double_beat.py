"""Two Celery beat schedulers at once (a deploy that left the old one running): every email still goes out once.

Both beats read the schedule from the database (django-celery-beat's DatabaseScheduler), where the test adds the
sweep (requeue_stalled_work) every second; a real worker with two pool processes runs what they send. Each beat
queues every unsent email again on each tick, so the same email is often in the queue twice, and the two pool
processes may take both copies at once: the claim in notification_send_email must keep it to one message.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from portal.models import Notification
from tests.factories import StudentFactory
from tests.reliability.conftest import (
    celery_argv,
    portal_environment,
    record_figure,
    start_worker_process,
    wait_until,
)

pytestmark = pytest.mark.worker

EMAILS = 4
SWEEPS_EACH = 3  # ticks of each beat before the test stops them (about 3 s once both have started)
SWEEP = "requeue-stalled-work-every-second"
SEND_TASK = "portal.tasks.notification_send_email"


def _lines(process, *words: str) -> int:
    return sum(1 for line in process.log().splitlines() if all(word in line for word in words))


def test_two_beat_schedulers_at_once_send_each_email_once(transactional_db, processes, redis_server, smtp_sink):
    # Emails saved ten minutes ago and never queued (the sweep's default looks back five minutes).
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    recipients = []
    for number in range(EMAILS):
        user = StudentFactory().user
        Notification.objects.create(
            user=user,
            subject=f"Reminder {number}",
            body="Your visa expires soon.",
            send_email=True,
            created_at=ten_minutes_ago,
        )
        recipients.append(user.email)
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name=SWEEP, task="portal.tasks.requeue_stalled_work", interval=every_second)

    env = portal_environment(broker_url=redis_server.url, smtp_port=smtp_sink.port)
    worker = start_worker_process(processes, env, pool="prefork", concurrency=2)
    beat_argv = celery_argv(
        "beat", "--loglevel=INFO", "--scheduler=django_celery_beat.schedulers:DatabaseScheduler", "--max-interval=1"
    )
    beats = [processes.spawn("beat", beat_argv, env=env) for _ in range(2)]
    for beat in beats:
        beat.wait_for_log("Sending due task " + SWEEP, count=SWEEPS_EACH, timeout=30)
    alive = [beat.alive() for beat in beats]
    for beat in beats:
        beat.kill()
    # Let the worker finish what the beats queued.
    wait_until(
        lambda: _lines(worker, "Task ", " received") == _lines(worker, "Task ", "succeeded") + _lines(worker, "raised"),
        timeout=10,
        interval=0.2,
    )

    sweeps = [_lines(beat, "Sending due task " + SWEEP) for beat in beats]
    delivered = smtp_sink.recipients()
    record_figure("beat schedulers running at once", sum(alive))
    record_figure("sweeps sent by the two beats (one a second each)", " + ".join(map(str, sweeps)))
    record_figure("email tasks run under double beat", _lines(worker, f"Task {SEND_TASK}[", "succeeded"))
    record_figure("emails delivered under double beat", f"{len(delivered)} of {EMAILS}")
    record_figure("duplicate sends under double beat", len(delivered) - len(set(delivered)))

    assert alive == [True, True], [beat.log()[-2000:] for beat in beats]
    assert all(count >= SWEEPS_EACH for count in sweeps)
    assert sorted(delivered) == sorted(recipients)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert _lines(worker, "raised") == 0, worker.log()[-3000:]
