"""OCR'd value cells repaired where the column and the arithmetic make one reading certain; the rest flagged.

Runs between row assembly and facts, on cells read by OCR only (``Cell.confidence`` is set). Each value
cell gets its plausible readings: as printed, the digit confusions of :mod:`lkjip.normalize.ocr_digits`
(O/0, l/1, S/5, lost or doubled separators), a '%' read as digits at the end of a percentage
('100,006', '113.9996'), and a lost decimal mark where the column's other figures say so ('423' among
'4,14 4,06 4,36'). A reading other than the printed one is taken only when it is the single one that
makes the row's arithmetic hold (capaian = realisasi / target, persen = realisasi / anggaran) or, without
arithmetic, the single one the column's format and range allow. The cell keeps its OCR text in ``raw``;
``Cell.note`` says what was repaired, or why the machine is unsure (the audit turns notes into
``parse_warning`` findings).
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, replace
from typing import Optional

from lkjip.model import Cell, RawRow
from lkjip.normalize.numbers import looks_numeric, parse_number
from lkjip.normalize.ocr_digits import ColumnProfile, Reading, column_profile, readings, resolve, RELATIONS
from lkjip.tables.facts import column_marks
from lkjip.tables.header import Column, Header
from lkjip.tables.rows import Row

__all__ = ["CellRepair", "repair_ocr_cells", "repair_header_words"]

_PERCENT_MEASURES = {"capaian", "capaian_anggaran", "tingkat_kemajuan"}
_MONEY_MEASURES = {"anggaran", "realisasi_anggaran"}
TRIPLES = (("target", "realisasi", "capaian"), ("anggaran", "realisasi_anggaran", "capaian_anggaran"))
# what a '%' at the end of a figure becomes in OCR of a low-resolution scan
_PCT_TAILS = ("96", "%6", "9%", "6", "5", "9", "8", "0")
_DIGITS = re.compile(r"^\d{2,6}$")
_YEARISH = re.compile(r"^\s*(?:19|20)\d\d\s*$")  # a year among figures is a header row, not a misread
_SURE = 85.0  # OCR confidence from which a figure serves as a reference for its neighbours


@dataclass
class CellRepair:
    """What happened to one OCR'd value cell: its new text (None: left as read) and why."""

    row: int
    col: int
    raw: str
    text: Optional[str]
    ambiguous: bool
    reason: str


@dataclass
class _Column:
    """A value column's format (from its cells) and the range its cell at hand should fall in."""

    index: int
    profile: ColumnProfile
    percent: bool  # most of its figures are printed with '%'
    money: bool = False  # it holds amounts of money (anggaran, its realisasi)
    lo: Optional[float] = None  # set per cell from the figures around it (see _near)
    hi: Optional[float] = None


def _column(rows: list[Row], head: Column, mark: Optional[str]) -> _Column:
    """The format of one value column (its decimal mark ``mark`` when known). It prints percentages when
    most cells end in '%', or when its header says '%' or 'capaian' and some do."""
    index = head.index
    texts = [r.cells[index].text for r in rows if index < len(r.cells) and r.cells[index].text]
    profile = column_profile(texts, mark)
    share = sum(t.rstrip().endswith("%") for t in texts) / len(texts) if texts else 0.0
    percent = share >= 0.5 or share >= 0.2 and ("%" in head.label or head.measure in _PERCENT_MEASURES)
    return _Column(index, profile, percent, head.measure in _MONEY_MEASURES)


def _clean_value(cell: Cell, col: _Column) -> tuple[Optional[float], bool]:
    """(value, printed with a decimal mark) of a cell that reads cleanly as a number, else (None, False)."""
    if not cell.text or (cell.confidence is not None and cell.confidence < _SURE):
        return None, False
    t = cell.text.strip().rstrip("%").strip()
    if cell.confidence is not None and _DIGITS.match(t) and col.profile.decimals:
        return None, False  # bare digits in a column that prints decimals: maybe a lost mark itself
    mark = col.profile.decimal_mark
    return parse_number(cell.text, mark).value, bool(mark and re.search(rf"\{mark}\d", t))


