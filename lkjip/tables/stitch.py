"""Join the pieces of one table split by page breaks, and give every table its caption.

Two raw tables with no text between them are one table when the second repeats the first's
header row(s) (dropped) or continues with the same columns and no header of its own. A piece
that starts with a different header is a table of its own; it shares the caption above it.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field, replace
from typing import Optional

from lkjip.model import Cell, RawDocument, RawRow, RawTable, TextBlock
from lkjip.normalize.numbers import looks_numeric
from lkjip.tables.caption import Caption, find_caption, is_heading
from lkjip.tables.header import count_header_rows


@dataclass
class LogicalTable:
    """A table after its pieces are joined, with the text that names it."""

    rows: list[RawRow]
    pieces: list[RawTable]
    caption: Caption
    context: list[TextBlock] = field(default_factory=list)  # text between the previous table and this one
    piece_starts: set[int] = field(default_factory=set)  # indices in rows where a continuing piece begins

    @property
    def source(self) -> str:
        """Which reader produced it."""
        return self.pieces[0].source


def _norm_row(row: RawRow) -> tuple[str, ...]:
    """A row's texts, lower-cased and without empty trailing cells, for comparing headers."""
    t = [" ".join(c.text.lower().split()) for c in row.cells]
    while t and not t[-1]:
        t.pop()
    return tuple(t)


def _width(rows: list[RawRow]) -> int:
    """Number of cells of the widest row."""
    return max((len(r.cells) for r in rows), default=0)


def _header_count(rows: list[RawRow]) -> int:
    """Leading header rows of a piece."""
    return count_header_rows([r.texts for r in rows[:6]])


# a short page label a footer prints ('III-10', 'hal 27', '12'), also as OCR misreads it ('HI-10')
_PAGE_LABEL = re.compile(r"^(?:[A-Za-z]{1,4}\.?\s*[-–.]?\s*)?\d{1,4}$")


def _next_page(prev: LogicalTable, piece: RawTable) -> bool:
    """Whether ``piece`` starts on the page after the one ``prev`` ends on (a page break between them)."""
    last = prev.rows[-1].page if prev.rows else None
    first = piece.rows[0].page if piece.rows else None
    return last is not None and first == last + 1


def _footer_only(gap: list[TextBlock], prev: LogicalTable, piece: RawTable) -> bool:
    """Whether the text between a table and the next piece is only the page label printed under the
    table at the page break (a running footer the reader could not recognise as such)."""
    return _next_page(prev, piece) and all(b.page == prev.rows[-1].page and _PAGE_LABEL.match(b.text.strip())
                                           for b in gap)


def _column(rows: list[RawRow], i: int) -> list[Cell]:
    """The cells of column i (rows too short to have one left out)."""
    return [r.cells[i] for r in rows if i < len(r.cells)]


def _filled(rows: list[RawRow], i: int) -> list[str]:
    """The texts of column i's filled cells."""
    return [c.text.strip() for c in _column(rows, i) if c.text.strip()]


def _empty_columns(rows: list[RawRow]) -> list[int]:
    """Columns of a piece that are empty in every row."""
    return [i for i in range(_width(rows)) if not _filled(rows, i)]


def _without_columns(rows: list[RawRow], drop: list[int]) -> list[RawRow]:
    """Rows with the given columns taken out."""
    return [RawRow(cells=[c for i, c in enumerate(r.cells) if i not in drop], line=r.line, page=r.page)
            for r in rows]


def _column_width(rows: list[RawRow], i: int) -> float:
    """Width of column i (the median of its cell boxes)."""
    widths = [c.bbox[2] - c.bbox[0] for c in _column(rows, i) if c.bbox]
    return statistics.median(widths) if widths else 0.0


def spurious_columns(prev: LogicalTable, piece: RawTable, sliver: float = 0.4) -> list[int]:
    """Columns of an OCR'd headerless piece that starts on the page after ``prev`` ends, empty in every row
    and slivers (narrower than ``sliver`` times the median filled column), that make it wider than the table
    it continues: a rule the scan showed where there is none. [] when the widths agree without them; a
    wider table's empty columns (quarters not yet reported) are real columns."""
    extra = _width(piece.rows) - _width(prev.rows)
    empty = _empty_columns(piece.rows)
    if (piece.source != "ocr" or extra < 1 or len(empty) < extra or _header_count(piece.rows) > 0
            or not _next_page(prev, piece)):
        return []
    filled = [_column_width(piece.rows, i) for i in range(_width(piece.rows)) if i not in empty]
    narrow = sliver * statistics.median(filled) if filled else 0.0
    slivers = [i for i in empty if _column_width(piece.rows, i) < narrow]
    return sorted(sorted(slivers, key=lambda i: _column_width(piece.rows, i))[:extra]) if len(slivers) >= extra else []


