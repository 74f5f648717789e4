"""Compare OCR engines and image preparations on the scanned corpus: values recovered and seconds per page.

usage:
    python benchmarks/ocr_compare.py [CORPUS_DIR] [--golden DIR] [--configs tesseract,rapidocr]
                                     [--realworld PDF] [--rw-pages 1,15,30-32] [--every N] [--json OUT]
    python benchmarks/ocr_compare.py [CORPUS_DIR] --workers 2 [--configs ...] [--every N]

CORPUS_DIR (or env LKJIP_CORPUS; default ../shared/corpus/pdf) holds the ``*.scan.pdf`` renderings;
their answer keys are ``GOLDEN/<stem>.json`` (default: ``golden`` beside the corpus folder's parent).
Nothing is copied into the repository.

Values recovered: every numeric value of an answer key (performance cells with a value, budget
anggaran/realisasi/persen) is reduced to its number as printed ('80,43%' → '80,43',
'Rp. 12.143.000,00' → '12.143.000,00'); it counts as recovered when that string is a token of the
document's OCR text (tokens split at spaces, surrounding non-digits stripped). ``multiset`` uses each
OCR token once (a value printed twice must be read twice); ``set`` only asks that it occurs.
Seconds per page are wall time of render + prepare + recognition on one engine thread, plus the CPU
time (less disturbed by other work on the machine). ``--workers N`` measures pages per second on N
worker processes instead, with each worker's peak memory.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lkjip.extract.ocr import OcrSettings, ocr_words, prepare, render_page  # noqa: E402

NO_PREP = dict(min_dpi=20.0, target_dpi=20.0, deskew=False, denoise=False, remove_rules=False, orientation=False)
NATIVE = dict(min_dpi=20.0, target_dpi=20.0)
CONFIGS = {
    "tesseract": {},  # the defaults: ind+eng; upsample <250 dpi to 300, orientation, deskew
    "tesseract-noprep": NO_PREP,  # the page as rendered at its scan resolution
    "tesseract-native": NATIVE,  # the defaults without upsampling
    "tesseract-denoise": dict(denoise=True),  # + 3x3 median
    "tesseract-norules": dict(remove_rules=True),  # + rules erased
    "tesseract-denoise-norules": dict(denoise=True, remove_rules=True),
    "tesseract-denoise-native": dict(denoise=True, **NATIVE),
    "tesseract-400": dict(target_dpi=400.0, min_dpi=350.0),  # upsample further
    "tesseract-psm11": dict(psm=11),  # sparse text segmentation
    "tesseract-ind": dict(lang="ind"),  # Indonesian model alone
    "rapidocr": dict(engine="rapidocr"),  # same preparation (orientation by Tesseract OSD)
    "rapidocr-noprep": dict(engine="rapidocr", **NO_PREP),
}

# Hand-read values of two table pages of ../shared/realworld/jabar_psda_lkip_2016_scanned.pdf (100 dpi,
# 1-bit, both tables printed sideways): page 69 'Kebutuhan Dana/Pagu Indikatif (dlm juta)' for 2016 and
# 2017; page 101 target 'Keuangan (Rp)' and realisasi 'Keuangan (Rp)'. The scan loses some thousands dots
# ('130 680.588'), so these are compared by their digits only.
PSDA_KEYS = {
    69: ["759,47", "800,00", "7.312,52", "25.000,00", "9.126,70", "40.000,00", "33.363,58", "84.000,00",
         "21.103,37", "70.000,00"],
    101: ["9.397.783.840,00", "23.999.602.950,00", "7.857.752.700,00", "2.390.788.840,00", "142.500.000,00",
          "1.900.000.000,00", "452.094.000,00", "142.500.000,00", "3.376.314.000,00", "4.268.682.000,00",
          "8.232.028.058", "22.403.305.750", "7.078.529.064", "2.383.275.944", "130.680.588", "1.818.846.185",
          "451.413.566", "141.961.992", "2.932.911.868", "3.797.262.676"],
}

_KEY_NUM = re.compile(r"\d(?:[\d.,]*\d)?")
_EDGE = re.compile(r"^[^\d]+|[^\d]+$")


def key_values(golden: dict) -> list[str]:
    """The numbers as printed of an answer key's numeric cells and budget amounts."""
    out = []
    for p in golden.get("performance", []):
        if p.get("value") is None:
            continue
        m = _KEY_NUM.search(p.get("raw") or "")
        if m:
            out.append(m.group())
    for b in golden.get("budget", []):
        for k in ("anggaran", "realisasi", "persen"):
            m = _KEY_NUM.search((b.get("raw") or {}).get(k) or "")
            if m:
                out.append(m.group())
    return out


def tokens(text: str) -> list[str]:
    """OCR text → number-ish tokens with surrounding non-digits stripped."""
    out = []
    for t in text.split():
        t = _EDGE.sub("", t)
        if t:
            out.append(t)
    return out


