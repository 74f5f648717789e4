"""Facts from understood tables: one indicator record per value cell, one budget record per budget line."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from lkjip.normalize.numbers import ParsedNumber, decimal_mark_of_column, parse_number, split_compound
from lkjip.tables.classify import MONEY
from lkjip.tables.header import Column, Header
from lkjip.tables.rows import Row

UNIT_ROW = re.compile(r"^\s*(kecamatan|kelurahan|desa|kota|kabupaten|kab\.|provinsi|propinsi)\s+\S", re.I)
KELURAHAN = re.compile(r"\b(?i:kelurahan|desa)\s+(?!(?i:dan|yang|di|se|dalam)\b)([A-Z][A-Za-z'-]+(?:\s+(?:[A-Z][a-z'-]+))?)")
CODE = re.compile(r"^\s*((?:[IVX]+|\d+(?:\.\d+)*|[a-z])[.)])\s+(\S.*)$")
LEVEL_PREFIX = [
    ("sub_kegiatan", re.compile(r"^\s*sub\s*kegiatan\b", re.I)),
    ("kegiatan", re.compile(r"^\s*kegiatan\b", re.I)),
    ("program", re.compile(r"^\s*program\b", re.I)),
    ("belanja", re.compile(r"^\s*belanja\b", re.I)),
]
TUJUAN = re.compile(r"^\s*(tujuan\s*:|terwujud)", re.I)
NAME_ROLES = ("kegiatan", "program", "uraian", "indikator", "sasaran", "text")


@dataclass
class TableContext:
    """What the fact stage knows of the table and the document around it."""

    doc_id: str
    table_id: str
    kind: str
    year: Optional[int]  # the year the caption names, else the report year
    kecamatan: Optional[str]
    kabupaten_kota: Optional[str]
    instansi: Optional[str]


@dataclass
class IndicatorFact:
    """One value cell of an indicator table."""

    row_index: int
    page: Optional[int]
    line: Optional[int]
    level: str
    sasaran: Optional[str]
    indicator_raw: str
    year: Optional[int]
    measure: str
    comparator: Optional[str]
    period: Optional[str]
    value: Optional[float]
    value_raw: str
    unit: Optional[str]
    grade: Optional[str]
    text_source: Optional[str] = None  # 'ocr' for a cell read by OCR; None: the document's format
    confidence: Optional[float] = None  # OCR confidence of the cell, 0-100
    note: Optional[str] = None  # OCR: how the figure was repaired or why it may be misread (for the audit)


@dataclass
class BudgetFact:
    """One budget line."""

    row_index: int
    page: Optional[int]
    line: Optional[int]
    unit_kerja: str
    level: str
    code: Optional[str]
    name: str
    program: Optional[str]
    kegiatan: Optional[str]
    indikator: Optional[str]
    anggaran: Optional[float]
    realisasi: Optional[float]
    persen: Optional[float]
    persen_computed: Optional[float]
    anggaran_raw: Optional[str]
    realisasi_raw: Optional[str]
    persen_raw: Optional[str]
    text_source: Optional[str] = None  # 'ocr' when its figures were read by OCR; None: the document's format
    confidence: Optional[float] = None  # OCR confidence of its least sure figure, 0-100
    note: Optional[str] = None  # OCR: how its figures were repaired or why they may be misread (for the audit)


def _left(cols: list[Column], j: int, roles: tuple[str, ...]) -> Optional[Column]:
    """The nearest column left of j whose role is one of ``roles`` (in order of preference)."""
    for role in roles:
        for c in reversed(cols[:j]):
            if c.role == role:
                return c
    return None


def column_marks(header: Header, rows: list[Row]) -> dict[int, Optional[str]]:
    """The decimal mark each value column uses, decided from its unambiguous cells; in a table read by OCR
    from the whole table's: '.' and ',' differ by a pixel or two in a scan, so one misread cell would decide
    a column of a few figures, and a table prints one decimal mark."""
    cols = [c for c in header.columns if c.role == "value"]
    if any(c.index < len(r.cells) and r.cells[c.index].confidence is not None for r in rows for c in cols):
        mark = decimal_mark_of_column([r.text(c.index) for c in cols for r in rows])
        return {c.index: mark for c in cols}
    return {c.index: decimal_mark_of_column([r.text(c.index) for r in rows]) for c in cols}


def refine_measures(header: Header, rows: list[Row], marks: dict[int, Optional[str]]) -> None:
    """Correct measures the values contradict: a 'capaian' of index values, a misplaced efficiency ratio."""
    cols = {c.index: c for c in header.columns if c.role == "value"}

    def nums(i):
        return [parse_number(r.text(i), marks.get(i)) for r in rows]

    # 'Capaian' printed as index values (never '%') is the realisation: beside a target of the
    # same year, or in a table with no target or realisasi column at all
    plain = not any(c.measure in ("target", "realisasi") for c in cols.values())
    for c in cols.values():
        if c.measure != "capaian" or "%" in c.label or "arithmetic" in c.label:
            continue
        firsts = [parse_number((split_compound(r.text(c.index)) or [r.text(c.index)])[0], marks.get(c.index))
                  for r in rows]
        parsed = [p for p in firsts if p.is_number]
        twin = any(t.measure == "target" and t.year == c.year and t.index < c.index for t in cols.values())
        if parsed and (twin or plain) and not any(p.unit == "%" for p in parsed):
            c.measure = "realisasi"
    # an efficiency table whose header sits one column off: the ratio realisasi/anggaran tells
    ang = next((c for c in cols.values() if c.measure == "anggaran"), None)
    rea = next((c for c in cols.values() if c.measure == "realisasi_anggaran"), None)
    if not (ang and rea):
        return
    a, r_ = nums(ang.index), nums(rea.index)
    for c in cols.values():
        if c.index <= rea.index or c.measure == "capaian_anggaran":
            continue
        pv = nums(c.index)
        hits = total = 0
        for x, y, z in zip(a, r_, pv):
            if x.value and y.value is not None and z.value is not None:
                total += 1
                hits += abs(100 * y.value / x.value - z.value) <= 0.6
        if total and hits == total and not any(k.measure == "capaian_anggaran" for k in cols.values()):
            c.measure = "capaian_anggaran"


def _unit(p: ParsedNumber, col: Column) -> Optional[str]:
    """The unit of a value: printed in the cell, else implied by the column."""
    if p.unit:
        return p.unit
    if col.measure in MONEY - {"capaian_anggaran"}:
        return "Rp"
    if "%" in col.label or col.measure in ("capaian", "capaian_anggaran", "tingkat_kemajuan"):
        return "%"
    return None


def _level(row: Row, header: Header, ind_col: Optional[Column], sasaran: str) -> str:
    """What the row's indicator measures: tujuan, sasaran, program, kegiatan or sub kegiatan."""
    for c in header.columns:
        if c.role in ("kegiatan", "uraian", "program") and (ind_col is None or c.index < ind_col.index):
            label = row.text(c.index)
            for level, pat in LEVEL_PREFIX[:3]:
                if pat.match(label):
                    return level
    if ind_col is not None and re.search(r"program", ind_col.label, re.I):
        return "program"
    if ind_col is not None and _left(header.columns, ind_col.index, ("program", "kegiatan")):
        return "program"
    if TUJUAN.match(sasaran or "") and not any(c.role == "sasaran" for c in header.columns[1:2]):
        return "tujuan"
    return "sasaran"


