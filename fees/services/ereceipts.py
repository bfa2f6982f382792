"""The "other" channel: the student's uploaded tuition e-receipt, reviewed by finance (GUIDE tuition step)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fees.models import Channel, FeeKind, LedgerEntry
from fees.permissions import can_manage_fees
from fees.services.ledger import payment_record
from portal import services as portal_services
from portal.models import Evidence, EvidenceKind, Semester, User
from portal.services import ConflictError


def _check(evidence: Evidence, actor: User) -> None:
    if not can_manage_fees(actor):
        raise PermissionDenied(_("Only the finance office reviews tuition e-receipts."))
    if evidence.kind != EvidenceKind.TUITION_RECEIPT:
        raise ValidationError(_("This document is not a tuition e-receipt."))


def ereceipt_accept(
    *,
    evidence: Evidence,
    amount,
    academic_year: str,
    paid_on: date,
    actor: User,
    semester: Semester | None = None,
    reference: str = "",
    request=None,
) -> LedgerEntry:
    """Finance accepts the e-receipt: the document is approved and the amount it shows is recorded as paid."""
    _check(evidence, actor)
    with transaction.atomic():
        # The evidence decision locks the row and refuses a second decision, so two clicks record one payment.
        portal_services.evidence_approve(evidence=evidence, reviewer=actor)
        if LedgerEntry.objects.filter(evidence=evidence, entry_type="payment").exists():
            raise ConflictError(_("A payment is already recorded for this e-receipt."))
        return payment_record(
            student=evidence.student,
            fee_kind=FeeKind.TUITION,
            academic_year=academic_year,
            semester=semester,
            amount=amount,
            channel=Channel.OTHER,
            reference=reference or f"e-receipt-{evidence.pk}",
            paid_on=paid_on,
            description=_("Tuition e-receipt"),
            evidence=evidence,
            actor=actor,
            request=request,
        )


def ereceipt_reject(*, evidence: Evidence, reason: str, actor: User) -> Evidence:
    """The e-receipt does not prove a payment: the student sees why and may upload another."""
    _check(evidence, actor)
    return portal_services.evidence_reject(evidence=evidence, reviewer=actor, reason=reason)
