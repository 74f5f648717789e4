"""Header analysis: which leading rows are the header, and what each column holds.

A header may span several rows: a group label ('REALISASI KINERJA', 'Anggaran') spanning the
years or sub-labels under it, a column-number row ('(1) (2) ...', '1 2 3'), a unit row ('K K K'),
a formula row ('(5)/(4)'). The result is one :class:`Column` per grid column with its role
(sasaran, indikator, value, ...) and, for value columns, the measure and the year it holds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from lkjip.normalize.numbers import looks_numeric, parse_number

YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
ONLY_YEAR = re.compile(r"^\s*(?:tahun|th\.?)?\s*((?:19|20)\d\d)\s*$", re.I)
COLNUM = re.compile(r"^\(?\s*\d{1,2}\s*\)?\.?$")
FORMULA = re.compile(r"^\(?\d{1,2}\)?\s*[/:x×]\s*\(?\d{1,2}\)?(\s*x\s*100%?)?$", re.I)
UNIT_TOKEN = re.compile(r"^(k|rp\.?|\(rp\)|%|satuan|vol|volume|fisik|keu)$", re.I)
HEADER_WORDS = re.compile(
    r"\b(no|nomor|sasaran|indikator|target|realisasi|capaian|pencapaian|program|kegiatan|anggaran|"
    r"uraian|tujuan|kinerja|keterangan|tahun|pagu|alokasi|nama|jenis|satuan|status|kondisi|"
    r"iku|efisiensi|penyerapan|dpa|rencana|permasalahan|monitoring|tingkat|standar|jumlah|sisa)\b|%",
    re.I,
)


@dataclass
class Column:
    """What one grid column holds."""

    index: int
    label: str  # flattened header path, e.g. 'REALISASI KINERJA 2019'
    role: str = "text"  # no|tujuan|sasaran|indikator|program|kegiatan|uraian|satuan|keterangan|value|text
    measure: Optional[str] = None
    year: Optional[int] = None
    unit: Optional[str] = None
    comparator: Optional[str] = None
    group: str = ""  # the spanning label above the column, '' if none
    period: Optional[str] = None  # part of the year: 'Triwulan II', 'Semester I'


@dataclass
class Header:
    """The header rows of a table and the columns they define."""

    n_rows: int
    columns: list[Column] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        """Flattened header labels, one per column."""
        return [c.label for c in self.columns]


def _colnums_in(text: str) -> list[str]:
    """A cell's column numbers: two in one cell ('3 4') when the row's text slid one column over."""
    parts = text.split()
    if len(parts) > 1 and all(COLNUM.match(p) for p in parts):
        nums = [int(re.sub(r"\D", "", p)) for p in parts]
        if all(b == a + 1 for a, b in zip(nums, nums[1:])):
            return parts
    return [text]


def is_colnum_row(texts: list[str], strict: bool = False) -> bool:
    """A row numbering the columns: '(1) (2) (3)', '1 2 3 4' (typos like '1 2 2 4' allowed), or a form's
    own numbers ('2 3 7 8 9 10 14'); ``strict`` asks for mostly consecutive numbers."""
    vals = [p for t in texts if t.strip() for p in _colnums_in(t)]
    bad = [i for i, v in enumerate(vals) if not COLNUM.match(v.strip())]
    if bad == [0] and len(vals) >= 5 and len(vals[0].strip()) <= 3 and strict:
        vals = vals[1:]  # OCR misread the first number ('al 2 3 4 5 6'): the rest still numbers the columns
    elif bad or len(vals) < 3:
        return False
    nums = [int(re.sub(r"\D", "", v)) for v in vals]
    pairs = list(zip(nums, nums[1:]))
    if strict:
        return sum(1 for a, b in pairs if b == a + 1) >= len(pairs) * 0.6
    return nums[0] <= 2 and sum(1 for a, b in pairs if b < a) <= 1 and sum(1 for a, b in pairs if b > a) >= len(pairs) * 0.6


def _is_header_cell(text: str, first: bool = False) -> bool:
    """A cell that may sit in a header: a label, a year, a unit, a column number or a formula.

    Labels are short; the first header row may carry a longer one that names a column kind
    ('Indikator Kinerja Program (Outcome)/Indikator Kinerja Kegiatan (Output)').
    """
    t = text.strip()
    if not t:
        return True
    if ONLY_YEAR.match(t) or UNIT_TOKEN.match(t) or FORMULA.match(t) or COLNUM.match(t):
        return True
    if looks_numeric(t):
        return False
    return len(t) <= 60 or (first and len(t) <= 100 and bool(HEADER_WORDS.search(t)))


def is_header_row(texts: list[str], first: bool) -> bool:
    """A row that belongs to the header (the first one must name at least one column kind)."""
    vals = [t for t in texts if t.strip()]
    if not vals:
        return False
    odd = [t for t in vals if not _is_header_cell(t, first)]
    years = sum(1 for t in vals if ONLY_YEAR.match(t))
    # a row of years with one misread on a scan ('2019 2020 221 2022') is still the year row
    if odd and not (years >= 3 and len(odd) * 3 <= years and all(len(t.strip()) <= 6 for t in odd)):
        return False
    if is_colnum_row(texts):
        return True
    if first:
        return sum(1 for t in vals if HEADER_WORDS.search(t)) >= max(1, len(vals) // 3)
    labelled = [t for t in vals if not COLNUM.match(t.strip())]
    return bool(labelled)


def count_header_rows(rows: list[list[str]], limit: int = 5) -> int:
    """How many leading rows form the header (0 when the table starts with data)."""
    n = 0
    numbered = False
    for texts in rows[:limit]:
        # below the column numbers only short unit marks ('K', 'Rp', '%') still belong to the header:
        # a label there is a section row of the data ('PROGRAM PROMOSI KESEHATAN')
        if numbered and any(len(t.strip()) > 8 for t in texts):
            break
        if is_header_row(texts, first=(n == 0)):
            numbered = numbered or (n > 0 and is_colnum_row(texts))
            n += 1
        else:
            break
    if n and n == len(rows):  # a header with no data: a legend or an empty table
        return n
    return n


PERIOD_KIND = re.compile(r"\b(triwulan|tw|semester|smt)\b", re.I)
ROMAN = {"i": "I", "ii": "II", "iii": "III", "iv": "IV", "1": "I", "2": "II", "3": "III", "4": "IV"}


def period_of(parts: list[str]) -> Optional[str]:
    """The quarter or half a column's header names ('Triwulan' above 'II' -> 'Triwulan II')."""
    kind = next((m.group(1).lower() for p in parts for m in [PERIOD_KIND.search(p)] if m), None)
    if not kind:
        return None
    for p in parts:
        t = p.strip().lower().rstrip(".")
        m = re.fullmatch(r"(?:triwulan|tw|semester|smt)?\s*(iv|iii|ii|i|[1-4])", t)
        if m:
            return f"{'Semester' if kind in ('semester', 'smt') else 'Triwulan'} {ROMAN[m.group(1)]}"
    return None


