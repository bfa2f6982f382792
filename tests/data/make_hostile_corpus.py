"""Write the hostile upload corpus to tests/data/hostile/ and its MANIFEST.json.

Run from the project root:  .venv/bin/python tests/data/make_hostile_corpus.py

Every file is built here from scratch, so the corpus can be re-made and reviewed; nothing in it runs anything
harmful (the ELF only exits, the PE has no code, the scripts only call alert()). Files are saved as <id>.bin so
that no editor, file manager or code host previews or runs them; the name each one is uploaded under is in the
manifest (upload_name), including the names with right-to-left overrides that must never be file names on disk.
The output is deterministic except the two encrypted PDFs (encryption uses fresh random salts).

Outcomes in the manifest:
  refused      clean_evidence_file raises ValidationError with `code`, and the upload page answers 400.
  neutralised  accepted only as a re-encoded image: the stored bytes differ and contain none of must_not_contain.
  accepted     harmless content under a hostile name: stored under a generated name with the extension of its
               content, the student's name kept only as data with control characters removed.
"""

import io
import json
import struct
import sys
import zipfile
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent / "hostile"
MAX_FILE_BYTES = 50 * 1024

JS = b"<script>alert(document.domain)</script>"
PHP = b'<?php system($_GET["c"]); ?>'
HTML = b"<!DOCTYPE html><html><body><h1>Visa</h1>" + JS + b"</body></html>\n"
PDF_JS = b"(app.alert\\(document.cookie\\))"


# --- PDFs, written by hand so every byte is known --------------------------------------------------------------


def pdf(objects: list[bytes], *, header: bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n") -> bytes:
    """A classic PDF: objects 1..n in order, an xref table and a trailer whose /Root is object 1."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", *, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf_compressed(objects: list[bytes], streams: list[bytes] = ()) -> bytes:
    """A PDF 1.5 whose dictionaries all sit in one Flate-compressed object stream, with a compressed xref stream.

    No name in `objects` appears in the file's bytes, so only a check that parses the PDF can see them. Objects
    1..n are the dictionaries, n+1.. the `streams` (which cannot live in an object stream), then the object stream
    and the xref stream.
    """
    numbers = range(1, len(objects) + 1)
    bodies = [body + b"\n" for body in objects]
    index, offset = [], 0
    for number, body in zip(numbers, bodies, strict=True):
        index.append(b"%d %d" % (number, offset))
        offset += len(body)
    head = b" ".join(index) + b"\n"
    objstm_number = len(objects) + len(streams) + 1
    objstm = stream(
        head + b"".join(bodies), b" /Type /ObjStm /N %d /First %d" % (len(objects), len(head)), compress=True
    )

    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in enumerate([*streams, objstm], start=len(objects) + 1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_number = objstm_number + 1
    offsets[xref_number] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, objstm_number, i) for i in range(len(objects))]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in range(len(objects) + 1, xref_number + 1)]
    xref = stream(b"".join(rows), b" /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % (xref_number + 1), compress=True)
    out += b"%d 0 obj\n" % xref_number + xref + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def one_page(*, catalog: bytes = b"", page: bytes = b"", extra: list[bytes] = ()) -> list[bytes]:
    """Catalog, page tree and one blank A4 page; `extra` objects are numbered from 4."""
    return [
        b"<< /Type /Catalog /Pages 2 0 R" + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]" + page + b" >>",
        *extra,
    ]


def benign_pdf(**options) -> bytes:
    text = b"BT /F1 24 Tf 72 750 Td (Passport, page 2) Tj ET"
    return pdf(
        one_page(
            page=b" /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >>",
            extra=[stream(text), b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"],
        ),
        **options,
    )


def pdf_pages(count: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % n for n in range(3, count + 3))
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * count
    return pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count)] + pages
    )


def pdf_encrypted(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(benign_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


JS_ACTION = b"<< /S /JavaScript /JS " + PDF_JS + b" >>"
LAUNCH_ACTION = b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc.exe) >> >>"
# The actions, each as the pieces of a one-page document: what the catalog, the page and extra objects carry.
PDF_ACTIONS = {
    "openaction_javascript": {"catalog": b" /OpenAction " + JS_ACTION},
    "names_javascript": {
        "catalog": b" /Names << /JavaScript << /Names [(init) 4 0 R] >> >>",
        "extra": [JS_ACTION],
    },
    "page_aa_javascript": {"page": b" /AA << /O " + JS_ACTION + b" >>"},
    "annotation_launch": {
        "page": b" /Annots [4 0 R]",
        "extra": [b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A " + LAUNCH_ACTION + b" >>"],
    },
    "annotation_javascript": {
        "page": b" /Annots [4 0 R]",
        "extra": [b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A " + JS_ACTION + b" >>"],
    },
    "openaction_uri": {"catalog": b" /OpenAction << /S /URI /URI (http://attacker.example/opened) >>"},
    "acroform_xfa": {"catalog": b" /AcroForm << /Fields [] /XFA 4 0 R >>", "extra": [b"[(template) 4 0 R]"]},
}
PE_STUB_FOR_ATTACHMENT = b"MZ" + b"\x00" * 62


def pdf_embedded_file(*, compress: bool) -> bytes:
    """A PDF carrying invoice.exe in /EmbeddedFiles; compressed, the file stream's dictionary names nothing."""
    objects = one_page(
        catalog=b" /Names << /EmbeddedFiles << /Names [(invoice.exe) 4 0 R] >> >>",
        extra=[b"<< /Type /Filespec /F (invoice.exe) /EF << /F 5 0 R >> >>"],
    )
    if compress:
        return pdf_compressed(objects, [stream(PE_STUB_FOR_ATTACHMENT, compress=True)])
    return pdf(objects + [stream(PE_STUB_FOR_ATTACHMENT, b" /Type /EmbeddedFile")])


# --- Images ----------------------------------------------------------------------------------------------------


def gradient(size=(64, 64)):
    """A picture whose compressed data is long enough to cut in the middle of the pixels."""
    from PIL import Image

    image = Image.new("RGB", size)
    image.putdata([((x * 7) % 256, (y * 5) % 256, (x * y) % 256) for y in range(size[1]) for x in range(size[0])])
    return image


def encoded(image, format_name: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format_name)
    return buffer.getvalue()


def png(size=(24, 16), **save) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, format="PNG", **save)
    return buffer.getvalue()