def _near(rows: list[Row], ri: int, ci: int, cols: dict[int, _Column], reach: int = 2) -> _Column:
    """The cell's column with the range of the figures around it: the same row's other figures of the
    same kind (percentages or not, money or not: one indicator across years), else the column's cells up to
    ``reach`` rows away; a column mixes indicators of different scales, so the column as a whole does not do.
    Figures printed with a decimal mark are trusted over bare digits (which may have lost theirs)."""
    col = cols[ci]
    refs = [_clean_value(rows[ri].cells[cj], other) for cj, other in cols.items()
            if cj != ci and (other.percent, other.money) == (col.percent, col.money) and cj < len(rows[ri].cells)]
    if sum(v is not None for v, _ in refs) < 2:  # the row says too little: the column's neighbours
        refs += [_clean_value(rows[rj].cells[ci], col) for rj in range(max(0, ri - reach), min(len(rows), ri + reach + 1))
                 if rj != ri and ci < len(rows[rj].cells)]
    strong = [v for v, marked in refs if v and v > 0 and marked]
    vals = strong or [v for v, _ in refs if v and v > 0]
    if len(vals) < (1 if strong else 2):
        return replace(col)
    mid = statistics.median(vals)  # robust: confident misreads ('451' for 4,51) are among the references
    return replace(col, lo=mid / 3, hi=mid * 3)


def _percent_readings(text: str, col: _Column) -> list[Reading]:
    """'100,006' → '100,00%': a percentage whose '%' was read as digits (only where the column prints %)."""
    t = text.strip()
    if not col.percent or t.endswith("%") or _YEARISH.match(t):
        return []
    out = []
    for tail in _PCT_TAILS:
        if t.endswith(tail) and len(t) > len(tail):
            core = t[: -len(tail)].rstrip()
            p = parse_number(core, col.profile.decimal_mark)
            if p.value is None or not re.search(r"\d$", core):
                continue
            dec = len(re.split(r"[.,]", core)[-1]) if re.search(r"[.,]\d+$", core) else 0
            if col.profile.decimals is not None and dec not in (0, col.profile.decimals):
                continue
            out.append(Reading(p.value, dec, 1, core + "%", f"'%' read as '{tail}'"))
    return out


def _in_range(v: float, col: _Column) -> bool:
    """Whether a value fits among the figures around its cell."""
    return col.lo is not None and col.hi is not None and col.lo <= v <= col.hi + 1e-9


def _lost_mark_readings(text: str, col: _Column) -> list[Reading]:
    """'423' → 4,23 where the column holds figures like 4,14: a decimal mark too small for the scan."""
    t = text.strip().rstrip("%").strip()
    if not _DIGITS.match(t) or _YEARISH.match(t) or col.lo is None or col.profile.decimal_mark is None or _in_range(float(t), col):
        return []
    mark = col.profile.decimal_mark
    out = []
    for k in range(1, len(t)):
        v = float(f"{t[:-k]}.{t[-k:]}")
        if _in_range(v, col):
            suffix = "%" if text.strip().endswith("%") else ""
            out.append(Reading(v, k, 1, f"{t[:-k]}{mark}{t[-k:]}{suffix}", "lost decimal mark"))
    return out


def _speck_readings(text: str, col: _Column) -> list[Reading]:
    """'528.600.000,- EN ARENA' → 528.600.000,-: a figure followed by specks of the page that OCR read as
    words or dots (a picture behind the table, dirt on the scan)."""
    toks = text.split()
    k = len(toks)
    while k and not any(ch.isdigit() for ch in toks[k - 1]):
        k -= 1
    if k in (0, len(toks)):
        return []
    lead = " ".join(toks[:k])
    return [replace(r, cost=r.cost + 1, reason="; ".join(x for x in (r.reason, "specks after the figure") if x))
            for r in readings(lead, col.profile.decimal_mark, profile=col.profile, suspicious=True)]


def _readings(cell: Cell, col: _Column) -> list[Reading]:
    """Every plausible reading of an OCR'd cell, the printed one first when there is one."""
    rs = list(readings(cell.text, col.profile.decimal_mark, profile=col.profile, suspicious=True))
    specks = [] if _direct(rs) else _speck_readings(cell.text, col)
    for extra in _percent_readings(cell.text, col) + _lost_mark_readings(cell.text, col) + specks:
        if not any(abs(extra.value - r.value) < 1e-9 for r in rs):
            rs.append(extra)
    return rs


def _cheapest(rs: list[Reading]) -> list[Reading]:
    """The readings within one repair of the fewest: '79.446 683.060' read with a decimal comma as well as
    without a space would scale anggaran and realisasi alike and keep their ratio, so far-fetched
    readings must not compete."""
    if not rs:
        return rs
    least = min(r.cost for r in rs)
    return [r for r in rs if r.cost <= least + 1]


