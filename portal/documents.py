"""Official PDFs of the shared kernel: rendered from our own templates with WeasyPrint.

Every builder in DOCUMENT_BUILDERS takes a GeneratedDocument and a progress callback and returns
`(filename, content_type, content)`; the render task (services.generated_document_render) calls them. The content is
bytes, or a django File for an archive written to disk (PdfArchive), which the task stores in chunks and then closes.
"""

from __future__ import annotations

import functools
import io
import mimetypes
import re
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files import File
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import GeneratedDocument, Semester, Student, StudentStatus

PDF = "application/pdf"
ZIP = "application/zip"
# What a generated document may be served as, by the extension of its file name; anything else is served as a PDF.
CONTENT_TYPES = {".pdf": PDF, ".zip": ZIP}

# A batch is rendered this many certificates at a time, so progress moves and a worker's memory stays flat.
BATCH_CHUNK_SIZE = 25

Progress = Callable[[int, int], None]


# --- The render service ---------------------------------------------------------------------------------------

_font_config = None
_font_config_lock = threading.Lock()


def font_configuration():
    """The one FontConfiguration of this process.

    Building one per document leaked memory (90 -> 206 MB over 300 documents, MACHINE-NOTES); reusing one stays
    flat. It is created on first use so that web processes which never render a PDF do not pay for it.
    """
    global _font_config
    if _font_config is None:
        with _font_config_lock:
            if _font_config is None:
                from weasyprint.text.fonts import FontConfiguration

                _font_config = FontConfiguration()
    return _font_config


def static_roots() -> list[Path]:
    """The folders our static files live in: what the staticfiles finders search, and STATIC_ROOT."""
    roots: list[Path] = []
    for finder in finders.get_finders():
        # FileSystemFinder (STATICFILES_DIRS) and AppDirectoriesFinder both keep one storage per folder.
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return list(dict.fromkeys(roots))


def static_base_url() -> str:
    """The base URL of PDF templates: relative links such as `portal/css/pdf.css` resolve in our static folder."""
    first = settings.STATICFILES_DIRS[0] if settings.STATICFILES_DIRS else settings.STATIC_ROOT
    folder = Path(first[1] if isinstance(first, (tuple, list)) else first).resolve()
    return folder.as_uri() + "/"


def static_file_for_url(url: str, roots: Iterable[Path]) -> Path | None:
    """The file a `file:` URL names, if it is a file inside one of `roots`; None for anything else."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    # resolve() follows symbolic links and `..`, so the check is made on the real location.
    path = Path(url2pathname(unquote(parts.path))).resolve()
    if not path.is_file():
        return None
    return path if any(path.is_relative_to(root) for root in roots) else None


@functools.cache
def static_files_fetcher_class() -> type:
    """WeasyPrint's URLFetcher narrowed to our own static files and `data:` URLs.

    Built on first use, like the font configuration, so that importing this module does not import WeasyPrint.
    Since WeasyPrint 68 a custom fetcher is a URLFetcher subclass that overrides `fetch` (plain functions and
    default_url_fetcher are gone); a refused URL raises, and WeasyPrint leaves that resource out with a warning.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnlyFetcher(URLFetcher):
        # A PDF is rendered on a server that can reach the database, internal services and every file on disk;
        # anything that reaches the HTML by mistake must not be able to pull those into a document.

        def __init__(self, roots: Iterable[Path] | None = None, **kwargs):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, **kwargs)
            self.roots = list(roots) if roots is not None else static_roots()

        def fetch(self, url: str, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            path = static_file_for_url(url, self.roots) if scheme == "file" else None
            if path is None:
                raise ValueError(f"Refused to fetch {url[:200]!r}: PDFs may use only the portal's static files")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return StaticFilesOnlyFetcher


def letterhead_context() -> dict:
    return {
        "UNIVERSITY_NAME": settings.UNIVERSITY_NAME,
        "UNIVERSITY_NAME_ZH": settings.UNIVERSITY_NAME_ZH,
        "COLLEGE_NAME": settings.COLLEGE_NAME,
        "COLLEGE_NAME_ZH": settings.COLLEGE_NAME_ZH,
    }


def document_language(language: str | None) -> str:
    """One of our languages: an unknown or empty code prints in the default language."""
    codes = dict(settings.LANGUAGES)
    return language if language in codes else settings.LANGUAGE_CODE


def render_document(template_name: str, context: dict, *, language: str):
    """Lay out one of our templates (autoescaped, never user-written HTML) in the given language: a WeasyPrint
    Document, whose pages can be written as one PDF or split into several."""
    from weasyprint import HTML

    language = document_language(language)
    with translation.override(language):
        html = render_to_string(
            template_name,
            {**letterhead_context(), **context, "language": language, "is_zh": language.startswith("zh")},
        )
    return HTML(string=html, base_url=static_base_url(), url_fetcher=static_files_fetcher_class()()).render(
        font_config=font_configuration()
    )


def render_pdf(template_name: str, context: dict, *, language: str) -> bytes:
    """Render one of our templates to PDF in the given language."""
    return render_document(template_name, context, language=language).write_pdf()


def content_type_for(filename: str) -> str:
    """The content type a generated file is served with, from its name's extension (PDF unless it is a ZIP)."""
    return CONTENT_TYPES.get(Path(filename or "").suffix.lower(), PDF)


# --- Archives of PDFs -----------------------------------------------------------------------------------------

_UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_]+")