def indicator_facts(header: Header, rows: list[Row], ctx: TableContext) -> list[IndicatorFact]:
    """One fact per value cell (perjanjian kinerja: per target; budgets stay in budget facts)."""
    marks = column_marks(header, rows)
    refine_measures(header, rows, marks)
    cols = header.columns
    value_cols = [c for c in cols if c.role == "value" and c.measure]
    if ctx.kind == "perjanjian_kinerja":
        value_cols = [c for c in value_cols if c.measure not in MONEY]
    has_units = any(UNIT_ROW.match(r.text(c.index)) for r in rows for c in cols if c.role in ("indikator", "uraian"))
    facts: list[IndicatorFact] = []
    last_indicator = ""
    # each value column belongs to the nearest indicator (else name) and sasaran columns to its left
    ind_of = {c.index: _left(cols, c.index, ("indikator",)) or _left(cols, c.index, NAME_ROLES) for c in value_cols}
    sas_of = {c.index: _left(cols, c.index, ("sasaran", "tujuan")) for c in value_cols}
    name_of = {c.index: _left(cols, c.index, ("kegiatan", "program", "uraian")) for c in value_cols}
    for ri, row in enumerate(rows):
        for col in value_cols:
            cell = row.cells[col.index]
            if not cell.text:
                continue
            ind_col = ind_of[col.index]
            ind = row.value_text(ind_col.index) if ind_col else ""
            if not ind and name_of[col.index] is not None:  # a program line with no indicator of its own
                ind = row.text(name_of[col.index].index)
            sas_col = sas_of[col.index]
            sasaran = row.value_text(sas_col.index) if sas_col else ""
            measure, comparator = col.measure, col.comparator
            if has_units and UNIT_ROW.match(ind):
                own = ctx.kecamatan and ctx.kecamatan.lower() in ind.lower()
                comparator = None if own else ind
                measure = measure if own or measure == "target" else "pembanding"
                ind = last_indicator
            elif has_units and measure != "target":
                measure, comparator = "pembanding", ctx.kabupaten_kota
            if not ind:
                ind = next((c.text for c in row.cells if c.text and not c.text[:1].isdigit()), "") if row.is_total else ""
            if ind and not (has_units and UNIT_ROW.match(row.value_text(ind_col.index) if ind_col else "")):
                last_indicator = ind
            year = col.year or ctx.year
            for raw, m in _cell_values(cell.text, measure):
                p = parse_number(raw, marks.get(col.index))
                if not p.is_number and not p.grade and not p.raw.strip("-–# ").strip() == "":
                    continue
                facts.append(IndicatorFact(
                    row_index=ri, page=cell.page or row.page, line=cell.line or row.line,
                    level=_level(row, header, ind_col, sasaran), sasaran=sasaran or None,
                    indicator_raw=ind, year=year, measure=m, comparator=comparator, period=col.period,
                    value=p.value, value_raw=cell.raw.strip() if m == measure else raw, unit=_unit(p, col),
                    grade=p.grade, **_ocr_provenance([cell])))
    return facts


