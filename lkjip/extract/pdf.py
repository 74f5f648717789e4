"""PDF reader: pdfplumber (pdfminer) positions → the raw document model.

One pass per page: the page is parsed once by pdfminer through the pdfplumber page (a lean
device keeps glyphs as small objects instead of LTChar/pdfplumber dicts, which cost about a third
of the parse), its chars are read once and grouped into words in stream order; ruled tables
come from the drawn lines and rectangles (pdfplumber's edge → intersection → cell → table
functions), every word inside a ruled table goes to its grid cell, and the other words become
text lines. After all pages are read, running page headers/footers and page numbers are removed,
borderless tables are found from word positions (column bands shared by consecutive lines) and
the remaining lines are joined into paragraphs and headings, all in reading order.

Each page's piece of a table is its own :class:`RawTable` (joining pieces is downstream work).
Pages without a usable text layer (no characters, a garbage layer, an invisible layer over a scan)
are read by OCR (:mod:`lkjip.extract.ocr`): the OCR words, with their boxes and confidences, and the
rules seen in the image take the same path as a text layer's, and their tables are marked
``source='ocr'``. Without the engine (or with ``ocr='never'``) such pages are counted and the
document is ``partial`` (some pages) or ``failed`` (all pages) with an error that says so. Nothing
raises out of :func:`read_pdf`: broken files come back as ``failed`` documents with a reason.
"""
from __future__ import annotations

import bisect
import io
import math
import re
import signal
import statistics
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from lkjip.extract.guard import pdf_header_offset, pdf_looks_truncated, pdf_stream_bomb, sniff
from lkjip.extract import ocr_pool
from lkjip.extract.ocr import (OcrEngineMissing, OcrSettings, ink_share, ocr_image, ocr_region, page_needs_ocr,
                               release_documents, render_for_ocr, rule_segments)
from lkjip.model import Cell, RawDocument, RawRow, RawTable, TextBlock

__all__ = ["PdfSettings", "read_pdf"]


# --------------------------------------------------------------------------------------------
# settings


@dataclass
class PdfSettings:
    """Limits and tuning of the PDF reader; validated on creation (``ValueError``)."""

    max_pages: int = 1000  # pages read at most; the rest is reported (status 'partial')
    time_budget_s: float = 120.0  # per document; pages read before it runs out are kept
    hard_timeout: bool = True  # also interrupt a single slow page (SIGALRM; main thread only)
    max_file_mb: float = 300.0  # larger files are refused
    max_chars_per_page: int = 200_000  # pages with more chars are skipped (pathological)
    max_edges_per_page: int = 20_000  # ruled-table search skipped above this (vector drawings)
    ruled_tables: bool = True
    borderless_tables: bool = True
    min_borderless_cols: int = 3  # column bands a borderless table needs
    min_borderless_lines: int = 2
    snap_tolerance: float = 3.0  # pdfplumber edge snapping/joining, in points
    join_tolerance: float = 3.0
    intersection_tolerance: float = 3.0
    header_zone: float = 0.13  # share of the page height searched for running headers
    footer_zone: float = 0.12  # ... and footers
    repeat_share: float = 0.3  # a margin line on at least this share of pages is a running header
    min_text_chars: int = 1  # a page with fewer usable chars has no text layer
    scan_image_coverage: float = 0.25  # a text-less page whose images cover this share is a scan
    max_stream_mb: float = 256.0  # a Flate stream expanding past this is a bomb: the file is refused
    max_total_mb: float = 256.0  # ... and so are the decoded streams (not images) past this together
    repair: bool = True  # damaged files (junk before the header, broken xref, truncated) are repaired
    ocr: str = "auto"  # pages without a usable text layer are OCR'd (auto), every page (always), none (never)
    ocr_settings: Optional[OcrSettings] = None  # engine and image preparation (None: the defaults)

    @classmethod
    def from_limits(cls, limits=None, **kwargs) -> "PdfSettings":
        """Settings whose bounds come from :class:`lkjip.limits.Limits` (the current ones by default)."""
        from lkjip.limits import current

        lim = limits or current()
        return cls(**dict(dict(max_pages=lim.max_pages, time_budget_s=lim.doc_timeout_s, max_file_mb=lim.max_file_mb,
                               max_stream_mb=lim.max_stream_mb, max_total_mb=lim.max_total_mb, ocr=lim.ocr),
                          **kwargs))

    def __post_init__(self) -> None:
        ints = ("max_pages", "max_chars_per_page", "max_edges_per_page", "min_borderless_cols",
                "min_borderless_lines", "min_text_chars")
        for name in ints:
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"PdfSettings.{name} must be a positive integer, got {v!r}")
        for name in ("time_budget_s", "max_file_mb", "snap_tolerance", "join_tolerance",
                     "intersection_tolerance", "max_stream_mb", "max_total_mb"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0:  # NaN fails too
                raise ValueError(f"PdfSettings.{name} must be a positive number, got {v!r}")
            if math.isinf(v) and name != "time_budget_s":  # no time budget is allowed: inf
                raise ValueError(f"PdfSettings.{name} must be finite, got {v!r}")
        for name in ("hard_timeout", "ruled_tables", "borderless_tables", "repair"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"PdfSettings.{name} must be True or False, got {getattr(self, name)!r}")
        for name in ("header_zone", "footer_zone", "repeat_share", "scan_image_coverage"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 < v < 1:
                raise ValueError(f"PdfSettings.{name} must be between 0 and 1, got {v!r}")
        if self.min_borderless_cols < 2:
            raise ValueError("PdfSettings.min_borderless_cols must be at least 2")
        if self.ocr not in ("auto", "always", "never"):
            raise ValueError(f"PdfSettings.ocr must be 'auto', 'always' or 'never', got {self.ocr!r}")
        if self.ocr_settings is None:
            self.ocr_settings = OcrSettings()
        elif not isinstance(self.ocr_settings, OcrSettings):
            raise ValueError(f"PdfSettings.ocr_settings must be an OcrSettings, got {self.ocr_settings!r}")


# --------------------------------------------------------------------------------------------
# small geometry/text types


class _Word:
    __slots__ = ("text", "x0", "x1", "top", "bottom", "size", "bold", "conf")

    def __init__(self, text, x0, x1, top, bottom, size, bold, conf=None):
        self.text, self.x0, self.x1, self.top, self.bottom = text, x0, x1, top, bottom
        self.size, self.bold, self.conf = size, bold, conf  # conf: OCR confidence 0-100, None from a text layer

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"W({self.text!r}@{self.x0:.0f},{self.top:.0f})"


class _Line:
    __slots__ = ("words", "x0", "x1", "top", "bottom", "size", "page")

    def __init__(self, words: list[_Word], page: int):
        words.sort(key=lambda w: w.x0)
        self.words = words
        self.page = page
        self.x0 = min(w.x0 for w in words)
        self.x1 = max(w.x1 for w in words)
        self.top = min(w.top for w in words)
        self.bottom = max(w.bottom for w in words)
        self.size = max(w.size for w in words)

    @property
    def text(self) -> str:
        return _join_words(self.words)

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)

    def gaps(self) -> list[float]:
        ws = self.words
        return [ws[i + 1].x0 - ws[i].x1 for i in range(len(ws) - 1)]


def _join_words(words: list[_Word]) -> str:
    """Words of one line → text; pieces split only by a font change are glued back."""
    out = []
    prev = None
    for w in words:
        if prev is not None:
            if w.x0 - prev.x1 > 0.12 * max(prev.size, 1.0):
                out.append(" ")
        out.append(w.text)
        prev = w
    return "".join(out)


_NUM_TAIL = re.compile(r"(?:^|\s)(?:Rp\.?\s*)?\d{1,3}(?:[.,]\d{1,3})+$")
_NUM_HEAD = re.compile(r"^\d{1,3}(?:[.,]\d{1,3})*(?:\s|$)")
_RP_LINE = re.compile(r"^(Rp\.?)(?:\s+|$)", re.I)


def _join_lines(texts: list[str], cell: bool = False) -> str:
    """Lines of one cell/paragraph → one line. A line ending in a hyphen is glued to the next. In a
    table cell a number wrapped by a narrow column is glued too ('1.506.190.00' + '0'), and a
    currency sign set apart ('Rp' centred beside a wrapped amount) goes before the amount."""
    texts = [t.strip() for t in texts if t and t.strip()]
    if cell and len(texts) > 1 and texts[0][:1].isdigit():
        for i in range(1, len(texts)):
            m = _RP_LINE.match(texts[i])
            if m:
                texts[0] = m.group(1) + " " + texts[0]
                texts[i] = texts[i][m.end():]
                break
        texts = [t for t in texts if t]
    out = ""
    for t in texts:
        if not out:
            out = t
        elif len(out) > 1 and out[-1] in "-\u00ad" and out[-2].isalpha() and t[:1].isalpha():
            out = (out[:-1] if out[-1] == "\u00ad" else out) + t
        elif cell and _NUM_TAIL.search(out) and _NUM_HEAD.match(t) and _wrapped_number(out, t):
            out += t
        else:
            out += " " + t
    return out


def _wrapped_number(a: str, b: str) -> bool:
    """True when 'a' ends with a number cut short and 'b' begins with its last digits."""
    last = re.split(r"[.,]", a.rsplit(None, 1)[-1])[-1]
    head = re.match(r"\d+", b).group(0)
    return len(last) < 3 and len(last) + len(head) <= 3


_GARBAGE = re.compile(r"^\(cid:\d+\)$")


def _char_ok(t: str) -> bool:
    if not t or t.isspace():
        return False
    if t == "\ufffd" or _GARBAGE.match(t):
        return False
    o = ord(t[0])
    if 0xE000 <= o <= 0xF8FF or o < 32:  # private use (symbol fonts without a map), controls
        return False
    return True


# --------------------------------------------------------------------------------------------
# page objects straight from pdfminer's layout (pdfplumber's generic per-object dict conversion is
# about a third of the parse time; the reader needs only a few attributes)


class _Ch:
    """A glyph: the few LTChar attributes the reader uses, without LTChar's cost."""

    __slots__ = ("_text", "x0", "y0", "x1", "y1", "size", "fontname", "matrix")

    def get_text(self) -> str:
        return self._text


_LEAN_DEVICE = None


def _lean_device_class():
    """A pdfminer page aggregator that keeps glyphs as light :class:`_Ch` objects in stream order
    (building LTChar objects and pdfplumber's marked-content tagging is a fifth of the parse)."""
    global _LEAN_DEVICE
    if _LEAN_DEVICE is not None:
        return _LEAN_DEVICE
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar
    from pdfminer.pdffont import PDFUnicodeNotDefined
    from pdfminer.utils import apply_matrix_rect

    class LeanDevice(PDFPageAggregator):
        def __init__(self, rsrcmgr, pageno: int = 1):
            super().__init__(rsrcmgr, pageno=pageno, laparams=None)
            self.glyphs: list = []

        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):
            try:
                text = font.to_unichr(cid)
            except PDFUnicodeNotDefined:
                text = self.handle_undefined_char(font, cid)
            textwidth = font.char_width(cid)
            if font.is_vertical():  # rare: let pdfminer do the geometry
                item = LTChar(matrix, font, fontsize, scaling, rise, text, textwidth,
                              font.char_disp(cid), ncs, graphicstate)
                ch = _Ch()
                ch._text, ch.x0, ch.y0, ch.x1, ch.y1 = text, item.x0, item.y0, item.x1, item.y1
                ch.size, ch.fontname, ch.matrix = item.size, item.fontname, matrix
                self.glyphs.append(ch)
                return item.adv
            adv = textwidth * fontsize * scaling
            descent = font.get_descent() * fontsize
            x0, y0, x1, y1 = apply_matrix_rect(matrix, (0, descent + rise, adv, descent + rise + fontsize))
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
            ch = _Ch()
            ch._text, ch.x0, ch.y0, ch.x1, ch.y1 = text, x0, y0, x1, y1
            ch.size, ch.fontname, ch.matrix = y1 - y0, font.fontname, matrix
            self.glyphs.append(ch)
            return adv

    _LEAN_DEVICE = LeanDevice
    return LeanDevice