def safe_file_name(*parts: str, suffix: str = ".pdf", max_length: int = 100) -> str:
    """A file name made of `parts` that every unzip tool and file system takes as one plain file.

    Accents are folded to ASCII ("José" -> "Jose") and every run of anything but letters, digits and underscores
    becomes one dash: slashes, backslashes, dots, drive letters and control characters cannot name another folder,
    and Chinese characters are left out because older unzip tools (Windows Explorer among them) garble them.
    """
    text = "-".join(str(part) for part in parts if part)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE_NAME_CHARACTERS.sub("-", ascii_text).strip("-_")[: max_length - len(suffix)].rstrip("-_")
    return f"{stem or 'document'}{suffix}"


class PdfArchive:
    """A ZIP of PDFs written to a temporary file as they come, so a batch of thousands is never in memory at once.

    Use it as a context manager; `add` each PDF, then `file()` hands the finished archive to the render task,
    which stores and closes it. Leaving the block by an exception removes the temporary file.
    """

    def __init__(self, issued_at=None):
        moment = timezone.localtime(issued_at)
        # ZIP dates cannot be before 1980; our documents never are.
        self.date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
        self.names: set[str] = set()
        self.count = 0
        self._handle = tempfile.NamedTemporaryFile(prefix="portal-archive-", suffix=".zip")  # noqa: SIM115
        self._zip = zipfile.ZipFile(self._handle, "w", compression=zipfile.ZIP_DEFLATED)

    def __enter__(self) -> PdfArchive:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            self._zip.close()
            self._handle.close()

    def add(self, name: str, content: bytes) -> str:
        """Add one PDF under `name` (already safe); a repeated name gets a number. Returns the name used."""
        stem, suffix = name.rsplit(".", 1) if "." in name else (name, "")
        unique, number = name, 1
        while unique in self.names:
            number += 1
            unique = f"{stem}-{number}.{suffix}" if suffix else f"{stem}-{number}"
        info = zipfile.ZipInfo(unique, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16  # a plain readable file when unzipped on Unix
        self._zip.writestr(info, content)
        self.names.add(unique)
        self.count += 1
        return unique

    def file(self) -> File:
        """The finished archive, read from its start; the caller closes it (which deletes the temporary file)."""
        self._zip.close()
        self._handle.seek(0)
        return File(self._handle)


# --- Certificates of enrolment --------------------------------------------------------------------------------


def current_semester(today: date) -> Semester | None:
    """The semester running today, or else the next one to start."""
    return Semester.objects.current(today) or Semester.objects.filter(starts_on__gt=today).order_by("starts_on").first()


def reference_number(document: GeneratedDocument, today: date, index: int | None = None) -> str:
    reference = f"ISA-{today.year}-{document.pk:06d}"
    return f"{reference}-{index:04d}" if index is not None else reference


def certificate_context(
    *, student: Student, document: GeneratedDocument, semester: Semester | None, today: date, reference: str
) -> dict:
    language = document_language(document.language)
    return {
        "student": student,
        "school_name": student.school.localized_name(language),
        "semester_name": semester.localized_name(language) if semester else "",
        # A school's staff see passport numbers masked on screen; a certificate they print shows no more.
        "passport_number": permissions.identity_number_for(document.owner, student.passport_number),
        "issued_on": today,
        "reference": reference,
    }


def printable_students(owner) -> QuerySet[Student]:
    """Students the owner may see and who are still students (a certificate of enrolment for a leaver is false)."""
    return Student.objects.visible_to(owner).exclude(status=StudentStatus.LEFT).select_related("school", "user")


def enrolment_certificate(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    """One Certificate of Enrolment (在读证明) for `parameters["student_id"]`, in the document's language."""
    student_id = str(document.parameters.get("student_id", ""))
    # The owner's scope is checked again now: access may have changed since the request was queued.
    student = printable_students(document.owner).filter(student_id=student_id).first()
    if student is None:
        raise ValueError(_("This student cannot be printed: not found, not visible to you, or no longer enrolled."))
    today = timezone.localdate()
    context = {
        "certificates": [
            certificate_context(
                student=student,
                document=document,
                semester=current_semester(today),
                today=today,
                reference=reference_number(document, today),
            )
        ]
    }
    content = render_pdf("documents/enrolment_certificate.html", context, language=document.language)
    progress(1, 1)
    return f"enrolment-certificate-{student.student_id}.pdf", PDF, content


def enrolment_certificate_batch(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    """Certificates of enrolment for many students in one PDF, one student per page, rendered in chunks.

    1. The requested IDs are kept in their order; each chunk is looked up again through the owner's visibility,
       so a student the owner may no longer see is skipped, never printed.
    2. Each chunk is one WeasyPrint render; progress is reported after it.
    3. The chunk PDFs are joined with pypdf.
    """
    from pypdf import PdfReader, PdfWriter

    requested = list(dict.fromkeys(str(value) for value in document.parameters.get("student_ids", [])))
    total = len(requested)
    progress(0, total)
    today = timezone.localdate()
    semester = current_semester(today)
    students = printable_students(document.owner)
    writer = PdfWriter()
    printed = 0
    for start in range(0, total, BATCH_CHUNK_SIZE):
        chunk = requested[start : start + BATCH_CHUNK_SIZE]
        found = {student.student_id: student for student in students.filter(student_id__in=chunk)}
        certificates = []
        for student_id in chunk:
            student = found.get(student_id)
            if student is None:
                continue
            printed += 1
            certificates.append(
                certificate_context(
                    student=student,
                    document=document,
                    semester=semester,
                    today=today,
                    reference=reference_number(document, today, printed),
                )
            )
        if certificates:
            content = render_pdf(
                "documents/enrolment_certificate.html", {"certificates": certificates}, language=document.language
            )
            writer.append(PdfReader(io.BytesIO(content)))
        progress(min(start + BATCH_CHUNK_SIZE, total), total)
    if not printed:
        raise ValueError(_("None of the requested students can be printed."))
    output = io.BytesIO()
    writer.write(output)
    return f"enrolment-certificates-{document.pk}.pdf", PDF, output.getvalue()


def visa_extension_letter(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    # Imported here: registration.documents builds on this module (render_pdf), so a top-level import would cycle.
    from registration.documents import visa_extension_letter as build

    return build(document, progress)


def fee_receipt(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    # Imported here for the same reason: fees.documents builds on render_pdf.
    from fees.documents import fee_receipt as build

    return build(document, progress)


def residence_certification_letter(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    # Imported here for the same reason: residence.documents builds on render_pdf.
    from residence.documents import certification_letter as build

    return build(document, progress)


def academic_transcript(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    # Imported here for the same reason: academics.documents builds on render_pdf.
    from academics.documents import academic_transcript as build

    return build(document, progress)


def academic_transcript_batch(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    from academics.documents import academic_transcript_batch as build

    return build(document, progress)


DOCUMENT_BUILDERS: dict[str, Callable[[GeneratedDocument, Progress], tuple[str, str, bytes]]] = {
    "enrolment_certificate": enrolment_certificate,
    "enrolment_certificate_batch": enrolment_certificate_batch,
    "visa_extension_letter": visa_extension_letter,
    "fee_receipt": fee_receipt,
    "residence_certification_letter": residence_certification_letter,
}


def _leaving_school_builder(name: str):
    def build(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
        # Imported here: registration.documents_leaving builds on render_pdf, so a top-level import would cycle.
        from registration.documents_leaving import builders

        return builders()[name](document, progress)

    return build


DOCUMENT_BUILDERS["leaving_school_form"] = _leaving_school_builder("leaving_school_form")
DOCUMENT_BUILDERS["leaving_school_form_batch"] = _leaving_school_builder("leaving_school_form_batch")
DOCUMENT_BUILDERS["academic_transcript"] = academic_transcript
DOCUMENT_BUILDERS["academic_transcript_batch"] = academic_transcript_batch
DOCUMENT_BUILDERS["status_notice"] = _leaving_school_builder("status_notice")
