"""Checks on uploaded evidence files: type from content (never the name), size, and a clean re-encoding.

Accepted: PDF, JPEG and PNG. Images are decoded and re-encoded, which drops metadata (GPS, camera, comments) and
anything smuggled after the image data. PDFs are stored as uploaded, so they must parse and must not be encrypted or
carry scripts, automatic actions, attachments or HTML. tests/data/hostile/ holds what each check is there to stop.
"""

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
# Pillow may only use the decoder of the type we sniffed, never guess among its many other formats.
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}

# Common formats we refuse, by their first bytes, named in the refusal so the student knows what to convert. "BM"
# starts plenty of text; the size of the header that follows it (12 to 124 bytes) makes it a bitmap.
OTHER_FORMATS = (
    (re.compile(rb"GIF8[79]a"), "GIF"),
    (re.compile(rb"RIFF.{4}WEBP", re.DOTALL), "WebP"),
    (re.compile(rb".{4}ftyp(?:heic|heix|mif1|msf1)", re.DOTALL), "HEIC"),
    (re.compile(rb"II\*\x00|MM\x00\*"), "TIFF"),
    (re.compile(rb"BM.{12}[\x0c(@l|]\x00", re.DOTALL), "BMP"),
    (re.compile(rb"PK\x03\x04"), "ZIP (Word, Excel)"),
)
# PDF names (without the slash) that make a viewer run code, open, fetch or submit something, or that carry other
# files: ISO 32000-1 12.6.3-12.6.4 (additional actions, action types), 7.11.4 (embedded files), 12.7.8 (XFA).
ACTIVE_PDF_NAMES = frozenset(
    {"JavaScript", "JS", "Launch", "SubmitForm", "ImportData", "GoToR", "GoToE", "AA", "RichMedia", "XFA"}
    | {"EmbeddedFile", "EmbeddedFiles", "EF", "FileAttachment"}
)
# A name runs up to the next PDF delimiter or white-space character (ISO 32000-1 7.2.2, 7.3.5).
PDF_NAME = re.compile(rb"/([^\x00\t\n\f\r ()<>\[\]{}/%]*)")
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# A PDF that is also an HTML page (a polyglot) has these tags somewhere; a scanned letter never does.
HTML_IN_PDF = re.compile(rb"<\s*(?:script|html|iframe)\b", re.IGNORECASE)
# Walking the objects of a PDF costs time per object; real scans and letters have hundreds, not a million.
MAX_PDF_NODES = 1_000_000


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


def _active_pdf() -> ValidationError:
    return ValidationError(_("PDFs with scripts, attachments or automatic actions are not accepted."), code="active")


def _names_outside_streams(data: bytes):
    """Every name in the PDF's bytes except inside stream data, with #xx escapes decoded (/J#61vaScript)."""
    # Stream data (images, fonts, compressed text) is skipped: in megabytes of compressed bytes, two-letter names
    # such as /JS or /AA turn up by chance. find() keeps this linear whatever the file holds.
    position = 0
    while True:
        start = data.find(b"stream", position)
        end = data.find(b"endstream", start) if start != -1 else -1
        for match in PDF_NAME.finditer(data, position, start if end != -1 else len(data)):
            yield PDF_NAME_ESCAPE.sub(lambda hex_digits: bytes([int(hex_digits[1], 16)]), match[1]).decode("latin-1")
        if end == -1:
            return
        position = end + len(b"endstream")