def _cell_values(text: str, measure: str) -> list[tuple[str, str]]:
    """The figures a cell holds: usually one; '4,26 dengan capaian 99,36%' holds a value and its capaian."""
    parts = split_compound(text)
    if len(parts) == 2 and "%" in parts[1] and measure != "capaian":
        return [(parts[0], measure), (parts[1], "capaian")]
    return [(text, measure)]


def budget_facts(header: Header, rows: list[Row], ctx: TableContext) -> list[BudgetFact]:
    """One fact per budget line of a table with an anggaran column."""
    cols = header.columns
    ang = next((c for c in cols if c.measure == "anggaran"), None)
    if ang is None:
        return []
    rea = next((c for c in cols if c.measure in ("realisasi_anggaran", "realisasi") and c.index > ang.index), None)
    pct = next((c for c in cols if c.measure in ("capaian_anggaran", "capaian") and c.index > ang.index), None)
    marks = column_marks(header, rows)
    name_cols = [c for role in ("kegiatan", "uraian", "program", "indikator") for c in cols
                 if c.role == role and c.index < ang.index]
    prog_col = next((c for c in cols if c.role == "program"), None)
    ind_col = next((c for c in cols if c.role == "indikator" and c.index < ang.index), None)
    no_col = next((c for c in cols if c.role == "no"), None)
    own = f"Kecamatan {ctx.kecamatan}" if ctx.kecamatan else (ctx.instansi or "")
    facts: list[BudgetFact] = []
    program = kegiatan = None
    for ri, row in enumerate(rows):
        name_col = next((c for c in name_cols if row.text(c.index)), None)
        name = row.text(name_col.index) if name_col else ""
        if not name and row.is_total:
            name = next((c.text for c in row.cells if c.text), "")
        a_raw = _printed(row, ang.index)
        r_raw = _printed(row, rea.index) if rea else ""
        p_raw = _printed(row, pct.index) if pct else ""
        if not name or not (a_raw or r_raw or p_raw):
            if name_col is not None and name_col.role == "program" and name:
                program = name
            continue
        code = row.text(no_col.index) if no_col else ""
        m = CODE.match(name)
        if m:
            code, name = (code or m.group(1)), m.group(2).strip()
        level = _budget_level(row, name, name_col)
        if prog_col is not None and row.value_text(prog_col.index):
            program = row.value_text(prog_col.index)
        if level == "program":
            program, kegiatan = name, None
        elif level == "kegiatan":
            kegiatan = name
        a = parse_number(row.text(ang.index), marks.get(ang.index))
        r = parse_number(row.text(rea.index), marks.get(rea.index)) if rea else None
        p = parse_number(row.text(pct.index), marks.get(pct.index)) if pct else None
        av, rv = a.value, (r.value if r else None)
        figures = [row.cells[c.index] for c in (ang, rea, pct) if c is not None and c.index < len(row.cells)]
        facts.append(BudgetFact(
            row_index=ri, page=row.page, line=row.line, unit_kerja=_unit_kerja(name, row, ind_col) or own,
            level=level, code=code.strip() or None, name=name,
            program=program if level != "program" else None,
            kegiatan=kegiatan if level in ("sub_kegiatan",) else None,
            indikator=row.text(ind_col.index) or None if ind_col and ind_col is not name_col else None,
            anggaran=av, realisasi=rv, persen=p.value if p else None,
            persen_computed=round(100 * rv / av, 4) if av and rv is not None else None,
            anggaran_raw=a_raw or None, realisasi_raw=r_raw or None, persen_raw=p_raw or None,
            **_ocr_provenance(figures)))
    return facts


