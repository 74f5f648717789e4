"""Throughput and peak memory of ingesting the bundled sample reports.

    python benchmarks/ingest_samples.py [PATH ...] [--repeat N] [--workers N]

Reports documents/s, lines/s (text) or pages/s (PDF) and the peak resident memory of the process.
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from lkjip.pipeline import collect_paths, ingest


def main() -> None:
    """Ingest the inputs N times into fresh folders and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", default=["data/raw"])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    files = collect_paths(args.paths)
    lines = sum(len(f.read_bytes().splitlines()) for f in files if f.suffix in (".txt", ".md"))
    times, pages = [], 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            with open(os.devnull, "w") as quiet:
                ingest(args.paths, Path(out), workers=args.workers, log=lambda m: None, progress_stream=quiet)
            times.append(time.perf_counter() - t0)
            pages = int(pd.read_parquet(Path(out) / "documents").n_pages.fillna(0).sum())
    best = min(times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(files)} documents in {best:.3f} s (best of {args.repeat}): {len(files) / best:.1f} documents/s, "
          f"{lines / best:,.0f} text lines/s" + (f", {pages / best:.1f} pages/s" if pages else "")
          + f" | peak RSS {peak_mb:.0f} MB | workers={args.workers}")


if __name__ == "__main__":
    main()
