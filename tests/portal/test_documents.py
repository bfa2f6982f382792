"""The PDF service and the certificate builders: names print, the language follows the document, nothing is fetched
that is not ours, batches respect the owner's scope, and rendering twice does not render twice."""

import io
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import documents, services
from portal.models import DocumentStatus, GeneratedDocument, StudentStatus
from tests.factories import SemesterFactory, StudentFactory

HOSTILE_NAME = '<img src="file:///etc/passwd">'
HOSTILE_PROGRAMME = (
    'Medicine <img src="http://127.0.0.1:9/x.png"> <link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
)


def pdf_text(content: bytes) -> str:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def pdf_pages(content: bytes) -> int:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return len(pdf.pages)


def certificate_for(student, *, language="en", owner=None):
    return GeneratedDocument.objects.create(
        owner=owner or student.user,
        kind="enrolment_certificate",
        title="Certificate",
        parameters={"student_id": student.student_id},
        language=language,
    )


def batch_for(owner, students, *, language="en"):
    return GeneratedDocument.objects.create(
        owner=owner,
        kind="enrolment_certificate_batch",
        title="Batch",
        parameters={"student_ids": [s.student_id for s in students]},
        total_items=len(students),
        language=language,
    )


class ProgressLog(list):
    def __call__(self, done, total):
        self.append((done, total))


@pytest.fixture
def fetched_urls(monkeypatch):
    """Every URL WeasyPrint asks our fetcher for, in order."""
    fetcher_class = documents.static_files_fetcher_class()
    original = fetcher_class.fetch
    urls = []

    def spy(self, url, headers=None):
        urls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(fetcher_class, "fetch", spy)
    return urls


@pytest.fixture
def semester(db):
    return SemesterFactory(name_en="Spring Semester 2027", name_zh="2027年春季学期")


# --- The render service ---------------------------------------------------------------------------------------


def test_a_certificate_prints_the_chinese_and_the_latin_name(other_school_student, semester):
    document = certificate_for(other_school_student)

    filename, content_type, content = documents.enrolment_certificate(document, ProgressLog())

    assert content.startswith(b"%PDF-")
    assert content_type == "application/pdf"
    assert filename == "enrolment-certificate-2026000003.pdf"
    text = pdf_text(content)
    assert "陈伟玲" in text
    assert "Chen Wei Ling" in text
    for value in (
        "Malaysia",
        "P33333333",
        "2026000003",
        "School of Economics",
        "Clinical Medicine (MBBS)",
        "Bachelor",
        "2024",
        "Spring Semester 2027",
        f"ISA-{document.created_at.year}-{document.pk:06d}",
    ):
        assert value in text


def test_the_letterhead_names_the_university_and_the_college(student):
    text = pdf_text(documents.enrolment_certificate(certificate_for(student), ProgressLog())[2])

    assert settings.UNIVERSITY_NAME_ZH in text
    assert settings.UNIVERSITY_NAME.upper() in text
    assert settings.COLLEGE_NAME_ZH in text
    assert settings.COLLEGE_NAME in text


def test_the_chinese_certificate_uses_chinese_school_semester_and_date(other_school_student, semester):
    document = certificate_for(other_school_student, language="zh-hans")

    text = pdf_text(documents.enrolment_certificate(document, ProgressLog())[2])

    assert "经济学院" in text
    assert "School of Economics" not in text
    assert "2027年春季学期" in text
    issued = timezone.localdate()
    assert f"{issued.year}年{issued.month}月" in text


def test_the_english_certificate_uses_english_school_and_date(other_school_student):
    text = pdf_text(documents.enrolment_certificate(certificate_for(other_school_student), ProgressLog())[2])

    assert "School of Economics" in text
    assert "经济学院" not in text
    assert "年" not in text.split("Date of issue", 1)[1].split("\n", 1)[0]


def test_render_pdf_fetches_only_our_static_files(student, fetched_urls):
    documents.enrolment_certificate(certificate_for(student), ProgressLog())

    base = documents.static_base_url()
    assert f"{base}portal/css/pdf.css" in fetched_urls
    assert f"{base}portal/img/letterhead-seal.svg" in fetched_urls
    assert all(url.startswith((base, "data:")) for url in fetched_urls)


def test_markup_in_a_students_data_is_printed_as_text_and_never_fetched(school_a, fetched_urls):
    mallory = StudentFactory(name_latin=HOSTILE_NAME, name_zh="<b>陈</b>", programme=HOSTILE_PROGRAMME, school=school_a)

    text = pdf_text(documents.enrolment_certificate(certificate_for(mallory), ProgressLog())[2])

    assert HOSTILE_NAME in text
    assert "<b>陈</b>" in text
    assert "http://127.0.0.1:9/x.png" in text
    assert not [url for url in fetched_urls if "passwd" in url or "127.0.0.1" in url]
    assert len(fetched_urls) == 2  # the stylesheet and the letterhead emblem


# --- The URL fetcher ------------------------------------------------------------------------------------------


