"""The ``lkjip`` command line and batch orchestration.

    lkjip ingest [PATH ...] [--out DIR] [--workers N] [--force]

reads every report under PATH (default ``data/raw``), understands its tables and writes the
Parquet dataset to DIR (default ``data/parquet``). Exit status: 0 all ingested, 3 some failed,
2 usage error.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional

from lkjip import __version__
from lkjip.extract import SUFFIX_FORMAT, read_document
from lkjip.model import RawDocument
from lkjip.normalize.indicators import IndicatorMatcher, assign_indicator_ids
from lkjip.normalize.metadata import extract_metadata
from lkjip.schema import SCHEMA_VERSION
from lkjip.store import Dataset
from lkjip.understand import DocContext, understand

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3
# Sub-commands beyond ingest: each module has register(subparsers), which adds its parser and
# sets a `handler(args) -> exit code` default on it.
COMMAND_MODULES: list[str] = []


def collect_paths(paths: Iterable[str]) -> list[Path]:
    """Report files under the given files and folders (folders searched recursively), sorted."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIX_FORMAT
                         and not f.name.startswith("."))
        elif p.exists():
            found.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return sorted(set(found))


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def document_lines(doc: RawDocument) -> list[str]:
    """The document's text in reading order, table rows as tab-joined cells (for metadata)."""
    lines = []
    for b in doc.blocks:
        if hasattr(b, "rows"):
            lines.extend("\t".join(b_.texts) for b_ in b.rows)
        else:
            lines.append(b.text)
    return lines


def process_file(path: Path, source_file: str, sha: str, matcher: Optional[IndicatorMatcher] = None) -> dict:
    """Read and understand one report; never raises: a failure is a failed document with a reason."""
    t0 = time.perf_counter()
    doc_id = sha[:16]
    row = dict(doc_id=doc_id, sha256=sha, source_file=source_file, file_name=path.name,
               format=SUFFIX_FORMAT.get(path.suffix.lower(), path.suffix.lstrip(".").lower()),
               schema_version=SCHEMA_VERSION, extractor_version=__version__, n_tables=0,
               n_indicator_values=0, n_budget_rows=0, n_findings=0)
    parts: dict[str, list[dict]] = {"tables": [], "indicators": [], "budgets": [], "findings": []}
    try:
        doc = read_document(path)
        row.update(format=doc.format, n_pages=doc.n_pages, status=doc.status, error=doc.error)
        if doc.status != "failed":
            _fill(doc, row, parts, matcher)
            if not parts["tables"] and doc.status == "ok":
                row["error"] = "no tables found"
    except Exception as exc:  # one bad document never stops the batch
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                   traceback="".join(traceback.format_exception(exc))[-2000:])
    row["ingested_at"] = datetime.now(timezone.utc)
    row["duration_s"] = round(time.perf_counter() - t0, 4)
    return {"document": row, **parts}


def _fill(doc: RawDocument, row: dict, parts: dict, matcher: Optional[IndicatorMatcher]) -> None:
    """Metadata, tables and facts of a readable document into the output rows."""
    meta = extract_metadata(document_lines(doc))
    row.update(instansi=meta.instansi, kecamatan=meta.kecamatan, kabupaten_kota=meta.kabupaten_kota,
               province=meta.province, report_year=meta.report_year)
    doc_id = row["doc_id"]
    ctx = DocContext(doc_id=doc_id, report_year=meta.report_year, kecamatan=meta.kecamatan,
                     kabupaten_kota=meta.kabupaten_kota, instansi=meta.instansi)
    results = understand(doc, ctx)
    common = dict(doc_id=doc_id, kecamatan=meta.kecamatan, kabupaten_kota=meta.kabupaten_kota,
                  report_year=meta.report_year)
    source = "text" if doc.format in ("txt", "md") else doc.format
    names = assign_indicator_ids({f.indicator_raw for r in results for f in r.indicators}, matcher)
    for r in results:
        t = r.table
        parts["tables"].append(dict(
            doc_id=doc_id, table_id=r.table_id, table_number=t.caption.number, caption=t.caption.caption,
            kind=r.kind, page_start=t.pieces[0].page_start, page_end=t.pieces[-1].page_end,
            line_start=t.pieces[0].line_start, line_end=t.pieces[-1].line_end, n_rows=len(r.rows),
            n_cols=len(r.header.columns), header=r.header.labels))
        for f in r.indicators:
            name, ind_id, score = names.get(f.indicator_raw, (None, None, None))
            parts["indicators"].append(dict(common, table_id=r.table_id, table_kind=r.kind, indicator_name=name,
                                            indicator_id=ind_id, match_score=score, text_source=source,
                                            **asdict(f)))
        for b in r.budgets:
            parts["budgets"].append(dict(common, table_id=r.table_id, text_source=source, **asdict(b)))
    row.update(n_tables=len(parts["tables"]), n_indicator_values=len(parts["indicators"]),
               n_budget_rows=len(parts["budgets"]))