def _spans(row: list[str], below: list[list[str]], width: int) -> list[str]:
    """Spread a header row's group labels right over the empty cells that have sub-labels below."""
    out = list(row) + [""] * (width - len(row))
    current = ""
    for i in range(width):
        if out[i].strip():
            current = out[i]
            continue
        has_below = any(i < len(b) and b[i].strip() for b in below)
        if current and has_below:
            out[i] = current
        else:
            current = ""
    return out


def _fix_year_row(years: list[Optional[int]], has_value: list[bool]) -> list[Optional[int]]:
    """Shift a year row printed one column too far right ('2023 2018 2019 ...' under a 2018-2023 group).

    The first year then belongs to the column left of the group, every other year moves one
    column left, and the group's last column takes the year after the last one printed.
    """
    pos = [i for i, y in enumerate(years) if y is not None]
    if len(pos) < 4 or pos != list(range(pos[0], pos[-1] + 1)) or pos[0] == 0:
        return years
    ys = [years[i] for i in pos]
    rest = ys[1:]
    if not (ys[0] > max(rest) and all(b == a + 1 for a, b in zip(rest, rest[1:]))):
        return years
    if not has_value[pos[0] - 1]:
        return years
    shifted: list[Optional[int]] = [None] * len(years)
    shifted[pos[0] - 1] = ys[0]
    for k, p in enumerate(pos):
        shifted[p] = rest[k] if k < len(rest) else rest[-1] + 1
    return shifted


