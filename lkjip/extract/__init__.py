"""Readers: each turns one file into the raw document model (:mod:`lkjip.model`).

A new reader is a function ``read_xxx(path) -> RawDocument`` registered in :data:`READERS`.
"""
from __future__ import annotations

from pathlib import Path

from lkjip.model import RawDocument

SUFFIX_FORMAT = {".pdf": "pdf", ".docx": "docx", ".txt": "txt", ".md": "md", ".markdown": "md"}


def read_document(path: Path) -> RawDocument:
    """Read a report with the reader its format needs; failures come back as a failed document."""
    fmt = SUFFIX_FORMAT.get(Path(path).suffix.lower())
    if fmt in ("txt", "md"):
        from lkjip.extract.text import read_text
        return read_text(path)
    if fmt == "pdf":
        from lkjip.extract.pdf import read_pdf
        return read_pdf(path)
    if fmt == "docx":
        from lkjip.extract.docx import read_docx
        return read_docx(path)
    return RawDocument(blocks=[], format=fmt or Path(path).suffix.lstrip(".").lower(), status="failed",
                       error=f"unsupported file type {Path(path).suffix!r}: lkjip reads .pdf, .docx, .txt and .md")
