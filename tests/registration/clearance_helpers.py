"""Shared set-up of the leaving-school tests: an open window and a graduating student's clearance."""

import datetime

from django.utils import timezone

from registration import services
from registration.models import ClearanceWindow


def open_window(by, today=None):
    today = today or timezone.localdate()
    return ClearanceWindow.objects.create(
        name="June season",
        opens_on=today - datetime.timedelta(days=3),
        closes_on=today + datetime.timedelta(days=10),
        created_by=by,
    )


def graduate(student, *, by, on_campus=True, reason="graduation", effective_on=None):
    return services.clearance_open(
        student=student,
        reason=reason,
        effective_on=effective_on or timezone.localdate(),
        actor=by,
        on_campus=on_campus,
    )


def item(clearance, kind):
    return clearance.items.get(kind=kind)
