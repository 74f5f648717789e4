"""File sniffing: what a file really is, judged by its bytes, and why it cannot be read.

:func:`sniff` looks at the first and last bytes of a file (never its name alone) and returns
``(format, reason)``: the format a reader should handle (``'pdf'``, ``'docx'``, ``'txt'``,
``'md'``) or ``None`` with a reason a person can act on (an empty download, an HTML error page
saved under a ``.pdf`` name, a legacy ``.doc``, a password-protected PDF, ...).
"""
from __future__ import annotations

import mmap
import re
import zipfile
import zlib
from pathlib import Path
from typing import Optional

__all__ = ["sniff", "pdf_needs_password", "pdf_looks_truncated", "pdf_header_offset", "pdf_stream_bomb",
           "zip_bomb", "xml_doctype", "utf16_without_bom"]

_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_HEAD = 8192
_TAIL = 65536
_JUNK_SEARCH = 1 << 20  # junk before %PDF- is searched for this far (web servers prepend error text)
_TEXT_EXT = {".txt", ".text", ".csv", ".tsv", ""}
_MD_EXT = {".md", ".markdown", ".mdown"}
_HTML_RE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|script)\b",
                      re.I | re.S)
_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"II*\x00": "TIFF image",
    b"MM\x00*": "TIFF image",
    b"GIF8": "GIF image",
}


def _read_ends(path: Path, size: int) -> tuple[bytes, bytes]:
    with open(path, "rb") as f:
        head = f.read(_HEAD)
        if size > _HEAD:
            f.seek(max(0, size - _TAIL))
            tail = f.read(_TAIL)
        else:
            tail = head
    return head, tail


def pdf_needs_password(path: Path) -> bool:
    """True when the PDF is encrypted with a user password (an owner password alone is fine)."""
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    try:
        with open(path, "rb") as f:
            PDFDocument(PDFParser(f), password="")
    except PDFPasswordIncorrect:
        return True
    except Exception:  # other damage is reported by the reader with its own reason
        return False
    return False


def pdf_looks_truncated(path: Path) -> bool:
    """True when the PDF has no ``%%EOF`` marker near its end (an interrupted download)."""
    size = path.stat().st_size
    _, tail = _read_ends(path, size)
    return b"%%EOF" not in tail[-2048:] and b"%%EOF" not in tail


def _sniff_zip(path: Path) -> tuple[str | None, str | None]:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except zipfile.BadZipFile:
        return None, "corrupt or truncated zip container (a damaged .docx?)"
    except Exception as e:  # pragma: no cover - unusual zip damage
        return None, f"unreadable zip container: {e}"
    if "word/document.xml" in names:
        return "docx", None
    if any(n.startswith("xl/") for n in names):
        return None, "Excel workbook (.xlsx), not a report document"
    if any(n.startswith("ppt/") for n in names):
        return None, "PowerPoint file (.pptx), not a report document"
    if "content.xml" in names and "mimetype" in names:
        return None, "OpenDocument file (.odt): convert it to .docx or PDF"
    return None, "zip archive that is not a .docx"


def _sniff_ole2(path: Path, size: int) -> tuple[str | None, str | None]:
    with open(path, "rb") as f:
        data = f.read(min(size, 32 * 1024 * 1024))
    if "EncryptedPackage".encode("utf-16-le") in data:
        return None, "password-protected Office document: save it without a password"
    if "Workbook".encode("utf-16-le") in data:
        return None, "legacy Excel .xls, not a report document"
    return None, "legacy Word .doc: convert it to .docx"


def utf16_without_bom(head: bytes) -> Optional[str]:
    """'utf-16-le' or 'utf-16-be' when the bytes look like UTF-16 text without a byte-order mark
    (mostly ASCII: every other byte is NUL), else None."""
    n = len(head) // 2 * 2
    if n < 4:
        return None
    even, odd = head[0:n:2], head[1:n:2]
    z_even, z_odd = even.count(0), odd.count(0)
    if z_odd >= 0.3 * len(odd) and z_even <= 0.02 * len(even) + 1:
        return "utf-16-le"
    if z_even >= 0.3 * len(even) and z_odd <= 0.02 * len(odd) + 1:
        return "utf-16-be"
    return None


def _looks_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head):
        return True
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        if e.start >= len(head) - 4:  # a multi-byte character cut by the read
            return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return ctrl <= len(head) * 0.01


