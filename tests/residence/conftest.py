"""Helpers for the residence tests: records submitted by the student and approved by the office."""

from datetime import date

import pytest

from residence import services
from tests.factories import upload


def approve(record, reviewer):
    return services.record_decide(record=record, reviewer=reviewer, approve=True)


@pytest.fixture
def submit():
    """submit(student, kind, **values): the student adds a version of a record (today may be given)."""

    def add(student, kind, today=None, **values):
        return services.record_submit(
            student=student,
            kind=kind,
            values=values,
            upload=upload(),
            submitted_by=student.user,
            reason=values.pop("reason", "on_record"),
            loss=values.pop("loss", None),
            today=today,
        )

    return add


@pytest.fixture
def on_record(submit, office_staff):
    """on_record(student, kind, **values): a record the office has approved (the current version)."""

    def add(student, kind, today=None, reason="on_record", loss=None, **values):
        record = services.record_submit(
            student=student,
            kind=kind,
            values=values,
            upload=upload(),
            submitted_by=student.user,
            reason=reason,
            loss=loss,
            today=today,
        )
        return approve(record, office_staff)

    return add


PASSPORT = {
    "number": "P99887766",
    "country": "Pakistan",
    "issued_on": date(2024, 1, 10),
    "expires_on": date(2034, 1, 9),
}
