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
import signal
import os
import resource
import sys
import time
import traceback
from functools import partial
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional

from lkjip import __version__
from lkjip.batch import Progress, Task, run_dask, run_here, run_local, run_one
from lkjip.limits import OCR_MODES, Limits, current as current_limits, flags as limit_flags
from lkjip.extract import SUFFIX_FORMAT, read_document
from lkjip.model import RawDocument
from lkjip.normalize.indicators import IndicatorMatcher, assign_indicator_ids
from lkjip.audit import audit_document, cross_document_frames, dataset_findings, prose_of, write_dataset_findings
from lkjip.canonical import relabel
from lkjip.normalize.metadata import extract_metadata
from lkjip.schema import SCHEMA_VERSION
from lkjip.store import Dataset
from lkjip.understand import DocContext, understand

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3
# Sub-commands beyond ingest: each module has register(subparsers), which adds its parser and
# sets a `handler(args) -> exit code` default on it.
COMMAND_MODULES: list[str] = ["lkjip.canonical", "lkjip.query", "lkjip.audit.cli"]


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
               n_indicator_values=0, n_budget_rows=0, n_findings=0, n_ocr_pages=0)
    parts: dict[str, list[dict]] = {"tables": [], "indicators": [], "budgets": [], "findings": []}
    try:
        doc = read_document(path)
        row.update(format=doc.format, n_pages=doc.n_pages, status=doc.status, error=doc.error,
                   n_ocr_pages=doc.n_ocr_pages)
        if doc.status != "failed":
            _fill(doc, row, parts, matcher)
            if not parts["tables"] and doc.status == "ok":
                row["error"] = "no tables found"
    except MemoryError:  # the worker's memory cap: this document fails, the worker lives on
        row.update(status="failed", error=f"out of memory while reading the document (worker memory cap "
                                          f"{current_limits().worker_memory_mb} MB; --memory-mb)")
    except Exception as exc:  # one bad document never stops the batch
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                   traceback="".join(traceback.format_exception(exc))[-2000:])
    if row.get("status") == "failed":  # a failed document has no rows, whatever was built before it failed
        parts = {name: [] for name in parts}
        row.update(n_tables=0, n_indicator_values=0, n_budget_rows=0, n_findings=0)
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
                                            indicator_id=ind_id, match_score=score,
                                            **dict(vars(f), text_source=f.text_source or source)))
        for b in r.budgets:
            parts["budgets"].append(dict(common, table_id=r.table_id, **dict(vars(b), text_source=b.text_source or source)))
    parts["findings"] = audit_document(parts["indicators"], parts["budgets"], parts["tables"], prose_of(doc),
                                       doc_id=doc_id)
    row.update(n_tables=len(parts["tables"]), n_indicator_values=len(parts["indicators"]),
               n_budget_rows=len(parts["budgets"]), n_findings=len(parts["findings"]))


