"""The same report as text, Word PDF, borderless PDF and DOCX gives the same rows."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from lkjip.pipeline import ingest

ROOT = Path(__file__).parent.parent
FIX = Path(__file__).parent / "fixtures"
_spec = importlib.util.spec_from_file_location("format_agreement", ROOT / "benchmarks" / "format_agreement.py")
agreement = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(agreement)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """One dataset per rendering of the reports 000 and 002."""
    root = tmp_path_factory.mktemp("formats")
    out = {}
    for fmt in ("txt", "word.pdf", "borderless.pdf", "docx"):
        src = root / f"in-{fmt}"
        src.mkdir()
        folder = FIX / ("seeds" if fmt == "txt" else "pdf")
        for stem in ("000_bcca391e6c99a5d1", "002_1f4903de6a21ee12"):
            shutil.copy(folder / f"{stem}.{fmt}", src)
        out[fmt] = root / f"out-{fmt}"
        ingest([str(src)], out[fmt], workers=2, log=lambda m: None)
    return out


@pytest.mark.parametrize("fmt,floor", [("word.pdf", 0.97), ("docx", 0.97), ("borderless.pdf", 0.90)])
def test_renderings_agree_with_the_text(datasets, fmt, floor):
    base = agreement.keys(str(datasets["txt"]))
    for stem, (ik, bk, paged, name) in agreement.keys(str(datasets[fmt])).items():
        tik, tbk = base[stem][0], base[stem][1]
        found = agreement._fuzzy_hits(tik, ik) + sum((bk & tbk).values())
        assert found >= floor * (sum(tik.values()) + sum(tbk.values())), name
        assert paged, f"{name}: every PDF row has its page"
