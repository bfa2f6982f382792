"""Rejection reasons: the common ones reviewers pick, and any stored reason shown in the reader's language."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

# The reasons reviewers give most often. The source (English) text is stored, so the student's pages and emails
# can show it in the student's language through the catalogue; free text is stored as written.
COMMON_REASONS = {
    "unreadable": gettext_lazy("The file cannot be read. Upload a clear scan or photo of the whole page."),
    "wrong_document": gettext_lazy("The file is not the document asked for. Upload the right document."),
    "expired": gettext_lazy("The document has expired. Upload the current one."),
    "coverage": gettext_lazy("The insurance does not cover the whole semester."),
    "mismatch": gettext_lazy("What you typed does not match the document. Correct it or upload the right file."),
    "not_own_name": gettext_lazy("The document is not in your own name."),
}


def reason_in_language(reason: str) -> str:
    """A stored reason in the active language: a common reason through the catalogue, also when the reviewer added
    a note after it; free text as written."""
    if not reason:
        return ""  # gettext("") would return the catalogue's header
    translated = gettext(reason)
    if translated != reason:
        return translated
    with translation.override(settings.LANGUAGE_CODE):
        sources = [str(text) for text in COMMON_REASONS.values()]
    for source in sources:
        if reason.startswith(source + " "):
            return f"{gettext(source)} {reason[len(source) + 1 :]}"
    return reason
