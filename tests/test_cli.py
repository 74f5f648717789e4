"""The `lkjip` command: exit codes, idempotent re-runs, bad input recorded as failed, never a traceback."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lkjip.pipeline import main

FIX = Path(__file__).parent / "fixtures"
SAMPLE = FIX / "seeds" / "002_1f4903de6a21ee12.txt"


def run(*args: str) -> int:
    """Run the CLI in-process."""
    return main(list(args))


def test_help_and_usage_errors(capsys):
    assert run() == 2
    with pytest.raises(SystemExit) as e:
        run("ingest", "--help")
    assert e.value.code == 0
    assert "--workers" in capsys.readouterr().out
    assert run("ingest", "no/such/folder") == 2
    with pytest.raises(SystemExit) as e:
        run("ingest", "x", "--workers", "2", "--cores", "1")  # the workers alone need 2 cores
    assert e.value.code == 2
    assert "--cores must be at least --workers (2)" in capsys.readouterr().err


def test_ingest_is_idempotent_and_force_reextracts(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE, raw / SAMPLE.name)
    out = tmp_path / "out"
    assert run("ingest", str(raw), "--out", str(out), "--workers", "1") == 0
    first = pd.read_parquet(out / "indicators")
    assert run("ingest", str(raw), "--out", str(out)) == 0
    assert run("ingest", str(raw), "--out", str(out), "--force") == 0
    docs = pd.read_parquet(out / "documents")
    assert len(docs) == 1 and docs.status.iloc[0] == "ok"
    again = pd.read_parquet(out / "indicators")
    assert len(again) == len(first) > 0
    for name in ("documents", "tables", "indicators", "budgets", "findings"):
        assert not list((out / name).glob(".tmp-*")), "no temporary file left behind"
    findings = pd.read_parquet(out / "findings")
    assert len(findings) == docs.n_findings.sum() > 0, "the audit runs at ingest"


def test_changed_file_replaces_its_rows(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    target = raw / "report.txt"
    shutil.copy(SAMPLE, target)
    out = tmp_path / "out"
    run("ingest", str(raw), "--out", str(out), "--workers", "1")
    target.write_text(SAMPLE.read_text() + "\nPenutup.\n")
    run("ingest", str(raw), "--out", str(out), "--workers", "1")
    docs = pd.read_parquet(out / "documents")
    assert len(docs) == 1
    assert set(pd.read_parquet(out / "indicators").doc_id) == set(docs.doc_id)


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "empty"),
    ("garbage.txt", bytes(range(256)) * 64, "binary"),
    ("notes.md", b"# Catatan\n\nTidak ada tabel di sini.\n", None),
    ("scan.docx", b"not a zip at all", None),
    ("report.pdf", b"<html><body>404 Not Found</body></html>", None),
])
def test_bad_input_is_recorded_and_the_batch_goes_on(tmp_path, name, content, reason):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / name).write_bytes(content)
    shutil.copy(SAMPLE, raw / SAMPLE.name)
    out = tmp_path / "out"
    code = run("ingest", str(raw), "--out", str(out), "--workers", "1")
    docs = pd.read_parquet(out / "documents").set_index("file_name")
    assert docs.loc[SAMPLE.name, "status"] == "ok"
    bad = docs.loc[name]
    if reason:
        assert bad.status == "failed" and reason in bad.error
    if bad.status == "failed":
        assert code == 3 and bad.error
    else:
        assert code == 0


def test_fifty_megabytes_of_tabs(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "tabs.txt").write_bytes(b"\t" * 50_000_000)
    out = tmp_path / "out"
    assert run("ingest", str(raw), "--out", str(out), "--workers", "1") in (0, 3)
    assert pd.read_parquet(out / "documents").status.iloc[0] in ("ok", "failed")


def test_console_script_runs_in_a_subprocess(tmp_path):
    """The installed entry point works as a user types it, with parallel workers."""
    out = tmp_path / "out"
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "lkjip.pipeline", "ingest", str(FIX / "seeds"), "--out", str(out),
                           "--workers", "2"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "3 ingested" in proc.stdout
    assert "Traceback" not in proc.stderr