def recovered(keys: list[str], toks: list[str]) -> tuple[int, int]:
    """(found counting each OCR token once, found as a set) for the keys."""
    have = Counter(toks)
    multi = 0
    for k in keys:
        if have[k] > 0:
            have[k] -= 1
            multi += 1
    s = set(toks)
    return multi, sum(k in s for k in keys)


def parse_pages(spec: str, n: int) -> list[int]:
    """'1,5,10-12' → 0-based page indexes below n."""
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a) - 1, int(b)))
        else:
            out.append(int(part) - 1)
    return [i for i in out if 0 <= i < n]


def digit_tokens(text: str) -> list[str]:
    """OCR text → the digits of its number-ish tokens, a number split by spaces joined back."""
    text = re.sub(r"(?<=\d)[ .,](?=\d{3}\b)", "", text)  # '130 680.588' → '130680588'
    return [re.sub(r"\D", "", t) for t in tokens(text) if re.search(r"\d", t)]


def run_pdf(path: Path, settings: OcrSettings, pages: list[int] | None, every: int) -> dict:
    """OCR the chosen pages of one PDF; text (one line per page), timings, confidences, turns."""
    import pdfplumber
    texts, wall, cpu, confs, parts, turned = [], [], [], [], Counter(), 0
    with pdfplumber.open(str(path)) as pdf:
        idx = pages if pages is not None else list(range(0, len(pdf.pages), every))
        for i in idx:
            page = pdf.pages[i]
            t0, c0 = time.perf_counter(), time.process_time()
            img = render_page(page, settings)
            t1 = time.perf_counter()
            img = prepare(img, settings)
            turned += bool(img.info.get("ocr_rotation"))
            t2 = time.perf_counter()
            words = ocr_words(img, settings)
            t3 = time.perf_counter()
            wall.append(t3 - t0)
            cpu.append(time.process_time() - c0)
            parts["render"] += t1 - t0
            parts["prepare"] += t2 - t1
            parts["recognise"] += t3 - t2
            confs.extend(w.confidence for w in words)
            texts.append(" ".join(w.text for w in words).replace("\n", " "))
            page.close()
    return {"pages": len(idx), "idx": idx, "text": "\n".join(texts), "wall": wall, "cpu": cpu, "turned": turned,
            "parts": {k: v / max(len(idx), 1) for k, v in parts.items()},
            "mean_conf": statistics.fmean(confs) if confs else 0.0, "n_words": len(confs)}


_PDFS: dict = {}


