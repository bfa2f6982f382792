"""The Leaving School Form (离校单): the student's data, every checklist item with who signed it and when, and a
verification number with a QR code that the public verification page checks.

Builders follow portal.documents' contract (a GeneratedDocument and a progress callback in,
`(filename, content_type, bytes)` out) and are wired into portal.documents.DOCUMENT_BUILDERS.
Handbook: LEAVING 3 (the form prints only after every procedure is done); Leaving the University.
"""

from __future__ import annotations

import base64
import io

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.documents import BATCH_CHUNK_SIZE, PDF, Progress, document_language, render_pdf
from portal.models import GeneratedDocument
from registration.models import Clearance, ClearanceHow
from registration.permissions import can_print_leaving_batches
from registration.selectors_leaving import _with_items

TEMPLATE = "documents/leaving_school_form.html"


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data: URI (WeasyPrint may fetch data: URIs and our static files only)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def verify_url(verify_base: str, number: str) -> str:
    return verify_base.rstrip("/") + reverse("clearance_verify", args=[number])


def _signer(item) -> str:
    if item.done_how == ClearanceHow.AUTOMATIC:
        return _("Portal records (automatic)")
    if item.done_how == ClearanceHow.ONLINE:
        return _("The student, online")
    user = item.done_by
    name = (user.get_full_name() or user.username) if user else ""
    return f"{name} ({user.get_role_display()})" if user else ""


def form_context(*, clearance: Clearance, document: GeneratedDocument) -> dict:
    language = document_language(document.language)
    number = clearance.verification_number
    url = verify_url(document.parameters.get("verify_base", ""), number)
    return {
        "student": clearance.student,
        "clearance": clearance,
        "school_name": clearance.student.school.localized_name(language),
        "items": [
            {"label": item.get_kind_display(), "signer": _signer(item), "done_at": item.done_at}
            for item in clearance.items.all()
        ],
        "qr": qr_data_uri(url),
        "verify_url": url,
    }


def _printable(document: GeneratedDocument):
    """Completed clearances the owner may print: their own, or any visible one for an admin. Checked at render."""
    clearances = _with_items(Clearance.objects.visible_to(document.owner)).filter(completed_at__isnull=False)
    if not can_print_leaving_batches(document.owner):
        clearances = clearances.filter(student__user_id=document.owner_id)
    return clearances


def leaving_school_form(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    """One student's Leaving School Form, refused unless every item is done (checked again at render time)."""
    clearance = _printable(document).filter(pk=document.parameters.get("clearance_id")).first()
    if clearance is None:
        raise ValueError(_("The Leaving School Form can be printed only after every item is done."))
    content = render_pdf(
        TEMPLATE, {"forms": [form_context(clearance=clearance, document=document)]}, language=document.language
    )
    progress(1, 1)
    return f"leaving-school-form-{clearance.student.student_id}.pdf", PDF, content


def leaving_school_form_batch(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    """Many forms in one PDF, one per page, rendered in chunks (as the certificates of enrolment).

    1. The requested clearances keep their order; each chunk is looked up again: only completed ones the owner
       may print are printed, anything else is skipped.
    2. Each chunk is one WeasyPrint render, and progress is reported after it; pypdf joins the chunks.
    """
    from pypdf import PdfReader, PdfWriter

    requested = list(dict.fromkeys(int(value) for value in document.parameters.get("clearance_ids", [])))
    total = len(requested)
    progress(0, total)
    printable = _printable(document)
    writer = PdfWriter()
    printed = 0
    for start in range(0, total, BATCH_CHUNK_SIZE):
        chunk = requested[start : start + BATCH_CHUNK_SIZE]
        found = {clearance.pk: clearance for clearance in printable.filter(pk__in=chunk)}
        forms = [form_context(clearance=found[pk], document=document) for pk in chunk if pk in found]
        if forms:
            printed += len(forms)
            writer.append(PdfReader(io.BytesIO(render_pdf(TEMPLATE, {"forms": forms}, language=document.language))))
        progress(min(start + BATCH_CHUNK_SIZE, total), total)
    if not printed:
        raise ValueError(_("None of the requested forms can be printed."))
    output = io.BytesIO()
    writer.write(output)
    return f"leaving-school-forms-{document.pk}.pdf", PDF, output.getvalue()


def builders() -> dict:
    """The entries this module adds to portal.documents.DOCUMENT_BUILDERS."""
    return {
        "leaving_school_form": leaving_school_form,
        "leaving_school_form_batch": leaving_school_form_batch,
        "status_notice": status_notice,
    }


# --- The notice of a withdrawal or dismissal decision -------------------------------------------------------------


def status_notice(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    """The notice of a withdrawal or dismissal decision, for the student or the office that decided it."""
    from django.utils import timezone

    from registration.models import StatusChange, StatusChangeState
    from registration.permissions import can_decide_withdrawal

    change = (
        StatusChange.objects.select_related("student__school")
        .filter(pk=document.parameters.get("change_id"), kind__in=["withdrawal", "dismissal"])
        .filter(state=StatusChangeState.APPROVED)
        .first()
    )
    owner = document.owner
    # Checked again at render time: the notice is the student's own, or the deciding office's.
    if change is None or not (change.student.user_id == owner.pk or can_decide_withdrawal(owner)):
        raise ValueError(_("This notice cannot be issued."))
    from registration import rules

    today = timezone.localdate()
    context = {
        "student": change.student,
        "change": change,
        "school_name": change.student.school.localized_name(document_language(document.language)),
        "issued_on": today,
        "reference": f"ST-{today.year}-{change.pk:06d}",
        "move_out_by": rules.move_out_deadline(reason=change.kind, effective_on=change.first_day),
    }
    content = render_pdf("documents/status_notice.html", context, language=document.language)
    progress(1, 1)
    return f"notice-{change.kind}-{change.student.student_id}.pdf", PDF, content
