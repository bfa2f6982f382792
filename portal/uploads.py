"""Checks on uploaded evidence files: type from content (never the name), size, and a clean re-encoding.

Accepted: PDF, JPEG and PNG. Images are decoded and re-encoded, which drops metadata (GPS, camera) and anything
smuggled after the image data; PDFs must parse, must not be encrypted and must not carry scripts or launch actions.
"""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}

# PDF name objects that make a document run code or open other things when viewed.
ACTIVE_PDF_NAMES = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA", b"/AA")


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def sniff_content_type(head: bytes) -> str | None:
    """The type a file really is, from its first bytes."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _read_limited(upload, max_bytes: int) -> bytes:
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    return data


def _clean_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if any(name in data for name in ACTIVE_PDF_NAMES):
        raise ValidationError(_("PDFs with scripts, attachments or automatic actions are not accepted."), code="active")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("Password-protected PDFs are not accepted."), code="encrypted")
        pages = len(reader.pages)
        if pages == 0:
            raise ValidationError(_("The PDF has no pages."), code="empty")
        if pages > settings.EVIDENCE_MAX_PDF_PAGES:
            raise ValidationError(
                _("The PDF has %(pages)d pages; at most %(limit)d are accepted.")
                % {"pages": pages, "limit": settings.EVIDENCE_MAX_PDF_PAGES},
                code="too_many_pages",
            )
        for page in reader.pages:
            page.mediabox  # noqa: B018 - touching every page proves the page tree parses
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise ValidationError(_("The PDF is damaged or incomplete and cannot be read."), code="corrupt") from exc
    return data


def _clean_image(data: bytes, content_type: str) -> bytes:
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = settings.EVIDENCE_MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > settings.EVIDENCE_MAX_PIXELS:
                raise ValidationError(_("The image has too many pixels."), code="too_many_pixels")
            image.load()
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            # Re-encoding keeps only the pixels: no EXIF, no comments, nothing appended after the image.
            if content_type == JPEG:
                image.save(out, format="JPEG", quality=90, optimize=True)
            else:
                image.save(out, format="PNG", optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The image is damaged or incomplete and cannot be read."), code="corrupt") from exc
    return out.getvalue()


def clean_evidence_file(upload) -> CleanFile:
    """Validate an uploaded file and return what to store, or raise ValidationError with the reason."""
    data = _read_limited(upload, settings.EVIDENCE_MAX_BYTES)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        raise ValidationError(
            _("Only PDF, JPEG and PNG files are accepted; this file is none of them."), code="bad_type"
        )
    content = _clean_pdf(data) if content_type == PDF else _clean_image(data, content_type)
    return CleanFile(
        content=content,
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        sha256=hashlib.sha256(content).hexdigest(),
    )


def safe_original_name(name: str) -> str:
    """The student's file name as data: no path, no control or bidirectional-override characters."""
    import unicodedata

    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf"))
    return cleaned.strip()[:200] or "upload"
