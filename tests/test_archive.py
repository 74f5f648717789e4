"""Archive-scale ingestion: crash-safety, incremental re-runs, compaction, and the Dask executor."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from lkjip.batch import Limits
from lkjip.pipeline import ingest, main
from lkjip.store import DATASET_PART, NAMES, Dataset
from lkjip.synthetic import build_archive

FIX = Path(__file__).parent / "fixtures"
VOLATILE = ["ingested_at", "duration_s"]


def snapshot(out: Path) -> dict[str, pd.DataFrame]:
    """Every table of a dataset, volatile columns dropped, rows in a canonical order."""
    snap = {}
    for name in NAMES:
        df = Dataset(out).read(name).to_pandas().drop(columns=VOLATILE, errors="ignore")
        df = df.astype({c: str for c in df.columns if df[c].dtype == object})
        snap[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return snap


def assert_same(a: dict, b: dict) -> None:
    """Two datasets hold exactly the same rows."""
    for name in NAMES:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A small synthetic archive with broken files among the reports."""
    root = tmp_path_factory.mktemp("archive")
    build_archive(sorted((FIX / "seeds").glob("*.txt")), root, n=24, broken_every=8)
    return root


@pytest.fixture(scope="module")
def reference(archive, tmp_path_factory):
    """The archive ingested in one uninterrupted local run."""
    out = tmp_path_factory.mktemp("ref")
    ingest([str(archive)], out, workers=2, log=lambda m: None)
    return snapshot(out)


def test_archive_has_failures_recorded(reference):
    docs = reference["documents"]
    assert len(docs) == 24
    assert (docs.status == "failed").sum() == 3 and docs[docs.status == "failed"].error.notna().all()
    assert len(reference["indicators"]) > 1000


def test_killed_run_resumes_to_the_same_rows(archive, reference, tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "lkjip.pipeline", "ingest", str(archive), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / "documents").glob("part-*.parquet"))) < 5:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # kill -9, workers included
    proc.wait()
    committed = len(list((out / "documents").glob("part-*.parquet")))
    assert 5 <= committed < 24, "the run was killed mid-way"
    assert main(["ingest", str(archive), "--out", str(out), "--workers", "2"]) == 3  # broken files fail
    assert_same(snapshot(out), reference)


def test_rerun_skips_and_forget_removes(archive, tmp_path):
    out = tmp_path / "out"
    stats = ingest([str(archive)], out, workers=1, log=lambda m: None)
    assert stats["ingested"] == 24
    again = ingest([str(archive)], out, workers=1, log=lambda m: None)
    assert again["ingested"] == 0 and again["skipped"] == 24
    victim = sorted(archive.rglob("*-lkjip.txt"))[0]
    assert main(["forget", str(victim), "--data", str(out)]) == 0
    docs = Dataset(out).documents()
    assert len(docs) == 23 and str(victim) not in set(docs.source_file)
    assert main(["forget", "0000000000000000", "--data", str(out)]) == 2


def test_compact_keeps_every_row_and_stays_incremental(archive, reference, tmp_path):
    out = tmp_path / "out"
    ingest([str(archive)], out, workers=2, log=lambda m: None)
    assert main(["compact", "--data", str(out)]) == 0
    assert all(f.name.startswith("year-") or f.name == DATASET_PART for name in NAMES for f in Dataset(out).files(name))
    assert_same(snapshot(out), reference)
    assert len(pd.read_parquet(out / "indicators")) == len(reference["indicators"])
    victim = sorted(archive.rglob("*-lkjip.txt"))[1]
    main(["forget", str(victim), "--data", str(out)])
    assert len(Dataset(out).documents()) == 23
    ingest([str(archive)], out, workers=1, log=lambda m: None)  # brings it back as a part file
    assert_same(snapshot(out), reference)


def test_limits_are_validated():
    with pytest.raises(ValueError):
        Limits(doc_timeout_s=0)
    with pytest.raises(SystemExit) as exc:
        main(["ingest", "--timeout", "-1"])
    assert exc.value.code == 2


def test_time_limit_turns_a_slow_document_into_a_failure(tmp_path, monkeypatch):
    from lkjip import pipeline

    def slow(path, source_file, sha, matcher=None):
        time.sleep(5)

    monkeypatch.setattr(pipeline, "process_file", slow)
    res = pipeline.work((str(FIX / "seeds" / "002_1f4903de6a21ee12.txt"), "x", "0" * 64),
                        Limits(doc_timeout_s=0.2), str(tmp_path))
    assert res["document"]["status"] == "failed" and "time limit" in res["document"]["error"]


def test_dask_executor_gives_the_same_dataset(archive, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster:
        out = tmp_path / "out"
        stats = ingest([str(archive)], out, executor="dask", scheduler=cluster.scheduler_address,
                       log=lambda m: None)
    assert stats["ingested"] == 24
    assert_same(snapshot(out), reference)
