"""Upload limits at every layer, the message a student gets for each refusal, and the files that must still pass.

Layers, outermost first: the request (Django's DATA_UPLOAD_MAX_MEMORY_SIZE for form fields and
DATA_UPLOAD_MAX_NUMBER_FILES), each file (EVIDENCE_MAX_BYTES, then EVIDENCE_MAX_PIXELS or EVIDENCE_MAX_PDF_PAGES),
and the student's stored total (EVIDENCE_QUOTA_BYTES).
"""

import importlib.util
import io
import json
import random
import resource
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.urls import reverse

from portal import uploads
from portal.models import Evidence
from portal.uploads import clean_evidence_file, safe_original_name
from tests.factories import pdf_bytes, upload

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = {
    item["id"]: item for item in json.loads((DATA / "hostile" / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
}


def _load_builders():
    """The corpus generator, for files made on the fly with the same builders as the corpus."""
    spec = importlib.util.spec_from_file_location("make_hostile_corpus", DATA / "make_hostile_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make = _load_builders()


def corpus_upload(file_id: str) -> SimpleUploadedFile:
    item = CORPUS[file_id]
    return SimpleUploadedFile(item["upload_name"], (DATA / "hostile" / item["file"]).read_bytes(), item["content_type"])


def refusal(file) -> str:
    with pytest.raises(ValidationError) as error:
        clean_evidence_file(file)
    return error.value.messages[0]


def post_document(client, file, **fields):
    return client.post(reverse("my_documents"), {"kind": "visa_page", "file": file, **fields})


# --- What the student is told ---------------------------------------------------------------------------------------

ONLY = "Only PDF, JPEG and PNG files are accepted; "
CONVERT = " Save or export it as PDF, JPEG or PNG."


@pytest.mark.parametrize(
    ("file_id", "message"),
    [
        ("pe_named_pdf", ONLY + "this file is none of them."),
        ("gif", ONLY + "this file is in GIF format." + CONVERT),
        ("webp", ONLY + "this file is in WebP format." + CONVERT),
        ("heic_named_jpg", ONLY + "this file is in HEIC format." + CONVERT),
        ("docx_named_pdf", ONLY + "this file is in ZIP (Word, Excel) format." + CONVERT),
        ("empty_pdf", "The file is empty."),
        ("truncated_pdf", "The PDF is damaged or incomplete and cannot be read."),
        ("pdf_no_pages", "The PDF has no pages."),
        ("pdf_encrypted_owner_only", "Password-protected PDFs are not accepted."),
        ("pdf_names_javascript_compressed", "PDFs with scripts, attachments or automatic actions are not accepted."),
        ("pdf_60_pages", "The PDF has 60 pages; at most 50 are accepted."),
        ("truncated_jpeg", "The image is damaged or incomplete and cannot be read."),
        (
            "png_bomb_16000",
            "The image has more than 40 million pixels; scan or photograph it at a lower resolution.",
        ),
    ],
)
def test_each_refusal_tells_the_student_what_is_wrong(file_id, message):
    assert refusal(corpus_upload(file_id)) == message


# --- Per request ----------------------------------------------------------------------------------------------------


def test_more_files_in_one_request_than_allowed_is_a_bad_request(client_for, student, settings):
    files = [upload(f"scan{n}.pdf") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = post_document(client_for(student.user), files)
    # Django raises TooManyFilesSent while parsing the body; the view never runs, so the page is Django's 400.
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_the_allowed_number_of_files_in_one_request_stores_one_document(client_for, student, settings):
    files = [upload(f"scan{n}.pdf") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES)]
    response = post_document(client_for(student.user), files)
    assert response.status_code == 302
    assert Evidence.objects.filter(student=student).count() == 1


def test_form_fields_larger_than_the_request_limit_are_a_bad_request(client_for, student, settings):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = post_document(client_for(student.user), upload(), note=padding)
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_the_request_limit_does_not_count_the_file_itself(client_for, student, settings):
    """Files are capped per file (EVIDENCE_MAX_BYTES) after Django has spooled them; the whole request body has to be
    capped in front of Django, by the reverse proxy."""
    noise = random.Random(7).randbytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    big = make.pdf(make.one_page(page=b" /Contents 4 0 R", extra=[make.stream(noise)]))
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(big) < settings.EVIDENCE_MAX_BYTES
    response = post_document(client_for(student.user), upload("large scan.pdf", big))
    assert response.status_code == 302
    assert Evidence.objects.get(student=student).size == len(big)


# --- Per file: size -------------------------------------------------------------------------------------------------


def test_file_over_the_size_limit_is_refused_with_its_size_and_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    two_kilobytes = (pdf_bytes() + b"%").ljust(2048, b"0")
    # Django's filesizeformat keeps number and unit together with a no-break space.
    assert refusal(upload("scan.pdf", two_kilobytes)) == "The file is 2.0\xa0KB; the limit is 1.0\xa0KB."


def test_file_of_unknown_size_is_read_only_up_to_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    stream = io.BytesIO(pdf_bytes() + b"0" * 4096)
    file = UploadedFile(stream, name="scan.pdf", content_type="application/pdf", size=None)
    assert refusal(file) == "The file is larger than the limit of 1.0\xa0KB."
    assert stream.tell() == 1025


def test_file_exactly_at_the_size_limit_is_accepted(settings):
    settings.EVIDENCE_MAX_BYTES = len(pdf_bytes())
    assert clean_evidence_file(upload()).size == settings.EVIDENCE_MAX_BYTES


def test_cut_off_jpeg_is_refused_even_when_pillow_is_told_to_tolerate_it(monkeypatch):
    """Importing WeasyPrint (for our own PDFs) turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert refusal(corpus_upload("truncated_jpeg")) == "The image is damaged or incomplete and cannot be read."


# --- Per file: pixels -----------------------------------------------------------------------------------------------


def test_image_just_over_the_default_pixel_limit_is_refused(settings):
    assert settings.EVIDENCE_MAX_PIXELS == 40_000_000
    file = upload("scan.png", make.png_bomb(7000, 7000, complete=True), "image/png")  # 49 million pixels
    assert refusal(file) == "The image has more than 40 million pixels; scan or photograph it at a lower resolution."


def test_image_at_the_pixel_limit_is_accepted_and_one_pixel_row_more_is_not(settings):
    settings.EVIDENCE_MAX_PIXELS = 1_000_000
    assert clean_evidence_file(upload("page.png", make.png((1000, 1000)), "image/png")).content_type == uploads.PNG
    message = refusal(upload("page.png", make.png((1000, 1001)), "image/png"))
    assert message == "The image has more than 1 million pixels; scan or photograph it at a lower resolution."


def test_decompression_bomb_is_refused_without_decoding_its_pixels():
    """256 million pixels would take at least 256 MB to decode; the refusal comes from the header alone."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValidationError) as error:
        clean_evidence_file(corpus_upload("png_bomb_16000"))
    assert error.value.code == "too_many_pixels"
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 64 * 1024


# --- Per file: PDF pages --------------------------------------------------------------------------------------------


def test_pdf_at_the_page_limit_is_accepted_and_one_page_more_is_not(settings):
    assert settings.EVIDENCE_MAX_PDF_PAGES == 50
    assert clean_evidence_file(upload("thesis.pdf", make.pdf_pages(50))).content_type == uploads.PDF
    assert refusal(upload("thesis.pdf", make.pdf_pages(51))) == "The PDF has 51 pages; at most 50 are accepted."


def test_too_many_pages_is_refused_on_the_upload_page(client_for, student):
    response = post_document(client_for(student.user), corpus_upload("pdf_60_pages"))
    assert response.status_code == 400
    assert "The PDF has 60 pages; at most 50 are accepted." in response.content.decode()
    assert not Evidence.objects.exists()


# --- Per student: quota ---------------------------------------------------------------------------------------------


def test_upload_over_the_quota_is_refused_on_the_page_with_what_to_do(client_for, student, settings):
    settings.EVIDENCE_QUOTA_BYTES = len(pdf_bytes()) * 2
    client = client_for(student.user)
    assert post_document(client, upload("one.pdf")).status_code == 302
    assert post_document(client, upload("two.pdf")).status_code == 302
    response = post_document(client, upload("three.pdf"))
    assert response.status_code == 400
    assert "You have used your upload space; ask the International College to remove old documents." in (
        response.content.decode()
    )
    assert Evidence.objects.filter(student=student).count() == 2


# --- Files that must still pass -------------------------------------------------------------------------------------


def test_pdf_with_an_ordinary_web_link_is_accepted():
    link = b"<< /Type /Annot /Subtype /Link /Rect [72 72 300 90] /A << /S /URI /URI (https://www.example.edu.cn) >> >>"
    clean_evidence_file(upload("letter.pdf", make.pdf(make.one_page(page=b" /Annots [4 0 R]", extra=[link]))))


def test_pdf_that_opens_at_its_first_page_is_accepted():
    clean_evidence_file(upload("letter.pdf", make.pdf(make.one_page(catalog=b" /OpenAction [3 0 R /Fit]"))))


def test_macos_keywords_are_not_mistaken_for_additional_actions():
    """Preview on macOS writes /AAPL:Keywords; only the whole name /AA means additional actions."""
    clean_evidence_file(upload("scan.pdf", make.pdf(make.one_page(catalog=b" /AAPL:Keywords [(visa)]"))))


def test_compressed_image_data_that_happens_to_spell_a_script_name_is_accepted():
    """In megabytes of compressed data, bytes such as "/JS " occur by chance; stream data is not read as names."""
    noise = b"\x00\x9c/JS \x11/AA>\x7f/EF(" * 64
    clean_evidence_file(
        upload("scan.pdf", make.pdf(make.one_page(page=b" /Contents 4 0 R", extra=[make.stream(noise)])))
    )


def test_phone_photo_is_turned_upright_before_its_exif_is_dropped():
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; show the picture rotated 90 degrees clockwise
    photo = make.jpeg((40, 20), exif=exif.tobytes())
    clean = clean_evidence_file(upload("photo.jpg", photo, "image/jpeg"))
    with Image.open(io.BytesIO(clean.content)) as stored:
        assert stored.size == (20, 40)
        assert not stored.getexif()


# --- The student's file name, kept as data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("my visa.pdf", "my visa.pdf"),
        ("passport.pdf.exe", "passport.pdf.exe"),
        ("visa\u202efdp.exe", "visafdp.exe"),
        ("pass\u200bport\u200e.pdf", "passport.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\amina\\Desktop\\visa.pdf", "visa.pdf"),
        ("scan\r\n\u2028.pdf", "scan.pdf"),
        ("护照首页.pdf", "护照首页.pdf"),
        ("\u202e", "upload"),
    ],
)
def test_original_name_keeps_what_the_student_sees_without_hidden_characters(sent, kept):
    assert safe_original_name(sent) == kept
