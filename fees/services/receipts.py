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


def receipt_pdf_request(*, receipt: Receipt, user: User, language: str):
    """The receipt as a PDF for this user: the one already made (or being made) in this language, or a new one."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from fees.permissions import can_see_fees_of
    from portal import services as portal_services
    from portal.models import DocumentStatus, GeneratedDocument

    if not can_see_fees_of(user, receipt.student):
        raise PermissionDenied(_("You may not see this receipt."))
    existing = (
        GeneratedDocument.objects.filter(
            owner=user, kind="fee_receipt", parameters__receipt_id=receipt.pk, language=language
        )
        .exclude(status=DocumentStatus.FAILED)
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    return portal_services.generated_document_request(
        owner=user,
        kind="fee_receipt",
        title=_("Receipt %(number)s") % {"number": receipt.number},
        parameters={"receipt_id": receipt.pk},
        language=language,
    )
