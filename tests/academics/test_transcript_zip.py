"""A batch of official transcripts as a ZIP with one PDF per student: the office chooses it on the page (the choice
kept on errors), each entry is named by student ID and Latin name and opens as that student's own transcript, the
archive is downloaded as a ZIP, and nobody else (a student, school staff) can start a batch or download it."""

import io
import os
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from academics import documents, services
from academics.models import TranscriptIssue
from portal import services as portal_services
from portal.documents import PdfArchive, safe_file_name
from portal.models import DocumentStatus, GeneratedDocument
from tests.academics.helpers import calendar, enter, offering
from tests.academics.test_documents import ASSESSED, ProgressLog, pdf_text, results_for
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def zip_document(owner, students, output="zip"):
    return GeneratedDocument.objects.create(
        owner=owner,
        kind=documents.BATCH,
        title="Transcripts",
        parameters={"student_ids": [s.student_id for s in students], "output": output},
        total_items=len(students),
    )


def entries(archive_file) -> dict[str, bytes]:
    with zipfile.ZipFile(archive_file) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def render(document) -> GeneratedDocument:
    """Run the render task's service in this process, as the worker would."""
    assert portal_services.generated_document_render(document_id=document.pk)
    document.refresh_from_db()
    return document


# --- Safe names ---------------------------------------------------------------------------------------------------


def test_a_transcripts_name_is_its_student_id_and_latin_name(student):
    assert documents.transcript_file_name(student) == "2026000001-Amina-Yusuf.pdf"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("2026000001", "../../etc/passwd"), "2026000001-etc-passwd.pdf"),
        (("..", "..\\windows\\system32"), "windows-system32.pdf"),
        (("2026000004", "C:/Users/x"), "2026000004-C-Users-x.pdf"),
        (("2026000005", "José Ñúñez-Müller"), "2026000005-Jose-Nunez-Muller.pdf"),
        (("2026000006", "阿米娜"), "2026000006.pdf"),
        (("2026000007", "Line\nbreak\x00null"), "2026000007-Line-break-null.pdf"),
        (("", ""), "document.pdf"),
    ],
)
def test_a_file_name_in_an_archive_cannot_leave_its_folder(parts, expected):
    assert safe_file_name(*parts) == expected


def test_a_very_long_name_is_shortened_and_keeps_its_extension():
    name = safe_file_name("2026000001", "A" * 300)
    assert len(name) == 100 and name.endswith(".pdf")


def test_an_archive_numbers_a_repeated_name_instead_of_overwriting_it():
    with PdfArchive() as archive:
        assert archive.add("a.pdf", b"%PDF-1") == "a.pdf"
        assert archive.add("a.pdf", b"%PDF-2") == "a-2.pdf"
        handle = archive.file()
    try:
        assert entries(handle) == {"a.pdf": b"%PDF-1", "a-2.pdf": b"%PDF-2"}
    finally:
        handle.close()


# --- The builder --------------------------------------------------------------------------------------------------


def test_a_zip_holds_each_students_own_transcript_named_by_id_and_name(student, other_school_student, staff_a,
                                                                     office_staff):  # fmt: skip
    results_for(student, staff_a, student.school)
    progress = ProgressLog()
    filename, content_type, archive = documents.academic_transcript_batch(
        zip_document(office_staff, [other_school_student, student]), progress
    )
    try:
        files = entries(archive)
    finally:
        archive.close()
    assert content_type == "application/zip" and filename.endswith(".zip")
    assert list(files) == ["2026000003-Chen-Wei-Ling.pdf", "2026000001-Amina-Yusuf.pdf"]  # the requested order
    amina = pdf_text(files["2026000001-Amina-Yusuf.pdf"])
    chen = pdf_text(files["2026000003-Chen-Wei-Ling.pdf"])
    assert "Amina Yusuf" in amina and "阿米娜" in "".join(amina.split()) and "2.71" in amina
    assert "Chen Wei Ling" not in amina and "Amina Yusuf" not in chen
    assert "陈伟玲" in "".join(chen.split())
    assert progress[0] == (0, 2) and progress[-1] == (2, 2)
    numbers = dict(TranscriptIssue.objects.values_list("student__student_id", "verification_number"))
    assert numbers["2026000001"] in amina and numbers["2026000003"] in chen


