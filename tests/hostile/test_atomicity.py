"""A failed document writes no rows: it is in ``documents`` (status failed, with its reason) and
nowhere else, whether it fails on reading or late, after its tables were understood."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd
import pytest

from lkjip import pipeline
from lkjip.pipeline import ingest, main, sha256_of
from lkjip.store import PARTS

FIX = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = FIX / "seeds" / "002_1f4903de6a21ee12.txt"
BROKEN = ["encrypted_user.pdf", "html_saved_as.pdf", "junk.docx", "legacy.docx", "zero.pdf", "garbage.pdf"]


def _dataset(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / name) for name in ("documents",) + PARTS}


def _rows_of(data: dict[str, pd.DataFrame], doc_id: str) -> dict[str, int]:
    """How many rows each table but documents holds for one document (part files included)."""
    return {name: int((data[name].doc_id == doc_id).sum()) for name in PARTS}


def test_a_batch_with_failures_writes_rows_only_for_the_documents_read(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "good.txt").write_bytes(GOOD.read_bytes())
    (inp / "good.docx").write_bytes((FIX / "pdf" / "002_1f4903de6a21ee12.docx").read_bytes())
    for name in BROKEN:
        (inp / name).write_bytes((FIX / "pdf" / name).read_bytes())
    out = tmp_path / "out"
    err, old = io.StringIO(), sys.stderr
    sys.stderr = err
    try:
        code = main(["ingest", str(inp), "--out", str(out), "--workers", "1"])
    finally:
        sys.stderr = old
    assert code == 3
    data = _dataset(out)
    docs = data["documents"].set_index("file_name")
    assert set(docs.index) == {"good.txt", "good.docx", *BROKEN}
    failed = docs[docs.status == "failed"]
    assert set(failed.index) == set(BROKEN), docs[["status", "error"]]
    assert (failed.error.str.len() > 10).all()
    assert (failed[["n_tables", "n_indicator_values", "n_budget_rows", "n_findings"]] == 0).all().all()
    for name, row in failed.iterrows():
        assert _rows_of(data, row.doc_id) == dict.fromkeys(PARTS, 0), name
    for name in ("good.txt", "good.docx"):
        rows = _rows_of(data, docs.loc[name, "doc_id"])
        assert rows["tables"] == docs.loc[name, "n_tables"] > 0 and rows["indicators"] > 20, (name, rows)
    # every row of every table belongs to a document read
    good = set(docs[docs.status != "failed"].doc_id)
    for name in PARTS:
        assert set(data[name].doc_id.dropna()) <= good, name


def _fail_for(real, doc_id: str, where: str):
    """``real``, raising for one document: ``understand(doc, ctx)`` names it in ``ctx.doc_id``,
    ``audit_document(..., doc_id=)`` in its keyword."""
    def wrapped(*args, **kwargs):
        ctx = args[1] if len(args) > 1 else None
        if kwargs.get("doc_id") == doc_id or getattr(ctx, "doc_id", None) == doc_id:
            raise RuntimeError(f"late failure in {where}")
        return real(*args, **kwargs)
    return wrapped


@pytest.mark.parametrize("stage", ["understand", "audit_document"])
def test_a_document_failing_late_leaves_no_rows(tmp_path, monkeypatch, stage):
    """understand() fails after the document was read; audit_document() after its tables, indicators
    and budgets were built: either way the document is failed and none of those rows is written."""
    inp = tmp_path / "in"
    inp.mkdir()
    bad, good = inp / "late.txt", inp / "good.txt"
    bad.write_bytes(GOOD.read_bytes())
    good.write_bytes((FIX / "seeds" / "000_bcca391e6c99a5d1.txt").read_bytes())
    bad_id = sha256_of(bad)[:16]
    monkeypatch.setattr(pipeline, stage, _fail_for(getattr(pipeline, stage), bad_id, stage))
    out = tmp_path / "out"
    stats = ingest([str(inp)], out, workers=1, log=lambda m: None)  # in-process: the patch applies
    assert stats["failed"] == 1
    data = _dataset(out)
    docs = data["documents"].set_index("file_name")
    assert docs.loc["late.txt", "status"] == "failed"
    assert docs.loc["late.txt", "error"] == f"RuntimeError: late failure in {stage}"
    assert docs.loc["late.txt", "n_indicator_values"] == 0
    assert _rows_of(data, bad_id) == dict.fromkeys(PARTS, 0)
    assert docs.loc["good.txt", "status"] == "ok" and _rows_of(data, docs.loc["good.txt", "doc_id"])["indicators"] > 20