def _work(args: tuple) -> dict:
    """Process-pool entry point."""
    path, source_file, sha = args
    return process_file(Path(path), source_file, sha)


def ingest(paths: list[str], out: Path, workers: int = 1, force: bool = False, log=print) -> dict:
    """Ingest reports into the dataset at ``out``; returns counts for the summary."""
    files = collect_paths(paths)
    ds = Dataset(out)
    ds.ensure()
    known = ds.documents()
    by_sha = dict(zip(known["sha256"], known["doc_id"]))
    by_source = dict(zip(known["source_file"], known["doc_id"]))
    todo = []
    skipped = 0
    for f in files:
        sha = sha256_of(f)
        if sha in by_sha and not force:
            skipped += 1
            continue
        old = by_source.get(str(f))
        if old and old != sha[:16]:
            ds.remove(old)  # the file changed: its old rows go
        todo.append((str(f), str(f), sha))
    stats = dict(files=len(files), skipped=skipped, ingested=0, failed=0, tables=0, values=0, budget_rows=0)
    results: Iterable[dict]
    if workers > 1 and len(todo) > 1:
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(_work, todo)
    else:
        pool = None
        results = map(_work, todo)
    try:
        for k, res in enumerate(results, 1):
            doc = res["document"]
            doc.pop("traceback", None)
            ds.write(doc, res)
            stats["ingested"] += 1
            stats["failed"] += doc["status"] == "failed"
            stats["tables"] += doc["n_tables"]
            stats["values"] += doc["n_indicator_values"]
            stats["budget_rows"] += doc["n_budget_rows"]
            mark = "FAILED " + str(doc.get("error")) if doc["status"] == "failed" else doc["status"]
            log(f"[{k}/{len(todo)}] {doc['file_name']}: {mark}, {doc['n_tables']} tables, "
                f"{doc['n_indicator_values']} values, {doc['n_budget_rows']} budget rows")
    finally:
        if pool:
            pool.shutdown()
    return stats


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="lkjip",
        description="Turn Indonesian government performance reports (LKjIP/LKj/LAKIP) into a Parquet dataset.",
        epilog="Example: lkjip ingest data/raw --out data/parquet   (then: python -c \"import pandas as pd; "
               "print(pd.read_parquet('data/parquet/indicators').head())\")")
    p.add_argument("--version", action="version", version=f"lkjip {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    ing = sub.add_parser("ingest", help="read reports and write the dataset",
                         description="Read reports (.pdf, .docx, .txt, .md) and write/update the Parquet dataset. "
                                     "Unchanged files (same SHA-256) are skipped.")
    ing.add_argument("paths", nargs="*", default=["data/raw"], metavar="PATH",
                     help="files or folders (searched recursively); default data/raw")
    ing.add_argument("--out", default="data/parquet", type=Path, metavar="DIR", help="dataset folder (default data/parquet)")
    ing.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                     help="parallel worker processes (default: the machine's cores)")
    ing.add_argument("--force", action="store_true", help="re-extract documents already in the dataset")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return p


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the ``lkjip`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if hasattr(args, "handler"):
        return args.handler(args)
    if args.command == "ingest":
        if args.workers < 1:
            parser.error("--workers must be at least 1")
        try:
            stats = ingest(args.paths, args.out, args.workers, args.force,
                           log=lambda m: print(m, file=sys.stderr))
        except FileNotFoundError as exc:
            print(f"lkjip: {exc}. Give report files or folders, e.g. `lkjip ingest data/raw`.", file=sys.stderr)
            return EXIT_USAGE
        print(f"{stats['files']} files: {stats['ingested']} ingested, {stats['skipped']} unchanged (skipped), "
              f"{stats['failed']} failed | {stats['tables']} tables, {stats['values']} indicator values, "
              f"{stats['budget_rows']} budget rows -> {args.out}")
        return EXIT_FAILED if stats["failed"] else EXIT_OK
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
