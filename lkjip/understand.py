"""From a raw document to its tables and facts: stitch → header → rows → kind → facts.

Each stage lives in :mod:`lkjip.tables` and can be tested alone; this module only chains them
and carries the document's context (report year, kecamatan) into them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from lkjip.model import RawDocument
from lkjip.normalize.numbers import looks_numeric
from lkjip.tables.caption import caption_year
from lkjip.tables.classify import classify
from lkjip.tables.facts import BudgetFact, IndicatorFact, TableContext, budget_facts, indicator_facts
from lkjip.tables.header import Header, analyse_header, assign_roles, count_header_rows
from lkjip.tables.rows import Row, assemble_rows
from lkjip.tables.stitch import LogicalTable, stitch


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


def _numeric_share(rows: list[list[str]], width: int) -> list[float]:
    """Per column, the share of non-empty data cells that hold a figure."""
    share = []
    for i in range(width):
        vals = [r[i] for r in rows if i < len(r) and r[i].strip()]
        share.append(sum(looks_numeric(v) for v in vals) / len(vals) if vals else 0.0)
    return share


def understand_table(table: LogicalTable, borrowed: Optional[Header]) -> tuple[Header, list[Row], str]:
    """Header, data rows and kind of one logical table (a headerless table borrows an earlier header)."""
    texts = [r.texts for r in table.rows]
    width = max((len(t) for t in texts), default=0)
    n_header = count_header_rows(texts)
    data = texts[n_header:]
    share = _numeric_share(data, width)
    if n_header == 0 and borrowed is not None and len(borrowed.columns) == width:
        header = Header(n_rows=0, columns=[type(c)(**vars(c)) for c in borrowed.columns], rows=[])
    else:
        header = analyse_header(texts, n_header, width, [s > 0 for s in share])
        assign_roles(header, share)
    rows = assemble_rows(table.rows[n_header:], header)
    kind = classify(header, table.caption.number, table.caption.caption, table.caption.heading)
    return header, rows, kind


def understand(doc: RawDocument, ctx: DocContext) -> list[TableResult]:
    """All tables of a document, understood, with their indicator and budget facts."""
    results: list[TableResult] = []
    last_header: dict[int, Header] = {}
    for k, table in enumerate(stitch(doc)):
        width = max((len(r.cells) for r in table.rows), default=0)
        header, rows, kind = understand_table(table, last_header.get(width))
        if header.n_rows:
            last_header[width] = header
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