def work(task: Task, limits: Limits, out: str) -> dict:
    """Worker entry point (process pool or Dask): read one document, write its parts, return its row."""
    res = run_one(task, limits, process_file)
    doc = res["document"]
    doc.pop("traceback", None)
    Dataset(Path(out)).write_parts(doc["doc_id"], res)
    return {"document": doc, "worker_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def plan(files: list[Path], ds: Dataset, force: bool) -> tuple[list[Task], int]:
    """Which files to (re-)ingest: new or changed ones (all with ``force``); removes rows of changed files."""
    known = ds.documents()
    by_sha = set(known["sha256"])
    by_source = dict(zip(known["source_file"], known["doc_id"]))
    todo: list[Task] = []
    seen: set[str] = set()
    stale = []
    for f in files:
        sha = sha256_of(f)
        if sha in seen or (sha in by_sha and not force):
            continue  # unchanged, or the same bytes under another name: one document
        seen.add(sha)
        old = by_source.get(str(f))
        if old and old != sha[:16]:
            stale.append(old)  # the file changed: its old rows go
        todo.append((str(f), str(f), sha))
    ds.remove(stale)
    return todo, len(files) - len(todo)


def ingest(paths: list[str], out: Path, workers: int = 1, force: bool = False, log=print,
           executor: str = "local", scheduler: Optional[str] = None, limits: Limits = Limits(),
           progress_stream=None, aliases: Optional[Path] = None, cores: Optional[int] = None) -> dict:
    """Ingest reports into the dataset at ``out``; returns counts for the summary. ``cores``: how many
    cores the batch may keep busy (worker processes plus OCR helper threads; default ``workers``)."""
    files = collect_paths(paths)
    ds = Dataset(out)
    ds.ensure()
    todo, skipped = plan(files, ds, force)
    stats = dict(files=len(files), skipped=skipped, ingested=0, failed=0, tables=0, values=0, budget_rows=0,
                 pages=0, ocr_pages=0, worker_peak_mb=0.0)
    fn = partial(work, out=str(out))
    if executor == "dask":
        results = run_dask(todo, scheduler, limits, fn)
    elif workers > 1 and len(todo) > 1:
        results = run_local(todo, min(workers, len(todo)), limits, fn, cores or workers)
    else:
        results = run_here(todo, cores or workers, limits, fn)  # in-process: no pool to start for one worker
    bar = Progress(len(todo), stream=progress_stream)
    try:
        for res in results:
            doc = res["document"]
            doc.setdefault("ingested_at", datetime.now(timezone.utc))
            doc.setdefault("schema_version", SCHEMA_VERSION)
            doc.setdefault("extractor_version", __version__)
            if "tables" in res:  # a worker that died wrote no parts: write the empty ones
                ds.write_parts(doc["doc_id"], res)
            ds.commit(doc)
            bar.update(doc)
            stats["ingested"] += 1
            stats["failed"] += doc["status"] == "failed"
            stats["tables"] += doc["n_tables"]
            stats["values"] += doc["n_indicator_values"]
            stats["budget_rows"] += doc["n_budget_rows"]
            stats["pages"] += doc.get("n_pages") or 0
            stats["ocr_pages"] += doc.get("n_ocr_pages") or 0
            stats["worker_peak_mb"] = max(stats["worker_peak_mb"], res.get("worker_rss_mb", 0))
            if doc["status"] == "failed":
                log(f"failed: {doc['source_file']}: {doc.get('error')}")
    finally:
        bar.close()
    if stats["ingested"]:
        relabel(ds, IndicatorMatcher(aliases=aliases) if aliases else None)
        write_dataset_findings(out, dataset_findings(cross_document_frames(out)))  # across documents
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
    ing.add_argument("--cores", type=int, metavar="N",
                     help="cores the batch may keep busy: the workers, and threads that OCR the pages of a scan "
                          "side by side when workers are idle (default: --workers; with 1, pages are read one "
                          "after another)")
    ing.add_argument("--force", action="store_true", help="re-extract documents already in the dataset")
    ing.add_argument("--aliases", type=Path, metavar="FILE",
                     help="your indicator alias YAML (extends/overrides the catalogue; see `lkjip indicators`)")
    ing.add_argument("--executor", choices=("local", "dask"), default="local",
                     help="local process pool (default) or a Dask distributed cluster (needs --scheduler)")
    ing.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786")
    ing.add_argument("--ocr", choices=OCR_MODES, default="auto",
                     help="read scanned PDF pages by OCR: the pages without a usable text layer (auto, the default), "
                          "every page (always) or none (never: scanned pages are reported as needing OCR)")
    lim = ing.add_argument_group("limits", "bounds on every document (a document past one is recorded as failed "
                                           "or partial with the limit named; the batch goes on)")
    for flag, name, kind, default, help_ in limit_flags():
        lim.add_argument(flag, dest=f"limit_{name}", type=kind, default=default,
                         metavar="MB" if flag.endswith("-mb") else "S" if "timeout" in flag else "N", help=help_)
    fg = sub.add_parser("forget", help="remove documents from the dataset",
                        description="Remove every row of the given documents (by doc_id or by source file path).")
    fg.add_argument("targets", nargs="+", metavar="DOC_ID|PATH")
    fg.add_argument("--data", default="data/parquet", type=Path, metavar="DIR")
    cp = sub.add_parser("compact", help="rewrite the dataset into a few large sorted files",
                        description="Rewrite each table folder into one file per report year, sorted by "
                                    "kabupaten/kota, kecamatan and document, and swap it in atomically.")
    cp.add_argument("--data", default="data/parquet", type=Path, metavar="DIR")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return p


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the ``lkjip`` command."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `lkjip ... | head` ends quietly
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if hasattr(args, "handler"):
        return args.handler(args)
    if args.command == "ingest":
        return _cmd_ingest(parser, args)
    if args.command == "forget":
        return _cmd_forget(args)
    if args.command == "compact":
        counts = Dataset(args.data).compact()
        print("compacted " + ", ".join(f"{n} {k}" for k, n in counts.items()) + f" -> {args.data}")
        return EXIT_OK
    return EXIT_USAGE


def _cmd_ingest(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """lkjip ingest."""
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.cores is not None and args.cores < args.workers:
        parser.error(f"--cores must be at least --workers ({args.workers})")
    if args.executor == "dask" and not args.scheduler:
        parser.error("--executor dask needs --scheduler tcp://HOST:PORT")
    try:
        limits = Limits(ocr=args.ocr, **{name: getattr(args, f"limit_{name}") for _, name, _, _, _ in limit_flags()})
    except ValueError as exc:
        parser.error(str(exc))
    try:
        stats = ingest(args.paths, args.out, args.workers, args.force, log=lambda m: print(m, file=sys.stderr),
                       executor=args.executor, scheduler=args.scheduler, limits=limits, aliases=args.aliases,
                       cores=args.cores)
    except FileNotFoundError as exc:
        print(f"lkjip: {exc}. Give report files or folders, e.g. `lkjip ingest data/raw`.", file=sys.stderr)
        return EXIT_USAGE
    print(f"{stats['files']} files: {stats['ingested']} ingested, {stats['skipped']} unchanged (skipped), "
          f"{stats['failed']} failed | {stats['tables']} tables, {stats['values']} indicator values, "
          f"{stats['budget_rows']} budget rows"
          + (f", {stats['ocr_pages']} of {stats['pages']} pages read by OCR" if stats["ocr_pages"] else "")
          + f" -> {args.out} (peak worker memory {stats['worker_peak_mb']:.0f} MB)")
    return EXIT_FAILED if stats["failed"] else EXIT_OK


def _cmd_forget(args: argparse.Namespace) -> int:
    """lkjip forget."""
    ds = Dataset(args.data)
    docs = ds.documents()
    ids = set()
    for t in args.targets:
        hit = docs[(docs.doc_id == t) | (docs.source_file == t) | (docs.sha256 == t)]
        if hit.empty and Path(t).exists():
            hit = docs[docs.sha256 == sha256_of(Path(t))]
        if hit.empty:
            print(f"lkjip: {t} is not in {args.data} (give a doc_id or the path it was ingested from)",
                  file=sys.stderr)
            return EXIT_USAGE
        ids.update(hit.doc_id)
    ds.remove(ids)
    print(f"removed {len(ids)} document(s) from {args.data}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