def _parse_page(page):
    """(glyphs in stream order, pdfminer LTPage without glyphs) of a pdfplumber page."""
    from pdfminer.pdfinterp import PDFPageInterpreter

    rsrc = page.pdf.rsrcmgr
    dev = _lean_device_class()(rsrc, pageno=page.page_number)
    PDFPageInterpreter(rsrc, dev).process_page(page.page_obj)
    return dev.glyphs, dev.get_result()


def _collect(layout) -> tuple[list, list, list]:
    """(LTChar objects in stream order, line-ish objects, image bboxes) of a page layout."""
    from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage

    chars, drawn, images = [], [], []
    stack = [iter(layout)]
    while stack:
        for obj in stack[-1]:
            if isinstance(obj, LTChar):
                chars.append(obj)
            elif isinstance(obj, LTCurve):
                drawn.append(obj)
            elif isinstance(obj, LTImage):
                images.append(obj.bbox)
            elif isinstance(obj, LTContainer):
                stack.append(iter(obj))
                break
        else:
            stack.pop()
    return chars, drawn, images


def _edges_of(drawn, to_top) -> list[dict]:
    """pdfplumber-style edge dicts (top-left origin) from pdfminer lines, rects and curves."""
    from pdfminer.layout import LTLine, LTRect

    edges = []

    def add(kind, xa, ya, xb, yb):
        x0, x1 = (xa, xb) if xa <= xb else (xb, xa)
        t0, t1 = to_top(ya), to_top(yb)
        top, bottom = (t0, t1) if t0 <= t1 else (t1, t0)
        if abs(x1 - x0) <= 0.5:
            orient = "v"
        elif abs(bottom - top) <= 0.5:
            orient = "h"
        else:
            return
        edges.append({"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                      "doctop": top, "width": x1 - x0, "height": bottom - top, "orientation": orient})

    for o in drawn:
        if not o.stroke and min(o.width, o.height) > 2.0:
            continue  # a filled area (cell shading, a coloured box) is no rule; thin fills are
        if isinstance(o, LTRect):
            x0, y0, x1, y1 = o.bbox
            add("rect_edge", x0, y1, x1, y1)
            add("rect_edge", x0, y0, x1, y0)
            add("rect_edge", x0, y0, x0, y1)
            add("rect_edge", x1, y0, x1, y1)
        elif isinstance(o, LTLine):
            (xa, ya), (xb, yb) = o.pts[0], o.pts[-1]
            add("line", xa, ya, xb, yb)
        else:
            pts = o.pts
            for (xa, ya), (xb, yb) in zip(pts, pts[1:]):
                add("curve_edge", xa, ya, xb, yb)
    return edges


@dataclass
class _PageData:
    number: int
    width: float
    height: float
    kind: str = "text"  # text | scan | blank | skipped
    ocr: bool = False  # the words were read by OCR from the page image
    lines: list[_Line] = field(default_factory=list)
    tables: list[tuple[float, RawTable]] = field(default_factory=list)  # (top, table)
    note: Optional[str] = None
    work: Optional[Future] = None  # OCR work, maybe on a helper thread, that fills in this page (see _settled)


def _bold_font(name: str) -> bool:
    n = name.lower()
    return "bold" in n or "black" in n or "heavy" in n or n.endswith(",b") or "-bd" in n


def _char_dir(c) -> int:
    """Reading direction of a char from its text matrix: 0 (upright), 90 (upwards), 180, 270."""
    a, b = c.matrix[0], c.matrix[1]
    if abs(a) >= abs(b):
        return 0 if a > 0 else 180
    return 90 if b > 0 else 270


def _dominant_rotation(chars) -> int:
    """The reading direction most of the page's text has."""
    votes: Counter = Counter(_char_dir(c) for c in chars if not c.get_text().isspace())
    if not votes or votes[0] >= 0.5 * sum(votes.values()):
        return 0
    return votes.most_common(1)[0][0]


def _rotate_box(x0, top, x1, bottom, rot, w, h):
    """A box in page coordinates → coordinates of the page turned so that `rot` text is upright."""
    if rot == 90:  # text reads bottom→top: turn the page clockwise
        return h - bottom, x0, h - top, x1
    if rot == 270:
        return top, w - x1, bottom, w - x0
    if rot == 180:
        return w - x1, h - bottom, w - x0, h - top
    return x0, top, x1, bottom


def _rotate_edges(edges, rot, w, h):
    out = []
    for e in edges:
        x0, top, x1, bottom = _rotate_box(e["x0"], e["top"], e["x1"], e["bottom"], rot, w, h)
        d = dict(e)
        d.update(x0=x0, x1=x1, top=top, bottom=bottom, doctop=top, width=x1 - x0, height=bottom - top)
        if rot in (90, 270):
            d["orientation"] = "h" if e["orientation"] == "v" else "v"
        out.append(d)
    return out


def _build_words(chars, mb_x0: float, mb_top: float, height: float, rot: int, w: float, h: float) -> list[_Word]:
    """Chars in stream order → words: a char continues the current word when it sits on the same
    baseline right after it; spaces, jumps and font changes start a new word."""
    words: list[_Word] = []
    cur: list[str] = []
    cx0 = cx1 = ctop = cbot = 0.0
    csize = 0.0
    cfont = None
    cbold = False

    def flush():
        if cur:
            t = "".join(cur)
            if not t.isascii():
                t = unicodedata.normalize("NFKC", t)
            if t.strip():
                words.append(_Word(t.strip(), cx0, cx1, ctop, cbot, round(csize, 1), cbold))
            cur.clear()

    seen: set = set()
    for c in chars:
        m = c.matrix
        if rot == 0:
            if not (m[0] > 0 and abs(m[1]) <= m[0]):
                continue  # stray text in another direction (a vertical label)
        elif _char_dir(c) != rot:
            continue
        t = c._text
        if not t or t.isspace():
            flush()
            continue
        x0, x1 = c.x0 + mb_x0, c.x1 + mb_x0
        top, bottom = height - c.y1 + mb_top, height - c.y0 + mb_top
        # the same glyph printed again on (almost) the same spot: fake bold or shadow text
        kx, ky = int(x0), int(bottom)
        if (t, kx, ky) in seen or (t, kx - 1, ky) in seen or (t, kx + 1, ky) in seen \
                or (t, kx, ky - 1) in seen or (t, kx, ky + 1) in seen:
            continue
        seen.add((t, kx, ky))
        if rot:
            x0, top, x1, bottom = _rotate_box(x0, top, x1, bottom, rot, w, h)
        size = (c.x1 - c.x0) if rot in (90, 270) else (c.y1 - c.y0)
        font = c.fontname
        if cur and font == cfont and abs(bottom - cbot) <= 0.3 * size \
                and -0.35 * size <= x0 - cx1 <= 0.15 * size + 0.3:
            cur.append(t)
            if x1 > cx1:
                cx1 = x1
            if top < ctop:
                ctop = top
            if bottom > cbot:
                cbot = bottom
            continue
        flush()
        cur.append(t)
        cx0, cx1, ctop, cbot, csize, cfont = x0, x1, top, bottom, size, font
        cbold = _bold_font(font if isinstance(font, str) else str(font))
    flush()
    return words


def _ruled_cell_groups(edges, s: PdfSettings) -> list[list[tuple]]:
    from pdfplumber import table as pt
    from pdfplumber import utils

    edges = utils.filter_edges(edges, min_length=1)
    if len(edges) < 4:
        return []
    edges = pt.merge_edges(edges, snap_x_tolerance=s.snap_tolerance, snap_y_tolerance=s.snap_tolerance,
                           join_x_tolerance=s.join_tolerance, join_y_tolerance=s.join_tolerance)
    edges = utils.filter_edges(edges, min_length=3)
    if len(edges) < 4:
        return []
    inter = pt.edges_to_intersections(edges, s.intersection_tolerance, s.intersection_tolerance)
    cells = pt.intersections_to_cells(inter)
    return pt.cells_to_tables(cells)


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


class _Grid:
    """A ruled table: grid lines from its cells, each grid slot pointing at the cell covering it."""

    def __init__(self, cells: list[tuple]):
        self.cells = cells
        self.xs = _cluster([c[0] for c in cells] + [c[2] for c in cells], 1.5)
        self.ys = _cluster([c[1] for c in cells] + [c[3] for c in cells], 1.5)
        self.bbox = (min(c[0] for c in cells), min(c[1] for c in cells),
                     max(c[2] for c in cells), max(c[3] for c in cells))
        nr, nc = len(self.ys) - 1, len(self.xs) - 1
        self.slot: list[list[Optional[int]]] = [[None] * nc for _ in range(nr)]
        self.anchor: list[tuple[int, int]] = []
        for k, (x0, top, x1, bottom) in enumerate(cells):
            c0, c1 = self._ix(self.xs, x0), self._ix(self.xs, x1)
            r0, r1 = self._ix(self.ys, top), self._ix(self.ys, bottom)
            self.anchor.append((r0, c0))
            for r in range(r0, max(r1, r0 + 1)):
                for c in range(c0, max(c1, c0 + 1)):
                    if r < nr and c < nc and self.slot[r][c] is None:
                        self.slot[r][c] = k
        self.words: list[list[_Word]] = [[] for _ in cells]

    @staticmethod
    def _ix(axis: list[float], v: float) -> int:
        i = bisect.bisect_left(axis, v - 1.5)
        return min(i, len(axis) - 1)

    def contains(self, x: float, y: float) -> bool:
        b = self.bbox
        return b[0] <= x <= b[2] and b[1] <= y <= b[3]

    def _position(self, w: _Word) -> tuple[int, int]:
        """Grid (row, column) under a word's centre; -1 or past the last one outside the grid."""
        return (bisect.bisect_right(self.ys, (w.top + w.bottom) / 2) - 1,
                bisect.bisect_right(self.xs, (w.x0 + w.x1) / 2) - 1)

    def add(self, w: _Word) -> bool:
        r, c = self._position(w)
        if not (0 <= r < len(self.slot) and 0 <= c < len(self.slot[0])):
            return False
        k = self.slot[r][c]
        if k is None:
            return False
        self.words[k].append(w)
        return True

    def _slot_of(self, w: _Word) -> tuple[int, int]:
        """Grid (row, column) of a word's centre, the nearest one for a word outside the grid."""
        r, c = self._position(w)
        return max(0, min(r, len(self.ys) - 2)), max(0, min(c, len(self.xs) - 2))

    def _lost_rules(self, k: int, sure: float = 60.0) -> bool:
        """Whether cell k, spanning several columns, is cells whose inner rules a scan lost: no word
        read surely (the specks of a background picture are not) crosses a column line inside it, and
        its words fall in its columns as a row's do (figures in two or more of them), or fill two or
        more columns on two or more of its rows."""
        x0, top, x1, bottom = self.cells[k]
        inner = [x for x in self.xs if x0 + 1.5 < x < x1 - 1.5]
        ws = self.words[k]
        if not inner or not ws or any(_through_word(x, w) for x in inner for w in ws if (w.conf or 0) >= sure):
            return False
        slots = [self._slot_of(w) for w in ws]
        figures = {c for (_, c), w in zip(slots, ws) if _figure(w.text)}
        per_row: dict[int, set[int]] = defaultdict(set)
        for r, c in slots:
            per_row[r].add(c)
        return len(figures) >= 2 or sum(len(cs) >= 2 for cs in per_row.values()) >= 2

    def split_lost_rules(self) -> None:
        """OCR: cells the scan's lost inner rules merged are split into their grid slots, each word
        to the slot under its centre, so a row's figures reach their columns."""
        for k in range(len(self.cells)):
            if not self._lost_rules(k):
                continue
            new: dict[tuple[int, int], int] = {}
            for r, row in enumerate(self.slot):
                for c, owner in enumerate(row):
                    if owner == k:
                        box = (self.xs[c], self.ys[r], self.xs[c + 1], self.ys[r + 1])
                        new[(r, c)] = k if not new else len(self.cells)
                        if new[(r, c)] == k:
                            self.cells[k] = box
                            self.anchor[k] = (r, c)
                        else:
                            self.cells.append(box)
                            self.anchor.append((r, c))
                            self.words.append([])
                        row[c] = new[(r, c)]
            ws, self.words[k] = self.words[k], []
            for w in ws:
                self.words[new.get(self._slot_of(w), k)].append(w)

    def _row_lines(self, r: int) -> tuple[list[_Line], list[_Frags]]:
        """Printed lines of the cells that start in grid row r, as column fragments."""
        col_of: dict[int, int] = {}
        words: list[_Word] = []
        for k, ws in enumerate(self.words):
            if ws and self.anchor[k][0] == r:
                for w in ws:
                    col_of[id(w)] = self.anchor[k][1]
                words.extend(ws)
        lines = _words_to_lines(list(words), 0)
        frags = []
        for l in lines:
            d: _Frags = defaultdict(list)
            for w in l.words:
                c = col_of.get(id(w))
                if c is None:  # a word glued from two pieces: find the piece's column by position
                    c = self._slot_of(w)[1]
                d[c].append(w)
            frags.append(d)
        return lines, frags

    def to_table(self, page: int) -> Optional[RawTable]:
        nr, nc = len(self.slot), len(self.slot[0]) if self.slot else 0
        if nr == 0 or nc == 0:
            return None
        texts = {}
        for k, ws in enumerate(self.words):
            if ws:
                texts[k] = _cell_text(ws)
        # a grid row may hold several printed rows when the horizontal rules are missing:
        # split it where the numeric columns show a new row
        per_row = [self._row_lines(r) for r in range(nr)]
        anchors = _anchor_columns([d for _, frags in per_row for d in frags])
        rows = []
        for r in range(nr):
            lines, frags = per_row[r]
            sub = []
            if anchors and len(lines) > 1:
                size = statistics.median(l.size for l in lines)
                sub = _assemble_rows(lines, frags, anchors, size, by_layout=False)
            if len(sub) > 1:
                for part in sub:
                    cells = _row_cells(part, nc, page)
                    for c, cell in enumerate(cells):
                        if cell.bbox is None:
                            cell.bbox = _rbox((self.xs[c], self.ys[r], self.xs[c + 1], self.ys[r + 1]))
                    rows.append((r, RawRow(cells=cells, page=page)))
                continue
            cells = []
            for c in range(nc):
                k = self.slot[r][c]
                bbox = (self.xs[c], self.ys[r], self.xs[c + 1], self.ys[r + 1])
                if k is not None and self.anchor[k] == (r, c):
                    clean, raw, bold = texts.get(k, ("", "", False))
                    cells.append(Cell(text=clean, raw=raw, page=page, bbox=_rbox(self.cells[k]), bold=bold,
                                      confidence=_confidence(self.words[k])))
                else:
                    cells.append(Cell(text="", raw="", page=page, bbox=_rbox(bbox)))
            rows.append((r, RawRow(cells=cells, page=page)))
        # drop grid rows and columns that hold no text at all and are no real cell start
        def real_row(r: int) -> bool:
            return any(self.slot[r][c] is not None and self.anchor[self.slot[r][c]] == (r, c)
                       and self.ys[r + 1] - self.ys[r] > 4 for c in range(nc))
        rows = [row for r, row in rows if any(c.text for c in row.cells) or real_row(r)]
        if not rows:
            return None
        keep_c = [c for c in range(nc) if any(r.cells[c].text for r in rows)
                  or self.xs[c + 1] - self.xs[c] > 4]
        for row in rows:
            row.cells = [row.cells[c] for c in keep_c]
        if not any(c.text for r in rows for c in r.cells):
            return None
        return RawTable(rows=rows, source="pdf", style="ruled")


def _rbox(b) -> tuple[float, float, float, float]:
    return (round(b[0], 2), round(b[1], 2), round(b[2], 2), round(b[3], 2))


def _words_to_lines(words: list[_Word], page: int) -> list[_Line]:
    """Group words into visual lines by their baseline (bottom)."""
    if not words:
        return []
    ws = sorted(words, key=lambda w: (w.bottom, w.x0))
    lines: list[list[_Word]] = []
    ref = None
    for w in ws:
        tol = 0.35 * max(w.size, 4.0)
        if lines and abs(w.bottom - ref) <= tol and abs(w.top - lines[-1][0].top) <= max(tol, 0.5 * w.size):
            lines[-1].append(w)
        else:
            lines.append([w])
            ref = w.bottom
    out = [_Line(_glue(l), page) for l in lines]
    out.sort(key=lambda l: (l.top, l.x0))
    return _attach_small(out, page)


def _attach_small(lines: list[_Line], page: int) -> list[_Line]:
    """A line of smaller text lying within the height of a neighbouring line of bigger text
    (superscripts, footnote marks, units) joins that line."""
    if len(lines) < 2:
        return lines
    extra: dict[int, list[_Word]] = {}
    moved = set()
    for k, l in enumerate(lines):
        for j in (k - 1, k + 1):
            if 0 <= j < len(lines) and j not in moved:
                h = lines[j]
                if h.size >= 1.15 * l.size and l.top >= h.top - 0.5 * h.size and l.bottom <= h.bottom + 0.5 * h.size:
                    ov = min(l.bottom, h.bottom) - max(l.top, h.top)
                    if ov >= 0.4 * (l.bottom - l.top):
                        extra.setdefault(j, []).extend(l.words)
                        moved.add(k)
                        break
    if not moved:
        return lines
    out = []
    for k, l in enumerate(lines):
        if k in moved:
            continue
        if k in extra:
            l = _Line(_glue(l.words + extra[k]), page)
        out.append(l)
    return out


def _glue(words: list[_Word]) -> list[_Word]:
    """Merge pieces of one word (split by a font change or an out-of-order text stream)."""
    words.sort(key=lambda w: w.x0)
    out = [words[0]]
    for w in words[1:]:
        p = out[-1]
        if -0.5 * w.size < w.x0 - p.x1 <= 0.12 * max(w.size, 1.0):
            out[-1] = _Word(p.text + w.text, p.x0, max(p.x1, w.x1), min(p.top, w.top),
                            max(p.bottom, w.bottom), max(p.size, w.size), p.bold and w.bold, _confidence([p, w]))
        else:
            out.append(w)
    return out


def _confidence(words: list[_Word]) -> Optional[float]:
    """A cell's OCR confidence: its least sure word (None for words from a text layer)."""
    confs = [w.conf for w in words if w.conf is not None]
    return min(confs) if confs else None


def _cell_text(words: list[_Word]) -> tuple[str, str, bool]:
    lines = _words_to_lines(words, 0)
    texts = [l.text for l in lines]
    return _join_lines(texts, cell=True), "\n".join(texts), all(w.bold for w in words)


def _read_page(page, number: int, s: PdfSettings, run=ocr_pool.here) -> _PageData:
    """One page: words and ruled tables from its text layer, or from OCR of its image when it has none
    (its image work done by ``run``, maybe on a helper thread: see :func:`_ocr_read`)."""
    pd = _PageData(number=number, width=float(page.width), height=float(page.height))
    chars, layout = _parse_page(page)  # the page is parsed here, once
    _, drawn, images = _collect(layout)
    if len(chars) > s.max_chars_per_page:
        pd.kind, pd.note = "skipped", f"page {number} has {len(chars)} characters (limit {s.max_chars_per_page})"
        return pd
    if s.ocr == "always":
        return _ocr_read(page, pd, s, run)
    n_ink = 0
    good = 0
    n_upright = 0
    for c in chars:
        t = c._text
        if t and not t.isspace():
            n_ink += 1
            if _char_ok(t):
                good += 1
            m = c.matrix
            if m[0] > 0 and abs(m[1]) <= m[0]:
                n_upright += 1
    area = pd.width * pd.height or 1.0
    cover = min(1.0, sum(max(0.0, min(x1, pd.width) - max(x0, 0.0)) * max(0.0, min(y1, pd.height) - max(y0, 0.0))
                         for (x0, y0, x1, y1) in images) / area)
    if good < s.min_text_chars or good < 0.5 * n_ink:
        pd.kind = "scan" if (n_ink or cover >= s.scan_image_coverage) else "blank"
        return _ocr_read(page, pd, s, run) if pd.kind == "scan" and s.ocr == "auto" else pd

    mb_x0, mb_top = float(page.mediabox[0]), float(page.mediabox[1])
    height = pd.height
    edges = []
    if s.ruled_tables and drawn:
        edges = _edges_of(drawn, lambda y: height - y + mb_top)
        if mb_x0:
            for e in edges:
                e["x0"] += mb_x0
                e["x1"] += mb_x0
    rot = 0 if n_upright >= 0.5 * n_ink else _dominant_rotation(chars)
    w, h = pd.width, pd.height
    words = _build_words(chars, mb_x0, mb_top, height, rot, w, h)
    if s.ocr == "auto" and page_needs_ocr(page, s.ocr_settings, [wd.text for wd in words], cover):
        return _ocr_read(page, pd, s, run)
    if rot:
        edges = _rotate_edges(edges, rot, w, h)
        if rot in (90, 270):
            pd.width, pd.height = pd.height, pd.width
    _layout(pd, words, edges, s)
    return pd


def _ocr_read(page, pd: _PageData, s: PdfSettings, run=ocr_pool.here) -> _PageData:
    """OCR the page image: its words (with boxes and confidences) and the rules seen in the image
    go through the same table detection as a text layer's. Without the engine the page stays a scan.
    The image is rendered here, on the reading thread; ``run`` (:meth:`ocr_pool.Pages.run`) does the rest
    (:func:`_ocr_layout`), here or later or on a helper thread: ``pd.work`` is then its Future."""
    from lkjip.limits import ocr_page_started

    ocr_page_started()  # the document's time limit grows by the OCR allowance
    try:
        image = render_for_ocr(page, s.ocr_settings)
    except OcrEngineMissing as e:
        pd.kind, pd.note = "scan", str(e)
        return pd
    pd.ocr = True
    pd.work = run(lambda: _ocr_layout(image, pd, s))
    return pd


def _ocr_layout(image, pd: _PageData, s: PdfSettings) -> None:
    """Read a rendered page image into ``pd``: words, rules, ruled grids (unsure cells read again), lines."""
    ow = ocr_image(image, s.ocr_settings)
    pd.kind = "text"
    pd.width, pd.height = ow.width, ow.height
    words = [_Word(w.text, w.x0, w.x1, w.top, w.bottom, round(w.bottom - w.top, 1), False, w.confidence)
             for w in ow]
    edges = _rule_edges(rule_segments(ow.image, s.ocr_settings)) if s.ruled_tables and ow.image is not None else []
    words = [w for w in words if not _rule_glyph(w, edges)]
    if not words:
        pd.kind = "blank"  # OCR found nothing: a blank or unreadable scan
        return
    _layout(pd, words, edges, s, reread=lambda g: _reread_cells(g, ow.image, s.ocr_settings))
    for _, t in pd.tables:
        t.source = "ocr"


def _rule_glyph(w: _Word, edges: list[dict], tol: float = 1.5) -> bool:
    """Is an OCR word a column rule read as a letter ('1', 'l', '|' centred on a vertical rule)? It would
    join the cell beside it ('20 Unit' + '1')."""
    if w.text not in ("1", "l", "I", "|", "!"):
        return False
    cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
    return any(e["orientation"] == "v" and abs(e["x0"] - cx) <= tol and e["top"] - tol <= cy <= e["bottom"] + tol
               for e in edges)


def _rule_edges(segments: list[dict]) -> list[dict]:
    """Rules seen in a page image (bands a few pixels thick) as pdfplumber edges on their centre line."""
    edges = []
    for g in segments:
        if g["orientation"] == "h":
            y = (g["top"] + g["bottom"]) / 2
            x0, x1, top, bottom = g["x0"], g["x1"], y, y
        else:
            x = (g["x0"] + g["x1"]) / 2
            x0, x1, top, bottom = x, x, g["top"], g["bottom"]
        edges.append({"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
                      "width": x1 - x0, "height": bottom - top, "orientation": g["orientation"]})
    return edges


def _figure(text: str) -> bool:
    """Whether a word is a figure ('98,16', '866.600.000', '100%'): two or more digits, mostly digits."""
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 2 and digits >= 0.6 * sum(ch.isalnum() for ch in text)


def _through_word(x: float, w: _Word) -> bool:
    """Whether a vertical line at ``x`` passes through a word, half a character or more inside each end."""
    half = (w.x1 - w.x0) / max(1, len(w.text)) / 2
    return w.x0 + half < x < w.x1 - half


def _through_text(x: float, w: _Word) -> bool:
    """Whether a vertical line at ``x`` passes through a word of letters: OCR may glue a figure to the
    text across a rule ('20' | '1. indek' → '201.'), but a word of three or more letters is one word."""
    letters = sum(ch.isalpha() for ch in w.text)
    return letters >= 3 and letters >= 0.8 * len(w.text) and _through_word(x, w)


def _cut_at_words(edges: list[dict], words: list[_Word]) -> list[dict]:
    """Vertical rules seen in an image, with the stretches that run through words taken out: a rule
    never crosses printed text, so such a stretch is the strokes of a column of letters, or a rule
    drawn on past its end, and would split the cells (and the words) it crosses."""
    out = []
    for e in edges:
        if e["orientation"] != "v":
            out.append(e)
            continue
        x, top = e["x0"], e["top"]
        for w in sorted((w for w in words if w.top < e["bottom"] and w.bottom > e["top"] and _through_text(x, w)),
                        key=lambda w: w.top):
            if w.top > top:
                out.append(dict(e, top=top, doctop=top, bottom=w.top, height=w.top - top))
            top = max(top, w.bottom)
        if top < e["bottom"]:
            out.append(dict(e, top=top, doctop=top, height=e["bottom"] - top))
    return out


def _reread_cells(g: "_Grid", image, os_: OcrSettings, sure: float = 80.0, ink: float = 4.0,
                  speck: float = 50.0) -> None:
    """OCR again, alone, the cells of a ruled table read unsurely (a word below ``sure``) or not at
    all though they hold a glyph's ink (``ink`` square points, however large the cell: a lone '0' in a
    tall cell is a small share of it): page layout analysis mixes cell text with rules and neighbours
    and drops lone small glyphs ('Realisasi Kinerja' → 'Amuswomubuyaesai', '1.' and '0' lost); the
    better-read version is kept, without its specks (lines of dots or of single characters read below
    ``speck``)."""
    if image is None:
        return
    for k, box in enumerate(g.cells):
        ws = g.words[k]
        if ws and min(w.conf for w in ws) >= sure:
            continue
        if not ws and ink_share(image, box) * (box[2] - box[0] - 3) * (box[3] - box[1] - 3) < ink:  # 1.5 pt inset
            continue
        new = [_Word(w.text, w.x0, w.x1, w.top, w.bottom, round(w.bottom - w.top, 1), False, w.confidence)
               for w in ocr_region(image, box, os_)]
        if _better_reading(ws, new, sure):
            ws = new
        g.words[k] = _drop_specks(ws, speck)


def _better_reading(old: list[_Word], new: list[_Word], sure: float) -> bool:
    """Is a cell's second reading the better one: surer on average, and losing none of the words the first
    read surely nor reading one of them otherwise unsurely (a cell read alone can drop a line, or take a sure
    '100' for '400'; '95 Yo' may become '95%', a rule read as '1' may go)?"""
    if not new or not old:
        return bool(new)
    if statistics.fmean(w.conf for w in new) <= statistics.fmean(w.conf for w in old):
        return False
    for w in old:
        if w.conf < sure:
            continue
        over = [n for n in new if n.x0 < w.x1 and w.x0 < n.x1 and n.top < w.bottom and w.top < n.bottom]
        if not over or not any(w.text in n.text for n in over) and max(n.conf for n in over) < sure:
            return False
    return True


_SPECK = re.compile(r"[.,:;'`\"|!¦~_\-–—]+")


def _drop_specks(words: list[_Word], speck: float) -> list[_Word]:
    """An OCR'd cell's words without its specks: lines made only of dots and dashes or of single characters
    read below ``speck``, in a cell that holds more (dots of a dotted rule that survived erasing, dust:
    '60,73%' over ':' over '100%'); a cell of a lone '-' keeps it."""
    def faint(w: _Word) -> bool:
        return bool(_SPECK.fullmatch(w.text)) or len(w.text) == 1 and w.conf < speck

    def beside(a: _Word, b: _Word) -> bool:  # on one line: their middles closer than half the taller one
        return abs(a.top + a.bottom - b.top - b.bottom) < max(a.bottom - a.top, b.bottom - b.top)

    if all(faint(w) for w in words):
        return words
    return [w for w in words if not faint(w) or not all(faint(o) for o in words if beside(w, o))]


def _layout(pd: _PageData, words: list[_Word], edges: list[dict], s: PdfSettings, reread=None) -> None:
    """Ruled tables from the edges and the words inside them; the other words as lines. ``reread``
    gets each ruled grid once its words are in (OCR pages read unsure cells again, after cells merged
    by rules the scan lost are split); on those pages rules seen through words are cut first."""
    if reread is not None:
        edges = _cut_at_words(edges, words)
    grids: list[_Grid] = []
    if edges and len(edges) <= s.max_edges_per_page:
        for cells in _ruled_cell_groups(edges, s):
            if len(cells) < 2:
                continue
            g = _Grid(cells)
            if len(g.xs) < 3:  # one column: a framed paragraph, not a table
                continue
            grids.append(g)
    free: list[_Word] = []
    for wd in words:
        cx, cy = (wd.x0 + wd.x1) / 2, (wd.top + wd.bottom) / 2
        for g in grids:
            if g.contains(cx, cy) and g.add(wd):
                break
        else:
            free.append(wd)
    for g in grids:
        if reread is not None:
            g.split_lost_rules()
            reread(g)
        t = g.to_table(pd.number)
        if t is not None:
            pd.tables.append((g.bbox[1], t))
    pd.lines = _words_to_lines(free, pd.number)


# --------------------------------------------------------------------------------------------
# running headers / footers


_PAGE_NO = re.compile(
    r"^[-–—(\[]?\s*(?:(?:halaman|hal\.?|page|hlm\.?)\s*)?(?:\d{1,4}|[ivxl]{1,6})\s*"
    r"(?:(?:/|dari|of)\s*\d{1,4})?\s*[-–—)\]]?$", re.I)
_ROMAN = re.compile(r"^(?:x{0,3})(?:ix|iv|v?i{0,3})$|^(?:xl|l)(?:ix|iv|v?i{0,3})$", re.I)


def _is_page_number(text: str) -> bool:
    t = text.strip()
    if not _PAGE_NO.match(t):
        return False
    core = re.sub(r"(?i)halaman|hal\.?|page|hlm\.?|dari|of|[-–—()\[\]/\s\d]", "", t)
    return not core or bool(_ROMAN.match(core))


def _margin_key(text: str) -> str:
    t = re.sub(r"\d+", "#", text.casefold())
    t = re.sub(r"\b[ivxl]{1,6}\b", "#", t)
    return " ".join(t.split())


def _remove_running_lines(pages: list[_PageData], s: PdfSettings) -> None:
    text_pages = [p for p in pages if p.kind == "text"]
    if not text_pages:
        return
    counts: Counter = Counter()
    cand: dict[int, list[tuple[str, str, _Line]]] = {}
    for p in text_pages:
        lines = p.lines
        items = []
        tables_top = min((t for t, _ in p.tables), default=math.inf)
        top_lines = [l for l in lines[:3] if l.bottom <= s.header_zone * p.height and l.bottom <= tables_top + 1]
        bottom_lines = [l for l in lines[-3:] if l.top >= (1 - s.footer_zone) * p.height]
        for zone, ls in (("top", top_lines), ("bottom", bottom_lines)):
            seen = set()
            for l in ls:
                if _n_segments(l) >= 3:
                    continue
                k = _margin_key(l.text)
                items.append((zone, k, l))
                if k and (zone, k) not in seen:
                    seen.add((zone, k))
                    counts[(zone, k)] += 1
        cand[p.number] = items
    # bare page numbers outside the margin zones (a footer set high, a landscape page numbered
    # where the portrait pages are): the first or last line of a page, when its number follows
    # the page sequence (printed number = page index + a constant offset seen on several pages)
    offsets: Counter = Counter()
    loose: dict[int, list[_Line]] = {}
    for p in text_pages:
        ends = [l for l in (p.lines[:1] + p.lines[-1:]) if _is_page_number(l.text)]
        for l in ends:
            m = re.search(r"\d+", l.text)
            if m:
                offsets[int(m.group(0)) - p.number] += 1
                loose.setdefault(p.number, []).append(l)
    offset, n_off = offsets.most_common(1)[0] if offsets else (None, 0)
    need = max(2, math.ceil(s.repeat_share * len(text_pages)))
    for p in text_pages:
        drop = set()
        for zone, k, l in cand.get(p.number, []):
            if counts[(zone, k)] >= need or _is_page_number(l.text):
                drop.add(id(l))
        if n_off >= 2:
            for l in loose.get(p.number, []):
                m = re.search(r"\d+", l.text)
                if m and int(m.group(0)) - p.number == offset:
                    drop.add(id(l))
        if drop:
            p.lines = [l for l in p.lines if id(l) not in drop]


def _n_segments(line: _Line) -> int:
    gap = max(0.9 * line.size, 5.0)
    return 1 + sum(1 for g in line.gaps() if g >= gap)


# --------------------------------------------------------------------------------------------
# borderless tables


_ATOMIC = re.compile(
    r"^(?:[<>≤≥±~+\-–]?\s*(?:rp\.?\s*)?\d[\d.,]*-?\s*(?:%|[a-z]{1,10}\.?)?|[ivxl]{1,6}\.|[a-z]\.|\d+[.)]|[-–—]|"
    r"\d+(?:\.\d+)+\.?|\d+\s*/\s*\d+|\(\d{1,2}\)|n/?a)$", re.I)
_CURRENCY_PREFIX = re.compile(r"^(?:rp\.?|idr)$", re.I)
_CAPTION = re.compile(r"^(?:tabel|table|gambar|grafik|diagram|lampiran)\s*[\d.:IVX]", re.I)


def _atomic(text: str) -> bool:
    return bool(_ATOMIC.match(text.strip()))


def _is_candidate(line: _Line) -> bool:
    gaps = line.gaps()
    if not gaps:
        return False
    seg_gap = max(0.9 * line.size, 5.0)
    big = [g for g in gaps if g >= seg_gap]
    if not big:
        return False
    if len(gaps) >= 3:
        med = statistics.median(gaps)
        if max(gaps) < 1.6 * med and med < 1.5 * line.size:  # evenly spread words: justified prose
            return False
        if max(gaps) < 1.3 * min(gaps) and not all(_atomic(w.text) for w in line.words):
            return False  # a sparse justified line (few long words): gaps all alike
    return True


def _segments(line: _Line, gap: float) -> list[tuple[float, float]]:
    segs = []
    cur0 = cur1 = None
    for w in line.words:
        if cur0 is None:
            cur0, cur1 = w.x0, w.x1
        elif w.x0 - cur1 >= gap:
            segs.append((cur0, cur1))
            cur0, cur1 = w.x0, w.x1
        else:
            cur1 = max(cur1, w.x1)
    if cur0 is not None:
        segs.append((cur0, cur1))
    return segs


def _seg_gap(size: float) -> float:
    """Largest gap between words of one cell (a space, generously)."""
    return max(SEG_GAP * size, 2.5)


def _min_sep(size: float) -> float:
    """Narrowest column gap."""
    return max(MIN_SEP * size, 2.0)


SEG_GAP = 0.6
MIN_SEP = 0.3


def _separators(lines: list[_Line], size: float, tolerance: int) -> list[tuple[float, float]]:
    """x-intervals free of text (column gaps). With a tolerance, gaps crossed by at most that many
    lines are found first; the segments crossing them (cells spanning columns) are then left out
    and the gaps recomputed without tolerance, so a sparse column is not swallowed."""
    if not lines:
        return []
    seg_gap = _seg_gap(size)
    segs = [s for l in lines for s in _segments(l, seg_gap)]
    x0 = min(a for a, _ in segs)
    x1 = max(b for _, b in segs)
    seps = _gaps(segs, x0, x1, size, tolerance)
    if tolerance and seps:
        keep = [(a, b) for a, b in segs if not any(a < sa and b > sb for sa, sb in seps)]
        if keep:
            seps = _gaps(keep, x0, x1, size, 0)
    return seps


def _gaps(segs, x0: float, x1: float, size: float, tolerance: int) -> list[tuple[float, float]]:
    n = int(math.ceil(x1 - x0)) + 2
    cov = [0] * n
    for a, b in segs:
        for i in range(int(a - x0), min(n, int(math.ceil(b - x0)) + 1)):
            cov[i] += 1
    min_w = _min_sep(size)
    seps = []
    i = 0
    while i < n:
        if cov[i] <= tolerance:
            j = i
            while j < n and cov[j] <= tolerance:
                j += 1
            a, b = x0 + i, x0 + j
            if b - a >= min_w and a > x0 + 1 and b < x1 - 1:
                seps.append((a, b))
            i = j
        else:
            i += 1
    return seps


def _n_atomic(line: _Line) -> int:
    n = 0
    seg_gap = max(0.9 * line.size, 5.0)
    parts: list[list[_Word]] = [[]]
    prev = None
    for w in line.words:
        if prev is not None and w.x0 - prev.x1 >= seg_gap:
            parts.append([])
        parts[-1].append(w)
        prev = w
    for p in parts:
        if p and _atomic(_join_words(p)):
            n += 1
    return n


_YEAR = re.compile(r"^(?:19|20)\d\d$")
_COLNO = re.compile(r"^\(?\d{1,2}\)?$")


def _body_start(lines: list[_Line]) -> int:
    """Index of the first data line: the first with two atomic values (a row of years under header
    text counts as data, which keeps each year in its own column; a row of years on top is the
    header's first row); 0 when there is none."""
    for k, l in enumerate(lines):
        if _n_atomic(l) >= 2 and not (k == 0 and all(_YEAR.match(w.text) for w in l.words)):
            return k
    return 0


def _region_separators(lines: list[_Line], size: float) -> list[tuple[float, float]]:
    """Column gaps of a table region. Header lines (those before the first line with two
    atomic values) may hold cells spanning several columns, so they do not vote."""
    start = _body_start(lines)
    body = lines[start:] if len(lines) - start >= 2 else lines
    tol = 0 if len(body) < 6 else max(1, len(body) // 12)
    seps = _separators(body, size, tol)
    if body is not lines and start > 0:
        # columns empty in every body line of this piece (e.g. merged cells that started on
        # the page before) still have their header: take the gaps between header phrases there
        bx0 = min(l.x0 for l in body)
        bx1 = max(l.x1 for l in body)
        extra = [(a, b) for a, b in _separators(lines, size, 0)
                 if (b <= bx0 or a >= bx1) and not any(a < sb and b > sa for sa, sb in seps)]
        if extra:
            seps = sorted(seps + extra)
    return seps


def _crosses(line: _Line, seps: list[tuple[float, float]], size: float) -> int:
    n = 0
    for a, b in _segments(line, _seg_gap(size)):
        for sa, sb in seps:
            if a < sa and b > sb:
                n += 1
    return n


def _col_of(x0: float, seps: list[tuple[float, float]]) -> int:
    mids = [(a + b) / 2 for a, b in seps]
    return bisect.bisect_right(mids, x0 + 1.0)


class _Region:
    def __init__(self, lines: list[_Line], seps):
        self.lines = lines
        self.seps = seps

    @property
    def top(self) -> float:
        return self.lines[0].top


def _find_borderless(lines: list[_Line], text_x0: float, text_x1: float, s: PdfSettings) -> list[_Region]:
    n = len(lines)
    if n < s.min_borderless_lines:
        return []
    cand = [_is_candidate(l) for l in lines]
    width = max(text_x1 - text_x0, 1.0)

    def prose(l: _Line) -> bool:
        return (l.x1 - l.x0) >= 0.8 * width and l.x0 <= text_x0 + 0.05 * width

    def vgap_ok(a: _Line, b: _Line) -> bool:
        return b.top - a.bottom <= max(1.6 * a.size, 12.0)

    regions: list[_Region] = []
    used = [False] * n
    i = 0
    while i < n:
        if not cand[i] or used[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and vgap_ok(lines[j], lines[j + 1]) and (cand[j + 1] or not prose(lines[j + 1])) \
                and not (_CAPTION.match(lines[j + 1].text) and not cand[j + 1]):
            j += 1
        core = lines[i:j + 1]
        size = statistics.median(l.size for l in core)
        n_cand = sum(cand[i:j + 1])
        if n_cand < s.min_borderless_lines:
            i = j + 1
            continue
        seps = _region_separators(core, size)
        # leading / trailing lines that span columns are captions or notes, not rows
        a, b = i, j
        while a < b and _crosses(lines[a], seps, size) and not cand[a]:
            a += 1
        while b > a and _crosses(lines[b], seps, size) and not cand[b]:
            b -= 1
        if (a, b) != (i, j):
            core = lines[a:b + 1]
            seps = _region_separators(core, size)
        if len(seps) + 1 < s.min_borderless_cols or sum(cand[a:b + 1]) < s.min_borderless_lines:
            i = j + 1
            continue
        # extend upwards over header lines that fit the columns
        while a - 1 >= 0 and not used[a - 1] and lines[a].top - lines[a - 1].bottom <= 0.6 * size \
                and not prose(lines[a - 1]) \
                and (not _crosses(lines[a - 1], seps, size) or lines[a].top - lines[a - 1].top < 0.8 * size) \
                and not _CAPTION.match(lines[a - 1].text) \
                and len(_segments(lines[a - 1], _seg_gap(size))) >= 1 and a - 1 > i - 4:
            a -= 1
        # lines whose words all start in one column and that look like a caption stay out
        while a < b and not cand[a] and _looks_caption(lines[a], seps, text_x0, width):
            a += 1
        core = lines[a:b + 1]
        for k in range(a, b + 1):
            used[k] = True
        regions.append(_Region(core, seps))
        i = b + 1
    return regions


def _looks_caption(line: _Line, seps, text_x0: float, width: float) -> bool:
    if _CAPTION.match(line.text):
        return True
    centre = (line.x0 + line.x1) / 2
    mid = text_x0 + width / 2
    return line.bold and abs(centre - mid) < 0.06 * width and _crosses(line, seps, line.size) > 0


_Frags = dict  # column → words of one line in that column


def _anchor_columns(frags: list[_Frags]) -> set[int]:
    """Columns whose line fragments are mostly short atomic values (numbers, percentages, row
    numbers): a new value there starts a new row."""
    atom_n: Counter = Counter()
    all_n: Counter = Counter()
    for d in frags:
        for c, ws in d.items():
            all_n[c] += 1
            if _atomic(_join_words(ws)):
                atom_n[c] += 1
    return {c for c in all_n if atom_n[c] >= 2 and atom_n[c] >= 0.5 * all_n[c]}


def _assemble_rows(lines: list[_Line], frags: list[_Frags], anchors: set[int], size: float,
                   by_layout: bool = True) -> list[dict[int, list[list[_Word]]]]:
    """Join printed lines into table rows.

    A line starts a new row when it puts an atomic value into an anchor column the row already
    filled (two numbers in the 'Target' column are two rows), or, with ``by_layout``, when a
    column that had paused starts again (wrapped text is contiguous) or the line gap is wider
    than the table's line spacing. Staggered lines (vertically centred header cells) never split.
    """
    p0 = size * 1.2
    if by_layout:
        pitches = [lines[k + 1].top - lines[k].top for k in range(len(lines) - 1)]
        normal = sorted(p for p in pitches if p >= 0.6 * size)
        if normal:
            p0 = statistics.median(normal[: max(1, len(normal) // 2)])
    rows: list[dict[int, list[list[_Word]]]] = []
    cur: Optional[dict[int, list[list[_Word]]]] = None
    prev: _Frags = {}
    for k, (l, d) in enumerate(zip(lines, frags)):
        new = cur is None
        header_row = not new and not any(_atomic(_join_words(ws)) for parts in cur.values() for ws in parts)
        if header_row and by_layout and l.top - lines[k - 1].top < 0.6 * size:
            atomic = {c for c, ws in d.items() if _atomic(_join_words(ws))}
            if len(atomic) >= 2 and 2 * sum(1 for c in atomic if c not in cur) > len(atomic):
                # a line of numbers (years, column numbers) under header text: a new header row;
                # header words on the same line that continue a column stay with the text above
                for c, ws in d.items():
                    if c not in atomic and c in cur:
                        cur[c].append(ws)
                cur = defaultdict(list)
                rows.append(cur)
                for c in atomic | {c for c in d if c not in rows[-2]}:
                    cur[c].append(d[c])
                prev = d
                continue
        if header_row and by_layout and l.top - lines[k - 1].top >= 0.6 * size \
                and sum(1 for c in d if c not in cur) >= 2 and any(c in cur for c in d):
            new = True  # a second header row under a row of spanning headers
        if not new:
            pitch = l.top - lines[k - 1].top
            if pitch >= 0.6 * size:  # not a staggered (vertically centred) header line
                if by_layout and pitch > p0 + max(1.0, 0.15 * size):
                    new = True
                for c, ws in d.items():
                    if new:
                        break
                    if c not in cur:
                        continue
                    last = _join_words(cur[c][-1])
                    if c in anchors and _atomic(_join_words(ws)) and not _CURRENCY_PREFIX.match(last) \
                            and (by_layout or _atomic(last)):  # in a ruled cell: value after value
                        new = True
                    elif by_layout and c not in prev:
                        new = True
        if new:
            cur = defaultdict(list)
            rows.append(cur)
        for c, ws in d.items():
            cur[c].append(ws)
        prev = d
    return rows


def _row_cells(row: dict[int, list[list[_Word]]], ncols: int, page: int) -> list[Cell]:
    cells = []
    for c in range(ncols):
        parts = row.get(c, [])
        texts = [_join_words(ws) for ws in parts]
        ws_all = [w for ws in parts for w in ws]
        bbox = None
        if ws_all:
            bbox = _rbox((min(w.x0 for w in ws_all), min(w.top for w in ws_all),
                          max(w.x1 for w in ws_all), max(w.bottom for w in ws_all)))
        cells.append(Cell(text=_join_lines(texts, cell=True), raw="\n".join(texts), page=page, bbox=bbox,
                          bold=bool(ws_all) and all(w.bold for w in ws_all), confidence=_confidence(ws_all)))
    return cells


_PLACEHOLDER = re.compile(r"^(?:[-–—]+|n/?a|nihil)$", re.I)


def _header_frags(lines: list[_Line], seps, size: float, rx0: float, rx1: float,
                  spans_out: Optional[list] = None, below: Optional[_Line] = None) -> list[_Frags]:
    """Column fragments of the header lines: a phrase centred over several columns (a spanning
    header such as 'Target Tahun' over the year columns) goes to the first column of its span;
    a span never covers a column that has a header phrase of its own in another header line."""
    ncols = len(seps) + 1
    bounds = [(-math.inf if c == 0 else seps[c - 1][1], math.inf if c == ncols - 1 else seps[c][0])
              for c in range(ncols)]
    cent = [(max(a, rx0), min(b, rx1)) for a, b in bounds]
    all_spans = []
    for line in lines:
        phrases: list[list[_Word]] = []
        prev = None
        for w in line.words:
            if prev is None or w.x0 - prev.x1 >= _seg_gap(size) or any(prev.x1 <= sa and w.x0 >= sb for sa, sb in seps):
                phrases.append([])
            phrases[-1].append(w)
            prev = w
        spans = []
        for ph in phrases:
            x0, x1 = ph[0].x0, max(w.x1 for w in ph)
            ca = _col_of(x0, seps)
            cb = max(ca, sum(1 for _, sb in seps if sb < x1 - 1.0))  # columns it reaches into
            spans.append((ca, cb, x0, x1, ph, _atomic(_join_words(ph))))
        all_spans.append(spans)
    under_cols = []  # (top, column) of every phrase, and of the values of the first body line
    for lj, other in enumerate(all_spans):
        for ca, cb, _, _, _, _ in other:
            under_cols.append((lines[lj].top, ca))
    if below is not None and 2 * sum(1 for w in below.words if _atomic(w.text)) > len(below.words):
        for w in below.words:  # a row of years or column numbers under the header
            if _atomic(w.text):
                under_cols.append((below.top, _col_of(w.x0, seps)))
    out = []
    for li, spans in enumerate(all_spans):
        # columns holding a (non-numeric) header phrase of their own in another header line that
        # is not below this one (sub-headers under a spanning header do not count)
        taken = set()
        for lj, other in enumerate(all_spans):
            if lj != li and lines[lj].top < lines[li].bottom - 0.5:
                for ca, cb, _, _, _, atomic in other:
                    if not atomic and ca == cb:
                        taken.add(ca)
        d: _Frags = defaultdict(list)
        for k, (ca, cb, x0, x1, ph, atomic) in enumerate(spans):
            if atomic and not _YEAR.match(_join_words(ph)):
                d[ca].extend(ph)
                continue
            left = spans[k - 1][1] + 1 if k > 0 else 0
            right = spans[k + 1][0] - 1 if k + 1 < len(spans) else ncols - 1
            while left < ca and left in taken:
                left += 1
            while right > cb and right in taken:
                right -= 1
            lo_a = ca
            while lo_a - 1 >= left and lo_a - 1 not in taken:
                lo_a -= 1
            hi_b = cb
            while hi_b + 1 <= right and hi_b + 1 not in taken:
                hi_b += 1
            mid = (x0 + x1) / 2
            best = (ca, cb)
            best_err = abs((cent[ca][0] + cent[cb][1]) / 2 - mid)
            for a in range(lo_a, ca + 1):
                for b in range(cb, hi_b + 1):
                    err = abs((cent[a][0] + cent[b][1]) / 2 - mid)
                    if err < best_err - 0.5 or (abs(err - best_err) <= 0.5 and b - a > best[1] - best[0]):
                        best, best_err = (a, b), err
            if best != (ca, cb) and best_err > 0.15 * (cent[best[1]][1] - cent[best[0]][0]):
                best = (ca, cb)  # not centred over any span: keep the phrase where it starts
            if best[1] > best[0]:
                subs = {c for t, c in under_cols if t > lines[li].bottom - 0.5 and best[0] <= c <= best[1]}
                if not subs:  # nothing under it: a wide header of one column, not a span
                    best = (ca, ca)
            if best[1] == best[0]:
                # a header of one column is often centred and wider than its values: its centre
                # tells the column better than its left edge
                mid_col = _col_of((x0 + x1) / 2, seps)
                if left <= mid_col <= right:
                    best = (mid_col, mid_col)
            d[best[0]].extend(ph)
            if spans_out is not None and best[1] > best[0]:
                spans_out.append((li, best[0], best[1]))
        out.append(d)
    return out


def _header_rows(lines: list[_Line], frags: list[_Frags], spans: list, level_of: dict) -> list[dict]:
    """Header lines → header rows. Without spanning phrases the header is one row (a wrapped or
    stacked header cell is one cell: 'Tahun 2019'); with them, what lies under a span (its sub-
    headers) is a second row and everything else (the span itself, cells beside it) the first."""
    rows: list[dict] = [defaultdict(list), defaultdict(list)]
    for li, d in enumerate(frags):
        for c, ws in d.items():
            top = defaultdict(list)
            for w in ws:
                top[level_of.get(id(w), 0)].append(w)
            for lvl, part in top.items():
                rows[lvl][c].append(part)
    return [r for r in rows if r]

def _only(frags: list[_Frags], mapping: list[int], col: int, pattern) -> bool:
    texts = [_join_words([w for x, ws in d.items() if mapping[x] == col for w in ws]) for d in frags]
    texts = [t for t in texts if t]
    return len(texts) >= 2 and all(pattern.match(t) for t in texts)


def _merge_placeholder_columns(frags: list[_Frags], body_from: int) -> list[_Frags]:
    """Two neighbouring columns that never share a line, one of them holding only placeholders
    ('-') below the header, are one column split by alignment (a left-set '-' beside right-set
    numbers)."""
    if not frags:
        return frags
    ncols = 1 + max((c for d in frags for c in d), default=0)
    mapping = list(range(ncols))
    c = 0
    cols = list(range(ncols))
    while c + 1 < len(cols):
        a, b = cols[c], cols[c + 1]
        together = any(any(mapping[x] == a for x in d) and any(mapping[x] == b for x in d) for d in frags)
        if together and _only(frags[body_from:], mapping, a, _CURRENCY_PREFIX):
            # a column of 'Rp.' set apart from the amounts: the sign belongs to the amount
            for x in range(ncols):
                if mapping[x] == b:
                    mapping[x] = a
            cols.pop(c + 1)
            continue
        if not together:
            def only_placeholders(col):
                texts = [_join_words([w for x, ws in d.items() if mapping[x] == col for w in ws])
                         for d in frags[body_from:]]
                texts = [t for t in texts if t]
                return bool(texts) and all(_PLACEHOLDER.match(t) for t in texts)
            if only_placeholders(a) or only_placeholders(b):
                for x in range(ncols):
                    if mapping[x] == b:
                        mapping[x] = a
                cols.pop(c + 1)
                continue
        c += 1
    if len(cols) == ncols:
        return frags
    renum = {col: i for i, col in enumerate(cols)}
    out = []
    for d in frags:
        nd: _Frags = defaultdict(list)
        for x, ws in sorted(d.items()):
            nd[renum[mapping[x]]].extend(ws)
        for ws in nd.values():
            ws.sort(key=lambda w: w.x0)
        out.append(nd)
    return out


def _region_rows(region: _Region, page: int, min_cols: int = 3) -> Optional[RawTable]:
    seps = region.seps
    ncols = len(seps) + 1
    lines = region.lines
    size = statistics.median(l.size for l in lines)
    body_from = _body_start(lines)
    # a header is a few lines high; further lines without numbers are rows already
    while body_from > 0 and lines[body_from - 1].top > lines[0].top + 5 * size:
        body_from -= 1
    rx0, rx1 = min(l.x0 for l in lines), max(l.x1 for l in lines)
    spans: list = []
    frags: list[_Frags] = _header_frags(lines[:body_from], seps, size, rx0, rx1, spans,
                                        lines[body_from] if body_from < len(lines) else None)
    level_of: dict[int, int] = {}
    for li, d in enumerate(frags):
        for c, ws in d.items():
            own = [(a, b) for pl, a, b in spans if pl == li and a == c]
            under = any(pl != li and lines[pl].bottom - 0.5 < lines[li].top and a <= c <= b
                        and (a, b) not in own for pl, a, b in spans)  # a wrapped span stays up
            for w in ws:
                level_of[id(w)] = 1 if under else 0
    for l in lines[body_from:]:
        d: _Frags = defaultdict(list)
        for w in l.words:
            d[_col_of(w.x0, seps)].append(w)
        frags.append(d)
    frags = _merge_placeholder_columns(frags, body_from)
    ncols = 1 + max((c for d in frags for c in d), default=0)
    if sum(1 for d in frags if len(d) >= min_cols) < 2:
        return None  # one wide line among narrow ones: stretched prose, not a table
    rows = _header_rows(lines[:body_from], frags[:body_from], spans, level_of) if body_from else []
    n_header = len(rows) or None
    rows += _assemble_rows(lines[body_from:], frags[body_from:], _anchor_columns(frags), size)
    out_rows = [RawRow(cells=_row_cells(r, ncols, page), page=page) for r in rows]
    if len(out_rows) < 2:
        return None
    if n_header and n_header < len(out_rows):
        texts = [c.text for c in out_rows[n_header].cells if c.text]
        if texts and all(_YEAR.match(t) or _COLNO.match(t) for t in texts):
            n_header += 1  # a row of years or column numbers under the header belongs to it
    return RawTable(rows=out_rows, source="pdf", style="stream", n_header_rows=n_header)


# --------------------------------------------------------------------------------------------
# paragraphs


_BAB = re.compile(r"^BAB\s+[IVXL\d]+\b", re.I)
_LIST_START = re.compile(r"^(?:[•\-–·▪●○■□➢✓*]|\(?[a-zA-Z0-9]{1,3}[.)]|\d+(?:\.\d+)+\.?)(?:\s|$)")
_NUMBERED_TITLE = re.compile(r"^(?:BAB\s+[IVXL\d]+|[A-H]\.|[IVX]+\.|\d+(?:\.\d+)+\.?|\d+\.)\s+[A-Z]")


def numbered_title(text: str) -> bool:
    """A short numbered section title ('A. Latar Belakang', '3.1 Capaian Kinerja')."""
    t = text.strip()
    return len(t) <= 90 and bool(_NUMBERED_TITLE.match(t)) and t[-1] not in ".,;:"


def _paragraphs(lines: list[_Line], body_size: float, text_x0: float, text_x1: float) -> list[TextBlock]:
    blocks: list[TextBlock] = []
    cur: list[_Line] = []
    width = max(text_x1 - text_x0, 1.0)

    def heading_of(l: _Line) -> bool:
        t = l.text
        if len(t) > 200:
            return False
        if l.bold or l.size >= body_size + 1.5:
            return True
        return bool(_BAB.match(t))

    def flush():
        if not cur:
            return
        text = _join_lines([l.text for l in cur])
        if text:
            h = heading_of(cur[0]) and all(heading_of(l) for l in cur)
            if not h and len(cur) == 1 and numbered_title(text):
                h = True
            blocks.append(TextBlock(text=text, page=cur[0].page, heading=h,
                                    bold=all(l.bold for l in cur)))
        cur.clear()

    pitches = [lines[k + 1].top - lines[k].top for k in range(len(lines) - 1)]
    good = [p for p in pitches if 0.8 * body_size <= p <= 2.2 * body_size]
    p0 = min(good) if good else 1.3 * body_size
    for l in lines:
        if cur:
            last = cur[-1]
            pitch = l.top - last.top
            h_last, h_new = heading_of(last), heading_of(l)
            new = pitch > p0 * 1.25 + 0.5 or pitch < 0 or h_last != h_new
            if not new and _LIST_START.match(l.text):
                new = True
            if not new and (h_new or numbered_title(last.text)) and (last.x1 - last.x0) < 0.7 * width:
                new = True  # a heading line that was not wrapped (OCR'd text has no bold to tell it by)
            if not new and abs(l.size - last.size) > 1.0:
                new = True
            if new:
                flush()
        cur.append(l)
    flush()
    return blocks


# --------------------------------------------------------------------------------------------
# document assembly


class _Timeout(BaseException):
    """Raised by the alarm handler; a BaseException so that library code cannot swallow it."""


@contextmanager
def _alarm(seconds: float, enabled: bool) -> Iterator[None]:
    use = (enabled and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
           and math.isfinite(seconds))
    if use:
        try:
            old = signal.getsignal(signal.SIGALRM)
            if old not in (signal.SIG_DFL, signal.SIG_IGN, None):
                use = False  # someone else uses SIGALRM: rely on the between-page checks only
        except (ValueError, OSError):
            use = False
    if not use:
        yield
        return

    def handler(signum, frame):
        raise _Timeout()

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def _failed(error: str, n_pages: Optional[int] = None) -> RawDocument:
    return RawDocument(blocks=[], format="pdf", n_pages=n_pages, status="failed", error=error)


def _open_error(path: Path, e: BaseException) -> str:
    name = type(e).__name__
    msg = str(e) or name
    inner = getattr(e, "args", [None])[0] if isinstance(getattr(e, "args", None), tuple) and e.args else None
    if "PasswordIncorrect" in name or "PasswordIncorrect" in type(inner).__name__:
        return "encrypted PDF: needs the user password"
    if "recursion" in msg:
        return "corrupt PDF: its page tree is nested too deeply"
    if pdf_looks_truncated(path):
        return f"truncated PDF (no %EOF marker; an interrupted download?): {msg[:200]}"
    return f"corrupt PDF ({name}): {msg[:200]}"


class _QuietLog:
    """Stands in for a pdfminer module logger whose DEBUG level was off when the first PDF was
    read: pdfminer logs every token at DEBUG, and the calls alone cost several percent of the
    parse time. Everything but ``debug`` goes to the real logger."""

    def __init__(self, log):
        self._log = log

    def debug(self, *args, **kwargs) -> None:
        pass

    def __getattr__(self, name):
        return getattr(self._log, name)


_quieted = False


def _quiet_pdfminer() -> None:
    global _quieted
    if _quieted:
        return
    _quieted = True
    import logging

    import pdfminer.pdfinterp
    import pdfminer.psparser

    for mod in (pdfminer.psparser, pdfminer.pdfinterp):
        log = getattr(mod, "log", None)
        if isinstance(log, logging.Logger) and not log.isEnabledFor(logging.DEBUG):
            mod.log = _QuietLog(log)
    # damaged files make pdfminer warn on stderr for every bad xref line; the document's status and
    # reason say what matters. Left alone when the caller set a level.
    root = logging.getLogger("pdfminer")
    if root.level == logging.NOTSET:
        root.setLevel(logging.ERROR)


# --------------------------------------------------------------------------------------------
# bounds on what pdfminer expands: a second line behind guard.pdf_stream_bomb, for streams that
# the byte scan cannot see (encrypted with an owner password only, or hidden by damage)


class DecompressionBomb(Exception):
    """A stream expanded past a limit while the document was read."""


class _Inflation(threading.local):
    def __init__(self):
        self.total = 0
        self.total_limit: Optional[int] = None  # set while read_pdf runs ...
        self.stream_limit: Optional[int] = None  # ... with its settings' limits
        self.tripped: Optional[str] = None


_INFLATION = _Inflation()


def _stream_limit() -> int:
    from lkjip.limits import current

    return _INFLATION.stream_limit or current().max_stream_bytes


def _inflated(n: int) -> None:
    st = _INFLATION
    if st.total_limit is None:
        return
    st.total += n
    if st.total > st.total_limit:
        st.tripped = (f"decompression bomb refused: the PDF's streams expand to more than "
                      f"{st.total_limit / 1048576:g} MB together (limit --max-total-mb)")
        raise DecompressionBomb(st.tripped)


def _too_big(limit: int) -> DecompressionBomb:
    _INFLATION.tripped = (f"decompression bomb refused: a stream expands to more than {limit / 1048576:g} MB "
                          "(limit --max-stream-mb)")
    return DecompressionBomb(_INFLATION.tripped)


class _BoundedDecompressobj:
    def __init__(self, *args, **kwargs):
        import zlib

        self._d = zlib.decompressobj(*args, **kwargs)
        self._out = 0

    def decompress(self, data, max_length=0):
        limit = _stream_limit()
        room = limit - self._out + 1
        out = self._d.decompress(data, min(max_length, room) if max_length else room)
        self._out += len(out)
        if self._out > limit:
            raise _too_big(limit)
        _inflated(len(out))
        return out

    def __getattr__(self, name):
        return getattr(self._d, name)


class _BoundedZlib:
    """Stands in for the ``zlib`` module inside ``pdfminer.pdftypes``: stream decoding stops with
    :class:`DecompressionBomb` past the current limits instead of filling the memory."""

    def __init__(self, zlib):
        self._zlib = zlib
        self.error = zlib.error

    def decompress(self, data, wbits=15, bufsize=16384):
        limit = _stream_limit()
        d = self._zlib.decompressobj(wbits)
        out = d.decompress(data, limit + 1)
        if len(out) > limit:
            raise _too_big(limit)
        if not d.eof:
            raise self._zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        _inflated(len(out))
        return out

    def decompressobj(self, *args, **kwargs):
        return _BoundedDecompressobj(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._zlib, name)


def _bound_pdfminer() -> None:
    import zlib

    import pdfminer.pdftypes as pt

    if getattr(pt, "zlib", None) is zlib:
        pt.zlib = _BoundedZlib(zlib)


# --------------------------------------------------------------------------------------------
# damage: found, repaired, counted


class _Damaged(Exception):
    """The file needs repair before it can be read (the message says why)."""


_OBJ_AT = re.compile(rb"(?<![\d.])(\d{1,10})\s+(\d{1,5})\s+obj\b")
_PAGE_TYPE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_PAGES_TYPE = re.compile(rb"/Type\s*/Pages(?![A-Za-z])")
_COUNT = re.compile(rb"/Count\s+(\d{1,9})")


def _scan_objects(data: bytes) -> tuple[list[int], int]:
    """From the file's bytes (uncompressed objects): the numbers of its page objects, in file order,
    and the number of pages it said it had (the largest /Count of its page-tree nodes: the root's)."""
    found: dict[int, None] = {}
    declared = 0
    marks = list(_OBJ_AT.finditer(data))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(data)
        body = data[m.end():min(end, m.end() + 65536)]
        stop = body.find(b"stream")
        if stop >= 0:
            body = body[:stop]
        if _PAGE_TYPE.search(body):
            found[int(m.group(1))] = None
        elif _PAGES_TYPE.search(body):
            c = _COUNT.search(body)
            if c:
                declared = max(declared, int(c.group(1)))
    return list(found), declared


def _new_page_tree(data: bytes, pages: list[int]) -> bytes:
    """The bytes with a new page tree, catalogue and trailer appended, listing ``pages``: for a file
    whose end (trailer, catalogue, page tree) was cut off or whose page tree is unusable."""
    top = max((int(m.group(1)) for m in _OBJ_AT.finditer(data)), default=0)
    tree, cat = top + 1, top + 2
    # the old cross-reference data must not win over the new trailer: qpdf then rebuilds the table
    # from the objects themselves (same lengths, so no offset moves)
    data = data.replace(b"startxref", b"startxre_").replace(b"trailer", b"trai_er")
    kids = " ".join(f"{n} 0 R" for n in pages)
    tail = (f"\nendstream\nendobj\n{tree} 0 obj\n<</Type/Pages/Kids[{kids}]/Count {len(pages)}>>\nendobj\n"
            f"{cat} 0 obj\n<</Type/Catalog/Pages {tree} 0 R>>\nendobj\n"
            f"trailer\n<</Size {cat + 1}/Root {cat} 0 R>>\n%%EOF\n")
    return data + tail.encode()


@dataclass
class _Repair:
    path: Path
    what: str  # what was wrong, for the reason
    total: int  # pages the file had (its page tree's /Count, or the pages found)
    recovered: int  # pages with content in the repaired file
    missing: int = 0  # objects the file refers to but lost (fonts, images cut off with the tail)
    known: bool = True  # False: the page tree was lost, so pages past the cut may be lost uncounted


def _has_content(page) -> bool:
    import pikepdf

    c = page.obj.get("/Contents")
    if isinstance(c, pikepdf.Stream):
        return True
    if isinstance(c, pikepdf.Array):
        return len(c) > 0 and all(isinstance(x, pikepdf.Stream) for x in c)
    return False


def _repair(path: Path, out: Path, why: str) -> _Repair:
    """Repair a damaged PDF into ``out`` with qpdf (pikepdf): junk before the header cut, the
    cross-reference table rebuilt, a lost page tree rebuilt from the page objects; pages whose
    content was lost are dropped and counted. Raises when nothing can be recovered."""
    import pikepdf

    data = path.read_bytes()
    what = [why]
    off = data.find(b"%PDF-")
    if off > 0:
        data = data[off:]
    cut = b"%%EOF" not in data[-2048:]
    if cut:
        data += b"\n%%EOF\n"  # qpdf's recovery drops the last object of a file cut right after it
    page_objects, declared = _scan_objects(data)
    rebuilt = False
    try:
        pdf = pikepdf.open(io.BytesIO(data), suppress_warnings=True)
        try:
            n = len(pdf.pages)
        except pikepdf.PdfError as e:
            if "loop" in str(e).lower():
                what.append("cyclic page tree")
            n = 0
        if n == 0:
            pdf.close()
            raise _Damaged("no pages in the page tree")
    except (pikepdf.PdfError, _Damaged) as e:
        if isinstance(e, pikepdf.PasswordError):
            raise
        pages = page_objects
        if not pages:
            raise _Damaged("no page could be recovered (no page object is left in the file)") from e
        pdf = pikepdf.open(io.BytesIO(_new_page_tree(data, pages)), suppress_warnings=True)
        rebuilt = True
        what.append("page tree rebuilt")
    with pdf:
        missing = sum(o is None for o in pdf.objects)  # referred to, never found
        pages = list(pdf.pages)
        lost = [i for i, p in enumerate(pages) if not _has_content(p)]
        for i in reversed(lost):
            del pdf.pages[i]
        recovered = len(pages) - len(lost)
        if recovered:
            pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False,
                     object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    total = max(declared, len(pages))
    missing = max(0, missing - max(0, declared - len(pages)))  # lost page objects count as pages
    return _Repair(out, ", ".join(what), total, recovered, missing, known=not (rebuilt and cut) or declared > len(pages))


def _damage(path: Path) -> Optional[str]:
    """What is visibly wrong with the file's bytes (junk before the header, a cut tail), or None."""
    off = pdf_header_offset(path)
    if off:
        return f"{off} bytes of junk before %PDF-"
    if pdf_looks_truncated(path):
        return "truncated file, no %%EOF marker: an interrupted download?"
    return None


def _page_tree_loop(doc) -> Optional[int]:
    """Object number of a page-tree node reached twice (a /Pages tree pointing back to itself), or None."""
    from pdfminer.pdftypes import PDFObjRef, resolve1

    try:
        root = doc.catalog.get("Pages")
    except Exception:
        return None
    seen: set[int] = set()
    stack = [root]
    steps = 0
    while stack and steps < 1_000_000:
        steps += 1
        ref = stack.pop()
        if isinstance(ref, PDFObjRef):
            if ref.objid in seen:
                return ref.objid
            seen.add(ref.objid)
        try:
            node = resolve1(ref)
        except Exception:
            continue
        if isinstance(node, dict) and "Kids" in node:
            kids = resolve1(node["Kids"])
            if isinstance(kids, list):
                stack.extend(reversed(kids))
    return None


def read_pdf(path: Path, settings: PdfSettings | None = None) -> RawDocument:
    """Read a PDF into a :class:`RawDocument`; never raises for a bad file (status 'failed').

    Before anything is parsed the file is sniffed (what it really is) and its streams are checked
    for decompression bombs. A damaged file (junk before the header, a broken cross-reference
    table, a cut tail, no reachable pages) is repaired and read: ``partial`` when pages were lost,
    with the count in the error."""
    s = settings or PdfSettings.from_limits()
    path = Path(path)
    fmt, err = sniff(path)
    if err:
        return _failed(err)
    if fmt != "pdf":
        return _failed(f"not a PDF (content looks like {fmt})")
    size_mb = path.stat().st_size / 1e6
    if size_mb > s.max_file_mb:
        return _failed(f"file too large ({size_mb:.0f} MB > {s.max_file_mb:g} MB; limit --max-file-mb)")
    try:
        import pdfplumber  # noqa: F401
    except ImportError:  # pragma: no cover
        return _failed("pdfplumber is not installed")
    _quiet_pdfminer()
    _bound_pdfminer()
    bomb = pdf_stream_bomb(path, int(s.max_stream_mb * 1048576), int(s.max_total_mb * 1048576))
    if bomb:
        return _failed(bomb)

    st = _INFLATION
    st.total, st.tripped = 0, None
    st.total_limit, st.stream_limit = int(s.max_total_mb * 1048576), int(s.max_stream_mb * 1048576)
    try:
        why = _damage(path)
        if why is None or not s.repair:
            try:
                return _read(path, s, strict=s.repair)
            except _Damaged as e:
                why = str(e)
        st.total = 0  # the repaired copy is counted afresh
        return _read_repaired(path, s, why)
    finally:
        st.total_limit = st.stream_limit = None


def _read_repaired(path: Path, s: PdfSettings, why: str) -> RawDocument:
    """Repair a damaged file into a temporary copy and read that."""
    import tempfile

    try:
        import pikepdf  # noqa: F401
    except ImportError:  # pragma: no cover - dependency missing
        return _failed(f"damaged PDF ({why}); repairing it needs pikepdf")
    with tempfile.TemporaryDirectory(prefix="lkjip-repair-") as td:
        try:
            rep = _repair(path, Path(td) / "repaired.pdf", why)
        except _Damaged as e:
            return _failed(f"damaged PDF ({why}): {e}", n_pages=0)
        except Exception as e:
            if "password" in type(e).__name__.lower():
                return _failed("encrypted PDF: needs the user password")
            return _failed(f"damaged PDF ({why}) that could not be repaired: {type(e).__name__}: {str(e)[:200]}")
        if not rep.recovered:
            return _failed(f"damaged PDF ({rep.what}): none of its {rep.total} pages could be recovered "
                           "(their content is lost)", n_pages=rep.total)
        doc = _read(rep.path, s, strict=False)
    lost = rep.total - rep.recovered
    doc.warnings.insert(0, f"damaged PDF repaired ({rep.what})")
    if lost > 0 or rep.missing or not rep.known:
        if rep.known:
            parts = [f"{lost} of {rep.total} pages lost" if lost else f"all {rep.total} pages recovered"]
        else:
            parts = [f"its page tree was lost: {rep.recovered} pages recovered" + (f", {lost} lost" if lost else ""),
                     "the pages in the cut-off part are lost and cannot be counted"]
        if rep.missing:
            parts.append(f"{rep.missing} objects the pages refer to (fonts, images) are lost, so text may be misplaced")
        note = f"damaged PDF repaired ({rep.what}): " + "; ".join(parts)
        doc.error = note + (f"; {doc.error}" if doc.error else "")
        if doc.status == "ok":
            doc.status = "partial"
        doc.n_pages = rep.total
    return doc


def _pages_one_by_one(pdf) -> list:
    """The pages of a PDF built one at a time: a page that cannot be built is its exception instead."""
    from pdfminer.pdfpage import PDFPage
    from pdfplumber.page import Page

    out: list = []
    doctop = 0.0
    pages = PDFPage.create_pages(pdf.doc)
    while True:
        try:
            obj = next(pages)
        except StopIteration:
            return out
        except _Timeout:
            raise
        except Exception as e:  # pdfminer cannot even make the page object: the rest of the tree is lost
            return out + [e]
        try:
            p = Page(pdf, obj, page_number=len(out) + 1, initial_doctop=doctop)
            doctop += p.height
            out.append(p)
        except _Timeout:
            raise
        except Exception as e:
            out.append(e)


def _close(pdf) -> None:
    """Close a pdfplumber PDF whose page list may be unreadable (close() walks the pages again), and
    the renderer's copy of it (OCR)."""
    release_documents()
    if not hasattr(pdf, "_pages"):
        pdf._pages = []
    try:
        pdf.close()
    except Exception:
        pass
    stream = getattr(pdf, "stream", None)  # close() can fail before closing the file it opened
    if stream is not None and not stream.closed:
        stream.close()


def _read(path: Path, s: PdfSettings, strict: bool) -> RawDocument:
    """Read the pages of a PDF. ``strict``: damage that a repair may fix raises :class:`_Damaged`."""
    import pdfplumber
    from lkjip.limits import current as current_limits, pages_known

    t0 = time.monotonic()
    pages: list[_PageData] = []
    warnings: list[str] = []
    stopped: Optional[str] = None
    n_total: Optional[int] = None
    try:
        with _alarm(s.time_budget_s, s.hard_timeout):
            try:
                pdf = pdfplumber.open(str(path))
            except _Timeout:
                raise
            except Exception as e:
                reason = _open_error(path, e)
                if strict and not reason.startswith("encrypted"):
                    raise _Damaged(f"cannot be opened: {reason}")
                return _failed(reason)
            try:
                loop = _page_tree_loop(pdf.doc)
                try:
                    all_pages = pdf.pages
                    n_total = len(all_pages)
                except _Timeout:
                    raise
                except Exception as e:
                    if _INFLATION.tripped:
                        return _failed(_INFLATION.tripped)
                    all_pages = _pages_one_by_one(pdf)  # one damaged page (a bad MediaBox) sinks pdf.pages
                    n_total = len(all_pages)
                    bad = [i + 1 for i, p in enumerate(all_pages) if isinstance(p, Exception)]
                    if strict and bad:
                        raise _Damaged(f"page {bad[0]} cannot be built ({_open_error(path, e)})")
                    if len(bad) == n_total:
                        return _failed(_open_error(path, e))
                fallback = any(type(x).__name__ == "PDFXRefFallback" for x in pdf.doc.xrefs)
                if loop is not None:
                    note = f"cyclic page tree: page-tree node {loop} is reached twice"
                    if n_total == 0:
                        if strict:
                            raise _Damaged(note)
                        return _failed(f"{note}, and no page can be reached; corrupt file", n_pages=0)
                    warnings.append(note + "; the loop was not followed")
                if n_total == 0:
                    if strict:
                        raise _Damaged("no pages in the page tree" + (", broken cross-reference table"
                                                                       if fallback else ""))
                    reason = "PDF has no pages"
                    if pdf_looks_truncated(path):
                        reason += " (truncated: no %EOF marker)"
                    return _failed(reason + "; corrupt or incomplete file", n_pages=0)
                if strict and fallback:
                    raise _Damaged("broken cross-reference table")
                left = pages_known(n_total)  # the time limit grows with the page count
                # pages may use 60% of the time limit: building the tables needs the rest
                budget = min(s.time_budget_s, 0.6 * left + (time.monotonic() - t0))
                limit_text = (f"time limit of {current_limits().describe_time(n_total)}" if math.isfinite(left)
                              else f"time budget of {s.time_budget_s:g} s")
                n_ocr = 0
                with ocr_pool.Pages() as ocr_work:
                    for i, page in enumerate(all_pages):
                        if n_ocr:  # each OCR'd page raised the time limit: most of the raise goes to pages
                            lim = current_limits()
                            budget_now = budget + 0.9 * (lim.time_for(n_total, n_ocr) - lim.time_for(n_total))
                            if math.isfinite(left):
                                limit_text = f"time limit of {lim.describe_time(n_total, n_ocr)}"
                        else:
                            budget_now = budget
                        if i >= s.max_pages:
                            stopped = (f"the document has {n_total} pages; only the first {s.max_pages} were read "
                                       "(limit --max-pages)")
                            break
                        if time.monotonic() - t0 > budget_now:
                            stopped = f"{limit_text} ran out after {i} of {n_total} pages"
                            break
                        try:
                            if isinstance(page, Exception):
                                raise page
                            pd = _read_page(page, i + 1, s, ocr_work.run)
                        except _Timeout:
                            raise
                        except Exception as e:  # one damaged page does not sink the document
                            if _INFLATION.tripped:
                                return _failed(_INFLATION.tripped, n_pages=n_total)
                            pd = _unreadable(i + 1, e)
                        finally:
                            if not isinstance(page, Exception):
                                page.close()
                        n_ocr += pd.ocr
                        pages.append(pd)
                    ocr_work.finish()  # pages still waiting are done here; leaving otherwise drops them
                pages = _settled(pages)  # OCR work still on helper threads is waited for (under the alarm)
            finally:
                _close(pdf)
    except _Timeout:
        pages = _settled(pages, wait=False)
        stopped = f"time budget of {s.time_budget_s:g} s ran out after {len(pages)} of {n_total or '?'} pages"
    except _Damaged:
        raise
    except Exception as e:  # pragma: no cover - last resort
        pages = _settled(pages, wait=False)
        if _INFLATION.tripped:
            return _failed(_INFLATION.tripped, n_pages=n_total)
        if not pages:
            return _failed(_open_error(path, e), n_pages=n_total)
        stopped = f"stopped at page {len(pages) + 1}: {type(e).__name__}: {str(e)[:120]}"
    if _INFLATION.tripped:
        return _failed(_INFLATION.tripped, n_pages=n_total)
    try:
        return _assemble(pages, n_total, s, stopped, warnings)
    except _Timeout as e:
        return _failed(f"{e} (while building the tables of {len(pages)} pages)", n_pages=n_total)


def _unreadable(number: int, e: Exception) -> _PageData:
    """A page that could not be read, with the reason."""
    return _PageData(number=number, width=0, height=0, kind="skipped",
                     note=f"page {number} could not be parsed: {type(e).__name__}: {str(e)[:120]}")


def _settled(pages: list[_PageData], wait: bool = True) -> list[_PageData]:
    """The pages once their OCR work is done: waited for, or (``wait`` False: the time is up) left out
    while unfinished or dropped; a page whose work failed becomes an unreadable page."""
    out = []
    for p in pages:
        if p.work is not None:
            if not wait and (not p.work.done() or p.work.cancelled()):
                continue
            try:
                p.work.result()
                p.work = None
            except Exception as e:
                p = _unreadable(p.number, e)
        out.append(p)
    return out


def _assemble(pages: list[_PageData], n_total: Optional[int], s: PdfSettings, stopped: Optional[str],
              warnings: list[str]) -> RawDocument:
    for p in pages:
        if p.note:
            warnings.append(p.note)
    _remove_running_lines(pages, s)
    text_pages = [p for p in pages if p.kind == "text"]
    scan_pages = [p for p in pages if p.kind == "scan"]
    ocr_pages = [p for p in pages if p.ocr]
    skipped = [p for p in pages if p.kind == "skipped"]
    sizes: Counter = Counter()
    for p in text_pages:
        if p.ocr:
            continue  # OCR box heights vary word to word: such a page gets its own median below
        for l in p.lines:
            for w in l.words:
                sizes[w.size] += len(w.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 10.0

    blocks: list = []
    for p in text_pages:
        items: list[tuple[float, int, object]] = [(top, 0, t) for top, t in p.tables]
        lines = p.lines
        page_size = statistics.median(l.size for l in lines) if p.ocr and lines else body_size
        if lines:
            xs0 = sorted(l.x0 for l in lines)
            xs1 = sorted(l.x1 for l in lines)
            text_x0 = xs0[len(xs0) // 10] if len(xs0) >= 10 else xs0[0]
            text_x1 = xs1[-1 - len(xs1) // 10] if len(xs1) >= 10 else xs1[-1]
        else:
            text_x0, text_x1 = 0.0, p.width
        regions = _find_borderless(lines, text_x0, text_x1, s) if s.borderless_tables else []
        in_region = set()
        for r in regions:
            t = _region_rows(r, p.number, s.min_borderless_cols)
            if t is not None and len(t.rows) >= 1:
                if p.ocr:
                    t.source = "ocr"
                items.append((r.top, 0, t))
                in_region.update(id(l) for l in r.lines)
        rest = [l for l in lines if id(l) not in in_region]
        # paragraphs never run across a table
        cuts = sorted(top for top, _, _ in items)
        chunk: list[_Line] = []
        ci = 0
        for l in rest:
            while ci < len(cuts) and cuts[ci] <= l.top:
                if chunk:
                    for b in _paragraphs(chunk, page_size, text_x0, text_x1):
                        items.append((chunk[0].top, 1, b))
                    chunk = []
                ci += 1
            chunk.append(l)
        if chunk:
            for b in _paragraphs(chunk, page_size, text_x0, text_x1):
                items.append((chunk[0].top, 1, b))
        # stable order: tables and text by top; text blocks of one chunk keep their order
        items.sort(key=lambda it: (it[0], it[1]))
        blocks.extend(it[2] for it in items)

    n_read = len(pages)
    status, error = "ok", None
    if scan_pages:
        why = ("OCR is off (--ocr never)" if s.ocr == "never"
               else next((p.note for p in scan_pages if p.note), "OCR is needed"))
        warnings[:] = [w for w in warnings if w != why]
        if not text_pages:
            status, error = "failed", f"no page has a text layer ({len(scan_pages)} of {n_read} pages scanned); {why}"
        else:
            status = "partial"
            error = f"{len(scan_pages)} of {n_read} pages have no text layer (scanned); {why}"
    elif not text_pages:
        status, error = "failed", "no page has any text"
        if ocr_pages:
            error += f" ({len(ocr_pages)} scanned pages read by OCR: no words found; blank or unreadable scans)"
        if skipped:
            error = f"none of the {n_read} pages could be read ({skipped[0].note})"
    if skipped and status == "ok":
        status = "partial"
        error = f"{len(skipped)} of {n_read} pages could not be read ({skipped[0].note})"
    if stopped:
        warnings.append(stopped)
        if status == "ok":
            status, error = "partial", stopped
        elif status == "failed" and text_pages:
            status = "partial"
        elif status == "failed" and not pages:
            error = stopped  # nothing was read: the limit is the reason
    if ocr_pages:
        warnings.append(f"{len(ocr_pages)} of {n_read} pages read by OCR")
    return RawDocument(blocks=blocks, format="pdf", n_pages=n_total, status=status, error=error,
                       warnings=warnings, n_ocr_pages=len(ocr_pages))
