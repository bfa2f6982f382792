"""Transcripts as PDFs: one student's (official, or the student's own unofficial copy) and official batches.

The builders follow portal.documents' contract: they take a GeneratedDocument and a progress callback and return
`(filename, content_type, bytes)`; portal.documents.DOCUMENT_BUILDERS reaches them lazily (see builders()).
A batch is rendered BATCH_CHUNK_SIZE students at a time: two queries per chunk (students, then their enrolments
with courses and results), one WeasyPrint layout, progress reported after each; the chunks are joined with pypdf
into one PDF, or split into one PDF per student and written to a ZIP on disk.
"""

from __future__ import annotations

import io
import secrets

from django.core.files import File
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academics import permissions, selectors
from academics.models import TranscriptIssue
from academics.rules import round_gpa
from portal.documents import (
    BATCH_CHUNK_SIZE,
    PDF,
    ZIP,
    PdfArchive,
    Progress,
    document_language,
    render_document,
    render_pdf,
    safe_file_name,
)
from portal.models import GeneratedDocument, Student

SINGLE = "academic_transcript"
BATCH = "academic_transcript_batch"
TEMPLATE = "academics/pdf/transcript.html"


def verification_number(today) -> str:
    """A number printed on an official transcript and kept with what it printed: unguessable, easy to read out."""
    return f"TR{today:%Y}-{secrets.token_hex(4).upper()}"


def transcript_context(*, student: Student, record, language: str, official: bool, study_abroad: bool, number: str):
    return {
        "student": student,
        "record": record,
        "school_name": student.school.localized_name(language),
        "official": official,
        "study_abroad": study_abroad,
        "verification_number": number,
    }


def _students_for(document: GeneratedDocument):
    """The students the owner may print, looked up again at render time (access may have changed since)."""
    owner = document.owner
    students = Student.objects.select_related("school", "user")
    if owner.is_student:
        return students.filter(user=owner)
    if not permissions.can_print_transcripts(owner):
        return students.none()
    return students.filter(permissions.record_scope(owner, prefix=""))


def _issue_rows(document, chunk: list[tuple[Student, object, str]], official: bool, now) -> None:
    if official:
        TranscriptIssue.objects.bulk_create(
            TranscriptIssue(
                verification_number=number,
                student=student,
                document=document,
                official=True,
                cumulative_gpa=round_gpa(record.gpa),
                issued_at=now,
            )
            for student, record, number in chunk
        )


