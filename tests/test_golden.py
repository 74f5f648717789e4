"""The sample reports against their hand-made answer keys, cell by cell (the acceptance scorer's rules)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from lkjip.pipeline import ingest

FIX = Path(__file__).parent / "fixtures"
KEYS = sorted((FIX / "golden").glob("*.json"))
_spec = importlib.util.spec_from_file_location("eval_golden", FIX / "eval_golden.py")
eval_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(eval_golden)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """The three sample reports ingested once for all tests here."""
    out = tmp_path_factory.mktemp("golden")
    ingest([str(FIX / "seeds")], out, workers=1, log=lambda m: None)
    return out


@pytest.fixture(scope="module")
def scores(dataset):
    """Per-report scores of the dataset against the answer keys."""
    report = eval_golden.main([str(dataset)] + [str(k) for k in KEYS] + ["--json"])
    return {d["golden"]: d for d in report["documents"]}


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.stem[:3])
def test_indicator_cells(scores, key):
    d = scores[key.stem]
    recall = d["perf_hit"] / d["perf_gold"]
    precision = d["perf_out_matched"] / max(1, d["perf_out"])
    assert recall >= 0.98, (recall, d["perf_missed"])
    assert precision >= 0.98, precision


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.stem[:3])
def test_budget_rows(scores, key):
    d = scores[key.stem]
    assert d["budget_hit"] == d["budget_gold"], d["budget_missed"]
    assert d["budget_out_matched"] >= 0.98 * d["budget_out"]


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.stem[:3])
def test_budget_names_levels_and_persen(dataset, key):
    """Beyond the scorer: every budget row's name, level, anggaran, realisasi and persen as printed."""
    gold = json.loads(key.read_text())["budget"]
    docs = pd.read_parquet(dataset / "documents")
    doc_id = docs[docs.file_name.str.startswith(key.stem)].doc_id.iloc[0]
    b = pd.read_parquet(dataset / "budgets")
    b = b[b.doc_id == doc_id]
    got = {(r.line, r.level, r.anggaran if pd.notna(r.anggaran) else None,
            r.realisasi if pd.notna(r.realisasi) else None, r.persen if pd.notna(r.persen) else None)
           for r in b.itertuples()}
    want = {(g["line"], g["level"], g["anggaran"], g["realisasi"], g["persen"]) for g in gold}
    assert len(want & got) >= 0.98 * len(want), sorted(want - got)[:10]


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.stem[:3])
def test_document_metadata(dataset, key):
    want = json.loads(key.read_text())["document"]
    docs = pd.read_parquet(dataset / "documents")
    row = docs[docs.file_name.str.startswith(key.stem)].iloc[0]
    assert (row.kecamatan, row.kabupaten_kota, row.province, row.report_year) == (
        want["kecamatan"], want["kabupaten_kota"], want["province"], want["report_year"])
    assert row.status == "ok"


def test_provenance(dataset):
    """Every value keeps its document, table, line and raw text."""
    ind = pd.read_parquet(dataset / "indicators")
    assert ind[["doc_id", "table_id", "line", "value_raw"]].notna().all().all()
    tables = pd.read_parquet(dataset / "tables")
    assert set(ind.table_id) <= set(tables.table_id)
