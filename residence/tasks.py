"""Celery tasks of the residence app: thin wrappers of services (safe to run twice)."""

from celery import shared_task

from portal.services import TRANSIENT_ERRORS
from residence import services


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def residence_reminders_send() -> dict:
    """Daily (Celery beat): compute every obligation and send each due reminder once."""
    return services.reminders_send()


@shared_task(acks_late=True)
def reminder_emails_send(run: str, first_id: int | None = None, last_id: int | None = None) -> int:
    """Email the in-portal reminders of one run of the job (each email once)."""
    return services.reminder_emails_send(run=run, first_id=first_id, last_id=last_id)
