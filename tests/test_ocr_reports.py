"""Scanned reports end to end: OCR'd pages → tables → facts, scored cell by cell against the answer keys.

The fixtures are the table pages (and the title page) of two seed reports' scans
(``tests/fixtures/pdf/*.scan-tables.pdf``: grayscale JPEG at 200 dpi, tilted, noisy, as
``../shared/corpus/pdf/*.scan.pdf``). The real scanned LKIP (PSDA Jawa Barat 2016, 100 dpi 1-bit) is
read from ``$LKJIP_REALWORLD`` and scored against the hand-made key in ``tests/fixtures/realworld_keys``.
"""
from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from lkjip.extract import ocr
from lkjip.pipeline import main

FIX = Path(__file__).parent / "fixtures"
REALWORLD = os.environ.get("LKJIP_REALWORLD")
pytestmark = pytest.mark.skipif(not ocr.engine_available(), reason="OCR engine not installed (scripts/system_deps.sh ocr)")

_spec = importlib.util.spec_from_file_location("eval_golden", FIX / "eval_golden.py")
eval_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(eval_golden)


def _score(out: Path, key: Path, stem: str) -> dict:
    """The scorer's figures for one document of the dataset at ``out``."""
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        eval_golden.main([str(out), str(key), "--doc-map", f"{key.stem}={stem}", "--json"])
    return json.loads(buf.getvalue())["overall"]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    out = tmp_path_factory.mktemp("ocr") / "ds"
    files = sorted((FIX / "pdf").glob("*.scan-tables.pdf"))
    assert len(files) == 2
    assert main(["ingest", *map(str, files), "--out", str(out), "--workers", "2"]) == 0
    return out


@pytest.mark.parametrize("stem, perf, budget", [
    ("000_bcca391e6c99a5d1", 0.95, 0.95),
    ("002_1f4903de6a21ee12", 0.90, 0.95),  # the pages left out carry the year of two tables: 95% from the text layer
])
def test_scanned_tables_match_the_answer_key(scanned, stem, perf, budget):
    s = _score(scanned, FIX / "golden" / f"{stem}.json", f"{stem}.scan-tables")
    assert s["perf_recall"] >= 100 * perf and s["perf_precision"] >= 100 * perf, s
    assert s["budget_recall"] >= 100 * budget and s["budget_precision"] >= 100 * budget, s
    assert s["meta_accuracy"] == 100.0, s


def test_ocr_values_say_so_in_their_provenance(scanned):
    docs = pd.read_parquet(scanned / "documents")
    assert set(docs.status) == {"ok"} and (docs.n_ocr_pages == docs.n_pages).all()
    for name in ("indicators", "budgets"):
        t = pd.read_parquet(scanned / name)
        assert len(t) and set(t.text_source) == {"ocr"}
        assert t.confidence.between(0, 100).all()
        assert t.page.notna().all()


@pytest.mark.skipif(not REALWORLD, reason="set LKJIP_REALWORLD to the real PDFs folder")
def test_real_scanned_lkip_main_tables_against_the_hand_made_key(tmp_path):
    """The real 100 dpi 1-bit scan: its main target/realisasi table (Tabel 3.1, p27, header printed as a black
    band: measures come from the arithmetic) and its budget table (Tabel 3.8, p38, header unreadable, rules
    broken, amounts with spaces for dots), scored against the hand-made key. Both reach the issue's 85%: Tabel
    3.1's row rules are dotted and partly lost under its text, its cells hold specks of them."""
    import pikepdf

    key = json.loads((FIX / "realworld_keys" / "jabar_psda_lkip_2016_scanned.json").read_text())
    key["performance"] = [c for c in key["performance"] if c["table"] == "3.1"]
    key["budget"] = [b for b in key["budget"] if b["table"] == "3.8"]
    main_key = tmp_path / "jabar_psda_lkip_2016_scanned.json"
    main_key.write_text(json.dumps(key))
    sub = tmp_path / "psda-main-tables.pdf"
    with pikepdf.open(Path(REALWORLD) / "jabar_psda_lkip_2016_scanned.pdf") as pdf:
        out = pikepdf.new()
        for p in (1, 27, 38):  # the title page too: metadata
            out.pages.append(pdf.pages[p - 1])
        out.save(sub)
    ds = tmp_path / "ds"
    assert main(["ingest", str(sub), "--out", str(ds), "--workers", "1"]) == 0
    s = _score(ds, main_key, sub.stem)
    assert s["budget_recall"] >= 85 and s["budget_precision"] >= 85, s
    assert s["perf_recall"] >= 92 and s["perf_precision"] >= 92, s
    assert s["meta_accuracy"] == 100.0, s