def jpeg(size=(24, 16), **save) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (160, 90, 30)).save(buffer, format="JPEG", quality=80, **save)
    return buffer.getvalue()


def other_image(format_name: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(buffer, format=format_name)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, *, complete: bool) -> bytes:
    """A 1-bit greyscale PNG: complete, it decodes to width x height pixels from a tiny file; else header only."""
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
    if complete:
        row = b"\x00" * (1 + (width + 7) // 8)
        packer = zlib.compressobj(9)
        idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    else:
        idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_with_size(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header claims width x height."""
    data = bytearray(jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_with_gps() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "HOSTILE-CORPUS-CAMERA"  # Make
    exif[0x010E] = "home of the student"  # ImageDescription
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)})
    return jpeg(exif=exif.tobytes())


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", JS.decode())
    return png(pnginfo=info)


def zip_archive(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


def docx_like() -> bytes:
    return zip_archive(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/content-types"/>',
            "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"/>',
        }
    )


# --- Executables and text -------------------------------------------------------------------------------------


def elf_exit() -> bytes:
    """A 64-bit Linux executable whose whole program is exit(0)."""
    code = b"\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05"  # mov eax, 60; xor edi, edi; syscall
    size = 64 + 56 + len(code)
    header = b"\x7fELF\x02\x01\x01" + b"\x00" * 9
    header += struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x400078, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    program = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, size, size, 0x1000)
    return header + program + code


def pe_header() -> bytes:
    """A Windows executable's DOS stub and PE/COFF headers, with no code."""
    dos = bytearray(b"MZ" + b"\x00" * 62)
    dos[0x3C:0x40] = struct.pack("<I", 0x80)
    dos += b"This program cannot be run in DOS mode.\r\r\n$".ljust(0x80 - 64, b"\x00")
    coff = struct.pack("<4sHHIIIHH", b"PE\x00\x00", 0x8664, 0, 0, 0, 0, 0xF0, 0x22)
    return bytes(dos) + coff + b"\x00" * 0xF0


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>\n"
)


# --- The corpus ------------------------------------------------------------------------------------------------

REASONS = {
    "bad_type": "The type is read from the first bytes, never from the name or the browser's content type; only PDF, "
    "JPEG and PNG are accepted.",
    "corrupt": "A file must be complete and parse; any parser failure is a refusal, never a server error.",
    "empty": "A file or document with nothing in it has nothing to review.",
    "active": "Scripts, launch and other automatic actions, attachments and HTML in a PDF are refused.",
    "structural": "Every dictionary sits in a compressed object stream, so only the structural check (pypdf walking "
    "the document from its catalog) sees the action; a scan of the raw bytes cannot.",
    "encrypted": "Reviewers could not open it, and encrypted strings and streams cannot be checked.",
    "too_many_pages": "EVIDENCE_MAX_PDF_PAGES caps the work and the reading per file.",
    "too_many_pixels": "EVIDENCE_MAX_PIXELS is checked from the header, before any pixel is decoded.",
    "reencoded": "Images are decoded and re-encoded from their pixels, which drops everything else in the file.",
}


# The content type a browser sends follows the file name, which is exactly why it is never trusted.
BROWSER_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".tiff": "image/tiff",
    ".svg": "image/svg+xml",
    ".html": "text/html",
    ".js": "text/javascript",
    ".exe": "application/x-msdownload",
}


