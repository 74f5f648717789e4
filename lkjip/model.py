"""The raw document model every reader yields, and the typed rows the later stages produce.

Readers (text, PDF, DOCX) turn a file into a :class:`RawDocument`: an ordered list of blocks,
each a :class:`TextBlock` (a heading or a paragraph of prose) or a :class:`RawTable` (a grid of
:class:`Cell` with their line/page positions). Everything downstream works on this model only,
so a new reader plugs in without touching table understanding.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Union

TextSource = Literal["text", "pdf", "docx", "ocr"]


@dataclass
class Cell:
    """One cell as printed: text with markup stripped, the raw text, and where it came from."""

    text: str
    raw: str
    line: Optional[int] = None  # 1-based line in a text file
    page: Optional[int] = None  # 1-based page in a PDF/DOCX
    bbox: Optional[tuple[float, float, float, float]] = None  # x0, top, x1, bottom (PDF points)
    bold: bool = False
    confidence: Optional[float] = None  # OCR confidence, 0-100
    note: Optional[str] = None  # OCR: how the text was repaired, or why it may be misread


@dataclass
class RawRow:
    """One printed row of a table (before wrapped rows are joined)."""

    cells: list[Cell]
    line: Optional[int] = None
    page: Optional[int] = None

    @property
    def texts(self) -> list[str]:
        """The cell texts of the row."""
        return [c.text for c in self.cells]


@dataclass
class RawTable:
    """A grid of rows as a reader found it; pieces split by page breaks are separate tables here."""

    rows: list[RawRow]
    source: TextSource = "text"
    # how the reader delimited cells: 'tab', 'pipe' (markdown), 'html', 'ruled', 'stream' (word positions)
    style: str = "tab"
    # rows the reader knows to be header rows (e.g. PDF repeated header, DOCX tblHeader); None = unknown
    n_header_rows: Optional[int] = None

    @property
    def line_start(self) -> Optional[int]:
        """First line of the table (text inputs)."""
        return next((r.line for r in self.rows if r.line is not None), None)

    @property
    def line_end(self) -> Optional[int]:
        """Last line of the table (text inputs)."""
        return next((r.line for r in reversed(self.rows) if r.line is not None), None)

    @property
    def page_start(self) -> Optional[int]:
        """First page of the table (paged inputs)."""
        return next((r.page for r in self.rows if r.page is not None), None)

    @property
    def page_end(self) -> Optional[int]:
        """Last page of the table (paged inputs)."""
        return next((r.page for r in reversed(self.rows) if r.page is not None), None)

    @property
    def n_cols(self) -> int:
        """Width of the widest row."""
        return max((len(r.cells) for r in self.rows), default=0)


@dataclass
class TextBlock:
    """A heading or a paragraph of prose (one or more lines joined)."""

    text: str
    line: Optional[int] = None
    page: Optional[int] = None
    heading: bool = False  # markdown '#', bold-only line, or a numbered section title
    bold: bool = False


Block = Union[TextBlock, RawTable]


@dataclass
class RawDocument:
    """What a reader returns: blocks in reading order plus what it learnt about the file."""

    blocks: list[Block]
    format: str  # pdf | docx | txt | md
    n_pages: Optional[int] = None
    status: str = "ok"  # ok | partial | failed
    error: Optional[str] = None
    warnings: list[str] = field(default_factory=list)
    n_ocr_pages: int = 0  # pages whose words were read by OCR

    @property
    def tables(self) -> list[RawTable]:
        """The raw tables in reading order."""
        return [b for b in self.blocks if isinstance(b, RawTable)]

    @property
    def text_blocks(self) -> list[TextBlock]:
        """The prose and headings in reading order."""
        return [b for b in self.blocks if isinstance(b, TextBlock)]
