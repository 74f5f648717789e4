"""Pages per second of lkjip's PDF reader (one core), optionally beside plain pdfplumber.

usage: python benchmarks/pdf_read.py [PDF ...] [--repeat N] [--compare]

Without files it reads the corpus Word exports (../shared/corpus/pdf/*.word.pdf, or the copies in
tests/fixtures/pdf/). Pages/s is pages divided by CPU time of this process (``time.process_time``),
so a busy machine does not skew it much; wall time is printed too. ``--compare`` also times plain
pdfplumber ``page.extract_tables()`` on the same files and counts the non-empty cells both find.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lkjip.extract.pdf import read_pdf  # noqa: E402


def default_files() -> list[Path]:
    for folder in (ROOT.parent / "shared" / "corpus" / "pdf", ROOT / "tests" / "fixtures" / "pdf"):
        files = sorted(folder.glob("*.word.pdf"))
        if files:
            return files
    return []


def bench_lkjip(path: Path) -> tuple[int, float, float, int]:
    c0, w0 = time.process_time(), time.perf_counter()
    doc = read_pdf(path)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    cells = sum(1 for t in doc.tables for r in t.rows for c in r.cells if c.text)
    return doc.n_pages or 0, cpu, wall, cells


def bench_pdfplumber(path: Path) -> tuple[int, float, float, int]:
    import pdfplumber

    c0, w0 = time.process_time(), time.perf_counter()
    cells = 0
    with pdfplumber.open(str(path)) as pdf:
        n = len(pdf.pages)
        for page in pdf.pages:
            for table in page.extract_tables():
                cells += sum(1 for row in table for c in row if c)
            page.close()
    return n, time.process_time() - c0, time.perf_counter() - w0, cells


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=1, help="read each file N times, keep the fastest")
    ap.add_argument("--compare", action="store_true", help="also time plain pdfplumber extract_tables()")
    args = ap.parse_args(argv)
    files = args.pdfs or default_files()
    if not files:
        print("no PDF found", file=sys.stderr)
        return 2
    runners = [("lkjip", bench_lkjip)] + ([("pdfplumber", bench_pdfplumber)] if args.compare else [])
    totals = {name: [0, 0.0, 0.0, 0] for name, _ in runners}
    print(f"{'file':45} {'reader':10} {'pages':>5} {'cpu s':>7} {'pages/s':>8} {'wall s':>7} {'cells':>6}")
    for f in files:
        for name, fn in runners:
            best = None
            for _ in range(max(1, args.repeat)):
                res = fn(f)
                if best is None or res[1] < best[1]:
                    best = res
            n, cpu, wall, cells = best
            t = totals[name]
            t[0] += n
            t[1] += cpu
            t[2] += wall
            t[3] += cells
            print(f"{f.name[:45]:45} {name:10} {n:5d} {cpu:7.2f} {n / cpu if cpu else 0:8.1f} {wall:7.2f} {cells:6d}")
    for name, (n, cpu, wall, cells) in totals.items():
        print(f"{'TOTAL':45} {name:10} {n:5d} {cpu:7.2f} {n / cpu if cpu else 0:8.1f} {wall:7.2f} {cells:6d}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
