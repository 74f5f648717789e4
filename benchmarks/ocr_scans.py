"""OCR ingest on scans: answer-key scores of the seed scans, agreement of unseen scans with their originals, speed.

usage:
    python benchmarks/ocr_scans.py [--parts seed,unseen,speed] [--quick] [--json OUT] [--keep DIR]
        [--corpus DIR] [--golden DIR] [--seed-files GLOB] [--realworld DIR] [--rw-pages N | --pages SPEC]
        [--reports N] [--every N] [--ingest-args "..."]

(i) seed: every ``CORPUS/*.scan.pdf`` (default ../shared/corpus/pdf) is ingested alone (``lkjip ingest FILE
    --out DIR --workers 1``) and scored by ``eval_golden.py`` (../shared/tools, else tests/fixtures) against
    its answer key: indicator and budget recall/precision per file, with the wall and CPU seconds per page;
    the values missed are counted by the page the ``.word.pdf`` rendering has them on, and the rows matching
    no value by their page, to show the lead where the reader loses them.
(ii) unseen: reports that are not in ../shared are scanned with ``benchmarks/scans.py`` and their rows
    compared with the rows of the digital original of the same pages: the PDFs with a text layer in
    $LKJIP_REALWORLD (default ../shared/realworld; ``*scanned*`` skipped; ``--rw-pages`` pages of their
    fullest budget and indicator tables, or ``--pages``), and ``--reports`` seed reports perturbed by
    ``lkjip.synthetic.perturb`` and printed by Chromium (:func:`scans.text_report_pdf`). A scan is grayscale
    JPEG at 135-300 dpi, every third one 1-bit at 100-150 dpi. An indicator row agrees when year, measure and
    value are equal and the indicator texts have a token-set similarity of at least 80; a budget row when
    anggaran and realisasi are equal and the names are that alike (``format_agreement._fuzzy_hits``).
    Recall = share of the original's rows found in the scan's, precision = share of the scan's rows found in
    the original's.
(iii) speed: seconds per OCR page on 1 worker (wall and CPU of the ingest process, from the seed runs),
    pages per second of one ``--workers 2`` ingest of the seed scans and of the longest one alone (its
    pages OCR'd on two threads: ``lkjip.extract.ocr_pool``; with its CPU seconds per page), and the peak
    memory of a worker (the ingest summary's 'peak worker memory').

``--quick``: the seed scan 002 only, 2 pages of 4 real reports, 1 perturbed report, and speed over every 3rd
page of the seed scans. Prints markdown tables; ``--json`` writes everything.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from benchmarks.format_agreement import _fuzzy_hits, keys  # noqa: E402
from benchmarks.scans import page_subset, scan_pdf, text_report_pdf  # noqa: E402

SHARED = ROOT.parent / "shared"
COUNTS = ("ind_rows", "ind_scan_rows", "ind_found", "ind_right", "bud_rows", "bud_scan_rows", "bud_found", "bud_right")
AGREE = 80  # token-set similarity of indicator texts / budget names that counts as the same row


def scorer() -> Path:
    """The answer-key scorer: ../shared/tools/eval_golden.py, else the copy in tests/fixtures."""
    shared = SHARED / "tools" / "eval_golden.py"
    return shared if shared.is_file() else ROOT / "tests" / "fixtures" / "eval_golden.py"


def run_ingest(paths: list[Path], out: Path, workers: int, extra: list[str]) -> dict:
    """One `lkjip ingest` in a fresh process: wall and CPU seconds, peak worker MB, its summary line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lkjip.pipeline", "ingest", *map(str, paths), "--out", str(out),
                           "--workers", str(workers), *extra], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    m = re.search(r"peak worker memory (\d+) MB", proc.stdout)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-300:]
    return {"wall_s": wall, "cpu_s": cpu, "worker_peak_mb": float(m.group(1)) if m else None,
            "load": round((load0 + os.getloadavg()[0]) / 2, 1),  # other work on the machine inflates wall times
            "exit": proc.returncode, "summary": summary, "stderr": proc.stderr[-2000:]}


def documents(dataset: Path) -> pd.DataFrame:
    """The documents table of a dataset (empty when there is none)."""
    p = Path(dataset) / "documents"
    return pd.read_parquet(p) if p.exists() else pd.DataFrame()


def ocr_pages(dataset: Path) -> int:
    """Pages read by OCR in a dataset (its documents' OCR page count when recorded, else all their pages)."""
    docs = documents(dataset)
    if not len(docs):
        return 0
    for col in ("n_ocr_pages", "ocr_pages"):
        if col in docs:
            return int(docs[col].fillna(0).sum())
    return int(docs.n_pages.fillna(0).sum())


