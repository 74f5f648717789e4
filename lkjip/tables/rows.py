"""Row assembly: the data rows of a table, as the report meant them.

Repeated header rows and column-number rows are dropped, rows wrapped over two printed lines are
joined, cells a misaligned row put in the wrong columns are moved back where the values make it
clear, merged cells left blank are forward-filled, and subtotal/JUMLAH/TOTAL rows are marked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from lkjip.model import Cell, RawRow
from lkjip.normalize.numbers import looks_numeric
from lkjip.tables.header import Header, is_colnum_row

TOTAL = re.compile(r"^\s*(jumlah|total|sub\s*total|subtotal|rata[\s-]*rata|grand total)\b", re.I)
ROW_START = re.compile(r"^\s*(program|kegiatan|sub\s*kegiatan|belanja|jumlah|total|tujuan|sasaran|\d|[IVX]+\.)", re.I)
FILL_ROLES = ("tujuan", "sasaran", "program")
NULLS = re.compile(r"^\s*(-+|–|—|#div/0!|#n/a|n/a|#+\s*#*|\.+)\s*$", re.I)


@dataclass
class Row:
    """One data row after assembly: cells aligned to the columns, with provenance."""

    cells: list[Cell]
    line: Optional[int]
    page: Optional[int]
    filled: dict[int, str] = field(default_factory=dict)  # forward-filled texts by column
    is_total: bool = False
    realigned: bool = False

    def text(self, i: int) -> str:
        """The cell text of column i as printed (empty when out of range)."""
        return self.cells[i].text if i < len(self.cells) else ""

    def value_text(self, i: int) -> str:
        """The text of column i, forward-filled when the report left the merged cell blank."""
        return self.text(i) or self.filled.get(i, "")


def _pad(cells: list[Cell], width: int, line, page) -> list[Cell]:
    """Cells padded with empty ones to the table width."""
    return list(cells[:width]) + [Cell(text="", raw="", line=line, page=page) for _ in range(width - len(cells))]


def _is_value(text: str) -> bool:
    """A cell holding a figure or a null marker rather than words."""
    return not text.strip() or bool(NULLS.match(text)) or looks_numeric(text)


def _specked(cell: Cell) -> bool:
    """An OCR'd figure with specks read as short words after it ('290.945.000 ene eee'): a value, not
    words (a row number starting a name, '10. Rapat-rapat Koordinasi', is words)."""
    lead, *rest = cell.text.split()
    return (cell.confidence is not None and sum(ch.isdigit() for ch in lead) >= 3 and looks_numeric(lead)
            and all(len(t) <= 5 for t in rest))


def _realign(cells: list[Cell], value_cols: list[int], text_cols: list[int]) -> Optional[list[Cell]]:
    """Move words printed in value columns back to the text columns, figures to the value columns."""
    # only sentences count as stray: a short word in a value column may be a grade ('Baik', 'B')
    stray = [i for i in value_cols if len(cells[i].text.split()) >= 3 and not _is_value(cells[i].text)
             and not _specked(cells[i])]
    if not stray or not text_cols:
        return None
    words = [cells[i] for i in sorted(text_cols + stray) if cells[i].text and not _is_value(cells[i].text)]
    figures = [cells[i] for i in value_cols if cells[i].text and _is_value(cells[i].text)]
    if len(words) > len(text_cols) or len(figures) > len(value_cols):
        return None
    out = [Cell(text="", raw="", line=c.line, page=c.page) for c in cells]
    for i in range(len(cells)):
        if i not in value_cols and i not in text_cols:
            out[i] = cells[i]
    # words fill the right-most text columns (the most specific name), figures the left-most value columns
    for col, cell in zip(sorted(text_cols)[len(text_cols) - len(words):], words):
        out[col] = cell
    for col, cell in zip(sorted(value_cols), figures):
        out[col] = cell
    return out


def _is_continuation(cells: list[Cell], header: Header, value_cols: list[int]) -> bool:
    """A row that only carries the wrapped end of the previous row's texts."""
    if any(cells[i].text for i in value_cols):
        return False
    if any(cells[c.index].text for c in header.columns if c.role == "no"):
        return False
    texts = [c.text for c in cells if c.text]
    if not texts:
        return False
    first = texts[0]
    return first[:1].islower() and not ROW_START.match(first)


def _completes(cells: list[Cell], prev: Row, header: Header, value_cols: list[int]) -> bool:
    """At a page break: a row that only finishes the previous one (its texts, and figures whose cell
    the previous row left empty or unfinished, like a lone 'Rp.')."""
    if any(cells[c.index].text for c in header.columns if c.role == "no"):
        return False
    texts = [c.text for c in cells if c.text]
    if not texts or ROW_START.match(texts[0]):
        return False
    return all(not cells[i].text or not looks_numeric(prev.cells[i].text) for i in value_cols)


def assemble_rows(rows: list[RawRow], header: Header, piece_starts: frozenset[int] = frozenset()) -> list[Row]:
    """Turn a table's printed rows after the header into data rows (``piece_starts``: rows that begin
    a piece continued from the previous page)."""
    width = len(header.columns)
    header_keys = {tuple(" ".join(t.lower().split()) for t in h) for h in header.rows}
    value_cols = [c.index for c in header.columns if c.role == "value"]
    text_cols = [c.index for c in header.columns if c.role in ("sasaran", "indikator", "program", "kegiatan",
                                                                "uraian", "tujuan", "text")]
    out: list[Row] = []
    for k, raw in enumerate(rows):
        texts = raw.texts
        if not any(t.strip() for t in texts) or is_colnum_row(texts, strict=True):
            continue
        key = tuple(" ".join(t.lower().split()) for t in (texts + [""] * (width - len(texts)))[:width])
        if key in header_keys:
            continue  # header repeated after a page break
        cells = _pad(raw.cells, width, raw.line, raw.page)
        realigned = _realign(cells, value_cols, text_cols)
        if out and (_is_continuation(cells, header, value_cols)
                    or k in piece_starts and _completes(cells, out[-1], header, value_cols)):
            prev = out[-1]
            for i, c in enumerate(cells):
                if c.text:
                    p = prev.cells[i]
                    confs = [x.confidence for x in (p, c) if x.confidence is not None and x.text]
                    prev.cells[i] = Cell(text=f"{p.text} {c.text}".strip(), raw=f"{p.raw} {c.raw}".strip(),
                                         line=p.line if p.text else c.line, page=p.page or c.page, bold=p.bold,
                                         confidence=min(confs) if confs else None)
            continue
        row = Row(cells=realigned or cells, line=raw.line, page=raw.page, realigned=realigned is not None)
        label = next((c.text for c in row.cells if c.text and not COLNUM_LIKE.match(c.text)), "")
        row.is_total = bool(TOTAL.match(label))
        out.append(row)
    _forward_fill(out, header)
    return out


COLNUM_LIKE = re.compile(r"^\s*([IVX]+|\d+)\.?\s*$")


def _forward_fill(rows: list[Row], header: Header) -> None:
    """Fill the merged (blank) tujuan/sasaran/program cells from the rows above."""
    for col in header.columns:
        if col.role not in FILL_ROLES:
            continue
        last = ""
        for r in rows:
            t = r.text(col.index)
            if t:
                last = t
            elif last and not r.is_total:
                r.filled[col.index] = last