def _entry(file_id, upload_name, content, what, expected, reason, **extra):
    content_type = BROWSER_TYPES.get(Path(upload_name).suffix, "application/octet-stream")
    return {
        "id": file_id,
        "upload_name": upload_name,
        "content_type": content_type,
        "what": what,
        "expected": expected,
        **extra,
        "reason": reason,
        "content": content,
    }


def refused(file_id, upload_name, content, code, what, reason=None):
    return _entry(file_id, upload_name, content, what, "refused", reason or REASONS[code], code=code)


def neutralised(file_id, upload_name, content, what, must_not_contain, reason=REASONS["reencoded"]):
    return _entry(file_id, upload_name, content, what, "neutralised", reason, must_not_contain=must_not_contain)


def accepted(file_id, upload_name, content, what, stored_original_name, reason):
    return _entry(file_id, upload_name, content, what, "accepted", reason, stored_original_name=stored_original_name)


def corpus() -> list[dict]:
    benign = benign_pdf()
    pixels = gradient()
    items = [
        # Executables and markup under document names.
        refused("elf_named_pdf", "visa.pdf", elf_exit(), "bad_type", "Linux ELF executable renamed .pdf"),
        refused("pe_named_pdf", "visa.pdf", pe_header(), "bad_type", "Windows PE (MZ) executable renamed .pdf"),
        refused("pe_named_exe", "passport.exe", pe_header(), "bad_type", "Windows PE (MZ) executable named .exe"),
        refused(
            "pe_rlo_name",
            "passport\u202efdp.exe",
            pe_header(),
            "bad_type",
            "PE executable whose name shows as 'passportexe.pdf' through a right-to-left override",
        ),
        refused("html_named_pdf", "receipt.pdf", HTML, "bad_type", "HTML page with a script renamed .pdf"),
        refused("html_named_jpg", "photo.jpg", HTML, "bad_type", "HTML page with a script renamed .jpg"),
        refused("html_double_extension", "scan.jpg.html", HTML, "bad_type", "HTML page named scan.jpg.html"),
        refused("php_named_png", "avatar.php.png", PHP + b"\n", "bad_type", "PHP web shell named .php.png"),
        refused("svg_script", "signature.svg", SVG, "bad_type", "SVG image with a script"),
        refused("svg_named_png", "signature.png", SVG, "bad_type", "SVG image with a script renamed .png"),
        # The signature of an allowed type in front of something else.
        refused(
            "png_magic_then_html", "photo.png", b"\x89PNG\r\n\x1a\n" + HTML, "corrupt", "PNG signature followed by HTML"
        ),
        refused(
            "jpeg_magic_then_html",
            "photo.jpg",
            b"\xff\xd8\xff\xe0" + HTML,
            "corrupt",
            "JPEG signature followed by HTML",
        ),
        refused(
            "pdf_magic_then_html",
            "visa.pdf",
            b"%PDF-1.4\n" + HTML + b"%%EOF\n",
            "active",
            "PDF signature followed by an HTML page",
        ),
        refused(
            "pdf_html_polyglot",
            "visa.pdf",
            benign_pdf(header=b"%PDF-1.4\n%" + HTML),
            "active",
            "valid PDF carrying an HTML page with a script in a comment (PDF/HTML polyglot)",
            "PDFs are stored as they are, so one that is also an HTML page is refused.",
        ),
        # Archives and formats we do not accept.
        refused(
            "zip_named_pdf", "documents.pdf", zip_archive({"visa.html": HTML}), "bad_type", "ZIP archive renamed .pdf"
        ),
        refused("docx_named_pdf", "transcript.pdf", docx_like(), "bad_type", "Word-like (OOXML) document renamed .pdf"),
        refused("gif", "photo.gif", other_image("GIF"), "bad_type", "GIF image"),
        refused("webp", "photo.webp", other_image("WEBP"), "bad_type", "WebP image"),
        refused("bmp", "photo.bmp", other_image("BMP"), "bad_type", "BMP image"),
        refused("tiff", "scan.tiff", other_image("TIFF"), "bad_type", "TIFF image"),
        refused(
            "heic_named_jpg",
            "IMG_0001.jpg",
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40,
            "bad_type",
            "HEIC (iPhone photo) file header renamed .jpg",
        ),
        # Empty, cut-off and malformed files.
        refused("empty_pdf", "visa.pdf", b"", "empty", "zero-byte file named .pdf"),
        refused("truncated_pdf", "visa.pdf", benign[: len(benign) // 2], "corrupt", "PDF cut off half way"),
        refused(
            "pdf_without_eof",
            "visa.pdf",
            benign[: benign.rindex(b"%%EOF")],
            "corrupt",
            "PDF missing its final %%EOF line (a cut-off download)",
        ),
        refused(
            "pdf_header_only",
            "visa.pdf",
            b"%PDF-1.7\n1 0 obj <<\n%%EOF\n",
            "corrupt",
            "PDF signature and a broken object",
        ),
        refused(
            "pdf_no_pages",
            "visa.pdf",
            pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
            "empty",
            "PDF with an empty page tree",
        ),
        refused(
            "pdf_deep_nesting",
            "visa.pdf",
            pdf(one_page(catalog=b" /Deep " + b"[" * 5000 + b"]" * 5000)),
            "corrupt",
            "PDF with arrays nested 5000 deep (parser recursion)",
        ),
        refused(
            "pdf_page_tree_cycle",
            "visa.pdf",
            pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]),
            "corrupt",
            "PDF whose page tree contains itself; it must not hang the parser",
        ),
        refused("truncated_png", "photo.png", encoded(pixels, "PNG")[:700], "corrupt", "PNG cut off in its image data"),
        refused(
            "truncated_jpeg", "photo.jpg", encoded(pixels, "JPEG")[:900], "corrupt", "JPEG cut off in its image data"
        ),
        # Limits.
        refused("pdf_60_pages", "visa.pdf", pdf_pages(60), "too_many_pages", "PDF with 60 pages (limit 50)"),
        refused(
            "png_bomb_16000",
            "scan.png",
            png_bomb(16000, 16000, complete=True),
            "too_many_pixels",
            "PNG decompression bomb: 16000 x 16000 pixels (256 million) in about 31 KB",
        ),
        refused(
            "png_bomb_header",
            "scan.png",
            png_bomb(100_000, 100_000, complete=False),
            "too_many_pixels",
            "PNG header claiming 100000 x 100000 pixels",
        ),
        refused(
            "jpeg_bomb_header",
            "scan.jpg",
            jpeg_with_size(65000, 65000),
            "too_many_pixels",
            "JPEG frame header claiming 65000 x 65000 pixels",
        ),
        # Encrypted PDFs.
        refused(
            "pdf_encrypted_password",
            "bank-statement.pdf",
            pdf_encrypted("1234"),
            "encrypted",
            "PDF encrypted with AES-256 and a password to open",
        ),
        refused(
            "pdf_encrypted_owner_only",
            "bank-statement.pdf",
            pdf_encrypted(""),
            "encrypted",
            "PDF encrypted with AES-256, no password to open (owner restrictions only)",
        ),
        # Active content that the raw bytes show.
        refused(
            "pdf_hex_escaped_javascript",
            "visa.pdf",
            pdf(one_page(catalog=b" /OpenAction << /S /J#61vaScript /J#53 " + PDF_JS + b" >>")),
            "active",
            "PDF with /OpenAction JavaScript spelled with #-escapes (/J#61vaScript)",
            REASONS["active"] + " Names are compared after #xx escapes are decoded.",
        ),
        refused(
            "pdf_embedded_file",
            "visa.pdf",
            pdf_embedded_file(compress=False),
            "active",
            "PDF with an attached invoice.exe in /EmbeddedFiles",
        ),
        refused(
            "pdf_embedded_file_compressed",
            "visa.pdf",
            pdf_embedded_file(compress=True),
            "active",
            "PDF with an attached invoice.exe, all dictionaries in a compressed object stream",
            REASONS["active"] + " " + REASONS["structural"],
        ),
    ]
    for name, parts in PDF_ACTIONS.items():
        what = "PDF with " + name.replace("_", " ")
        items.append(refused(f"pdf_{name}", "visa.pdf", pdf(one_page(**parts)), "active", what))
        items.append(
            refused(
                f"pdf_{name}_compressed",
                "visa.pdf",
                pdf_compressed(one_page(**parts)),
                "active",
                what + ", inside a compressed object stream",
                REASONS["active"] + " " + REASONS["structural"],
            )
        )
    items += [
        # Real images carrying something else: stored only as re-encoded pixels.
        neutralised(
            "png_with_appended_html",
            "photo.png",
            png() + HTML,
            "valid PNG with an HTML page appended after IEND (polyglot)",
            ["<script", "<html"],
        ),
        neutralised(
            "png_text_chunk_script",
            "photo.png",
            png_with_text(),
            "PNG with a script in a tEXt chunk",
            ["<script", "Comment"],
        ),
        neutralised(
            "jpeg_with_appended_zip",
            "photo.jpg",
            jpeg() + zip_archive({"payload.html": HTML}),
            "valid JPEG with a ZIP archive appended (JPEG/ZIP polyglot)",
            ["PK\u0003\u0004", "payload.html"],
        ),
        neutralised(
            "jpeg_comment_php",
            "avatar.php.jpg",
            jpeg(comment=PHP),
            "JPEG with a PHP web shell in its comment (COM) segment",
            ["<?php", "system("],
        ),
        neutralised(
            "jpeg_xmp_script",
            "photo.jpg",
            jpeg(xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + JS + b"</x:xmpmeta>"),
            "JPEG with a script in its XMP metadata",
            ["<script", "xmpmeta"],
        ),
        neutralised(
            "jpeg_exif_gps",
            "passport-photo.jpg",
            jpeg_with_gps(),
            "JPEG with EXIF camera make and GPS position",
            ["Exif\u0000\u0000", "HOSTILE-CORPUS-CAMERA"],
            REASONS["reencoded"] + " Location and camera data must not be stored.",
        ),
        # Harmless content under hostile names.
        accepted(
            "pdf_double_extension",
            "passport.pdf.exe",
            benign,
            "real PDF named passport.pdf.exe",
            "passport.pdf.exe",
            "The content decides: a real PDF is stored as .pdf under a generated name; the student's name is "
            "only ever shown as text.",
        ),
        accepted(
            "pdf_rlo_name",
            "visa\u202efdp.exe",
            benign,
            "real PDF whose name shows as 'visaexe.pdf' through a right-to-left override",
            "visafdp.exe",
            "The override character is removed from the stored name, so it shows as it really is.",
        ),
        accepted(
            "png_rlo_name",
            "photo\u202egnp.js",
            png(),
            "real PNG whose name shows as 'photojs.png' through a right-to-left override",
            "photognp.js",
            "The override character is removed from the stored name; the image is re-encoded as usual.",
        ),
        accepted(
            "pdf_zero_width_name",
            "pass\u200bport\u200e.pdf",
            benign,
            "real PDF with zero-width and direction marks in its name",
            "passport.pdf",
            "Invisible format characters are removed from the stored name.",
        ),
    ]
    return items


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.bin"):
        old.unlink()
    manifest = []
    for item in corpus():
        content = item.pop("content")
        if len(content) > MAX_FILE_BYTES:
            raise SystemExit(f"{item['id']} is {len(content)} bytes; keep corpus files under {MAX_FILE_BYTES}")
        item = {"file": f"{item['id']}.bin", "size": len(content), **item}
        (OUT / item["file"]).write_bytes(content)
        manifest.append(item)
    document = {
        "about": "Hostile evidence uploads: what each file is and what portal.uploads must do with it. Files are "
        "stored as <id>.bin; upload each under upload_name with content_type, as a browser would send it.",
        "generator": "tests/data/make_hostile_corpus.py",
        "outcomes": {
            "refused": "clean_evidence_file raises ValidationError with this code; the upload page answers 400.",
            "neutralised": "Accepted only as a re-encoded image; the stored bytes contain none of must_not_contain.",
            "accepted": "Harmless content under a hostile name; stored under a generated name with the extension of "
            "its content; the name is kept as data as stored_original_name.",
        },
        "files": manifest,
    }
    (OUT / "MANIFEST.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    total = sum(item["size"] for item in manifest)
    counts = {o: sum(1 for i in manifest if i["expected"] == o) for o in ("refused", "neutralised", "accepted")}
    print(f"{len(manifest)} files, {total} bytes in {OUT}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
