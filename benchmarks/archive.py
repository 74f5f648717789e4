"""Ingest a synthetic archive with 1 and 2 workers and with the Dask executor; report the speed-up.

    python benchmarks/archive.py [--sizes 100,500] [--no-dask]

Builds N reports (copies of data/raw with perturbed names, numbers and years, plus broken files),
ingests each configuration in a fresh process and prints documents/s, the peak resident memory of
a worker process (which must stay flat as the archive grows) and the speed-up.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lkjip.synthetic import build_archive

ROOT = Path(__file__).resolve().parent.parent


def run(archive: Path, out: Path, *extra: str) -> tuple[float, float]:
    """Seconds of one `lkjip ingest` in a fresh process, and the peak memory of its workers (MB)."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lkjip.pipeline", "ingest", str(archive), "--out", str(out),
                           *extra], check=False, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    m = re.search(r"peak worker memory (\d+) MB", proc.stdout)
    return secs, float(m.group(1)) if m else float("nan")


def dask_run(archive: Path, out: Path) -> float:
    """Seconds of one ingest on a LocalCluster of 2 worker processes (cluster start not counted)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lkjip.pipeline", "ingest", str(archive), "--out", str(out),
                        "--executor", "dask", "--scheduler", cluster.scheduler_address],
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def main() -> None:
    """Build the archives, run the configurations, print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,500", help="archive sizes to compare (memory must stay flat)")
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    samples = sorted((ROOT / "data" / "raw").glob("*.txt"))
    print(f"{'reports':>8} {'config':>10} {'seconds':>8} {'docs/s':>8} {'worker MB':>9} {'speed-up':>8}")
    for n in map(int, args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / "archive"
            build_archive(samples, archive, n)
            base = None
            for workers in (1, 2):
                secs, peak = run(archive, Path(tmp) / f"out{workers}", "--workers", str(workers))
                base = base or secs
                print(f"{n:>8} {f'{workers} worker':>10} {secs:>8.1f} {n / secs:>8.1f} {peak:>9.0f} {base / secs:>8.2f}")
            if not args.no_dask:
                secs = dask_run(archive, Path(tmp) / "outdask")
                print(f"{n:>8} {'dask x2':>10} {secs:>8.1f} {n / secs:>8.1f} {'-':>9} {base / secs:>8.2f}")


if __name__ == "__main__":
    main()
