"""Transcript PDFs: the text holds the names (Latin and Chinese), every term's courses, the right GPA and the
verification number; a student's own copy is unofficial; batches keep to the owner's scope and cost a fixed number
of queries per chunk; and a batch (merged PDF or ZIP) is rendered by a real Celery worker from Redis."""

import datetime
import io
import os
import time
import zipfile

import pdfplumber
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from academics import documents, services
from academics.models import TranscriptIssue
from portal.models import DocumentStatus, GeneratedDocument
from tests.academics.helpers import calendar, enter, offering
from tests.factories import StudentFactory

ASSESSED = datetime.date(2026, 1, 10)


def pdf_text(content: bytes) -> str:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


class ProgressLog(list):
    def __call__(self, done, total):
        self.append((done, total))


def results_for(student, staff, school):
    """86 in a 4-credit course and B+ in a 2-credit letter course (GPA 4.0667), 55 in 3 credits next term."""
    autumn, spring = calendar()
    enter(offering(school, autumn, "MED101", credits="4", assessed_on=ASSESSED), student, "86", by=staff)
    enter(offering(school, autumn, "MED120", credits="2", scale="letter", assessed_on=ASSESSED, name_zh="医学伦理"),
          student, "B+", by=staff)  # fmt: skip
    enter(offering(school, spring, "MED201", credits="3", assessed_on=datetime.date(2026, 6, 30)), student, "55",
          by=staff)  # fmt: skip


def transcript_document(owner, student, *, official=True, study_abroad=False, language="en"):
    return GeneratedDocument.objects.create(
        owner=owner,
        kind=documents.SINGLE,
        title="Transcript",
        parameters={"student_id": student.student_id, "official": official, "study_abroad": study_abroad},
        language=language,
    )


@pytest.mark.django_db
def test_an_official_transcript_prints_names_courses_gpas_and_a_verification_number(student, staff_a, office_staff):
    results_for(student, staff_a, student.school)
    document = transcript_document(office_staff, student, study_abroad=True)
    filename, content_type, content = documents.academic_transcript(document, ProgressLog())
    text = pdf_text(content)
    assert content_type == "application/pdf" and filename == f"transcript-{student.student_id}.pdf"
    assert "Amina Yusuf" in text and "阿米娜" in text
    assert "成 绩 单" in text and "ACADEMIC TRANSCRIPT" in text  # letter-spaced heading
    assert "MED101" in text and "MED120" in text and "MED201" in text
    assert "Autumn 2025" in text and "Spring 2026" in text
    assert "4.07" in text  # autumn term GPA: (4.2 x 4 + 3.8 x 2) / 6
    assert "2.71" in text  # cumulative: 24.4 / 9
    assert "2.62" in text  # study-abroad GPA: (4.0 x 4 + 3.8 x 2) / 9
    issue = TranscriptIssue.objects.get()
    assert issue.verification_number in text and str(issue.cumulative_gpa) == "2.71"


@pytest.mark.django_db
def test_the_chinese_transcript_prints_chinese_course_names(student, staff_a, office_staff):
    results_for(student, staff_a, student.school)
    text = pdf_text(documents.academic_transcript(transcript_document(office_staff, student, language="zh-hans"),
                                                  ProgressLog())[2])  # fmt: skip
    assert "医学伦理" in text and "阿米娜" in text and "4.07" in text


@pytest.mark.django_db
def test_a_students_own_copy_is_unofficial_without_a_verification_number(student, staff_a):
    results_for(student, staff_a, student.school)
    # Even if the parameters ask for an official one.
    filename, _, content = documents.academic_transcript(transcript_document(student.user, student), ProgressLog())
    text = pdf_text(content)
    assert "UNOFFICIAL COPY" in text and "Verification number" not in text
    assert filename.startswith("unofficial-transcript-")
    assert not TranscriptIssue.objects.exists()


@pytest.mark.django_db
def test_a_student_cannot_print_a_classmates_transcript(student, classmate):
    with pytest.raises(ValueError):
        documents.academic_transcript(transcript_document(student.user, classmate, official=False), ProgressLog())