def statuses(dataset: Path) -> str:
    """The documents' statuses (and errors) in one short string."""
    docs = documents(dataset)
    return "; ".join(_status(d) for d in docs.itertuples()) or "none"


def _status(doc) -> str:
    """A document's status, with its error when it has one."""
    return doc.status + (f" ({doc.error})" if isinstance(doc.error, str) and doc.error else "")


def pct(a: float, b: float) -> Optional[float]:
    """a / b in percent, one decimal (None when b is 0)."""
    return round(100.0 * a / b, 1) if b else None


# --------------------------------------------------------------------------------------------
# (i) seed scans against their answer keys


def score_golden(dataset: Path, golden: Path, file_stem: str) -> dict:
    """eval_golden.py's figures for one document of a dataset."""
    proc = subprocess.run([sys.executable, str(scorer()), str(dataset), str(golden), "--doc-map",
                           f"{golden.stem}={file_stem}", "--json"], capture_output=True, text=True, check=False)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": (proc.stderr or proc.stdout)[-500:]}
    o, d = report["overall"], report["documents"][0]
    return {"perf_recall": o["perf_recall"], "perf_precision": o["perf_precision"],
            "budget_recall": o["budget_recall"], "budget_precision": o["budget_precision"],
            "perf": f"{o['ph']}/{o['pg']}", "perf_out": o["po"], "budget": f"{o['bh']}/{o['bg']}",
            "budget_out": o["bo"], "meta_accuracy": o["meta_accuracy"],
            "perf_missed": d.get("perf_missed", []), "budget_missed": d.get("budget_missed", [])}


def _scorer_module():
    """eval_golden.py as a module (its matching functions)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("eval_golden", scorer())
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rows(dataset: Path, name: str, doc_file: str) -> pd.DataFrame:
    """One document's numeric indicator or budget rows of a dataset, indexed from 0."""
    docs = documents(dataset)
    df = pd.read_parquet(Path(dataset) / name)
    df = df[df.doc_id.isin(docs[docs.file_name == doc_file].doc_id)]
    keep = df.value.notna() if name == "indicators" else (df.anggaran.notna() | df.realisasi.notna())
    return df[keep].reset_index(drop=True)


def missed_pages(gold: dict, scan_ds: Path, scan_file: str, word_pdf: Path, work: Path) -> dict[str, dict]:
    """Answer-key values the scan missed (by the page the text-layer rendering has them on) and its rows that match
    no answer-key value (by their page)."""
    ev = _scorer_module()
    word_ds = work / "word" / word_pdf.stem
    if not (word_ds / "documents").exists():
        run_ingest([word_pdf], word_ds, 1, [])
    out = {}
    for name, key, match in (("indicators", "performance", ev.match_perf), ("budgets", "budget", ev.match_budget)):
        cells = [c for c in gold[key] if (c.get("value") is not None if key == "performance"
                                           else c.get("anggaran") is not None or c.get("realisasi") is not None)]
        scan = _rows(scan_ds, name, scan_file)
        _, missed, right = match(cells, scan)
        word = _rows(word_ds, name, word_pdf.name)
        pages = Counter()
        for cell in missed:
            used = match([cell], word)[2]
            pages[int(word.loc[min(used), "page"]) if used else "?"] += 1
        wrong = Counter(int(p) if pd.notna(p) else "?" for p in scan.drop(index=list(right)).page)
        out[name] = {"missed": _by_count(pages), "wrong": _by_count(wrong)}
    return out


def _by_count(pages: Counter) -> dict:
    """Page → count, most first."""
    return dict(sorted(pages.items(), key=lambda kv: -kv[1]))


def seed_part(scans: list[Path], golden_dir: Path, work: Path, extra: list[str]) -> list[dict]:
    """Ingest each seed scan alone on 1 worker and score it against its answer key."""
    rows = []
    for pdf in scans:
        stem = pdf.name.split(".")[0]
        out = work / "seed" / stem
        run = run_ingest([pdf], out, 1, extra)
        pages = ocr_pages(out)
        row = {"file": pdf.name, "pages": pages, "status": statuses(out), **run,
               "s_per_page": run["wall_s"] / pages if pages else None,
               "cpu_per_page": run["cpu_s"] / pages if pages else None}
        gold = golden_dir / f"{stem}.json"
        if gold.is_file():
            row.update(score_golden(out, gold, pdf.name.rsplit(".pdf", 1)[0]))
            word = pdf.with_name(f"{stem}.word.pdf")
            if word.is_file():
                row["missed_by_page"] = missed_pages(json.loads(gold.read_text()), out, pdf.name, word, work)
        rows.append(row)
        print(f"  seed {pdf.name}: {pages} pages in {run['wall_s']:.0f} s, indicators {row.get('perf_recall')}% / "
              f"{row.get('perf_precision')}%, budgets {row.get('budget_recall')}% / {row.get('budget_precision')}%",
              file=sys.stderr, flush=True)
    return rows


