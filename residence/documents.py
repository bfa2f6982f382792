"""The certification letter of the International College (HANDBOOK Residence 4 and 8 (1)) as a PDF.

The builder follows portal.documents' contract: it takes a GeneratedDocument and a progress callback and returns
`(filename, content_type, bytes)`. It is wired into portal.documents.DOCUMENT_BUILDERS under
"residence_certification_letter" (see builders()), imported lazily there because this module builds on it.
"""

from __future__ import annotations

from datetime import date

from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from portal.documents import PDF, Progress, document_language, render_pdf
from portal.models import DegreeLevel, Gender, GeneratedDocument
from residence.models import LetterPurpose, LetterRequest, LetterState, VisaType
from residence.services.letters import DOCUMENT_KIND

TEMPLATE = "residence/documents/certification_letter.html"


def _day(value: str, language: str) -> str:
    """An ISO date of the letter's data, written the way the letter's language writes dates."""
    if not value:
        return ""
    day = date.fromisoformat(value)
    with translation.override(language):
        return date_format(day, "Y年n月j日" if language.startswith("zh") else "j F Y")


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def letter_for_document(document: GeneratedDocument) -> LetterRequest:
    """The letter a document prints, checked again at render time: approved, and the owner's own."""
    letter_id = document.parameters.get("letter_id")
    try:
        letter_id = int(letter_id)
    except (TypeError, ValueError):
        raise ValueError(_("The certification letter needs a letter request.")) from None
    letter = LetterRequest.objects.select_related("student").filter(pk=letter_id).first()
    # A missing letter and someone else's are refused alike: the letter is the student's own.
    if letter is None or letter.student.user_id != document.owner_id:
        raise ValueError(_("A certification letter is issued only to the student it certifies."))
    if letter.state != LetterState.APPROVED or not letter.number:
        raise ValueError(_("The certification letter is printed only once the International College approved it."))
    return letter


def letter_context(letter: LetterRequest, language: str) -> dict:
    """The template's values, from the data fixed at approval, with labels and dates in the letter's language."""
    details = letter.details
    zh = language.startswith("zh")
    with translation.override(language):
        return {
            "details": details,
            "number": letter.number,
            "issued_on": letter.issued_on,
            "purpose": letter.purpose,
            "purpose_label": _label(LetterPurpose, letter.purpose),
            "school_name": (details.get("school_zh") if zh else "") or details.get("school_en", ""),
            "gender": _label(Gender, details.get("gender", "")),
            "degree_level": _label(DegreeLevel, details.get("degree_level", "")),
            "visa_type": _label(VisaType, details.get("visa_type", "")),
            "date_of_birth": _day(details.get("date_of_birth", ""), language),
            "permit_expires_on": _day(details.get("permit_expires_on", ""), language),
            "entry_date": _day(details.get("entry_date", ""), language),
        }


def certification_letter(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    """The certification letter for `parameters["letter_id"]`, in the document's language."""
    letter = letter_for_document(document)
    language = document_language(document.language)
    content = render_pdf(TEMPLATE, letter_context(letter, language), language=language)
    progress(1, 1)
    return f"certification-letter-{letter.number}-{language}.pdf", PDF, content


def builders() -> dict:
    """The entries this module adds to portal.documents.DOCUMENT_BUILDERS."""
    return {DOCUMENT_KIND: certification_letter}
