"""Numbered receipts: one per payment, numbers without gaps per calendar year; the PDF is rendered on request."""

from django.db import transaction
from django.utils import timezone

from fees.models import EntryType, LedgerEntry, Receipt, ReceiptCounter
from portal.audit import audit_record
from portal.models import User


def receipt_number_next(*, year: int) -> str:
    """The next receipt number of the year, e.g. "2026-000042"; the counter row is locked until the caller commits."""
    counter, _created = ReceiptCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{year}-{counter.last_number:06d}"


def receipt_issue(*, payment: LedgerEntry, actor: User | None) -> Receipt:
    """Give a payment its numbered receipt (once); the number is taken inside the payment's transaction."""
    if payment.entry_type != EntryType.PAYMENT:
        raise ValueError("Only a payment gets a receipt.")
    with transaction.atomic():
        existing = Receipt.objects.filter(payment=payment).first()
        if existing is not None:
            return existing
        now = timezone.now()
        receipt = Receipt.objects.create(
            number=receipt_number_next(year=timezone.localtime(now).year),
            payment=payment,
            student_id=payment.student_id,
            issued_at=now,
            issued_by=actor,
        )
        audit_record(actor=actor, action="fees.receipt", target=receipt, student=payment.student)
    return receipt
