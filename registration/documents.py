"""The visa-extension letter: a PDF from the International College for an approved registration.

The builder follows portal.documents' contract: it takes a GeneratedDocument and a progress callback and returns
`(filename, content_type, bytes)`. It is wired into portal.documents.DOCUMENT_BUILDERS under
"visa_extension_letter" (see builders()).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.documents import PDF, Progress, document_language, render_pdf
from portal.models import GeneratedDocument
from registration.models import FormStatus, RegistrationForm

KIND = "visa_extension_letter"
TEMPLATE = "documents/visa_extension_letter.html"


def visa_letter_reference(document: GeneratedDocument, today: date) -> str:
    return f"VISA-{today.year}-{document.pk:06d}"


def letter_passport_number(form: RegistrationForm) -> str:
    """The passport the student travels on now: the new one if the form says it changed."""
    if form.passport_changed and form.new_passport_number:
        return form.new_passport_number
    return form.student.passport_number


def visa_letter_form(document: GeneratedDocument) -> RegistrationForm:
    """The form the letter is for, checked again at render time: approved, in China, and the owner's own."""
    form_id = document.parameters.get("form_id")
    try:
        form_id = int(form_id)
    except (TypeError, ValueError):
        raise ValueError(_("The visa-extension letter needs a registration form.")) from None
    form = (
        RegistrationForm.objects.select_related("student__school", "student__user", "semester")
        .filter(pk=form_id)
        .first()
    )
    # A form that is missing and a form of someone else are refused alike: the letter is the student's own.
    if form is None or form.student.user_id != document.owner_id:
        raise ValueError(_("A visa-extension letter can only be issued to the student for their own registration."))
    if form.status != FormStatus.APPROVED:
        raise ValueError(_("The visa-extension letter is issued only once the registration is fully approved."))
    if not form.in_china:
        raise ValueError(_("The visa-extension letter is issued only to students who are in China."))
    return form


def visa_letter_context(*, form: RegistrationForm, document: GeneratedDocument, today: date) -> dict:
    language = document_language(document.language)
    student = form.student
    return {
        "student": student,
        "semester": form.semester,
        "school_name": student.school.localized_name(language),
        "semester_name": form.semester.localized_name(language),
        "passport_number": letter_passport_number(form),
        "permit_number": form.permit_number,
        "issued_on": today,
        "reference": visa_letter_reference(document, today),
    }


def visa_extension_letter(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    """The visa-extension letter for `parameters["form_id"]`, in the document's language."""
    form = visa_letter_form(document)
    today = timezone.localdate()
    context = visa_letter_context(form=form, document=document, today=today)
    content = render_pdf(TEMPLATE, context, language=document.language)
    progress(1, 1)
    return f"visa-extension-letter-{form.student.student_id}-{form.semester.code}.pdf", PDF, content


def builders() -> dict:
    """The entries this module adds to portal.documents.DOCUMENT_BUILDERS."""
    return {KIND: visa_extension_letter}
