"""Celery tasks of semester registration: thin, idempotent wrappers of the services (safe to run twice)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from portal.services import TRANSIENT_ERRORS
from registration import rules, selectors, services


def _today(day: str | None) -> date:
    # The day may be given (an ISO date) to re-run a missed day; the services take `today` and never read the clock.
    return date.fromisoformat(day) if day else timezone.localdate()


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def two_week_lists_refresh(day: str | None = None) -> dict[str, dict[str, int]]:
    """Daily (Celery beat): add to the two-week list of each semester in its registration period whoever is now due.

    Listings are only ever added (unique per student and semester), so a second or overlapping run adds nothing.
    """
    today = _today(day)
    return {
        semester.code: services.two_week_list_refresh(semester=semester, today=today)
        for semester in selectors.registration_period_semesters(today=today)
    }


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def registration_reminders_send(day: str | None = None) -> dict[str, dict[str, int]]:
    """Daily (Celery beat): remind students who are not registered, 3 days before and on each deadline.

    Each reminder is claimed as a unique row before it is sent, so a retry or a second run sends nothing twice.
    """
    today = _today(day)
    lead = max(rules.DEFAULT_REMINDER_LEAD_DAYS)
    return {
        semester.code: services.registration_reminders_send(semester=semester, today=today)
        for semester in selectors.registration_period_semesters(today=today, lead_days=lead)
    }


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def clearance_refresh_automatic() -> int:
    """Often (Celery beat): complete the fees items of leavers who owe nothing now (safe to run twice)."""
    return services.clearance_refresh_automatic()


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def clearance_overdue_remind(day: str | None = None) -> int:
    """Daily (Celery beat): remind leavers past their move-out day; each is claimed once a day, so reruns send none."""
    return services.clearance_overdue_remind(today=_today(day))


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def leaves_ended_refresh(day: str | None = None) -> int:
    """Daily (Celery beat): students whose leave of absence has ended are enrolled again (safe to run twice)."""
    return services.leaves_ended_refresh(today=_today(day))


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def attendance_notices_send(day: str | None = None) -> int:
    """Daily (Celery beat): tell students an attendance rule applies to, once a term each (unique notices)."""
    return services.attendance_notices_send(today=_today(day))
