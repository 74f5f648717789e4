"""The audit: figures that contradict each other, within a report and across reports.

    findings = audit_document(indicators, budgets, tables, prose)   # one report, at ingest
    findings = audit_dataset(Path("data/parquet"))                   # the whole dataset

Both return ``findings`` rows (``lkjip.schema.FINDINGS``: doc_id, table_id, page, line, check,
severity, message, expected, actual, refs). The checks live in :mod:`lkjip.audit.checks`, the
HTML report in :mod:`lkjip.audit.report`, the ``lkjip audit`` command in :mod:`lkjip.audit.cli`.

Where the findings go: ``lkjip ingest`` writes each document's own findings with its other parts
(``DIR/findings/part-<doc_id>.parquet``); the checks across documents are written by
:func:`write_dataset_findings` to ``DIR/findings/part-dataset.parquet`` (replaced atomically on
every run), so reading ``DIR/findings`` gives both.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lkjip.audit.checks import (CHECK_NAMES, SEVERITIES, DocFrames, check_cross_document,
                                run_document_checks, sort_findings)
from lkjip.schema import SCHEMAS, to_table
from lkjip.store import DATASET_PART, Dataset  # DATASET_PART: where cross-document findings live

__all__ = ["audit_document", "audit_dataset", "dataset_findings", "cross_document_frames", "write_dataset_findings", "prose_of",
           "read_frames", "CHECK_NAMES", "SEVERITIES", "DATASET_PART"]

# checks that need the document's text: kept from the ingest's findings when the dataset is re-audited
_TEXT_CHECKS = ("narrative_conflict",)


def audit_document(indicators: pd.DataFrame, budgets: pd.DataFrame, tables: pd.DataFrame,
                   prose: Optional[list[tuple[Optional[int], Optional[int], str]]] = None,
                   doc_id: Optional[str] = None) -> list[dict]:
    """Findings of one document from its indicators, budgets and tables rows (frames or lists of dicts).

    ``prose`` is the document's paragraphs as (line, page, text), for the checks of figures stated in the
    text; without it those checks are skipped. ``doc_id`` defaults to the one in the frames.
    """
    try:
        doc = DocFrames.build(_as_frame(indicators), _as_frame(budgets), _as_frame(tables), prose, doc_id)
    except Exception as exc:  # the audit never stops an ingest
        from lkjip.audit.checks import finding
        return [finding(doc_id, "parse_warning", "info", f"The audit could not read this document's rows "
                                                          f"({type(exc).__name__}); it has no audit findings.")]
    return sort_findings(run_document_checks(doc))


def prose_of(doc) -> list[tuple[Optional[int], Optional[int], str]]:
    """The (line, page, text) of a RawDocument's text blocks (paragraphs and headings, which name the indicator
    the next paragraph talks about), for ``audit_document``."""
    out = []
    for b in getattr(doc, "blocks", []):
        if hasattr(b, "rows"):
            continue
        text = getattr(b, "text", None)
        if text:
            out.append((getattr(b, "line", None), getattr(b, "page", None), text))
    return out


def _as_frame(x) -> pd.DataFrame:
    """A frame from a frame, a list of dicts or None."""
    if x is None:
        return pd.DataFrame()
    if isinstance(x, pd.DataFrame):
        return x
    return pd.DataFrame(list(x))


def read_frames(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The dataset's documents, tables, indicators, budgets and findings (per-document parts and dataset part)."""
    ds = Dataset(Path(data_dir))
    return {name: ds.read(name).to_pandas() for name in SCHEMAS}


CROSS_DOCUMENT_COLUMNS = ["doc_id", "table_id", "row_index", "page", "line", "kecamatan", "kabupaten_kota", "level",
                          "indicator_raw", "indicator_name", "indicator_id", "year", "measure", "comparator", "value",
                          "value_raw"]


def cross_document_frames(data_dir: Path) -> dict[str, pd.DataFrame]:
    """Just what the cross-document checks read: documents, and the indicator columns they compare."""
    ds = Dataset(Path(data_dir))
    return {"documents": ds.read("documents").to_pandas(),
            "indicators": ds.read("indicators", columns=CROSS_DOCUMENT_COLUMNS).to_pandas()}


def dataset_findings(frames: dict[str, pd.DataFrame]) -> list[dict]:
    """The checks across documents (same kecamatan, indicator, year and measure in two reports)."""
    return sort_findings(check_cross_document(frames["documents"], frames["indicators"]))


def audit_dataset(data_dir: Path, frames: Optional[dict[str, pd.DataFrame]] = None) -> list[dict]:
    """Every finding of the dataset: per-document checks re-run from the stored frames, the text checks the
    ingest recorded (the text is not stored), and the checks across documents."""
    data_dir = Path(data_dir)
    frames = frames or read_frames(data_dir)
    docs, ind, bud, tab = frames["documents"], frames["indicators"], frames["budgets"], frames["tables"]
    stored = Dataset(Path(data_dir)).read("findings", documents_only=True).to_pandas()
    out: list[dict] = []
    doc_ids = list(dict.fromkeys(list(docs["doc_id"].dropna()) + list(ind["doc_id"].dropna().unique())
                                 + list(bud["doc_id"].dropna().unique())))
    by_ind = dict(tuple(ind.groupby("doc_id", sort=False))) if len(ind) else {}
    by_bud = dict(tuple(bud.groupby("doc_id", sort=False))) if len(bud) else {}
    by_tab = dict(tuple(tab.groupby("doc_id", sort=False))) if len(tab) else {}
    for did in doc_ids:
        out.extend(audit_document(by_ind.get(did), by_bud.get(did), by_tab.get(did), None, doc_id=did))
        if len(stored):
            kept = stored[(stored["doc_id"] == did) & stored["check"].isin(_TEXT_CHECKS)]
            out.extend(_rows(kept))
    out.extend(dataset_findings(frames))
    return sort_findings(out)


def _rows(df: pd.DataFrame) -> list[dict]:
    """Findings frame rows as plain dicts (nulls as None, refs as lists)."""
    recs = df.astype(object).where(df.notna(), None).to_dict("records")
    for r in recs:
        r["refs"] = list(r["refs"]) if r.get("refs") is not None else []
    return recs


def write_dataset_findings(data_dir: Path, findings: list[dict]) -> Path:
    """Write the cross-document findings to DIR/findings/part-dataset.parquet, atomically (per-document parts
    are left as they are)."""
    from lkjip.store import _atomic_write

    path = Path(data_dir) / "findings" / DATASET_PART
    _atomic_write(to_table("findings", findings), path)
    return path
