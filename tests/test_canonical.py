"""Canonical indicator ids across the dataset, the alias file, and `lkjip indicators`."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from lkjip.pipeline import ingest, main

FIX = Path(__file__).parent / "fixtures"


def test_ids_are_dataset_wide_and_independent_of_ingest_order(tmp_path):
    seeds = sorted((FIX / "seeds").glob("*.txt"))
    one, two = tmp_path / "one", tmp_path / "two"
    for p in seeds:  # one file per run, in two different orders
        ingest([str(p)], one, workers=1, log=lambda m: None)
    for p in reversed(seeds):
        ingest([str(p)], two, workers=1, log=lambda m: None)
    cols = ["doc_id", "table_id", "row_index", "measure", "year", "indicator_id", "indicator_name"]
    a = pd.read_parquet(one / "indicators")[cols].sort_values(cols[:5]).reset_index(drop=True)
    b = pd.read_parquet(two / "indicators")[cols].sort_values(cols[:5]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    ikm = pd.read_parquet(one / "indicators").query("indicator_id == 'ikm'")
    assert ikm.doc_id.nunique() == 3, "IKM is one indicator in all three reports"
    assert a.indicator_id.notna().all()


def test_alias_file_overrides_the_catalogue(tmp_path, capsys):
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(
        "- id: linmas_rt\n  name: Rasio Linmas per RT\n  aliases: [Rasio Linmas per RT]\n"
        "  unit: rasio\n  polarity: higher_is_better\n")
    out = tmp_path / "out"
    shutil.copy(FIX / "seeds" / "000_bcca391e6c99a5d1.txt", tmp_path / "r.txt")
    ingest([str(tmp_path / "r.txt")], out, workers=1, log=lambda m: None, aliases=aliases)
    ind = pd.read_parquet(out / "indicators")
    assert set(ind[ind.indicator_raw == "Rasio Linmas per RT"].indicator_id) == {"linmas_rt"}
    assert main(["indicators", "--aliases", str(aliases)]) == 0
    assert "linmas_rt" in capsys.readouterr().out
    assert main(["indicators", "--data", str(out)]) == 0
    assert "unmatched indicator clusters" in capsys.readouterr().out
    assert main(["indicators", "--data", str(tmp_path / "nothing")]) == 2
