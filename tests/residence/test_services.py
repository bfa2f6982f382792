"""Records with history: a student's new version, the office's review, passport change and loss."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from portal import services as portal_services
from portal.models import AuditEntry, ReviewState
from portal.services import ConflictError
from residence import services
from residence.models import PassportLossState, PassportRecord, ResidencePermitRecord
from tests.factories import upload
from tests.residence.conftest import PASSPORT, approve

pytestmark = pytest.mark.django_db


def test_a_students_new_passport_waits_for_review_and_changes_nothing_yet(student, submit):
    record = submit(student, "passport", **PASSPORT)
    student.refresh_from_db()
    assert record.state == ReviewState.SUBMITTED
    assert not record.is_current
    assert student.passport_number == "P12345678"


def test_an_approved_passport_becomes_the_office_record(student, submit, office_staff):
    record = approve(submit(student, "passport", **PASSPORT), office_staff)
    student.refresh_from_db()
    assert record.is_current and record.state == ReviewState.APPROVED
    assert (student.passport_number, student.passport_expires_on) == ("P99887766", date(2034, 1, 9))
    assert AuditEntry.objects.filter(action="residence.passport.applied", student=student).exists()


def test_every_version_is_kept_and_only_the_newest_approved_is_current(student, on_record):
    first = on_record(
        student, "permit", number="E1", issued_on=date(2025, 9, 1), expires_on=date(2026, 9, 1) + timedelta(days=400)
    )
    second = on_record(student, "permit", number="E2", issued_on=date(2025, 10, 1), expires_on=date(2027, 12, 1))
    first.refresh_from_db()
    assert ResidencePermitRecord.objects.filter(student=student).count() == 2
    assert not first.is_current and second.is_current


def test_a_rejected_version_leaves_the_current_one_in_place(student, on_record, submit, office_staff):
    current = on_record(
        student,
        "insurance",
        certificate_number="C1",
        insurer="Ping An",
        starts_on=date(2025, 9, 1),
        ends_on=date(2027, 8, 31),
    )
    rejected = services.record_decide(
        record=submit(
            student,
            "insurance",
            certificate_number="C2",
            insurer="X",
            starts_on=date(2025, 9, 1),
            ends_on=date(2027, 9, 1),
        ),
        reviewer=office_staff,
        approve=False,
        reason="The certificate is unreadable",
    )
    current.refresh_from_db()
    assert rejected.state == ReviewState.REJECTED and rejected.evidence.reason == "The certificate is unreadable"
    assert current.is_current


def test_an_approval_in_the_shared_review_queue_also_makes_the_record_current(student, submit, office_staff):
    record = submit(student, "visa", visa_type="x1", entry_date=date(2025, 9, 1))
    portal_services.evidence_approve(evidence=record.evidence, reviewer=office_staff)
    record.refresh_from_db()
    assert record.is_current


def test_an_older_version_approved_late_does_not_replace_the_newer_current_one(student, submit, office_staff):
    older = submit(student, "exam", verified_on=date(2025, 9, 3))
    newer = approve(submit(student, "exam", verified_on=date(2025, 9, 10)), office_staff)
    approve(older, office_staff)
    newer.refresh_from_db()
    older.refresh_from_db()
    assert newer.is_current and not older.is_current


def test_a_classmate_cannot_update_another_students_records(student, classmate):
    with pytest.raises(PermissionDenied):
        services.record_submit(
            student=student, kind="passport", values=PASSPORT, upload=upload(), submitted_by=classmate.user
        )


def test_school_staff_cannot_decide_on_records(student, submit, staff_a):
    with pytest.raises(PermissionDenied):
        services.record_decide(record=submit(student, "passport", **PASSPORT), reviewer=staff_a, approve=True)


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("passport", PASSPORT | {"expires_on": date(2024, 1, 1)}, "expires_on"),
        ("passport", PASSPORT | {"issued_on": date.today() + timedelta(days=2)}, "issued_on"),
        ("permit", {"number": "E1", "issued_on": date(2020, 1, 1), "expires_on": date(2021, 1, 1)}, "expires_on"),
        ("visa", {"visa_type": "x2", "entry_date": date(2025, 9, 1)}, "permitted_stay_days"),
        ("visa", {"visa_type": "x1", "entry_date": date.today() + timedelta(days=1)}, "entry_date"),
        (
            "insurance",
            {"certificate_number": "C", "insurer": "I", "starts_on": date(2026, 9, 1), "ends_on": date(2026, 8, 1)},
            "ends_on",
        ),
        ("exam", {"verified_on": date.today() + timedelta(days=1)}, "verified_on"),
    ],
)
def test_impossible_dates_are_refused_with_the_field_named(student, kind, values, field):
    with pytest.raises(ValidationError) as caught:
        services.record_submit(
            student=student, kind=kind, values=dict(values), upload=upload(), submitted_by=student.user
        )
    assert field in caught.value.error_dict


def test_a_lost_passport_is_reported_once_and_the_student_is_told_what_to_do(student):
    loss = services.passport_loss_report(
        student=student, lost_on=timezone.localdate(), circumstances="On the bus", reported_by=student.user
    )
    assert loss.state == PassportLossState.REPORTED
    assert student.user.notifications.filter(subject__icontains="passport").exists()
    with pytest.raises(ConflictError):
        services.passport_loss_report(
            student=student, lost_on=timezone.localdate(), circumstances="", reported_by=student.user
        )


def test_the_office_record_changes_only_when_the_new_passport_after_a_loss_is_approved(student, office_staff):
    loss = services.passport_loss_report(
        student=student, lost_on=timezone.localdate(), circumstances="", reported_by=student.user
    )
    replacement = services.record_submit(
        student=student,
        kind="passport",
        values=PASSPORT,
        upload=upload(),
        submitted_by=student.user,
        reason="replacement",
        loss=loss,
    )
    student.refresh_from_db()
    assert student.passport_number == "P12345678"
    approve(replacement, office_staff)
    student.refresh_from_db()
    loss.refresh_from_db()
    assert student.passport_number == "P99887766"
    assert loss.state == PassportLossState.REPLACED and loss.replaced_at is not None


def test_a_replacement_passport_needs_an_open_loss_report(student):
    with pytest.raises(ValidationError):
        services.record_submit(
            student=student,
            kind="passport",
            values=PASSPORT,
            upload=upload(),
            submitted_by=student.user,
            reason="replacement",
        )
    assert not PassportRecord.objects.filter(student=student).exists()