def _fill_year_gaps(years: list[Optional[int]], row: list[str]) -> list[Optional[int]]:
    """A misread year between its neighbours ('2020 221 2022' on a scan) is the year between them."""
    out = list(years)
    for i in range(1, len(row) - 1):
        t = row[i].strip()
        if (out[i] is None and out[i - 1] and out[i + 1] == out[i - 1] + 2 and 2 <= len(t) <= 6
                and re.search(r"\d", t) and not ONLY_YEAR.match(t)):
            out[i] = out[i - 1] + 1
    return out


def analyse_header(rows: list[list[str]], n_header: int, width: int, has_value: list[bool]) -> Header:
    """Flatten the header rows into one labelled :class:`Column` per grid column."""
    hdr = [r + [""] * (width - len(r)) for r in rows[:n_header]]
    label_rows = [r for r in hdr if not is_colnum_row(r)]
    spread = [_spans(r, label_rows[k + 1:], width) for k, r in enumerate(label_rows)]
    years: list[Optional[int]] = [None] * width
    for r in label_rows:
        for i, t in enumerate(r):
            m = ONLY_YEAR.match(t)
            if m:
                years[i] = int(m.group(1))
    for r in label_rows:
        years = _fill_year_gaps(years, r)
    years = _fix_year_row(years, has_value)
    cols = []
    for i in range(width):
        parts = []
        for r in spread:
            t = r[i].strip()
            if t and (not parts or parts[-1] != t):
                parts.append(t)
        label = " ".join(parts)
        top = spread[0][i].strip() if len(spread) > 1 else ""
        group = top if top and len(parts) > 1 and parts[0] == top else ""
        col = Column(index=i, label=label, group=group, period=period_of(parts))
        if years[i] is None:
            m = YEAR.search(label)
            if m and not re.search(r"\d{4}\s*[-–]\s*\d{4}", label):
                years[i] = int(m.group(1))
        col.year = years[i]
        cols.append(col)
    return Header(n_rows=n_header, columns=cols, rows=hdr)


_ROLE_RULES = [
    ("no", re.compile(r"^(no|nomor|no\s*urut|kode|kode rekening)\.?$", re.I)),
    ("indikator", re.compile(r"indikator", re.I)),
    ("keterangan", re.compile(r"keterangan|permasalahan|rencana|tindak\s*lanjut|monitoring|langkah|output|waktu|"
                              r"status|sumber|penanggung|penjelasan|analisa|analisis|catatan|faktor", re.I)),
    ("satuan", re.compile(r"^satuan$", re.I)),
    ("program", re.compile(r"^program\b", re.I)),
    ("kegiatan", re.compile(r"kegiatan", re.I)),
    ("uraian", re.compile(r"uraian|nama|jenis|unit kerja|kelurahan|desa|opd", re.I)),
    ("sasaran", re.compile(r"sasaran", re.I)),
    ("tujuan", re.compile(r"tujuan", re.I)),
]
_MEASURE_WORD = re.compile(r"target|realisasi|capaian|pencapaian|anggaran|pagu|alokasi|kondisi|%|efisiensi|"
                           r"kemajuan|propinsi|provinsi|nasional|rata|penyerapan|dpa|jumlah|nilai", re.I)