def _direct(rs: list[Reading]) -> Optional[Reading]:
    """The reading as printed, if the cell reads as a number."""
    return rs[0] if rs and rs[0].cost == 0 else None


def _alone(cell: Cell, rs: list[Reading], col: _Column) -> tuple[Optional[Reading], bool, str]:
    """Without arithmetic: (reading to take, unsure, why) from the column's format and range."""
    direct = _direct(rs)
    repairs = [r for r in rs if r.cost > 0]
    if not repairs:
        return None, False, ""
    dec = col.profile.decimals
    if direct is not None:
        # '100,006' in a column of '100,00%': the printed reading has the wrong format
        wrong = dec is not None and direct.decimals != dec and any(r.reason.startswith("'%'") for r in repairs)
        if not wrong and (col.lo is None or _in_range(direct.value, col)):
            return None, False, ""
    fitting = [r for r in repairs if col.lo is None or _in_range(r.value, col)]
    if len(fitting) > 1:  # the fewest repairs first ('l.234': 1.234 needs one, 1234 two)
        fitting = [r for r in fitting if r.cost == min(f.cost for f in fitting)]
    if len(fitting) > 1 and dec is not None:
        fitting = [r for r in fitting if r.decimals == dec] or fitting
    if len(fitting) == 1:
        return fitting[0], False, fitting[0].reason
    if not fitting:
        return None, False, ""  # nothing better than the printed figure: the audit's checks see it
    return None, True, "could be " + " or ".join(r.text for r in fitting)


def _apply(cell: Cell, reading: Reading, reason: str, r: int, c: int, out: list[CellRepair]) -> None:
    """Take a repaired reading for a cell (its OCR text stays in ``raw``)."""
    out.append(CellRepair(r, c, cell.text, reading.text, False, reason))
    cell.note = f"OCR read '{cell.text}', taken as '{reading.text}' ({reason})"
    cell.text = reading.text


def _flag(cell: Cell, reason: str, r: int, c: int, out: list[CellRepair]) -> None:
    """Mark a cell the machine could not decide."""
    out.append(CellRepair(r, c, cell.text, None, True, reason))
    cell.note = f"OCR read '{cell.text}', which may be misread: {reason}"


def _triples(value_cols: list[Column]) -> list[tuple[tuple[str, str, str], list[int]]]:
    """(measures, column indexes) of each target → realisasi → capaian (or anggaran → realisasi → %) run:
    the nearest columns to the right of the same year and period."""
    out = []
    for names in TRIPLES:
        for a in value_cols:
            if a.measure != names[0]:
                continue
            chain = [a]
            for m in names[1:]:
                nxt = next((c for c in value_cols if c.index > chain[-1].index and c.measure == m
                            and (c.year, c.period) == (a.year, a.period)), None)
                if nxt is None:
                    break
                chain.append(nxt)
            if len(chain) == 3:
                out.append((names, [c.index for c in chain]))
    return out


def repair_ocr_cells(header: Header, rows: list[Row]) -> list[CellRepair]:
    """Repair the OCR'd value cells of a table in place (``Cell.text``, ``Cell.note``); returns what was done."""
    value_cols = [c for c in header.columns if c.role == "value"]
    if not any(r.cells[c.index].confidence is not None for r in rows for c in value_cols if c.index < len(r.cells)):
        return []
    marks = column_marks(header, rows)  # the table's decimal mark
    cols = {c.index: _column(rows, c, marks[c.index]) for c in value_cols}
    triples = _triples(value_cols)
    out: list[CellRepair] = []
    for ri, row in enumerate(rows):
        done = _by_arithmetic(rows, ri, triples, cols, out)
        for c in value_cols:
            i = c.index
            if i in done or i >= len(row.cells):
                continue
            cell = row.cells[i]
            if not cell.text or cell.confidence is None:
                continue
            near = _near(rows, ri, i, cols)
            pick, unsure, why = _alone(cell, _readings(cell, near), near)
            if pick is not None:
                _apply(cell, pick, why, ri, i, out)
            elif unsure:
                _flag(cell, why, ri, i, out)
    return out