# --------------------------------------------------------------------------------------------
# (ii) unseen reports: scans against their digital originals


def row_pages(dataset: Path, n: int) -> dict[str, list[int]]:
    """Per document file name: up to ``n`` pages holding rows: budget and indicator tables taken in turn, fullest
    first, each from the first page of its run (a table continued without a header needs that page), a run
    taking at most half of the pages when the document has both kinds."""
    docs = documents(dataset)
    tables = pd.read_parquet(Path(dataset) / "tables")
    ind = pd.read_parquet(Path(dataset) / "indicators")
    bud = pd.read_parquet(Path(dataset) / "budgets")
    ind, bud = ind[ind.value.notna()], bud[bud.anggaran.notna() | bud.realisasi.notna()]
    out = {}
    for d in docs.itertuples():
        own = tables[(tables.doc_id == d.doc_id) & tables.page_start.notna()].sort_values("page_start")
        ranked = [list(df[df.doc_id == d.doc_id].table_id.value_counts().index) for df in (bud, ind)]
        pages: list[int] = []
        cap = max(1, n // 2) if all(ranked) else n  # pages one table run may take when both kinds are there
        for tid in (t for pair in _interleave(*ranked) for t in pair if t is not None and t in set(own.table_id)):
            first, last = _run_pages(own, tid)
            pages += [p for p in range(first, last + 1) if p not in pages][:max(0, min(cap, n - len(pages)))]
        out[d.file_name] = sorted(pages)
    return out


def _run_pages(tables: pd.DataFrame, tid: str) -> tuple[int, int]:
    """(first, last) page of a table together with the tables it continues (same header on the pages before)."""
    rows = tables.reset_index(drop=True)
    k = int(rows.index[rows.table_id == tid][0])
    last = int(rows.loc[k, "page_end"]) if pd.notna(rows.loc[k, "page_end"]) else int(rows.loc[k, "page_start"])
    while k > 0 and list(rows.loc[k - 1, "header"]) == list(rows.loc[k, "header"]) \
            and rows.loc[k - 1, "page_end"] in (rows.loc[k, "page_start"], rows.loc[k, "page_start"] - 1):
        k -= 1
    return int(rows.loc[k, "page_start"]), last


def _interleave(a: list, b: list) -> list[tuple]:
    """Pairs (a[0], b[0]), (a[1], b[1]), ... padded with None."""
    k = max(len(a), len(b))
    return list(zip(a + [None] * (k - len(a)), b + [None] * (k - len(b))))


def agreement(original: Path, scanned: Path) -> dict[str, dict]:
    """Per file stem: indicator and budget recall/precision of the scan's rows against the original's."""
    base, other = keys(str(original)), keys(str(scanned))
    res = {}
    for stem, (tik, tbk, _, _) in base.items():
        ik, bk = (other[stem][0], other[stem][1]) if stem in other else (Counter(), Counter())
        tb, sb = _budget_keys(tbk), _budget_keys(bk)
        res[stem] = _rates({"ind_rows": sum(tik.values()), "ind_scan_rows": sum(ik.values()),
                            "ind_found": _fuzzy_hits(tik, ik, AGREE), "ind_right": _fuzzy_hits(ik, tik, AGREE),
                            "bud_rows": sum(tbk.values()), "bud_scan_rows": sum(bk.values()),
                            "bud_found": _fuzzy_hits(tb, sb, AGREE), "bud_right": _fuzzy_hits(sb, tb, AGREE)})
    return res


def _rates(n: dict) -> dict:
    """Row counts with their recall and precision (indicators, budgets, both)."""
    return dict(n, ind_recall=pct(n["ind_found"], n["ind_rows"]), ind_precision=pct(n["ind_right"], n["ind_scan_rows"]),
                bud_recall=pct(n["bud_found"], n["bud_rows"]), bud_precision=pct(n["bud_right"], n["bud_scan_rows"]),
                all_recall=pct(n["ind_found"] + n["bud_found"], n["ind_rows"] + n["bud_rows"]),
                all_precision=pct(n["ind_right"] + n["bud_right"], n["ind_scan_rows"] + n["bud_scan_rows"]))


def _budget_keys(bk: Counter) -> Counter:
    """Budget keys (name, anggaran, realisasi) in the (a, b, c, text) shape ``_fuzzy_hits`` matches on."""
    return Counter({(a, r, "budget", name): n for (name, a, r), n in bk.items()})


def unseen_sources(realworld: Path, seeds: Path, n_reports: int, work: Path, files: int) -> list[tuple[str, Path]]:
    """(stem, digital PDF) of the unseen reports: real PDFs with a text layer, perturbed seeds printed by Chromium."""
    out = []
    if realworld.is_dir():
        digital = [p for p in sorted(realworld.glob("*.pdf")) if "scanned" not in p.name]
        out += [(pdf.stem.replace(".", "_"), pdf) for pdf in digital[:files]]
    for k, txt in enumerate(sorted(seeds.glob("*.txt"))[:n_reports]):
        stem = f"perturbed_{txt.name.split('_')[0]}_s{101 + k}"
        out.append((stem, text_report_pdf(txt, work / "printed" / f"{stem}.pdf", seed=101 + k)))
    return out


def unseen_part(sources: list[tuple[str, Path]], work: Path, n_pages: int, pages: Optional[str],
                extra: list[str], workers: int) -> list[dict]:
    """Scan the chosen pages of each unseen report; ingest originals and scans; their agreement per file."""
    full = work / "unseen" / "full"
    run_ingest([p for _, p in sources], full, workers, [])
    chosen = row_pages(full, n_pages)
    dig, scn = work / "unseen" / "digital", work / "unseen" / "scan"
    info = {}
    for k, (stem, pdf) in enumerate(sources):
        want = pages if pages else [p - 1 for p in chosen.get(pdf.name, [])]
        if not want:
            continue
        n = page_subset(pdf, dig / f"{stem}.pdf", want)
        style = scan_pdf(dig / f"{stem}.pdf", scn / f"{stem}.pdf", seed=1000 + k, bitonal=k % 3 == 2)
        info[stem] = {"file": pdf.name, "pages": n, "page_numbers": want if isinstance(want, str) else
                      [p + 1 for p in want], "dpi": style.dpi, "bitonal": style.bitonal,
                      "angle": round(style.angle, 2), "jpeg_quality": None if style.bitonal else style.quality}
    if not info:
        return []
    run_ingest(sorted(dig.glob("*.pdf")), work / "unseen" / "ds-digital", workers, [])
    run = run_ingest(sorted(scn.glob("*.pdf")), work / "unseen" / "ds-scan", workers, extra)
    scores = agreement(work / "unseen" / "ds-digital", work / "unseen" / "ds-scan")
    docs = documents(work / "unseen" / "ds-scan")
    status = {d.file_name.split(".")[0]: _status(d) for d in docs.itertuples()}
    rows = []
    for stem, meta in info.items():
        rows.append({"stem": stem, **meta, **scores.get(stem, {}), "status": status.get(stem, "missing")})
    for label, bitonal in (("ALL grayscale", False), ("ALL 1-bit", True)):
        part = {k: v for k, v in scores.items() if k in info and info[k]["bitonal"] == bitonal}
        if part:
            rows.append({"stem": label, **_total(part)})
    rows.append({"stem": "ALL", "scan_ingest": run, **_total(scores)})
    return rows


def _total(scores: dict[str, dict]) -> dict:
    """Recall/precision summed over the files."""
    t = Counter()
    for r in scores.values():
        t.update({k: r[k] for k in COUNTS})
    return _rates({k: t[k] for k in COUNTS})


# --------------------------------------------------------------------------------------------
# (iii) speed


def speed_part(scans: list[Path], work: Path, every: int, extra: list[str], seed_rows: list[dict]) -> dict:
    """Seconds per OCR page on 1 worker, pages/s on 2 workers over the seed scans and over the longest alone;
    peak memory per worker."""
    if every > 1:
        folder = work / "speed" / "pages"
        subset = []
        for pdf in scans:
            page_subset(pdf, folder / pdf.name, _every(pdf, every))
            subset.append(folder / pdf.name)
        scans = subset
    res = {"files": [p.name for p in scans], "every": every}
    if seed_rows and every == 1:
        one = {"wall_s": sum(r["wall_s"] for r in seed_rows), "cpu_s": sum(r["cpu_s"] for r in seed_rows),
               "worker_peak_mb": max((r["worker_peak_mb"] or 0) for r in seed_rows),
               "load": max(r["load"] for r in seed_rows)}
        pages = sum(r["pages"] for r in seed_rows)
    else:
        out = work / "speed" / "w1"
        one = run_ingest(scans, out, 1, extra)
        pages = ocr_pages(out)
    res["one_worker"] = {**one, "pages": pages, "s_per_page": one["wall_s"] / pages if pages else None,
                         "cpu_per_page": one["cpu_s"] / pages if pages else None}
    out = work / "speed" / "w2"
    two = run_ingest(scans, out, 2, extra)
    pages2 = ocr_pages(out)
    # pool workers are forked by the forkserver, not waited for by the ingest: their CPU is not counted
    res["two_workers"] = {**_speed(two, pages2), "cpu_per_page": None}
    longest = max(scans, key=lambda p: len(_every(p, 1)))
    out = work / "speed" / "w2-alone"
    res["one_scan_two_workers"] = {**_speed(run_ingest([longest], out, 2, extra), ocr_pages(out)), "file": longest.name}
    return res


def _speed(run: dict, pages: int) -> dict:
    """An ingest run with its pages per second and CPU seconds per page."""
    return {**run, "pages": pages, "pages_per_s": pages / run["wall_s"] if run["wall_s"] else None,
            "cpu_per_page": run["cpu_s"] / pages if pages else None}


def _every(pdf: Path, every: int) -> list[int]:
    """0-based indexes of every ``every``-th page of a PDF."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    n = len(doc)
    doc.close()
    return list(range(0, n, every))


# --------------------------------------------------------------------------------------------
# output


def _f(v, fmt: str = "{:.1f}") -> str:
    """A figure for a table cell ('-' when missing)."""
    return "-" if v is None else fmt.format(v)


def markdown(res: dict) -> str:
    """The results as markdown tables."""
    out = []
    if res.get("seed"):
        out += ["### Seed scans against the answer keys (1 worker each)", "",
                "| file | OCR pages | indicators recall | precision | budgets recall | precision | s/page wall | "
                "CPU s/page | worker MB | status |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in res["seed"]:
            out.append(f"| {r['file']} | {r['pages']} | {_f(r.get('perf_recall'))}% ({r.get('perf', '-')}) | "
                       f"{_f(r.get('perf_precision'))}% | {_f(r.get('budget_recall'))}% ({r.get('budget', '-')}) | "
                       f"{_f(r.get('budget_precision'))}% | {_f(r.get('s_per_page'), '{:.2f}')} | "
                       f"{_f(r.get('cpu_per_page'), '{:.2f}')} | {_f(r.get('worker_peak_mb'), '{:.0f}')} | "
                       f"{r['status']} |")
        out.append("")
        for r in res["seed"]:
            for name, pages in (r.get("missed_by_page") or {}).items():
                for what in ("missed", "wrong"):
                    if pages[what]:
                        out.append(f"- {r['file']} {name} {what} by page: " + ", ".join(
                            f"p{p} {n}" for p, n in list(pages[what].items())[:12]))
        out.append("")
    if res.get("unseen"):
        out += ["### Unseen reports: scan rows against the digital original's (same pages)", "",
                "| file | pages | scan | indicators recall | precision | budgets recall | precision | all recall | "
                "all precision | status |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in res["unseen"]:
            total = r["stem"].startswith("ALL")
            scan = "" if total else (f"{r['dpi']:.0f} dpi " + ("1-bit" if r["bitonal"] else
                                                                           f"JPEG q{r['jpeg_quality']}"))
            pages = "" if total else ",".join(map(str, r["page_numbers"])) if isinstance(
                r["page_numbers"], list) else r["page_numbers"]
            out.append(f"| {r['stem']} | {pages} | {scan} | {_f(r.get('ind_recall'))}% ({r.get('ind_found', 0)}/"
                       f"{r.get('ind_rows', 0)}) | {_f(r.get('ind_precision'))}% | {_f(r.get('bud_recall'))}% "
                       f"({r.get('bud_found', 0)}/{r.get('bud_rows', 0)}) | {_f(r.get('bud_precision'))}% | "
                       f"{_f(r.get('all_recall'))}% | {_f(r.get('all_precision'))}% | {r.get('status', '')} |")
        out.append("")
    if res.get("speed"):
        s = res["speed"]
        one, two, alone = s["one_worker"], s["two_workers"], s.get("one_scan_two_workers")
        out += ["### Speed over the seed scans" + (f" (1 page in {s['every']})" if s["every"] > 1 else ""), "",
                "| workers | OCR pages | wall s | s/page wall | CPU s/page | pages/s | peak MB per worker | "
                "load average |", "|---|---|---|---|---|---|---|---|",
                f"| 1 | {one['pages']} | {one['wall_s']:.0f} | {_f(one['s_per_page'], '{:.2f}')} | "
                f"{_f(one['cpu_per_page'], '{:.2f}')} | {_f(one['pages'] / one['wall_s'], '{:.2f}')} | "
                f"{_f(one['worker_peak_mb'], '{:.0f}')} | {one['load']} |"]
        for name, r in (("2", two), (f"2, {alone['file']} alone" if alone else "", alone)):
            if r:
                out.append(f"| {name} | {r['pages']} | {r['wall_s']:.0f} | - | {_f(r.get('cpu_per_page'), '{:.2f}')} | "
                           f"{_f(r['pages_per_s'], '{:.2f}')} | {_f(r['worker_peak_mb'], '{:.0f}')} | {r['load']} |")
        out.append("")
    return "\n".join(out)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the chosen parts and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="seed,unseen,speed", help="comma list of seed, unseen, speed")
    ap.add_argument("--quick", action="store_true", help="a subset: seed 002, 2 pages of 4 real PDFs, 1 perturbed "
                                                         "report, speed over every 3rd page")
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("LKJIP_CORPUS", SHARED / "corpus" / "pdf")))
    ap.add_argument("--golden", type=Path, default=SHARED / "golden")
    ap.add_argument("--seed-files", default=None, help="glob of the seed scans in CORPUS (default *.scan.pdf)")
    ap.add_argument("--realworld", type=Path, default=Path(os.environ.get("LKJIP_REALWORLD", SHARED / "realworld")))
    ap.add_argument("--rw-files", type=int, default=None, help="first N PDFs of REALWORLD (default all)")
    ap.add_argument("--rw-pages", type=int, default=None, help="pages per unseen report: its fullest tables "
                                                               "from their first page (default 4)")
    ap.add_argument("--pages", default=None, help="1-based pages of every unseen report instead, e.g. 1-5")
    ap.add_argument("--seeds", type=Path, default=ROOT / "tests" / "fixtures" / "seeds",
                    help="text reports to perturb and print")
    ap.add_argument("--reports", type=int, default=None, help="perturbed seed reports (default 3)")
    ap.add_argument("--every", type=int, default=None, help="speed: every N-th page of the seed scans (default 1)")
    ap.add_argument("--workers", type=int, default=2, help="workers of the unseen-report ingests")
    ap.add_argument("--ingest-args", default="", help="extra `lkjip ingest` options for the scans, e.g. '--ocr auto'")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it (default a temp one)")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args(argv)
    parts = {p.strip() for p in a.parts.split(",")}
    glob = a.seed_files or ("002_*.scan.pdf" if a.quick else "*.scan.pdf")
    scans = sorted(a.corpus.glob(glob))
    extra = shlex.split(a.ingest_args)
    rw_files = a.rw_files or (4 if a.quick else 100)
    n_pages = a.rw_pages or (2 if a.quick else 4)
    n_reports = a.reports if a.reports is not None else (1 if a.quick else 3)
    every = a.every or (3 if a.quick else 1)
    res: dict = {"args": {k: str(v) for k, v in vars(a).items()}}
    with tempfile.TemporaryDirectory() as tmp:
        work = a.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        if "seed" in parts:
            res["seed"] = seed_part(scans, a.golden, work, extra)
        if "unseen" in parts:
            sources = unseen_sources(a.realworld, a.seeds, n_reports, work, rw_files)
            res["unseen"] = unseen_part(sources, work, n_pages, a.pages, extra, a.workers)
        if "speed" in parts:
            all_scans = sorted(a.corpus.glob(a.seed_files or "*.scan.pdf"))
            seed_rows = res.get("seed") if not a.quick and len(res.get("seed") or []) == len(all_scans) else None
            res["speed"] = speed_part(all_scans, work, every, extra, seed_rows or [])
        res["total_s"] = time.perf_counter() - t0
    print(markdown(res))
    print(f"total {res['total_s']:.0f} s")
    if a.json:
        a.json.write_text(json.dumps(res, indent=1, default=str, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