_MONEY_GROUP = re.compile(r"anggaran|keuangan|pagu|dana|biaya|\brp\b", re.I)
_COMPARATOR = re.compile(r"daerah lain|propinsi|provinsi|nasional|standar|pembanding|rata-rata realisasi|"
                         r"kab(?:upaten)?/kota lain", re.I)


def _word_measure(text: str) -> Optional[str]:
    """The measure one header label names on its own, most specific wording first."""
    if text.startswith("target"):
        return "target"
    if re.search(r"capaian|pencapaian|%|persen|perbandingan", text):
        return "capaian"
    if _COMPARATOR.search(text):
        return "pembanding"
    if "realisasi" in text:
        return "realisasi"
    if "target" in text or text.startswith("rencana"):
        return "target"
    return None


def measure_of(label: str, group: str = "") -> Optional[str]:
    """The measure a value column holds, from its own label and the group label spanning above it."""
    both = label.lower()
    g = group.lower()
    sub = both[len(g):].strip() if g and both.startswith(g) else both
    if "efisiensi" in both:
        return "efisiensi"
    if "kemajuan" in both:
        return "tingkat_kemajuan"
    if re.search(r"akhir periode|target akhir|kondisi akhir|akhir renstra|jangka menengah", both):
        return "target_akhir"
    if re.search(r"kondisi\s+awal|baseline|data awal", both):
        return "kondisi_awal"
    if _MONEY_GROUP.search(g) or re.search(r"\b(anggaran|alokasi|pagu|dpa|rp)\b", sub):
        if re.search(r"capaian|%|penyerapan|persen|serapan", sub):
            return "capaian_anggaran"
        if "realisasi" in sub or ("realisasi" in g and not re.search(r"anggaran|alokasi|pagu|dpa|target", sub)):
            return "realisasi_anggaran"
        if re.search(r"anggaran|alokasi|pagu|dpa|target|rp", sub) or ONLY_YEAR.match(sub):
            return "anggaran"
        if "sisa" in sub:
            return None
    return _word_measure(sub) or _word_measure(g)


def assign_roles(header: Header, numeric_share: list[Optional[float]], renstra_end: Optional[int] = None) -> None:
    """Give each column its role (indikator, sasaran, value, ...) and each value column its measure."""
    for col in header.columns:
        label = col.label.strip()
        share = numeric_share[col.index]
        measure = measure_of(label, col.group) if label else None
        # a column of blanks and '-' is a value column when its header names a measure
        numeric = share >= 0.5 if share is not None else bool(measure)
        if measure == "target_akhir" and col.year and renstra_end and col.year != renstra_end:
            measure = "target"  # 'Target Jangka Menengah 2021': the Renstra's target for that year
        elif measure == "target_akhir" and not col.year:
            col.year = renstra_end
        if numeric and (measure or col.year or not label):
            col.role = "value"
            col.measure = measure
            if measure == "pembanding":
                col.comparator = _comparator_name(label)
            continue
        for role, pattern in _ROLE_RULES:
            if pattern.search(label):
                col.role = role
                break
        else:
            col.role = "value" if numeric else "text"
            col.measure = measure if numeric else None
    cols = header.columns
    values = [c for c in cols if c.role == "value"]
    # a baseline column printed just before the CAPAIAN group belongs to that group
    for a, b in zip(values[1:], values[2:]):
        if a.measure == "kondisi_awal" and b.measure == "capaian":
            a.measure = "capaian"
    # after an anggaran column, an ungrouped 'Realisasi' / '%' is the budget's, not the indicator's
    money = False
    for c in values:
        if c.measure == "anggaran":
            money = True
        elif money and not c.group and c.measure in ("realisasi", "capaian"):
            c.measure = {"realisasi": "realisasi_anggaran", "capaian": "capaian_anggaran"}[c.measure]


