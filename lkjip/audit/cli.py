"""``lkjip audit [--data DIR] [--html FILE]``: audit the dataset, summarise, write the cross-document findings.

Re-runs every per-document check from the stored frames (the text checks recorded at ingest are
kept), runs the checks across documents, writes those to ``DIR/findings/part-dataset.parquet``
(per-document parts are left as the ingest wrote them), prints a summary (counts per check and
severity, worst documents first) and, with ``--html``, writes a self-contained HTML report.
Exit status: 0 done (whatever was found), 2 usage error (no dataset at DIR).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from lkjip.audit import audit_dataset, dataset_findings, read_frames, write_dataset_findings
from lkjip.audit.checks import CHECK_NAMES
from lkjip.audit.report import CHECK_LABELS, write_html

EXIT_OK, EXIT_USAGE = 0, 2
_SEVS = ("error", "warning", "info")


def register(subparsers) -> None:
    """Add the ``audit`` sub-command."""
    p = subparsers.add_parser(
        "audit", help="flag figures that contradict each other (within and across reports)",
        description="Check the dataset for figures that do not add up: capaian vs realisasi/target, budget % and "
                    "totals, the same figure in two tables, text vs tables, and reports that disagree. Prints a "
                    "summary, writes the cross-document findings to DIR/findings/part-dataset.parquet and, with "
                    "--html, a self-contained report.")
    p.add_argument("--data", default=Path("data/parquet"), type=Path, metavar="DIR",
                   help="dataset folder (default data/parquet)")
    p.add_argument("--html", type=Path, metavar="FILE", help="write an HTML report to FILE (e.g. report.html)")
    p.add_argument("--top", type=int, default=15, metavar="N", help="documents listed in the summary (default 15)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Audit the dataset at ``args.data``; returns the exit status."""
    data = Path(args.data)
    if not (data / "documents").is_dir():
        print(f"lkjip audit: no dataset at {data} (expected {data / 'documents'}). Run `lkjip ingest --out {data}` "
              f"first, or give --data DIR.", file=sys.stderr)
        return EXIT_USAGE
    frames = read_frames(data)
    findings = audit_dataset(data, frames)
    cross = dataset_findings(frames)
    write_dataset_findings(data, cross)
    summary(findings, frames, top=getattr(args, "top", 15))
    if args.html:
        path = write_html(args.html, findings, frames, source=str(data))
        print(f"HTML report: {path}")
    return EXIT_OK


def _doc_name(d: dict, did: str) -> str:
    kec, year, fn = d.get("kecamatan"), d.get("report_year"), d.get("file_name")
    name = f"Kecamatan {kec}" if isinstance(kec, str) and kec else (fn or did)
    try:
        name += f" {int(year)}"
    except (TypeError, ValueError):
        pass
    return name


def summary(findings: list[dict], frames: dict, top: int = 15, file=None) -> None:
    """Counts per check and severity, then the documents with the most serious findings first."""
    file = file or sys.stdout
    docs = {r["doc_id"]: r for r in frames["documents"].to_dict("records")}
    per_check = Counter((f["check"], f["severity"]) for f in findings)
    per_doc: dict[str, Counter] = {}
    for f in findings:
        per_doc.setdefault(f.get("doc_id") or "", Counter())[f["severity"]] += 1
    order = sorted(per_doc, key=lambda d: (-per_doc[d]["error"], -per_doc[d]["warning"], -per_doc[d]["info"], d))
    checks = [c for c in CHECK_NAMES if any(per_check[(c, s)] for s in _SEVS)]
    checks += sorted({c for c, _ in per_check} - set(checks))
    totals = Counter(f["severity"] for f in findings)
    head = (f"{len(findings)} findings in {len(docs)} documents: {totals['error']} errors, "
            f"{totals['warning']} warnings, {totals['info']} info")
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain text
        Console = None
    if Console is not None:
        con = Console(file=file, highlight=False)
        con.print(f"[bold]{head}[/bold]")
        if checks:
            t = Table(title="Findings per check", title_justify="left", show_edge=False, pad_edge=False)
            t.add_column("check")
            t.add_column("error", justify="right", style="red")
            t.add_column("warning", justify="right", style="yellow")
            t.add_column("info", justify="right", style="cyan")
            for c in checks:
                t.add_row(c, *[str(per_check[(c, s)] or "") for s in _SEVS])
            con.print(t)
        if order:
            t = Table(title="Documents, worst first", title_justify="left", show_edge=False, pad_edge=False)
            t.add_column("document")
            t.add_column("file", style="dim")
            for s, st in zip(_SEVS, ("red", "yellow", "cyan")):
                t.add_column(s, justify="right", style=st)
            for d in order[:top]:
                m = docs.get(d, {})
                t.add_row(_doc_name(m, d), str(m.get("file_name") or ""), *[str(per_doc[d][s] or "") for s in _SEVS])
            con.print(t)
            if len(order) > top:
                con.print(f"… and {len(order) - top} more documents")
        return
    print(head, file=file)
    if checks:
        w = max(len(c) for c in checks)
        print(f"\n{'check':<{w}}  {'error':>7} {'warning':>7} {'info':>7}", file=file)
        for c in checks:
            print(f"{c:<{w}}  " + " ".join(f"{per_check[(c, s)]:>7}" for s in _SEVS), file=file)
    if order:
        print("\nDocuments, worst first:", file=file)
        for d in order[:top]:
            m = docs.get(d, {})
            counts = ", ".join(f"{per_doc[d][s]} {s}" for s in _SEVS if per_doc[d][s])
            print(f"  {_doc_name(m, d)} ({m.get('file_name') or d}): {counts}", file=file)
        if len(order) > top:
            print(f"  … and {len(order) - top} more documents", file=file)


__all__ = ["register", "run", "summary", "CHECK_LABELS"]
