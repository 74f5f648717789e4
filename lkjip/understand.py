"""From a raw document to its tables and facts: stitch → header → rows → kind → facts.

Each stage lives in :mod:`lkjip.tables` and can be tested alone; this module only chains them
and carries the document's context (report year, kecamatan) into them.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Optional

from lkjip.model import RawDocument, RawRow
from lkjip.normalize.numbers import looks_numeric, split_compound
from lkjip.tables.caption import caption_year
from lkjip.tables.classify import classify
from lkjip.tables.facts import BudgetFact, IndicatorFact, TableContext, budget_facts, indicator_facts
from lkjip.tables.header import (Header, analyse_header, assign_roles, count_header_rows, default_measures,
                                 infer_unlabelled)
from lkjip.tables.ocr_repair import repair_header_words, repair_ocr_cells
from lkjip.tables.rows import NULLS, Row, assemble_rows
from lkjip.tables.stitch import LogicalTable, stitch


RENSTRA = re.compile(r"renstra|rencana strategis|rpjmd|jangka menengah", re.I)
PERIOD = re.compile(r"((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)")


@dataclass
class TableResult:
    """One understood table with its facts."""

    table_id: str
    table: LogicalTable
    header: Header
    rows: list[Row]
    kind: str
    indicators: list[IndicatorFact] = field(default_factory=list)
    budgets: list[BudgetFact] = field(default_factory=list)


@dataclass
class DocContext:
    """What the table stages need to know about the document."""

    doc_id: str
    report_year: Optional[int]
    kecamatan: Optional[str]
    kabupaten_kota: Optional[str]
    instansi: Optional[str]


def _numeric_share(rows: list[list[str]], width: int) -> list[Optional[float]]:
    """Per column, the share of filled data cells that hold a figure (None: only blanks and '-')."""
    share: list[Optional[float]] = []
    for i in range(width):
        vals = [r[i] for r in rows if i < len(r) and r[i].strip() and not NULLS.match(r[i])]
        share.append(sum(looks_numeric(v) or bool(split_compound(v)) for v in vals) / len(vals) if vals else None)
    return share


def _without_specks(rows: list[RawRow], unsure: float = 50.0) -> list[list[str]]:
    """Cell texts with OCR'd cells read unsurely that hold no figure left blank: the specks of a picture
    behind a table ('Pama', 'Raa') say nothing about whether a column holds figures."""
    return [["" if c.confidence is not None and c.confidence < unsure and not looks_numeric(c.text) else c.text
             for c in r.cells] for r in rows]


def renstra_end_year(doc: RawDocument) -> Optional[int]:
    """The last year of the medium-term plan the report refers to ('Renstra 2018-2023' -> 2023)."""
    ends: Counter = Counter()
    for b in doc.text_blocks:
        if RENSTRA.search(b.text):
            for a, e in PERIOD.findall(b.text):
                if 3 <= int(e) - int(a) <= 6:
                    ends[int(e)] += 1
    return ends.most_common(1)[0][0] if ends else None


def understand_table(table: LogicalTable, borrowed: list[Header],
                     renstra_end: Optional[int] = None) -> tuple[Header, list[Row], str]:
    """Header, data rows and kind of one logical table.

    A table printed without a header (the report repeats an earlier table's columns) borrows the
    latest earlier header of the same width whose value columns cover its figures.
    """
    repair_header_words(table.rows)  # OCR'd header words ('Capalan', '(Yo)'); no-op for a text layer
    texts = [r.texts for r in table.rows]
    width = max((len(t) for t in texts), default=0)
    n_header = count_header_rows(texts)
    data = texts[n_header:]
    share = _numeric_share(_without_specks(table.rows[n_header:]), width)
    numeric_cols = {i for i, s in enumerate(share) if s and s >= 0.5}
    fits = [h for h in borrowed if len(h.columns) == width
            and numeric_cols <= {c.index for c in h.columns if c.role == "value"}]
    if n_header == 0 and fits:
        header = Header(n_rows=0, columns=[replace(c) for c in fits[-1].columns], rows=[])
    else:
        header = analyse_header(texts, n_header, width, [bool(s) for s in share])
        assign_roles(header, share, renstra_end)
        default_measures(header, f"{table.caption.caption} {table.caption.heading}")
        if not any(c.measure for c in header.columns):
            infer_unlabelled(header, data)
    rows = assemble_rows(table.rows[n_header:], header, frozenset(i - n_header for i in table.piece_starts))
    repair_ocr_cells(header, rows)
    kind = classify(header, table.caption.number, table.caption.caption, table.caption.heading)
    return header, rows, kind


def understand(doc: RawDocument, ctx: DocContext) -> list[TableResult]:
    """All tables of a document, understood, with their indicator and budget facts."""
    results: list[TableResult] = []
    headers: list[Header] = []
    renstra_end = renstra_end_year(doc)
    for k, table in enumerate(stitch(doc)):
        header, rows, kind = understand_table(table, headers, renstra_end)
        if header.n_rows and rows:
            headers.append(header)
        res = TableResult(table_id=f"{ctx.doc_id}-t{k + 1:03d}", table=table, header=header, rows=rows, kind=kind)
        if kind != "other" and rows:
            tctx = TableContext(doc_id=ctx.doc_id, table_id=res.table_id, kind=kind,
                                year=caption_year(table.caption.caption, table.caption.heading) or ctx.report_year,
                                kecamatan=ctx.kecamatan, kabupaten_kota=ctx.kabupaten_kota, instansi=ctx.instansi)
            if kind != "anggaran":
                res.indicators = indicator_facts(header, rows, tctx)
            if kind not in ("efisiensi",):
                res.budgets = budget_facts(header, rows, tctx)
        results.append(res)
    return results
