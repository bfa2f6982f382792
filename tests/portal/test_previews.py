"""Pictures of PDF evidence for the review page: the first pages, with the same access as the file."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from portal import services
from portal.models import AuditEntry, EvidenceKind
from portal.previews import PREVIEW_MAX_PAGES, PREVIEW_WIDTH_PX, PreviewError, pdf_preview_png
from tests.factories import pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def test_a_pdf_is_pictured_page_by_page_up_to_the_limit():
    png, pages = pdf_preview_png(pdf_bytes(pages=5))

    image = Image.open(io.BytesIO(png))
    assert pages == 5
    assert image.width == PREVIEW_WIDTH_PX
    # Three A4 pages stacked: each about 1.41 times as tall as it is wide.
    assert image.height > PREVIEW_MAX_PAGES * PREVIEW_WIDTH_PX * 1.4


def test_a_damaged_pdf_is_refused_as_unpicturable():
    with pytest.raises(PreviewError):
        pdf_preview_png(b"%PDF-1.7 this is not really a PDF")


@pytest.fixture
def insurance(student):
    return services.evidence_submit(
        student=student, kind=EvidenceKind.INSURANCE_PROOF, upload=upload("insurance.pdf"), uploaded_by=student.user
    )


def test_the_reviewer_sees_the_pdf_as_a_picture_and_the_reading_is_recorded(insurance, office_staff, client_for):
    response = client_for(office_staff).get(reverse("evidence_preview", args=[insurance.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Page-Count"] == "1"
    assert AuditEntry.objects.filter(action="evidence.file_read", student=insurance.student).exists()


def test_a_classmate_cannot_see_the_picture(insurance, classmate, client_for):
    assert client_for(classmate.user).get(reverse("evidence_preview", args=[insurance.pk])).status_code == 404


def test_an_image_upload_has_no_pdf_picture(student, office_staff, client_for):
    photo = services.evidence_submit(
        student=student,
        kind=EvidenceKind.PASSPORT_PAGE,
        upload=upload("passport.png", png_bytes(), "image/png"),
        uploaded_by=student.user,
    )
    assert client_for(office_staff).get(reverse("evidence_preview", args=[photo.pk])).status_code == 404


def test_a_page_far_taller_than_wide_is_pictured_within_bounds():
    import io as _io

    from pypdf import PdfWriter

    from portal.previews import MAX_PAGE_HEIGHT_PX

    writer = PdfWriter()
    writer.add_blank_page(width=10, height=14_000)
    buffer = _io.BytesIO()
    writer.write(buffer)

    png, _pages = pdf_preview_png(buffer.getvalue())

    image = Image.open(io.BytesIO(png))
    assert image.height <= MAX_PAGE_HEIGHT_PX + 1 and image.width <= PREVIEW_WIDTH_PX