def sniff(path: Path) -> tuple[str | None, str | None]:
    """Return ``(format, None)`` for a readable file or ``(None, reason)`` for one that is not.

    Formats: ``'pdf'``, ``'docx'``, ``'txt'``, ``'md'``. Judged by content; the extension only
    decides between text and markdown and words the reason.
    """
    path = Path(path)
    ext = path.suffix.lower()
    try:
        if not path.is_file():
            return None, "file not found" if not path.exists() else "not a regular file"
        size = path.stat().st_size
        if size == 0:
            return None, "empty file (0 bytes)"
        head, tail = _read_ends(path, size)
    except OSError as e:
        return None, f"cannot read file: {e.strerror or e}"

    if b"%PDF-" in head[:1024]:
        return _sniff_pdf(path, head, tail)
    fmt, reason = _sniff_other(path, size, head)
    if fmt == "pdf":
        return _sniff_pdf(path, head, tail)
    if reason and ext == ".pdf" and not reason.startswith("HTML"):
        return None, f"not a PDF: {reason}"
    if fmt == "docx" and ext == ".pdf":
        return None, "not a PDF: a Word .docx file named .pdf (rename it to .docx)"
    return fmt, reason


def _sniff_pdf(path: Path, head: bytes, tail: bytes) -> tuple[str | None, str | None]:
    if b"/Encrypt" in tail or b"/Encrypt" in head:
        if pdf_needs_password(path):
            return None, "encrypted PDF: needs the user password"
    return "pdf", None


def _sniff_other(path: Path, size: int, head: bytes) -> tuple[str | None, str | None]:
    ext = path.suffix.lower()
    if head.startswith(_OLE2_MAGIC):
        return _sniff_ole2(path, size)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _sniff_zip(path)
    if head.startswith(b"{\\rtf"):
        return None, "RTF document: convert it to .docx or PDF"
    for magic, what in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            return None, f"{what}, not a document: OCR is needed"
    if (pdf_header_offset(path) or 0) > 0:
        return "pdf", None  # junk before the header: the PDF reader repairs it
    body = head.lstrip(b"\xef\xbb\xbf\xff\xfe")
    if _HTML_RE.match(body):
        if ext == ".pdf":
            return None, "HTML page saved as .pdf (an error or login page, not the report): not a PDF"
        if ext == ".docx":
            return None, "HTML page saved as .docx: not a Word document"
        return None, "HTML page, not a report document"
    if ext == ".pdf":
        if _looks_text(head):
            return None, "a text file named .pdf (no %PDF header): rename it to .txt"
        return None, "unrecognised binary content (no %PDF header)"
    if ext in (".docx", ".doc"):
        return None, f"not a Word document (unrecognised content in a {ext} file)"
    if _looks_text(head):
        return ("md" if ext in _MD_EXT else "txt"), None
    return None, f"unsupported binary file ({ext or 'no extension'})"


def pdf_header_offset(path: Path) -> Optional[int]:
    """Byte offset of the ``%PDF-`` header (0 for a clean file; > 0 when junk comes first, e.g. an
    error message a web server wrote before the file), or None when there is none in the first MB.
    Junk counts only when PDF objects follow the header."""
    with open(path, "rb") as f:
        data = f.read(_JUNK_SEARCH)
    i = data.find(b"%PDF-")
    while i >= 0:
        if i == 0 or re.search(rb"\d+\s+\d+\s+obj\b", data[i:i + 65536]):
            return i
        i = data.find(b"%PDF-", i + 5)
    return None


# --------------------------------------------------------------------------------------------
# decompression bombs, found before anything is expanded


_STREAM_KW = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_FLATE = re.compile(rb"/(?:FlateDecode|Fl)(?![A-Za-z])")
_OBJ_NUM = re.compile(rb"(\d+)\s+\d+\s+obj\b")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
_CHUNK = 1 << 16


def _looks_zlib(b: bytes) -> bool:
    return len(b) >= 2 and b[0] & 0x0F == 8 and (b[0] * 256 + b[1]) % 31 == 0


def inflated_size(buf, start: int, stages: int, limit: int) -> int:
    """Bytes that ``stages`` chained Flate decoders make of ``buf[start:]``, counted in bounded chunks
    without keeping the output; counting stops once it passes ``limit`` (so at most limit + 1 MB of
    work). A damaged stream counts what decodes before the damage."""
    ds = [zlib.decompressobj() for _ in range(stages)]
    total = 0

    def push(i: int, data: bytes) -> bool:  # False: stop
        nonlocal total
        d = ds[i]
        while data and not d.eof:
            try:
                out = d.decompress(data, _CHUNK)
            except zlib.error:
                return False
            data = d.unconsumed_tail
            if i + 1 < len(ds):
                if out and not push(i + 1, out):
                    return False
            else:
                total += len(out)
            if total > limit:
                return False
        return not d.eof

    pos, end = start, len(buf)
    while pos < end:
        if not push(0, buf[pos:pos + _CHUNK]):
            break
        pos += _CHUNK
    return total


