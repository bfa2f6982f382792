"""Writes of the residence records: a student's new version with its evidence, the review's effect, passport loss.

A record is never edited: an update is a new version with its own evidence, reviewed through the shared evidence
review (portal.services.evidence_approve / evidence_reject). When the evidence is approved, the version becomes the
current one (record_review_applied, called from the ReviewEvent the review writes, in the same transaction).
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import services as portal_services
from portal.audit import audit_record
from portal.models import Evidence, ReviewState, Student, User
from portal.services import ConflictError
from residence.models import (
    RECORD_MODELS,
    PassportLoss,
    PassportLossState,
    PassportReason,
    PassportRecord,
    ResidenceRecord,
    VisaType,
)
from residence.permissions import can_review_records, can_update_records_for

# The fields a student (or the office on their behalf) fills per kind of record.
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "passport": ("number", "country", "issued_on", "expires_on"),
    "visa": ("visa_type", "number", "entry_date", "permitted_stay_days"),
    "permit": ("number", "issued_on", "expires_on"),
    "exam": ("certificate_number", "verified_on"),
    "insurance": ("certificate_number", "insurer", "starts_on", "ends_on"),
}


def _check_values(kind: str, values: dict, today: date) -> None:
    """The handbook's checks on what was typed, as form errors in the user's language."""
    errors = {}
    if kind in ("passport", "permit"):
        issued, expires = values.get("issued_on"), values.get("expires_on")
        if issued and issued > today:
            errors["issued_on"] = _("The issue date cannot be in the future.")
        if issued and expires and expires <= issued:
            errors["expires_on"] = _("The expiry date must be after the issue date.")
        elif expires and expires < today:
            errors["expires_on"] = _("This document has already expired; enter the one you hold now.")
    elif kind == "visa":
        if values.get("entry_date") and values["entry_date"] > today:
            errors["entry_date"] = _("The date of entry cannot be in the future.")
        # Handbook: Residence 1 (the duration of stay of an X2 visa decides its extension date)
        if values.get("visa_type") == VisaType.X2 and not values.get("permitted_stay_days"):
            errors["permitted_stay_days"] = _("An X2 visa states the permitted duration of stay; enter it.")
    elif kind == "exam":
        if values.get("verified_on") and values["verified_on"] > today:
            errors["verified_on"] = _("The verification date cannot be in the future.")
    elif kind == "insurance":
        starts, ends = values.get("starts_on"), values.get("ends_on")
        if starts and ends and ends < starts:
            errors["ends_on"] = _("The insurance must end after it starts.")
        elif ends and ends < today:
            errors["ends_on"] = _("This insurance has already ended; enter the one that covers you now.")
    if errors:
        raise ValidationError(errors)


def record_submit(
    *,
    student: Student,
    kind: str,
    values: dict,
    upload,
    submitted_by: User,
    reason: str = PassportReason.ON_RECORD,
    loss: PassportLoss | None = None,
    today: date | None = None,
) -> ResidenceRecord:
    """Add a new version of one of the student's records with its evidence, waiting for the office's review."""
    model = RECORD_MODELS.get(kind)
    if model is None:
        raise ValidationError(_("Unknown kind of record."))
    if not can_update_records_for(submitted_by, student):
        raise PermissionDenied(_("You may not update this student's records."))
    today = today or timezone.localdate()
    fields = {name: values.get(name) for name in RECORD_FIELDS[kind]}
    for name in ("number", "certificate_number", "country", "insurer"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    _check_values(kind, fields, today)
    if kind == "passport":
        fields["reason"] = reason
        if reason == PassportReason.REPLACEMENT:
            if loss is None or loss.student_id != student.pk or loss.state != PassportLossState.REPORTED:
                raise ValidationError(_("A new passport after a loss follows a loss report that is still open."))
            fields["loss"] = loss
    with transaction.atomic():
        evidence = portal_services.evidence_submit(
            student=student, kind=model.EVIDENCE_KIND, upload=upload, uploaded_by=submitted_by
        )
        record = model.objects.create(student=student, evidence=evidence, submitted_by=submitted_by, **fields)
        audit_record(
            actor=submitted_by,
            action=f"residence.{kind}.submitted",
            target=record,
            student=student,
            changes={name: ["", str(value or "")] for name, value in fields.items() if name != "loss"},
        )
    return record


def passport_record_from_registration(
    *,
    student: Student,
    evidence: Evidence,
    number: str,
    country: str,
    issued_on: date,
    expires_on: date,
    submitted_by: User,
) -> PassportRecord:
    """A new passport reported in the semester registration form, proven by the photo page uploaded there: a
    version waiting for that upload's review. Approving the form's passport item approves the upload, which makes
    this version current and updates the passport on record (record_review_applied)."""
    existing = PassportRecord.objects.filter(evidence=evidence).first()
    if existing is not None:
        return existing
    record = PassportRecord.objects.create(
        student=student,
        evidence=evidence,
        submitted_by=submitted_by,
        number=number.strip(),
        country=country.strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        reason=PassportReason.CHANGE,
    )
    audit_record(
        actor=submitted_by,
        action="residence.passport.submitted",
        target=record,
        student=student,
        changes={"number": ["", record.number], "expires_on": ["", str(expires_on)]},
        reason="registration form",
    )
    return record


def record_for_evidence(evidence_id: int) -> ResidenceRecord | None:
    """The residence record an evidence proves, or None (evidence of registration forms, for example)."""
    for model in RECORD_MODELS.values():
        record = model.objects.filter(evidence_id=evidence_id).first()
        if record is not None:
            return record
    return None


def record_review_applied(*, evidence: Evidence, to_state: str) -> ResidenceRecord | None:
    """The office approved a record's evidence: it becomes the current version (the newest approved one).

    Runs inside the review's transaction (from the ReviewEvent it writes). A passport also updates the student's
    passport on record, and a new passport after a loss closes the loss (HANDBOOK Residence 6).
    """
    if to_state != ReviewState.APPROVED:
        return None
    record = record_for_evidence(evidence.pk)
    if record is None:
        return None
    model = type(record)
    # The student's versions are locked so two approvals at once still leave exactly one current version.
    versions = list(
        model.objects.select_for_update()
        .filter(student_id=record.student_id, evidence__state=ReviewState.APPROVED)
        .order_by("-submitted_at", "-id")
    )
    newest = versions[0] if versions else record
    if newest.pk != record.pk:
        return record  # an older version approved late: kept in the history, not current
    model.objects.filter(student_id=record.student_id, is_current=True).exclude(pk=record.pk).update(is_current=False)
    model.objects.filter(pk=record.pk).update(is_current=True)
    record.is_current = True
    if isinstance(record, PassportRecord):
        _passport_apply(record)
    return record


def _passport_apply(record: PassportRecord) -> None:
    """The office's record of the student's passport changes only when a new passport is approved."""
    student = Student.objects.select_for_update().get(pk=record.student_id)
    before = {"passport_number": student.passport_number, "passport_expires_on": str(student.passport_expires_on)}
    student.passport_number = record.number
    student.passport_expires_on = record.expires_on
    student.save(update_fields=["passport_number", "passport_expires_on", "updated_at"])
    audit_record(
        actor=record.evidence.decided_by,
        action="residence.passport.applied",
        target=record,
        student=student,
        changes={
            "passport_number": [before["passport_number"], record.number],
            "passport_expires_on": [before["passport_expires_on"], str(record.expires_on)],
        },
    )
    if record.loss_id:
        PassportLoss.objects.filter(pk=record.loss_id, state=PassportLossState.REPORTED).update(
            state=PassportLossState.REPLACED, replaced_at=timezone.now()
        )


def record_decide(*, record: ResidenceRecord, reviewer: User, approve: bool, reason: str = "") -> ResidenceRecord:
    """The office approves or rejects a version; the shared evidence review records and announces the decision."""
    if not can_review_records(reviewer):
        raise PermissionDenied(_("You may not decide on residence records."))
    if approve:
        portal_services.evidence_approve(evidence=record.evidence, reviewer=reviewer)
    else:
        portal_services.evidence_reject(evidence=record.evidence, reviewer=reviewer, reason=reason)
    record.refresh_from_db()
    record.evidence.refresh_from_db()
    return record


def passport_loss_report(
    *, student: Student, lost_on: date, circumstances: str, reported_by: User, today: date | None = None
) -> PassportLoss:
    """HANDBOOK Residence 6: a lost passport is reported at once; the student is told what to do next."""
    if not can_update_records_for(reported_by, student):
        raise PermissionDenied(_("You may not report for this student."))
    today = today or timezone.localdate()
    if lost_on > today:
        raise ValidationError({"lost_on": _("The date of the loss cannot be in the future.")})
    with transaction.atomic():
        if PassportLoss.objects.select_for_update().filter(student=student, state=PassportLossState.REPORTED).exists():
            raise ConflictError(_("A lost passport is already reported; upload the new passport when you have it."))
        loss = PassportLoss.objects.create(
            student=student, lost_on=lost_on, circumstances=(circumstances or "").strip(), reported_by=reported_by
        )
        audit_record(actor=reported_by, action="residence.passport.lost", target=loss, student=student)
        portal_services.notify(
            user=student.user,
            template="residence/email/passport_lost",
            context={"student": student, "loss": loss},
            url="/residence/",
        )
    return loss


def open_passport_loss(student: Student) -> PassportLoss | None:
    return PassportLoss.objects.filter(student=student, state=PassportLossState.REPORTED).first()


__all__ = [
    "RECORD_FIELDS",
    "ConflictError",
    "open_passport_loss",
    "passport_loss_report",
    "record_decide",
    "record_for_evidence",
    "record_review_applied",
    "record_submit",
]