def _numeric_columns(rows: list[RawRow], width: int) -> list[bool]:
    """Per column: whether most of its filled cells are figures."""
    return [bool(texts) and sum(looks_numeric(t) for t in texts) * 2 > len(texts)
            for texts in (_filled(rows, i) for i in range(width))]


def _spans(rows: list[RawRow], width: int) -> list[Optional[tuple[float, float]]]:
    """Per column: the median left and right edge of its cell boxes (None without boxes)."""
    return [(statistics.median(b[0] for b in boxes), statistics.median(b[2] for b in boxes)) if boxes else None
            for boxes in ([c.bbox for c in _column(rows, i) if c.bbox] for i in range(width))]


def _overlap(a: Optional[tuple[float, float]], b: Optional[tuple[float, float]]) -> float:
    """Intersection over union of two column spans (0 without boxes)."""
    if a is None or b is None:
        return 0.0
    inter = min(a[1], b[1]) - max(a[0], b[0])
    union = max(a[1], b[1]) - min(a[0], b[0])
    return max(0.0, inter) / union if union > 0 else 0.0


def _never_both(rows: list[RawRow], i: int) -> bool:
    """Whether no row has text in both column i and column i+1 (one printed column ruled in two)."""
    return not any(i + 1 < len(r.cells) and r.cells[i].text.strip() and r.cells[i + 1].text.strip() for r in rows)


def _merged(rows: list[RawRow], i: int) -> list[RawRow]:
    """Rows with columns i and i+1 made one (the text of whichever is filled)."""
    out = []
    for r in rows:
        cells = list(r.cells)
        if i + 1 < len(cells):
            a, b = cells[i], cells[i + 1]
            keep = a if a.text.strip() else b
            box = (a.bbox[0], min(a.bbox[1], b.bbox[1]), b.bbox[2], max(a.bbox[3], b.bbox[3])) \
                if a.bbox and b.bbox else keep.bbox
            cells[i:i + 2] = [replace(keep, bbox=box)]
        out.append(RawRow(cells=cells, line=r.line, page=r.page))
    return out


def aligned(prev: LogicalTable, rows: list[RawRow]) -> list[RawRow]:
    """A continuation one column wider than its table, with the two columns that are never filled in the
    same row made one where that lines its figure columns up with the table's (an indented name column
    ruled apart on one page): else its figures would land one column over (realisasi read as anggaran)."""
    width = _width(prev.rows)
    if _width(rows) != width + 1:
        return rows
    want = _numeric_columns(prev.rows[_header_count(prev.rows):], width)
    spans = _spans(prev.rows, width)

    def fit(rs: list[RawRow]) -> tuple[int, float]:
        """Columns whose kind (figures or not) agrees with the table's, then how well they lie under its."""
        kinds = sum(a == b for a, b in zip(_numeric_columns(rs, width), want))
        return kinds, sum(_overlap(a, b) for a, b in zip(spans, _spans(rs, width)))
    # the first best wins: as printed unless a merge fits better
    return max([rows] + [_merged(rows, i) for i in range(width) if _never_both(rows, i)], key=fit)


def continues(prev: LogicalTable, piece: RawTable) -> tuple[bool, int]:
    """Whether ``piece`` continues ``prev``, and how many repeated header rows to drop from it."""
    n_prev = _header_count(prev.rows)
    head = [_norm_row(r) for r in prev.rows[:n_prev]]
    if head:
        k = 0
        while k < len(piece.rows) and k < len(head) and _norm_row(piece.rows[k]) == head[k]:
            k += 1
        if k and (k == len(head) or k >= 1 and _header_count(piece.rows[k:]) == 0):
            return True, k
    if _header_count(piece.rows) == 0 and abs(_width(piece.rows) - _width(prev.rows)) <= 1:
        return True, 0
    return False, 0


def stitch(doc: RawDocument) -> list[LogicalTable]:
    """Logical tables of a document in reading order, pieces joined and captions found."""
    tables: list[LogicalTable] = []
    gap: list[TextBlock] = []
    headings: list[TextBlock] = []
    for block in doc.blocks:
        if isinstance(block, TextBlock):
            gap.append(block)
            if is_heading(block):
                headings.append(block)
            continue
        if not block.rows:
            continue
        if tables and (not gap or _footer_only(gap, tables[-1], block)):
            gap = []
            spurious = spurious_columns(tables[-1], block)
            rows = _without_columns(block.rows, spurious) if spurious else block.rows
            ok, drop = continues(tables[-1], RawTable(rows=rows, source=block.source, style=block.style))
            if ok:
                tables[-1].piece_starts.add(len(tables[-1].rows))
                tables[-1].rows.extend(aligned(tables[-1], rows[drop:]))
                tables[-1].pieces.append(block)
                continue
            tables.append(LogicalTable(rows=list(block.rows), pieces=[block], caption=tables[-1].caption,
                                       context=tables[-1].context))
            continue
        cap = find_caption(gap, headings)
        tables.append(LogicalTable(rows=list(block.rows), pieces=[block], caption=cap, context=gap))
        gap = []
    return tables