def _pdf_structure_is_active(reader) -> bool:
    """Whether any object reachable from the catalog, as pypdf decodes it, names an action, script or attachment."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NullObject

    # The byte scan cannot see into compressed object streams; pypdf reads them, so this walk sees every dictionary.
    # An /OpenAction may only turn to a page (a destination or a GoTo); any other action runs when the file opens.
    open_action = reader.trailer["/Root"].get("/OpenAction", NullObject()).get_object()
    if isinstance(open_action, DictionaryObject) and open_action.get("/S") != "/GoTo":
        return True
    seen, todo = set(), [reader.trailer.raw_get("/Root")]
    for _step in range(MAX_PDF_NODES):
        if not todo:
            return False
        node = todo.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            # dict's own methods keep references unresolved, so `seen` stops cycles (and pypdf's TreeObject, a
            # dictionary, iterates over its children instead of its keys).
            if any(key[1:] in ACTIVE_PDF_NAMES for key in dict.keys(node)):
                return True
            todo.extend(dict.values(node))
        elif isinstance(node, ArrayObject):
            todo.extend(node)
        elif isinstance(node, NameObject) and node[1:] in ACTIVE_PDF_NAMES:
            return True
    raise ValidationError(_("The PDF is damaged or incomplete and cannot be read."), code="corrupt")


def _clean_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader

    # The bytes are checked as well as the parsed document: a viewer may read a damaged file differently.
    if HTML_IN_PDF.search(data) or any(name in ACTIVE_PDF_NAMES for name in _names_outside_streams(data)):
        raise _active_pdf()
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
        if _pdf_structure_is_active(reader):
            raise _active_pdf()
    except ValidationError:
        raise
    # pypdf reports a damaged file with its own errors (LimitReachedError for decompression bombs among them), but
    # on mangled input it also raises whatever its parsing code trips over: fuzzing found NotImplementedError,
    # AssertionError, KeyError, RecursionError. A file pypdf cannot read is refused, never a server error.
    except Exception as exc:
        raise ValidationError(_("The PDF is damaged or incomplete and cannot be read."), code="corrupt") from exc
    return data


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image has more than %(limit)s million pixels; scan or photograph it at a lower resolution.")
        % {"limit": f"{settings.EVIDENCE_MAX_PIXELS / 1_000_000:g}"},
        code="too_many_pixels",
    )


def _clean_image(data: bytes, content_type: str) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    formats = [PILLOW_FORMATS[content_type]]
    # WeasyPrint switches on Pillow's process-wide LOAD_TRUNCATED_IMAGES, and Pillow then pads a cut-off JPEG with
    # grey instead of failing; a complete JPEG has an end-of-image marker after its first scan (ITU-T T.81, B.2.1).
    if content_type == JPEG and data.rfind(b"\xff\xd9") < data.find(b"\xff\xda"):
        raise ValidationError(_("The image is damaged or incomplete and cannot be read."), code="corrupt")
    try:
        # Opening reads only the header, so a decompression bomb is refused before any pixel is decoded; Pillow's
        # own DecompressionBombError (at twice its MAX_IMAGE_PIXELS) is a backstop.
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            if probe.width * probe.height > settings.EVIDENCE_MAX_PIXELS:
                raise _too_many_pixels()
            probe.verify()
        with Image.open(io.BytesIO(data), formats=formats) as image:
            image.load()
            # Phones store "turn me upright" in EXIF, which the re-encoding drops, so it is applied to the pixels.
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            # Re-encoding keeps only the pixels. Pillow copies some of the original's info into the new file (a
            # JPEG comment, a PNG colour profile), so that is emptied first: no EXIF, comments or trailing bytes.
            image.info.clear()
            out = io.BytesIO()
            if content_type == JPEG:
                image.save(out, format="JPEG", quality=90, optimize=True)
            else:
                image.save(out, format="PNG", optimize=True)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise ValidationError(_("The image is damaged or incomplete and cannot be read."), code="corrupt") from exc
    return out.getvalue()


def clean_evidence_file(upload) -> CleanFile:
    """Validate an uploaded file and return what to store, or raise ValidationError with the reason."""
    data = _read_limited(upload, settings.EVIDENCE_MAX_BYTES)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        other = next((name for pattern, name in OTHER_FORMATS if pattern.match(data)), None)
        message = _("Only PDF, JPEG and PNG files are accepted; this file is none of them.")
        if other:
            message = _(
                "Only PDF, JPEG and PNG files are accepted; this file is in %(format)s format. "
                "Save or export it as PDF, JPEG or PNG."
            ) % {"format": other}
        raise ValidationError(message, code="bad_type")
    content = _clean_pdf(data) if content_type == PDF else _clean_image(data, content_type)
    return CleanFile(
        content=content,
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        sha256=hashlib.sha256(content).hexdigest(),
    )


def safe_original_name(name: str) -> str:
    """The student's file name as data: no path, no control, bidirectional-override or line-breaking characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Cc: controls; Cf: format characters such as U+202E RIGHT-TO-LEFT OVERRIDE, which makes "visa\u202efdp.exe"
    # display as "visaexe.pdf"; Cs: lone surrogates; Zl, Zp: line and paragraph separators.
    cleaned = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    return cleaned.strip()[:200] or "upload"