def pdf_stream_bomb(path: Path, max_stream: int, max_total: int) -> Optional[str]:
    """A reason when a Flate stream of the PDF would expand past ``max_stream`` bytes, or the streams
    a reader decodes (all but images) past ``max_total`` together; else None.

    The file's bytes are scanned for streams (no parsing, so damaged files are checked too; /Length
    is not trusted), and each Flate chain is decoded in bounded chunks whose output is counted and
    dropped: a bomb costs at most the limit's worth of work and no memory."""
    mb = lambda n: f"{n / 1048576:g} MB"  # noqa: E731
    with open(path, "rb") as f:
        if not f.seek(0, 2):
            return None
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            total = 0
            for m in _STREAM_KW.finditer(mm):
                start = m.end()
                o = mm.rfind(b"obj", max(0, m.start() - 20000), m.start())
                head = mm[max(0, o - 24) if o >= 0 else max(0, m.start() - 4000):m.start()]
                stages = len(_FLATE.findall(head))
                if not stages:
                    if not _looks_zlib(mm[start:start + 2]):
                        continue  # not Flate (images in DCT/JBIG2/CCITT are never decoded by the reader)
                    stages = 1  # a filter given indirectly
                size = inflated_size(mm, start, stages, max_stream)
                num = _OBJ_NUM.search(head)
                what = f"object {int(num.group(1))}" if num else f"the stream at byte {start}"
                if size > max_stream:
                    return (f"decompression bomb refused: {what} expands to more than {mb(max_stream)} "
                            f"(limit --max-stream-mb {max_stream / 1048576:g})")
                if not _IMAGE.search(head):
                    total += size
                    if total > max_total:
                        return (f"decompression bomb refused: the PDF's streams expand to more than "
                                f"{mb(max_total)} together (limit --max-total-mb {max_total / 1048576:g})")
    return None


_XML_PART = re.compile(r"\.(?:xml|rels|vml)$", re.I)


def zip_bomb(path: Path, max_part: int, max_total: int, max_ratio: float, max_entries: int) -> Optional[str]:
    """A reason when a zip container (.docx) would expand past the limits, judged from its central
    directory before any part is expanded (Python's zip reader never expands a part past its
    declared size, so the declared sizes bound the memory): a part larger than ``max_part`` bytes,
    all parts together larger than ``max_total``, an XML part over 1 MB compressed more than
    ``max_ratio`` times (real Office XML: about 30x), or more than ``max_entries`` files."""
    mb = lambda n: f"{n / 1048576:g} MB"  # noqa: E731
    with open(path, "rb") as f:
        try:
            end = zipfile._EndRecData(f)  # the entry count, before the directory is read
        except Exception:
            end = None
        if end and end[zipfile._ECD_ENTRIES_TOTAL] > max_entries:
            return (f"zip bomb refused: {end[zipfile._ECD_ENTRIES_TOTAL]} files in the container "
                    f"(limit --max-zip-entries {max_entries})")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        return f"corrupt or truncated zip container (a damaged .docx?): {e}"
    if len(infos) > max_entries:
        return f"zip bomb refused: {len(infos)} files in the container (limit --max-zip-entries {max_entries})"
    total = 0
    for i in infos:
        if i.file_size > max_part:
            return (f"zip bomb refused: part {i.filename} expands to {mb(i.file_size)} "
                    f"(limit --max-stream-mb {max_part / 1048576:g})")
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > 1048576 and ratio > max_ratio and _XML_PART.search(i.filename):
            return (f"zip bomb refused: part {i.filename} is compressed {ratio:.0f}x "
                    f"({mb(i.compress_size)} -> {mb(i.file_size)}; limit --max-zip-ratio {max_ratio:g})")
        total += i.file_size
        if total > max_total:
            return (f"zip bomb refused: the parts expand to more than {mb(max_total)} together "
                    f"(limit --max-total-mb {max_total / 1048576:g})")
    return None


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)\b", re.I)


def xml_doctype(path: Path) -> Optional[str]:
    """A reason when an XML part of a zip container (.docx) has a DOCTYPE or entity declarations:
    Word never writes them, and they are how XML attacks work (external entities that read local
    files or fetch URLs, entity expansion bombs). Only the first 64 KB of each part are read."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if not _XML_PART.search(info.filename):
                    continue
                with z.open(info) as f:
                    head = f.read(65536)
                if _DOCTYPE.search(head):
                    return (f"XML with a DOCTYPE or entity declarations refused in {info.filename} (an XML attack: "
                            "external entities or an entity bomb; Word never writes them)")
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, zlib.error) as e:
        return f"corrupt or truncated zip container (a damaged .docx?): {e}"
    return None