def _ocr_one(job: tuple[str, int, dict]) -> tuple[float, int]:
    """Worker: OCR one page; (CPU seconds, peak RSS of this worker in KiB)."""
    import resource

    import pdfplumber
    path, i, cfg = job
    s = OcrSettings(**cfg)
    pdf = _PDFS.get(path)
    if pdf is None:
        pdf = _PDFS[path] = pdfplumber.open(path)
    c0 = time.process_time()
    page = pdf.pages[i]
    ocr_words(prepare(render_page(page, s), s), s)
    page.close()
    return time.process_time() - c0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def throughput(scans: list[Path], cfg: dict, workers: int, every: int) -> dict:
    """Pages per second with ``workers`` processes (one engine thread each) and their peak memory."""
    import multiprocessing as mp

    import pdfplumber
    jobs = []
    for pdf in scans:
        with pdfplumber.open(str(pdf)) as p:
            jobs += [(str(pdf), i, cfg) for i in range(0, len(p.pages), every)]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(workers) as pool:
        res = pool.map(_ocr_one, jobs, chunksize=1)
    wall = time.perf_counter() - t0
    return {"workers": workers, "pages": len(jobs), "wall_s": wall, "pages_per_s": len(jobs) / wall,
            "cpu_per_page": statistics.fmean(r[0] for r in res), "peak_rss_mb": max(r[1] for r in res) / 1024}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", nargs="?", default=os.environ.get("LKJIP_CORPUS", "../shared/corpus/pdf"))
    ap.add_argument("--golden", default=None, help="answer keys folder (default: CORPUS/../../golden)")
    ap.add_argument("--configs", default="tesseract,rapidocr", help=f"comma list of {', '.join(CONFIGS)}")
    ap.add_argument("--files", default="*.scan.pdf", help="glob of the scans in CORPUS")
    ap.add_argument("--every", type=int, default=1, help="OCR every N-th page of the corpus scans")
    ap.add_argument("--realworld", default=None, help="a scanned PDF without answer key: time and confidence")
    ap.add_argument("--rw-pages", default="5,20,45,69,101,108,120,140", help="1-based pages of --realworld")
    ap.add_argument("--json", default=None, help="write the full results here")
    ap.add_argument("--dump-text", default=None, help="folder to write each document's OCR text to")
    ap.add_argument("--workers", type=int, default=0,
                    help="instead of scoring: pages/s on N worker processes and their peak memory")
    a = ap.parse_args(argv)

    corpus = Path(a.corpus)
    golden = Path(a.golden) if a.golden else corpus.parent.parent / "golden"
    scans = sorted(corpus.glob(a.files))
    if not scans and not a.realworld:
        print(f"no {a.files} in {corpus}", file=sys.stderr)
        return 2
    if a.workers:
        for name in a.configs.split(","):
            r = throughput(scans, CONFIGS[name.strip()], a.workers, a.every)
            print(f"{name:18s} {r['workers']} workers  {r['pages']} pages in {r['wall_s']:.1f} s = "
                  f"{r['pages_per_s']:.2f} pages/s  (cpu {r['cpu_per_page']:.2f} s/page, "
                  f"peak worker RSS {r['peak_rss_mb']:.0f} MB)", flush=True)
        return 0
    results = []
    for name in a.configs.split(","):
        name = name.strip()
        if name not in CONFIGS:
            print(f"unknown config {name!r}; known: {', '.join(CONFIGS)}", file=sys.stderr)
            return 2
        s = OcrSettings(**CONFIGS[name])
        row = {"config": name, "docs": []}
        tot_keys = tot_multi = tot_set = 0
        walls, cpus = [], []
        for pdf in scans:
            stem = pdf.name.split(".")[0]
            gfile = golden / f"{stem}.json"
            keys = key_values(json.loads(gfile.read_text())) if gfile.is_file() else []
            r = run_pdf(pdf, s, None, a.every)
            multi, sset = recovered(keys, tokens(r["text"]))
            tot_keys += len(keys)
            tot_multi += multi
            tot_set += sset
            walls += r["wall"]
            cpus += r["cpu"]
            d = {"file": pdf.name, "pages": r["pages"], "keys": len(keys), "found_multiset": multi,
                 "found_set": sset, "s_per_page": statistics.fmean(r["wall"]),
                 "cpu_per_page": statistics.fmean(r["cpu"]), "parts": r["parts"],
                 "mean_conf": r["mean_conf"], "turned": r["turned"]}
            row["docs"].append(d)
            print(f"{name:18s} {pdf.name:36s} pages {r['pages']:3d}  values {multi}/{len(keys)} "
                  f"({100 * multi / max(len(keys), 1):.1f}%, set {100 * sset / max(len(keys), 1):.1f}%)  "
                  f"{d['s_per_page']:.2f} s/page (cpu {d['cpu_per_page']:.2f})  turned {r['turned']}  "
                  + " ".join(f"{k} {v:.2f}" for k, v in r["parts"].items()), flush=True)
            if a.dump_text:
                Path(a.dump_text).mkdir(parents=True, exist_ok=True)
                Path(a.dump_text, f"{name}.{pdf.stem}.txt").write_text(r["text"])
        if a.realworld:
            rw = Path(a.realworld)
            import pdfplumber
            with pdfplumber.open(str(rw)) as p:
                n = len(p.pages)
            r = run_pdf(rw, s, parse_pages(a.rw_pages, n), 1)
            keys, found = 0, 0
            if rw.name.startswith("jabar_psda_lkip_2016"):
                page_text = dict(zip(r["idx"], r["text"].split("\n")))
                for pno, vals in PSDA_KEYS.items():
                    if pno - 1 in page_text:
                        keys += len(vals)
                        found += recovered([re.sub(r"\D", "", v) for v in vals],
                                           digit_tokens(page_text[pno - 1]))[0]
            row["realworld"] = {"file": rw.name, "pages": r["pages"], "s_per_page": statistics.fmean(r["wall"]),
                                "keys": keys, "found": found, "turned": r["turned"],
                                "cpu_per_page": statistics.fmean(r["cpu"]), "parts": r["parts"],
                                "mean_conf": r["mean_conf"], "n_words": r["n_words"],
                                "numbers": sum(1 for t in tokens(r["text"]) if re.fullmatch(r"\d[\d.,]*", t))}
            print(f"{name:18s} {rw.name:36s} pages {r['pages']:3d}  values {found}/{keys} (digits)  "
                  f"{row['realworld']['s_per_page']:.2f} s/page (cpu {row['realworld']['cpu_per_page']:.2f})  "
                  f"mean conf {r['mean_conf']:.1f}  words {r['n_words']}  turned {r['turned']}  "
                  + " ".join(f"{k} {v:.2f}" for k, v in r["parts"].items()), flush=True)
            if a.dump_text:
                Path(a.dump_text).mkdir(parents=True, exist_ok=True)
                Path(a.dump_text, f"{name}.{rw.stem}.txt").write_text(r["text"])
        if scans:
            row.update(keys=tot_keys, found_multiset=tot_multi, found_set=tot_set,
                       s_per_page=statistics.fmean(walls), cpu_per_page=statistics.fmean(cpus), pages=len(walls))
            print(f"{name:18s} ALL  values {100 * tot_multi / max(tot_keys, 1):.1f}% (set "
                  f"{100 * tot_set / max(tot_keys, 1):.1f}%) of {tot_keys}  {row['s_per_page']:.2f} s/page "
                  f"(cpu {row['cpu_per_page']:.2f}) over {len(walls)} pages", flush=True)
        results.append(row)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
