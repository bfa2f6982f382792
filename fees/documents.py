"""The fee receipt PDF, a builder of portal.documents.DOCUMENT_BUILDERS ("fee_receipt").

It takes a GeneratedDocument and a progress callback and returns `(filename, content_type, bytes)`, rendered from
our own template in the document's language.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from fees.models import Receipt
from portal.documents import PDF, Progress, document_language, render_pdf
from portal.models import GeneratedDocument

KIND = "fee_receipt"
TEMPLATE = "fees/pdf/receipt.html"


def receipt_for_document(document: GeneratedDocument) -> Receipt:
    """The receipt the document is for, checked again at render time against the owner's visibility."""
    try:
        receipt_id = int(document.parameters.get("receipt_id"))
    except (TypeError, ValueError):
        raise ValueError(_("A receipt PDF needs a receipt.")) from None
    receipt = (
        Receipt.objects.visible_to(document.owner)
        .select_related("student__school", "payment__semester", "payment__reversed_by")
        .filter(pk=receipt_id)
        .first()
    )
    if receipt is None:
        raise ValueError(_("This receipt is not yours to print."))
    return receipt


def fee_receipt(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    receipt = receipt_for_document(document)
    language = document_language(document.language)
    payment = receipt.payment
    context = {
        "receipt": receipt,
        "student": receipt.student,
        "payment": payment,
        "amount": payment.display_amount,
        "school_name": receipt.student.school.localized_name(language),
        "semester_name": payment.semester.localized_name(language) if payment.semester_id else "",
        "issued_on": timezone.localdate(receipt.issued_at),
        "reversed": hasattr(payment, "reversed_by"),
    }
    content = render_pdf(TEMPLATE, context, language=document.language)
    progress(1, 1)
    return f"receipt-{receipt.number}.pdf", PDF, content


def builders() -> dict:
    """The entries this module adds to portal.documents.DOCUMENT_BUILDERS."""
    return {KIND: fee_receipt}