@pytest.mark.django_db
def test_school_staff_print_their_own_school_only(student, other_school_student, staff_a):
    documents.academic_transcript(transcript_document(staff_a, student), ProgressLog())
    with pytest.raises(ValueError):
        documents.academic_transcript(transcript_document(staff_a, other_school_student), ProgressLog())


def batch_document(owner, students):
    return GeneratedDocument.objects.create(
        owner=owner,
        kind=documents.BATCH,
        title="Transcripts",
        parameters={"student_ids": [s.student_id for s in students]},
        total_items=len(students),
    )


@pytest.mark.django_db
def test_a_batch_prints_each_student_in_order_with_progress(student, other_school_student, staff_a, staff_b,
                                                            office_staff):  # fmt: skip
    results_for(student, staff_a, student.school)
    progress = ProgressLog()
    _, _, content = documents.academic_transcript_batch(batch_document(office_staff, [other_school_student, student]),
                                                        progress)  # fmt: skip
    text = pdf_text(content)
    assert text.index("Chen Wei Ling") < text.index("Amina Yusuf")
    assert progress[0] == (0, 2) and progress[-1] == (2, 2)
    assert TranscriptIssue.objects.count() == 2


@pytest.mark.django_db
def test_school_staff_cannot_print_batches(student, staff_a):
    with pytest.raises(ValueError):
        documents.academic_transcript_batch(batch_document(staff_a, [student]), ProgressLog())


@pytest.mark.django_db
def test_a_batch_chunk_costs_the_same_queries_for_2_or_8_students(school_a, staff_a, office_staff, monkeypatch):
    monkeypatch.setattr(documents, "BATCH_CHUNK_SIZE", 50)
    autumn, _ = calendar()
    courses = [offering(school_a, autumn, f"C{n}", assessed_on=ASSESSED) for n in range(3)]

    def queries(count):
        students = [StudentFactory(school=school_a) for _ in range(count)]
        for s in students:
            for c in courses:
                enter(c, s, "80", by=staff_a)
        document = batch_document(office_staff, students)
        with CaptureQueriesContext(connection) as captured:
            documents.academic_transcript_batch(document, ProgressLog())
        return len(captured)

    assert queries(2) == queries(8)


# --- A real worker ------------------------------------------------------------------------------------------------

BROKER_URL = os.environ.get("ACADEMICS_WORKER_BROKER_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def celery_on_redis(monkeypatch):
    import redis
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app
    from tests.portal.test_celery_worker import _drop_connection_pools

    overrides = {"broker_url": BROKER_URL, "task_always_eager": False, "result_backend": None,
                 "worker_hijack_root_logger": False}  # fmt: skip
    broker = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=3)
    broker.ping()  # fails (not skips) when Redis is down
    broker.flushdb()
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    saved = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    _drop_connection_pools()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        _drop_connection_pools()
        broker.flushdb()
        broker.close()


@pytest.mark.worker
@pytest.mark.parametrize("output", ["pdf", "zip"])
def test_a_real_worker_renders_a_batch_of_transcripts(transactional_db, school_a, staff_a, office_staff,
                                                      celery_on_redis, output):  # fmt: skip
    students = [StudentFactory(school=school_a, name_zh="李雷") for _ in range(3)]
    results_for(students[0], staff_a, school_a)
    document = services.transcript_batch_request(
        user=office_staff, student_ids=[s.student_id for s in students], title="Transcripts", output=output
    )
    deadline = time.monotonic() + 90
    while True:
        document.refresh_from_db()
        if document.status in (DocumentStatus.DONE, DocumentStatus.FAILED) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert document.status == DocumentStatus.DONE, document.error
    assert (document.done_items, document.total_items) == (3, 3)
    with document.file.open("rb") as handle:
        if output == "zip":
            with zipfile.ZipFile(handle) as archive:
                assert len(archive.namelist()) == 3 and document.filename.endswith(".zip")
                text = "\n".join(pdf_text(archive.read(name)) for name in archive.namelist())
        else:
            text = pdf_text(handle.read())
    # pdfplumber may set a space between two CJK glyphs, depending on the line's layout: count without spaces.
    assert "".join(text.split()).count("李雷") == 3 and "4.07" in text