def _by_arithmetic(rows: list[Row], ri: int, triples, cols: dict[int, _Column], out: list[CellRepair]) -> set[int]:
    """Repair a row's triples whose ratio holds for exactly one set of readings; returns the columns settled."""
    row = rows[ri]
    done: set[int] = set()
    for names, idx in triples:
        if any(i >= len(row.cells) for i in idx):
            continue
        cells = [row.cells[i] for i in idx]
        if not all(c.text for c in cells) or all(c.confidence is None for c in cells):
            continue
        res = resolve([_cheapest(_readings(c, _near(rows, ri, i, cols))) for c, i in zip(cells, idx)],
                      RELATIONS["capaian"])
        if res.status == "repaired":
            for c, i, rd in zip(cells, idx, res.readings):
                if rd is not None and rd.cost > 0:
                    _apply(c, rd, f"{rd.reason}; the only reading for which {names[2]} = {names[1]} / {names[0]}",
                           ri, i, out)
            done.update(idx)
        elif res.status in ("direct", "no_fit") and not res.ambiguous:
            done.update(i for i, rd in zip(idx, res.readings) if rd is not None)
    return done


# the words headers are made of: an OCR'd header word close to one of them is that word
HEADER_VOCABULARY = ("sasaran", "indikator", "target", "realisasi", "capaian", "pencapaian", "program", "kegiatan",
                     "anggaran", "uraian", "tujuan", "kinerja", "keterangan", "tahun", "alokasi", "satuan",
                     "kondisi", "efisiensi", "penyerapan", "strategis", "triwulan", "semester", "jumlah",
                     "kerja", "keuangan", "belanja")
_WORD = re.compile(r"[A-Za-z][A-Za-z ]{3,}[A-Za-z]")
_PCT_HEADER = re.compile(r"\((?:Yo|Y6|96|9o|%o|o/o)\)")  # '(%)' as Tesseract reads it at low resolution


def _vocabulary_word(w: str) -> Optional[str]:
    """The header word a lower-case word of five or more letters is close to, if any."""
    from rapidfuzz import fuzz, process

    if len(w) < 5:
        return None
    if w in HEADER_VOCABULARY:
        return w
    hit = process.extractOne(w, HEADER_VOCABULARY, scorer=fuzz.ratio, score_cutoff=75)
    return hit[0] if hit else None


def _glued_words(w: str) -> Optional[str]:
    """Two header words OCR read without the space between them ('andikatorkinerja' → 'indikator kinerja')."""
    for i in range(5, len(w) - 4):
        a, b = _vocabulary_word(w[:i]), _vocabulary_word(w[i:])
        if a and b:
            return f"{a} {b}"
    return None


def _fix_word(word: str) -> str:
    """A misread header word ('Capalan', 'Rastisasi', 'Reali i', 'ANDIKATORKINERJA') as the header word(s) it
    is close to."""
    w = word.lower().replace(" ", "")
    if w in HEADER_VOCABULARY or len(w) < 5:
        return word
    fixed = _vocabulary_word(w) or (_glued_words(w) if len(w) >= 10 else None)
    if fixed is None:
        return word
    return fixed.upper() if word.isupper() else fixed.capitalize() if word[:1].isupper() else fixed


def _data_figure(text: str) -> bool:
    """A cell holding a figure of the data, as read or with OCR noise after it ('3.697 493.665,- .'), not a
    year or a column number."""
    lead = text.split()[0] if text.strip() else ""
    if _YEARISH.match(lead) or re.fullmatch(r"\(?\d{1,2}\)?", text.strip()):
        return False
    return parse_number(text).value is not None or sum(ch.isdigit() for ch in lead) >= 3 and looks_numeric(lead)


def repair_header_words(rows: list[RawRow], limit: int = 5) -> int:
    """Fix misread words in the OCR'd cells of a table's first rows (where a header can be); returns how many
    cells changed. Each word of letters alone is compared with the header vocabulary, so 'Capalan Kinerja'
    becomes 'Capaian Kinerja' and '(Yo)' becomes '(%)'; words far from every header word stay as read."""
    n = 0
    for row in rows[:limit]:
        if sum(_data_figure(c.text) for c in row.cells) >= 2:
            break  # the data has begun
        for cell in row.cells:
            if cell.confidence is None or not cell.text or len(cell.text) > 60:
                continue
            text = _PCT_HEADER.sub("(%)", cell.text)
            text = re.sub(r"[A-Za-z]+(?: [a-z]{1,2}\b)?", lambda m: _fix_word(m.group(0)), text)
            if text != cell.text:
                cell.note = cell.note or f"OCR read the header '{cell.text}'"
                cell.text = text
                n += 1
    return n