def test_a_zip_splits_chunks_into_the_same_pages_as_the_merged_pdf(school_a, staff_a, office_staff, monkeypatch):
    """Three students in chunks of two, one of them with a record over two pages: no page lost or misplaced."""
    from pypdf import PdfReader

    monkeypatch.setattr(documents, "BATCH_CHUNK_SIZE", 2)
    autumn, _ = calendar()
    students = [StudentFactory(school=school_a) for _ in range(3)]
    for n in range(45):
        enter(offering(school_a, autumn, f"LONG{n:02d}", assessed_on=ASSESSED), students[1], "75", by=staff_a)
    _, _, archive = documents.academic_transcript_batch(zip_document(office_staff, students), ProgressLog())
    try:
        files = entries(archive)
    finally:
        archive.close()
    _, _, merged = documents.academic_transcript_batch(zip_document(office_staff, students, "pdf"), ProgressLog())
    pages = [len(PdfReader(io.BytesIO(content)).pages) for content in files.values()]
    assert pages[1] >= 2 and pages[0] == pages[2] == 1
    assert sum(pages) == len(PdfReader(io.BytesIO(merged)).pages)
    for student, content in zip(students, files.values(), strict=True):
        assert student.name_latin in pdf_text(content)


def test_a_zip_skips_students_the_office_cannot_see_and_fails_when_none_is_left(office_staff, monkeypatch,
                                                                                 tmp_path):  # fmt: skip
    folder = tmp_path / "archives"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    document = GeneratedDocument.objects.create(
        owner=office_staff, kind=documents.BATCH, title="Nobody", parameters={"student_ids": ["9999"], "output": "zip"}
    )
    with pytest.raises(ValueError):
        documents.academic_transcript_batch(document, ProgressLog())
    assert not os.listdir(folder)  # the temporary archive is removed


def test_a_zip_chunk_costs_the_same_queries_for_2_or_8_students(school_a, staff_a, office_staff, monkeypatch):
    monkeypatch.setattr(documents, "BATCH_CHUNK_SIZE", 50)
    autumn, _ = calendar()
    course = offering(school_a, autumn, "C1", assessed_on=ASSESSED)

    def queries(count):
        students = [StudentFactory(school=school_a) for _ in range(count)]
        for s in students:
            enter(course, s, "80", by=staff_a)
        with CaptureQueriesContext(connection) as captured:
            documents.academic_transcript_batch(zip_document(office_staff, students), ProgressLog())[2].close()
        return len(captured)

    assert queries(2) == queries(8)


# --- The service, the render task and the download ---------------------------------------------------------------


