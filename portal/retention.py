"""Retention: uploaded files of students who left are removed after a period per kind; the record stays."""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record
from portal.models import Evidence, EvidenceKind, StudentStatus


def retention_days(kind: str) -> int:
    return settings.EVIDENCE_RETENTION_DAYS.get(kind, settings.EVIDENCE_RETENTION_DAYS["default"])


def evidence_purge_expired(*, today: date | None = None, limit: int = 2000) -> int:
    """Remove the files whose retention period after the student left has ended; safe to run twice."""
    today = today or timezone.localdate()
    purged = 0
    for kind in EvidenceKind.values:
        cutoff = today - timedelta(days=retention_days(kind))
        candidates = (
            Evidence.objects.filter(
                kind=kind, purged_at__isnull=True, student__status=StudentStatus.LEFT, student__left_on__lt=cutoff
            )
            .exclude(file="")
            .select_related("student")
            .order_by("pk")[: limit - purged]
        )
        for evidence in candidates:
            with transaction.atomic():
                # Claim the row first, so two runs at once never remove (and record) the same file twice.
                claimed = Evidence.objects.filter(pk=evidence.pk, purged_at__isnull=True).update(
                    purged_at=timezone.now(), file=""
                )
                if not claimed:
                    continue
                name = evidence.file.name
                transaction.on_commit(lambda name=name: Evidence.file.field.storage.delete(name))
                audit_record(
                    actor=None,
                    action="evidence.file_purged",
                    target=evidence,
                    student=evidence.student,
                    reason=f"retention {retention_days(kind)} days after leaving on {evidence.student.left_on}",
                )
            purged += 1
        if purged >= limit:
            break
    return purged