def default_measures(header: Header, caption: str) -> None:
    """Give year-only value columns ('Tahun 2020') the measure the table's wording implies."""
    measures = {c.measure for c in header.columns}
    if measures & {"target_akhir", "tingkat_kemajuan"}:
        implied = "realisasi"  # progress towards the end target is measured on realisations
    else:
        implied = _word_measure(caption.lower()) or "realisasi"
    for c in header.columns:
        if c.role == "value" and c.measure is None and c.year:
            c.measure = implied


def _comparator_name(label: str) -> str:
    """Whom a comparison column's figures belong to, without years and measure words."""
    name = YEAR.sub("", label)
    name = re.sub(r"\b(realisasi|target|capaian|kinerja|tahun)\b", "", name, flags=re.I)
    return " ".join(name.split()) or label


_SPACED = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")  # '162 254 370 560': thousands set apart by spaces


def _fits_percent(a: Optional[float], b: Optional[float], c: Optional[float]) -> Optional[bool]:
    """Whether c is b as a percentage of a (or a of b: lower is better), as printed; None when a figure is missing."""
    if a is None or b is None or c is None or not a or not b:
        return None
    tol = max(0.6, 0.01 * abs(c))
    return abs(c - 100 * b / a) <= tol or abs(c - 100 * a / b) <= tol


def infer_unlabelled(header: Header, data: list[list[str]], min_rows: int = 2, share: float = 0.6) -> bool:
    """Columns of a table whose header is missing or unreadable (a black band on a scan), from the
    arithmetic: three numeric columns where, row after row, the third is the second as a percentage
    of the first hold target, realisasi and capaian (anggaran, realisasi and its percentage when the
    first is money); the text column before them holds the indicator, the one before that the sasaran.
    Returns whether measures were found."""
    cols = header.columns
    values = {c.index: [parse_number(_SPACED.sub(".", r[c.index])).value if c.index < len(r) else None for r in data]
              for c in cols}
    numeric = [c.index for c in cols
               if sum(v is not None for v in values[c.index]) >= max(min_rows, 0.5 * sum(
                   1 for r in data if c.index < len(r) and r[c.index].strip()))]
    found = []
    k = 0
    while k + 2 < len(numeric):
        a, b, c = numeric[k:k + 3]
        fits = [_fits_percent(x, y, z) for x, y, z in zip(values[a], values[b], values[c])]
        ok = sum(f is True for f in fits)
        # a row whose first two figures are equal and the third 100 fits any two equal columns beside a
        # column of 100s (realisasi of two years, then capaian): the other rows must fit too, where there are some
        telling = [f for f, x, y, z in zip(fits, values[a], values[b], values[c]) if f is not None and not (x == y and z == 100)]
        if ok >= min_rows and ok >= share * sum(f is not None for f in fits) \
                and (len(telling) < min_rows or sum(telling) >= share * len(telling)):
            found.append((a, b, c))
            k += 3
        else:
            k += 1
    if not found:
        return False
    for a, b, c in found:
        firsts = sorted(v for v in values[a] if v is not None)
        money = firsts[len(firsts) // 2] >= 100_000
        for i, m in zip((a, b, c), ("anggaran", "realisasi_anggaran", "capaian_anggaran") if money
                        else ("target", "realisasi", "capaian")):
            cols[i].role, cols[i].measure = "value", m
            cols[i].label = cols[i].label or f"{m} (from arithmetic)"  # the proof: refine_measures keeps it
    first = found[0][0]
    texts = [c for c in cols if c.index < first and c.role != "value" and c.index not in numeric]
    names = ("uraian",) if cols[first].measure == "anggaran" else ("indikator", "sasaran")
    for c, role in zip(reversed(texts), names):
        c.role = role
    lead = [c for c in cols if c.index < first and c.index in numeric]
    if lead and all(COLNUM.match(r[lead[0].index].strip()) for r in data
                    if lead[0].index < len(r) and r[lead[0].index].strip()):
        lead[0].role = "no"
    return True