def academic_transcript(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    """One student's transcript: official for the office, an unofficial copy when a student asks for their own."""
    language = document_language(document.language)
    student_id = str(document.parameters.get("student_id", ""))
    student = _students_for(document).filter(student_id=student_id).first()
    if student is None:
        raise ValueError(_("This transcript cannot be printed: the student is not found or not visible to you."))
    # A student's own copy is never official, whatever the parameters say.
    official = bool(document.parameters.get("official")) and not document.owner.is_student
    study_abroad = bool(document.parameters.get("study_abroad"))
    now = timezone.now()
    record = selectors.student_academic_record(student=student)
    number = verification_number(timezone.localdate()) if official else ""
    context = {
        "transcripts": [
            transcript_context(
                student=student,
                record=record,
                language=language,
                official=official,
                study_abroad=study_abroad,
                number=number,
            )
        ],
        "issued_on": timezone.localdate(),
    }
    content = render_pdf(TEMPLATE, context, language=language)
    _issue_rows(document, [(student, record, number)], official, now)
    progress(1, 1)
    kind = "transcript" if official else "unofficial-transcript"
    return f"{kind}-{student.student_id}.pdf", PDF, content


class BatchOutput(TextChoices):
    """How a batch is delivered: the merged PDF prints in one go; the ZIP files each student's transcript apart."""

    PDF = "pdf", gettext_lazy("One merged PDF")
    ZIP = "zip", gettext_lazy("A ZIP with one PDF per student")


def transcript_file_name(student: Student) -> str:
    """A transcript's name inside a ZIP: the student ID and Latin name, safe for any unzip tool."""
    return safe_file_name(student.student_id, student.name_latin)


def _batch_chunks(document: GeneratedDocument, progress: Progress, language: str, study_abroad: bool):
    """The batch in chunks, in the requested order: each chunk's students with their records and numbers, laid out
    as one WeasyPrint document. A chunk's issue rows are recorded when the caller, having written it, asks for the
    next one, so a chunk that fails to be written leaves no verification number behind."""
    requested = list(dict.fromkeys(str(value) for value in document.parameters.get("student_ids", [])))
    total = len(requested)
    progress(0, total)
    today = timezone.localdate()
    visible = _students_for(document)
    printed = 0
    for start in range(0, total, BATCH_CHUNK_SIZE):
        ids = requested[start : start + BATCH_CHUNK_SIZE]
        found = {s.student_id: s for s in visible.filter(student_id__in=ids)}
        by_student: dict[int, list] = {}
        for enrolment in selectors.student_enrolments(student_ids=[s.pk for s in found.values()]):
            by_student.setdefault(enrolment.student_id, []).append(enrolment)
        chunk = []
        for student_id in ids:
            student = found.get(student_id)
            if student is None:
                continue
            record = selectors.academic_record(student=student, enrolments=by_student.get(student.pk, []))
            chunk.append((student, record, verification_number(today)))
        if chunk:
            context = {
                "transcripts": [
                    transcript_context(
                        student=student,
                        record=record,
                        language=language,
                        official=True,
                        study_abroad=study_abroad,
                        number=number,
                    )
                    for student, record, number in chunk
                ],
                "issued_on": today,
            }
            yield chunk, render_document(TEMPLATE, context, language=language)
            _issue_rows(document, chunk, True, timezone.now())
            printed += len(chunk)
        progress(min(start + BATCH_CHUNK_SIZE, total), total)
    if not printed:
        raise ValueError(_("None of the requested students can be printed."))


def _split_by_transcript(rendered, count: int) -> list[list]:
    """The pages of each transcript of a chunk, in order: a transcript starts on the page holding its anchor."""
    first_page: dict[str, int] = {}
    for number, page in enumerate(rendered.pages):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    starts = [first_page[f"transcript-{index + 1}"] for index in range(count)]
    ends = [*starts[1:], len(rendered.pages)]
    return [rendered.pages[first:last] for first, last in zip(starts, ends, strict=True)]


def academic_transcript_batch(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes | File]:
    """Official transcripts of many students in the requested order, as one merged PDF or a ZIP of one PDF each;
    a student not visible is skipped.

    The ZIP is written to a temporary file as each chunk is rendered, so its memory does not grow with the batch:
    one layout per chunk (as for the merged PDF), split into one PDF per student. Each of those PDFs embeds its own
    font subsets, which is most of what the ZIP costs beyond the merged PDF (benchmarks/academics_transcripts.py).
    """
    from pypdf import PdfReader, PdfWriter

    if not permissions.can_print_transcript_batches(document.owner):
        raise ValueError(_("Batches of official transcripts are printed by the International College."))
    language = document_language(document.language)
    study_abroad = bool(document.parameters.get("study_abroad"))
    if document.parameters.get("output") == BatchOutput.ZIP:
        with PdfArchive() as archive:
            for chunk, rendered in _batch_chunks(document, progress, language, study_abroad):
                for (student, _record, _number), pages in zip(
                    chunk, _split_by_transcript(rendered, len(chunk)), strict=True
                ):
                    archive.add(transcript_file_name(student), rendered.copy(pages).write_pdf())
            return f"transcripts-{document.pk}.zip", ZIP, archive.file()
    writer = PdfWriter()
    for _chunk, rendered in _batch_chunks(document, progress, language, study_abroad):
        writer.append(PdfReader(io.BytesIO(rendered.write_pdf())))
    output = io.BytesIO()
    writer.write(output)
    return f"transcripts-{document.pk}.pdf", PDF, output.getvalue()


def builders() -> dict:
    """The entries this module adds to portal.documents.DOCUMENT_BUILDERS."""
    return {SINGLE: academic_transcript, BATCH: academic_transcript_batch}