def _printed(row: Row, i: int) -> str:
    """A cell as printed: its text, or for an OCR'd figure that was repaired what OCR read."""
    c = row.cells[i] if i < len(row.cells) else None
    if c is not None and c.note and c.raw:
        return " ".join(c.raw.split())
    return row.text(i)


def _ocr_provenance(cells: list) -> dict:
    """text_source 'ocr', the least confidence and the repair notes when any of the cells was read by OCR."""
    confs = [c.confidence for c in cells if c.text and c.confidence is not None]
    if not confs:
        return {}
    return dict(text_source="ocr", confidence=min(confs), note="; ".join(c.note for c in cells if c.note) or None)


def _budget_level(row: Row, name: str, name_col: Optional[Column]) -> str:
    """program | kegiatan | sub_kegiatan | belanja | total | other for a budget line."""
    if row.is_total:
        return "total"
    for level, pat in LEVEL_PREFIX:
        if pat.match(name):
            return level
    if name_col is not None and name_col.role in ("kegiatan", "program"):
        return name_col.role
    return "other"


def _unit_kerja(name: str, row: Row, ind_col: Optional[Column]) -> Optional[str]:
    """The kelurahan/desa a budget line belongs to, when its name (or indicator) says so."""
    for text in (name, row.text(ind_col.index) if ind_col else ""):
        m = KELURAHAN.search(text)
        if m:
            kind = "Desa" if text[m.start():m.start() + 4].lower() == "desa" else "Kelurahan"
            return f"{kind} {m.group(1).strip().title()}"
    return None
