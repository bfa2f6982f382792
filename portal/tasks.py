"""Celery tasks of the shared kernel: thin wrappers that take ids and call services (safe to run twice)."""

from celery import shared_task

from portal import services

# Passing failures (SMTP down, a dropped connection) are retried a few times with growing pauses.
TRANSIENT_ERRORS = services.TRANSIENT_ERRORS


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def notification_send_email(notification_id: int) -> bool:
    return services.notification_send_email(notification_id=notification_id)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def notification_send_emails(notification_ids: list[int]) -> int:
    # A retry after a passing failure skips the ones already sent: each send marks its row.
    return sum(1 for pk in notification_ids if services.notification_send_email(notification_id=pk))


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=services.DOCUMENT_RENDER_TIME_LIMIT - 300,
    time_limit=services.DOCUMENT_RENDER_TIME_LIMIT,
)
def generated_document_render(document_id: int) -> bool:
    return services.generated_document_render(document_id=document_id)


@shared_task(acks_late=False, max_retries=0)
def health_canary(token: str) -> str:
    """Answers the health check: proves a worker takes tasks from the queue and reaches the shared cache."""
    from django.core.cache import cache

    cache.set(f"health-canary:{token}", "ok", timeout=60)
    return "ok"


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def activation_link_send(user_id: int) -> bool:
    return services.activation_link_send(user_id=user_id)


@shared_task
def requeue_stalled_work() -> dict:
    """Every few minutes (Celery beat): queue again emails and documents that were saved but never queued."""
    return services.requeue_stalled_work()


@shared_task
def evidence_purge_expired() -> int:
    """Daily (Celery beat): remove uploaded files whose retention period has ended."""
    from portal.retention import evidence_purge_expired as purge

    return purge()
