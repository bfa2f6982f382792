"""Pictures of uploaded PDFs, so reviewers see the evidence on the review page instead of downloading each file.

PDFium (the PDF engine of Chromium, through pypdfium2) renders the first pages into one PNG. Uploads were already
checked structurally when they came in (portal.uploads); the limits below bound the work for any one file.
"""

import io

import pypdfium2 as pdfium
from PIL import Image

PREVIEW_MAX_PAGES = 3
PREVIEW_WIDTH_PX = 900
# A4 is 595 x 842 points; anything past a few metres is not a scan of a document.
MAX_PAGE_SIDE_POINTS = 14_400
PAGE_GAP_PX = 12
# At most this tall per page, whatever the page's shape: bounds the memory one picture can take.
MAX_PAGE_HEIGHT_PX = 2400


class PreviewError(ValueError):
    """The file cannot be pictured (damaged, encrypted, or absurd page sizes)."""


def pdf_preview_png(content: bytes) -> tuple[bytes, int]:
    """The first pages of a PDF stacked into one PNG, and the document's page count."""
    try:
        document = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as exc:
        raise PreviewError(str(exc)) from exc
    try:
        page_count = len(document)
        images = []
        for index in range(min(page_count, PREVIEW_MAX_PAGES)):
            page = document[index]
            width, height = page.get_size()
            if not (0 < width <= MAX_PAGE_SIDE_POINTS and 0 < height <= MAX_PAGE_SIDE_POINTS):
                raise PreviewError(f"page {index + 1} is {width:.0f} x {height:.0f} points")
            # A page far taller than wide would render enormous at full width: its height is capped as well.
            scale = min(PREVIEW_WIDTH_PX / width, MAX_PAGE_HEIGHT_PX / height)
            try:
                images.append(page.render(scale=scale).to_pil().convert("RGB"))
            except pdfium.PdfiumError as exc:
                raise PreviewError(f"page {index + 1} cannot be rendered: {exc}") from exc
            page.close()
    finally:
        document.close()
    if not images:
        raise PreviewError("the document has no pages")
    sheet = Image.new(
        "RGB",
        (
            max(image.width for image in images),
            sum(image.height for image in images) + PAGE_GAP_PX * (len(images) - 1),
        ),
        (220, 220, 220),
    )
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height + PAGE_GAP_PX
    output = io.BytesIO()
    sheet.save(output, format="PNG", optimize=True)
    return output.getvalue(), page_count