def test_the_office_requests_a_zip_and_downloads_it_as_a_zip(client_for, student, staff_a, office_staff):
    results_for(student, staff_a, student.school)
    document = services.transcript_batch_request(
        user=office_staff, student_ids=[student.student_id], title="Transcripts", output="zip"
    )
    assert document.parameters["output"] == "zip"
    document = render(document)
    assert document.status == DocumentStatus.DONE and document.done_items == 1
    assert document.filename == f"transcripts-{document.pk}.zip" and document.file.name.endswith(".zip")
    detail = client_for(office_staff).get(reverse("document_detail", args=[document.pk])).content.decode()
    assert "Download the ZIP" in detail
    response = client_for(office_staff).get(reverse("document_download", args=[document.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert f'filename="transcripts-{document.pk}.zip"' in response["Content-Disposition"]
    files = entries(io.BytesIO(b"".join(response.streaming_content)))
    assert list(files) == ["2026000001-Amina-Yusuf.pdf"] and files["2026000001-Amina-Yusuf.pdf"].startswith(b"%PDF")


def test_a_merged_pdf_is_still_downloaded_as_a_pdf(client_for, student, office_staff):
    document = render(services.transcript_batch_request(user=office_staff, student_ids=[student.student_id],
                                                        title="Transcripts"))  # fmt: skip
    assert document.parameters["output"] == "pdf" and document.file.name.endswith(".pdf")
    response = client_for(office_staff).get(reverse("document_download", args=[document.pk]))
    assert response["Content-Type"] == "application/pdf"


def test_an_unknown_output_is_refused_by_the_service(student, office_staff):
    with pytest.raises(ValidationError):
        services.transcript_batch_request(
            user=office_staff, student_ids=[student.student_id], title="Transcripts", output="tar"
        )
    assert not GeneratedDocument.objects.exists()


@pytest.mark.parametrize("who", ["student", "staff_a"])
def test_only_the_international_college_starts_a_zip_batch(request, who, student):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    with pytest.raises(ValidationError):
        services.transcript_batch_request(user=user, student_ids=[student.student_id], title="Mine", output="zip")


@pytest.fixture
def office_zip(student, office_staff):
    return render(services.transcript_batch_request(user=office_staff, student_ids=[student.student_id],
                                                    title="Transcripts", output="zip"))  # fmt: skip


@pytest.mark.parametrize("who", ["student", "classmate", "staff_a", "admin_user"])
def test_nobody_else_downloads_the_offices_zip_page_or_api(request, client_for, office_zip, who):
    user = request.getfixturevalue(who)
    client = client_for(getattr(user, "user", user))
    assert client.get(reverse("document_download", args=[office_zip.pk])).status_code == 404
    assert client.get(reverse("document_detail", args=[office_zip.pk])).status_code == 404
    assert client.get(reverse("api_document_detail", args=[office_zip.pk])).status_code == 404


# --- The page -----------------------------------------------------------------------------------------------------


def test_the_office_chooses_a_zip_on_the_batch_page(client_for, office_staff, student):
    page = client_for(office_staff).get(reverse("academics_transcript_batch")).content.decode()
    assert 'value="pdf"' in page and 'value="zip"' in page
    response = client_for(office_staff).post(
        reverse("academics_transcript_batch"), {"student_ids": student.student_id, "output": "zip"}
    )
    document = GeneratedDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("document_detail", args=[document.pk])
    assert document.parameters["output"] == "zip"


def test_the_zip_choice_is_kept_when_the_form_has_an_error(client_for, office_staff):
    response = client_for(office_staff).post(
        reverse("academics_transcript_batch"), {"student_ids": "", "output": "zip"}
    )
    body = response.content.decode()
    assert response.status_code == 400 and "Choose a school" in body
    checked = body[body.index('value="zip"') :].split(">", 1)[0]
    assert "checked" in checked
    assert not GeneratedDocument.objects.exists()


def test_an_unknown_output_on_the_page_is_an_error_on_the_form(client_for, office_staff, student):
    response = client_for(office_staff).post(
        reverse("academics_transcript_batch"), {"student_ids": student.student_id, "output": "../etc"}
    )
    assert response.status_code == 400 and student.student_id in response.content.decode()
    assert not GeneratedDocument.objects.exists()


@pytest.mark.parametrize("who", ["student", "staff_a"])
def test_a_student_or_school_staff_cannot_start_a_batch_from_the_page(request, client_for, who, student):
    user = request.getfixturevalue(who)
    response = client_for(getattr(user, "user", user)).post(
        reverse("academics_transcript_batch"), {"student_ids": student.student_id, "output": "zip"}
    )
    # Staff pages are not found for a student; school staff are refused.
    assert response.status_code == {"student": 404, "staff_a": 403}[who]
    assert not GeneratedDocument.objects.exists()


def test_a_student_cannot_ask_the_transcript_api_for_a_batch(client_for, student, classmate):
    response = client_for(student.user).post(
        reverse("api_academics_transcripts"),
        {"student_id": classmate.student_id, "student_ids": [student.student_id, classmate.student_id],
         "output": "zip"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 404 and not GeneratedDocument.objects.exists()
