"""The hostile upload corpus in tests/data/hostile/: nothing in it is stored as it was sent.

The corpus and its MANIFEST.json are made by tests/data/make_hostile_corpus.py; the manifest says for each file what
it is and whether it must be refused (with which error code), neutralised by re-encoding, or accepted by content
under a hostile name.
"""

import importlib.util
import io
import json
import random
import unicodedata
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from portal import services, uploads
from portal.models import Evidence, EvidenceKind

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "hostile"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
REFUSED = [item for item in MANIFEST if item["expected"] == "refused"]
NEUTRALISED = [item for item in MANIFEST if item["expected"] == "neutralised"]
ACCEPTED = [item for item in MANIFEST if item["expected"] == "accepted"]
# What the structural check alone must catch: every dictionary is in a compressed object stream.
STRUCTURAL = [item for item in REFUSED if item["id"].endswith("_compressed")]
FORMAT_CHARACTERS = ("Cc", "Cf", "Cs", "Zl", "Zp")


def load_builders():
    """The corpus generator, for files made on the fly (controls and fuzzing seeds)."""
    spec = importlib.util.spec_from_file_location("make_hostile_corpus", DATA / "make_hostile_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def content_of(item) -> bytes:
    return (CORPUS / item["file"]).read_bytes()


def hostile_upload(item) -> SimpleUploadedFile:
    return SimpleUploadedFile(item["upload_name"], content_of(item), item["content_type"])


def ids(items) -> list[str]:
    return [item["id"] for item in items]


def submit(student, item) -> Evidence:
    return services.evidence_submit(
        student=student, kind=EvidenceKind.PASSPORT_PAGE, upload=hostile_upload(item), uploaded_by=student.user
    )


def payloads(item) -> list[bytes]:
    return [text.encode("latin-1") for text in item["must_not_contain"]]


# --- The corpus itself ---------------------------------------------------------------------------------------------


def test_corpus_on_disk_is_exactly_what_the_manifest_lists_and_stays_small():
    on_disk = {path.name for path in CORPUS.glob("*.bin")}
    assert on_disk == {item["file"] for item in MANIFEST}
    assert len(set(ids(MANIFEST))) == len(MANIFEST)
    for item in MANIFEST:
        assert len(content_of(item)) == item["size"] < 50 * 1024, item["id"]
    assert sum(item["size"] for item in MANIFEST) < 1024 * 1024
    assert {item["expected"] for item in MANIFEST} == {"refused", "neutralised", "accepted"}


def test_corpus_covers_what_the_security_issue_lists():
    names = set(ids(MANIFEST))
    for required in (
        "elf_named_pdf",
        "pe_named_pdf",
        "html_named_pdf",
        "html_named_jpg",
        "png_magic_then_html",
        "png_with_appended_html",
        "jpeg_exif_gps",
        "pdf_openaction_javascript",
        "pdf_page_aa_javascript",
        "pdf_annotation_launch",
        "pdf_embedded_file",
        "pdf_names_javascript_compressed",
        "pdf_encrypted_password",
        "pdf_60_pages",
        "svg_script",
        "zip_named_pdf",
        "docx_named_pdf",
        "empty_pdf",
        "truncated_pdf",
        "truncated_png",
        "truncated_jpeg",
        "png_bomb_16000",
        "gif",
        "webp",
        "bmp",
        "tiff",
        "pdf_double_extension",
        "pe_named_exe",
        "pdf_rlo_name",
    ):
        assert required in names


# --- Refused ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("item", REFUSED, ids=ids(REFUSED))
def test_hostile_file_is_refused_for_its_own_reason(item):
    with pytest.raises(ValidationError) as refusal:
        uploads.clean_evidence_file(hostile_upload(item))
    # The code proves the intended check refused it, not some other check tripping over the file by chance.
    assert refusal.value.code == item["code"]


@pytest.mark.parametrize("item", STRUCTURAL, ids=ids(STRUCTURAL))
def test_actions_in_compressed_object_streams_are_invisible_in_the_bytes(item):
    """So the refusal above comes from the structural check: the raw bytes name no action at all."""
    data = content_of(item)
    for name in (*uploads.ACTIVE_PDF_NAMES, "OpenAction", "URI"):
        assert b"/" + name.encode() not in data


def test_every_refused_file_is_refused_by_the_upload_page_with_its_reason(client_for, student):
    client = client_for(student.user)
    for item in REFUSED:
        response = client.post(reverse("my_documents"), {"kind": "passport_page", "file": hostile_upload(item)})
        assert response.status_code == 400, item["id"]
        page = response.content.decode()
        if item["code"] == "empty" and not item["size"]:
            # Django's own file field stops an empty upload before our checks run.
            assert "The submitted file is empty." in page, item["id"]
        else:
            with pytest.raises(ValidationError) as refusal:
                uploads.clean_evidence_file(hostile_upload(item))
            assert escape(refusal.value.messages[0]) in page, item["id"]
    assert not Evidence.objects.exists()


# --- Neutralised --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("item", NEUTRALISED, ids=ids(NEUTRALISED))
def test_image_carrying_a_payload_is_stored_only_as_reencoded_pixels(item, student):
    original = content_of(item)
    assert all(payload in original for payload in payloads(item)), "the corpus file must carry its payload"
    evidence = submit(student, item)
    with evidence.file.open("rb") as handle:
        stored = handle.read()
    assert stored != original
    for payload in payloads(item):
        assert payload not in stored
    from PIL import Image

    with Image.open(io.BytesIO(original)) as sent, Image.open(io.BytesIO(stored)) as kept:
        assert kept.size == sent.size
        assert kept.format == sent.format


def test_photo_location_and_camera_are_not_stored(student):
    from PIL import Image

    item = next(item for item in NEUTRALISED if item["id"] == "jpeg_exif_gps")
    with Image.open(io.BytesIO(content_of(item))) as sent:
        assert sent.getexif().get_ifd(0x8825), "the corpus photo must carry a GPS position"
    evidence = submit(student, item)
    with evidence.file.open("rb") as handle, Image.open(handle) as kept:
        assert not kept.getexif()
        assert "exif" not in kept.info


# --- Accepted by content ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("item", ACCEPTED, ids=ids(ACCEPTED))
def test_harmless_file_under_a_hostile_name_is_stored_by_its_content(item, client_for, student):
    response = client_for(student.user).post(
        reverse("my_documents"), {"kind": "passport_page", "file": hostile_upload(item)}
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(student=student)
    assert evidence.original_name == item["stored_original_name"]
    assert not any(unicodedata.category(ch) in FORMAT_CHARACTERS for ch in evidence.original_name)
    stored_name = Path(evidence.file.name).name
    assert Path(stored_name).suffix == uploads.EXTENSIONS[evidence.content_type]
    assert Path(item["stored_original_name"]).stem not in stored_name


# --- Summary ------------------------------------------------------------------------------------------------------


def _stored_as_sent(item, student) -> bool:
    """Whether something hostile in this corpus file reached storage unchanged."""
    if item["expected"] == "refused":
        try:
            uploads.clean_evidence_file(hostile_upload(item))
        except ValidationError:
            return False
        return True
    evidence = submit(student, item)
    with evidence.file.open("rb") as handle:
        stored = handle.read()
    if item["expected"] == "neutralised":
        return stored == content_of(item) or any(payload in stored for payload in payloads(item))
    hostile_name = any(unicodedata.category(ch) in FORMAT_CHARACTERS for ch in evidence.original_name)
    wrong_suffix = Path(evidence.file.name).suffix != uploads.EXTENSIONS[evidence.content_type]
    return hostile_name or wrong_suffix


def test_no_hostile_upload_is_accepted_as_is(student):
    as_is = [item["id"] for item in MANIFEST if _stored_as_sent(item, student)]
    summary = (
        f"hostile uploads accepted as-is: {len(as_is)}/{len(MANIFEST)} "
        f"(refused: {len(REFUSED)}, neutralised by re-encoding: {len(NEUTRALISED)}, "
        f"harmless content under a hostile name, stored by content with the name as data: {len(ACCEPTED)})"
    )
    print(summary)
    assert not as_is, summary + f": {as_is}"


# --- Controls and fuzzing -----------------------------------------------------------------------------------------


def test_the_same_compressed_pdf_without_an_action_is_accepted():
    """The structural check refuses actions, not compressed object streams as such."""
    make = load_builders()
    clean = uploads.clean_evidence_file(SimpleUploadedFile("scan.pdf", make.pdf_compressed(make.one_page())))
    assert clean.content_type == uploads.PDF


# Pillow warns about the damaged EXIF it skips; the warning is the expected outcome here.
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_mangled_files_are_refused_or_accepted_never_a_server_error():
    """Random damage to real files, with a fixed seed: every outcome is a clean answer, never another exception."""
    make = load_builders()
    seeds = [
        make.benign_pdf(),
        make.pdf_compressed(make.one_page()),
        make.pdf_encrypted(""),
        make.encoded(make.gradient(), "PNG"),
        make.encoded(make.gradient(), "JPEG"),
        make.jpeg_with_gps(),
    ]
    rng = random.Random(20260101)
    for _ in range(300):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            if rng.random() < 0.6:
                data[at] = rng.randrange(256)
            elif rng.random() < 0.5:
                del data[at : at + rng.randint(1, 20)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 10))
        try:
            uploads.clean_evidence_file(SimpleUploadedFile("mangled", bytes(data)))
        except ValidationError:
            pass