@pytest.fixture
def fetcher():
    return documents.static_files_fetcher_class()()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/logo.png",
        "ftp://127.0.0.1/x",
        "file://evil.example.com/static/portal/css/pdf.css",
    ],
)
def test_the_fetcher_refuses_anything_but_our_static_files(fetcher, url):
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_the_fetcher_refuses_a_path_that_climbs_out_of_the_static_folder(fetcher):
    escape = documents.static_base_url() + "../portal/settings.py"
    assert Path(settings.BASE_DIR / "portal" / "settings.py").is_file()

    with pytest.raises(ValueError):
        fetcher.fetch(escape)


def test_the_fetcher_refuses_a_symlink_that_points_outside(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "secret.txt").symlink_to("/etc/hostname")
    fetcher = documents.static_files_fetcher_class()(roots=[root.resolve()])

    with pytest.raises(ValueError):
        fetcher.fetch((root / "secret.txt").as_uri())


def test_the_fetcher_serves_our_stylesheet_and_data_urls(fetcher):
    response = fetcher.fetch(documents.static_base_url() + "portal/css/pdf.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    response.close()

    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


# --- Builders: scope, progress, queries -----------------------------------------------------------------------


def test_a_student_cannot_print_a_classmates_certificate(student, classmate):
    document = certificate_for(classmate, owner=student.user)

    with pytest.raises(ValueError):
        documents.enrolment_certificate(document, ProgressLog())


def test_a_student_who_left_gets_no_certificate_of_enrolment(student):
    student.status = StudentStatus.LEFT
    student.save(update_fields=["status"])

    with pytest.raises(ValueError):
        documents.enrolment_certificate(certificate_for(student), ProgressLog())


def test_the_batch_skips_students_the_owner_cannot_see(staff_a, student, classmate, other_school_student):
    document = batch_for(staff_a, [student, other_school_student, classmate])
    progress = ProgressLog()

    filename, _content_type, content = documents.enrolment_certificate_batch(document, progress)

    text = pdf_text(content)
    assert "Amina Yusuf" in text and "Ben Okafor" in text
    assert "Chen Wei Ling" not in text and "陈伟玲" not in text
    assert pdf_pages(content) == 2
    assert progress[-1] == (3, 3)
    assert filename == f"enrolment-certificates-{document.pk}.pdf"


def test_the_batch_masks_passports_for_school_staff(staff_a, student):
    text = pdf_text(documents.enrolment_certificate_batch(batch_for(staff_a, [student]), ProgressLog())[2])

    assert "P12345678" not in text
    assert "678" in text


def test_a_batch_of_only_invisible_students_fails(staff_a, other_school_student):
    with pytest.raises(ValueError):
        documents.enrolment_certificate_batch(batch_for(staff_a, [other_school_student]), ProgressLog())


def test_the_batch_renders_in_chunks_and_reports_progress_after_each(monkeypatch, office_staff, school_a):
    monkeypatch.setattr(documents, "BATCH_CHUNK_SIZE", 2)
    students = StudentFactory.create_batch(5, school=school_a)
    progress = ProgressLog()

    content = documents.enrolment_certificate_batch(batch_for(office_staff, students), progress)[2]

    assert progress == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert pdf_pages(content) == 5
    text = pdf_text(content)
    assert all(s.name_latin in text for s in students)


def test_the_batch_query_count_does_not_grow_with_students(office_staff, school_a, semester):
    few = batch_for(office_staff, StudentFactory.create_batch(2, school=school_a))
    many = batch_for(office_staff, StudentFactory.create_batch(12, school=school_a))

    with CaptureQueriesContext(connection) as few_queries:
        documents.enrolment_certificate_batch(few, ProgressLog())
    with CaptureQueriesContext(connection) as many_queries:
        documents.enrolment_certificate_batch(many, ProgressLog())

    assert len(many_queries) == len(few_queries)


# --- The render service (idempotent, replaces files) ----------------------------------------------------------


def test_rendering_a_document_twice_renders_it_once(student, django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.generated_document_request(
            owner=student.user,
            kind="enrolment_certificate",
            title="Certificate",
            parameters={"student_id": student.student_id},
        )
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE
    first_file = document.file.name
    calls = []
    monkeypatch.setattr(documents, "render_pdf", lambda *args, **kwargs: calls.append(args) or b"%PDF-")

    assert services.generated_document_render(document_id=document.pk) is False

    document.refresh_from_db()
    assert calls == []
    assert document.file.name == first_file
    assert document.attempts == 1


def test_a_failed_document_queued_again_renders_and_replaces_the_old_file(student, classmate):
    document = certificate_for(classmate, owner=student.user)
    with pytest.raises(ValueError):
        services.generated_document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert document.error
    assert services.generated_document_render(document_id=document.pk) is False

    # Staff correct the request and queue it again: it renders.
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.QUEUED, parameters={"student_id": student.student_id}
    )
    assert services.generated_document_render(document_id=document.pk) is True
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE
    assert document.error == ""
    first_file = document.file.name

    # Queued once more (a re-run), the new PDF replaces the stored one and the old file is gone.
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.QUEUED)
    assert services.generated_document_render(document_id=document.pk) is True
    document.refresh_from_db()
    assert document.file.name != first_file
    assert not document.file.storage.exists(first_file)
    assert "Amina Yusuf" in pdf_text(document.file.read())
    assert document.attempts == 3
