"""File sniffing: what a file really is, judged by its bytes, and why it cannot be read.

:func:`sniff` looks at the first and last bytes of a file (never its name alone) and returns
``(format, reason)``: the format a reader should handle (``'pdf'``, ``'docx'``, ``'txt'``,
``'md'``) or ``None`` with a reason a person can act on (an empty download, an HTML error page
saved under a ``.pdf`` name, a legacy ``.doc``, a password-protected PDF, ...).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

__all__ = ["sniff", "pdf_needs_password", "pdf_looks_truncated"]

_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_HEAD = 8192
_TAIL = 65536
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


def _looks_text(head: bytes) -> bool:
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
        if b"/Encrypt" in tail or b"/Encrypt" in head:
            if pdf_needs_password(path):
                return None, "encrypted PDF: needs the user password"
        return "pdf", None
    if head.startswith(_OLE2_MAGIC):
        return _sniff_ole2(path, size)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _sniff_zip(path)
    if head.startswith(b"{\\rtf"):
        return None, "RTF document: convert it to .docx or PDF"
    for magic, what in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            return None, f"{what}, not a document: OCR is needed"
    body = head.lstrip(b"\xef\xbb\xbf\xff\xfe")
    if _HTML_RE.match(body):
        if ext == ".pdf":
            return None, "HTML page saved as .pdf (an error or login page, not the report): not a PDF"
        if ext == ".docx":
            return None, "HTML page saved as .docx: not a Word document"
        return None, "HTML page, not a report document"
    if ext == ".pdf":
        return None, "not a PDF (no %PDF header)"
    if ext in (".docx", ".doc"):
        return None, f"not a Word document (unrecognised content in a {ext} file)"
    if _looks_text(head):
        return ("md" if ext in _MD_EXT else "txt"), None
    return None, f"unsupported binary file ({ext or 'no extension'})"
