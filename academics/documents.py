"""Transcripts as PDFs: one student's (official, or the student's own unofficial copy) and official batches.

The builders follow portal.documents' contract: they take a GeneratedDocument and a progress callback and return
`(filename, content_type, bytes)`; portal.documents.DOCUMENT_BUILDERS reaches them lazily (see builders()).
A batch is rendered BATCH_CHUNK_SIZE students at a time: two queries per chunk (students, then their enrolments
with courses and results), one WeasyPrint render, progress reported after each, the chunks joined with pypdf.
"""

from __future__ import annotations

import io
import secrets

from django.utils import timezone
from django.utils.translation import gettext as _

from academics import permissions, selectors
from academics.models import TranscriptIssue
from academics.rules import round_gpa
from portal.documents import BATCH_CHUNK_SIZE, PDF, Progress, document_language, render_pdf
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


def academic_transcript_batch(document: GeneratedDocument, progress: Progress) -> tuple[str, str, bytes]:
    """Official transcripts of many students in one PDF, in the requested order; a student not visible is skipped."""
    from pypdf import PdfReader, PdfWriter

    if not permissions.can_print_transcript_batches(document.owner):
        raise ValueError(_("Batches of official transcripts are printed by the International College."))
    language = document_language(document.language)
    study_abroad = bool(document.parameters.get("study_abroad"))
    requested = list(dict.fromkeys(str(value) for value in document.parameters.get("student_ids", [])))
    total = len(requested)
    progress(0, total)
    today = timezone.localdate()
    visible = _students_for(document)
    writer = PdfWriter()
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
            writer.append(PdfReader(io.BytesIO(render_pdf(TEMPLATE, context, language=language))))
            _issue_rows(document, chunk, True, timezone.now())
            printed += len(chunk)
        progress(min(start + BATCH_CHUNK_SIZE, total), total)
    if not printed:
        raise ValueError(_("None of the requested students can be printed."))
    output = io.BytesIO()
    writer.write(output)
    return f"transcripts-{document.pk}.pdf", PDF, output.getvalue()


def builders() -> dict:
    """The entries this module adds to portal.documents.DOCUMENT_BUILDERS."""
    return {SINGLE: academic_transcript, BATCH: academic_transcript_batch}
