"""Scanned renderings of reports that are not in ../shared, made the way real scans look.

usage:
    python benchmarks/scans.py pdf IN.pdf OUT.pdf [--pages 1,4-6] [--dpi 200] [--bitonal] [--seed 0]
    python benchmarks/scans.py text IN.txt OUT.pdf [--perturb SEED] [--digital DIGITAL.pdf] [--html OUT.html]
                                                   [--pages ...] [--dpi ...] [--bitonal] [--seed 0]

(a) ``scan_pdf``: every chosen page of a PDF is rendered with pypdfium2 at a scan resolution (135-300 dpi),
grayscale, put on grey paper, tilted by 0.3-0.8 degrees either way, blurred slightly, given gaussian noise
and dust specks and JPEG-compressed -- or made 1-bit at 100-150 dpi (Group 4), as fax-like archive scans
are. The result is an image-only PDF whose pages have the original's size. All of it is drawn from a
seeded RNG: the same seed gives the same file.

(b) ``text_report_pdf``: a text report (optionally perturbed with :func:`lkjip.synthetic.perturb`, so its
names, years and decimals are new) is read by the text reader, written as HTML (headings, paragraphs,
ruled ``<table border=1>``) and printed to PDF by headless Chromium; ``scan_pdf`` then scans that PDF.
"""
from __future__ import annotations

import argparse
import html
import io
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ocr_compare import parse_pages  # noqa: E402
from lkjip.model import RawDocument, RawTable  # noqa: E402

EPOCH = time.gmtime(946684800)  # fixed PDF dates: the same seed gives the same bytes
CSS = """@page { size: A4; margin: 2cm 1.8cm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 10.5pt; line-height: 1.35; }
h3 { font-size: 11.5pt; margin: 1.1em 0 0.4em; }
p { margin: 0.35em 0; text-align: justify; }
table { border-collapse: collapse; margin: 0.6em 0 1em; width: 100%; font-size: 9pt; }
td, th { border: 0.8pt solid #000; padding: 2pt 4pt; vertical-align: top; }
th { font-weight: bold; text-align: center; }
"""


@dataclass
class ScanStyle:
    """How one document is scanned: resolution, tilt, paper, noise, blur, compression, 1-bit or not."""

    dpi: float = 200.0
    angle: float = 0.5  # degrees, counter-clockwise
    paper: int = 234  # grey level of the paper
    ink: int = 35  # grey level of full black
    noise: float = 5.0  # gaussian noise, grey levels
    blur: float = 0.5  # gaussian blur radius, pixels
    quality: int = 60  # JPEG quality
    specks: int = 40  # dust specks per page
    bitonal: bool = False  # 1-bit (CCITT G4) instead of grayscale JPEG
    threshold: int = 150  # grey level below which a 1-bit pixel is black


def draw_style(rng: random.Random, dpi: Optional[float] = None, bitonal: bool = False) -> ScanStyle:
    """A scan style drawn from the ranges archive scans show (1-bit scans at 100-150 dpi)."""
    if dpi is None:
        dpi = rng.uniform(100, 150) if bitonal else rng.choice([135.0, 150.0, 200.0, 200.0, 300.0])
    return ScanStyle(dpi=round(dpi, 1), angle=rng.choice([-1, 1]) * rng.uniform(0.3, 0.8),
                     paper=rng.randint(222, 242), ink=rng.randint(20, 60), noise=rng.uniform(2.5, 7.0),
                     blur=rng.uniform(0.3, 0.8), quality=rng.randint(35, 75), specks=rng.randint(10, 80),
                     bitonal=bitonal, threshold=rng.randint(135, 165))


def render_gray(page, dpi: float):
    """A pypdfium2 page as a grayscale PIL image at ``dpi``."""
    return page.render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")


def degrade(gray, style: ScanStyle, rng: random.Random):
    """A clean grayscale page image made to look scanned (mode 'L', or '1' for a 1-bit scan)."""
    import numpy as np
    from PIL import Image, ImageFilter

    a = np.asarray(gray, dtype=np.float32)
    a = style.paper - (255.0 - a) * (style.paper - style.ink) / 255.0  # ink on grey paper
    img = Image.fromarray(a.clip(0, 255).astype(np.uint8), "L")
    img = img.rotate(style.angle, resample=Image.BICUBIC, fillcolor=style.paper)
    img = img.filter(ImageFilter.GaussianBlur(style.blur))
    nrng = np.random.default_rng(rng.getrandbits(32))
    a = np.asarray(img, dtype=np.float32) + nrng.normal(0.0, style.noise, (img.height, img.width))
    for _ in range(style.specks):
        y, x = int(nrng.integers(0, img.height)), int(nrng.integers(0, img.width))
        r = int(nrng.integers(1, 3))
        a[max(0, y - r + 1):y + r, max(0, x - r + 1):x + r] -= nrng.uniform(60, 180)
    a = a.clip(0, 255).astype(np.uint8)
    if style.bitonal:
        return Image.fromarray(a >= style.threshold).convert("1")
    return Image.fromarray(a, "L")  # JPEG-compressed when written (write_image_pdf)


def page_indexes(n: int, pages: Optional[str | list[int]]) -> list[int]:
    """0-based page indexes: all of ``n``, a 1-based spec such as '1,4-6', or a list of 0-based indexes."""
    if pages is None:
        return list(range(n))
    if isinstance(pages, str):
        return parse_pages(pages, n)
    return [i for i in pages if 0 <= i < n]


def scan_pdf(src: Path, out: Path, seed: int = 0, pages: Optional[str | list[int]] = None,
             style: Optional[ScanStyle] = None, dpi: Optional[float] = None, bitonal: bool = False) -> ScanStyle:
    """Write an image-only scan of ``src`` (chosen pages) to ``out``; returns the style it was scanned with."""
    import pypdfium2 as pdfium

    rng = random.Random(seed)
    style = style or draw_style(rng, dpi=dpi, bitonal=bitonal)
    doc = pdfium.PdfDocument(str(src))
    parts = []
    try:
        for i in page_indexes(len(doc), pages):
            page = doc[i]
            w_pt, h_pt = page.get_size()
            img = degrade(render_gray(page, style.dpi), style, rng)
            parts.append(image_pdf(img, (img.width * 72.0 / w_pt, img.height * 72.0 / h_pt), style.quality))
            page.close()
    finally:
        doc.close()
    if not parts:
        raise ValueError(f"{src}: no pages chosen")
    merge_pdfs(parts, out)
    return style


def image_pdf(img, dpi: tuple[float, float], quality: int = 75) -> bytes:
    """A one-page PDF of an image (grayscale as JPEG, 1-bit as G4), ``pixels / dpi`` inches in size."""
    buf = io.BytesIO()
    img.save(buf, "PDF", dpi=dpi, creationDate=EPOCH, modDate=EPOCH,
             **({} if img.mode == "1" else {"quality": quality}))
    return buf.getvalue()


def merge_pdfs(parts: list[bytes], out: Path) -> None:
    """Concatenate PDF files (bytes) into one at ``out`` (same parts, same bytes)."""
    import pikepdf

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    srcs = [pikepdf.open(io.BytesIO(data)) for data in parts]
    with pikepdf.new() as merged:
        for src in srcs:
            merged.pages.extend(src.pages)
        merged.save(str(out), deterministic_id=True)
    for src in srcs:
        src.close()


def page_subset(src: Path, out: Path, pages: Optional[str | list[int]]) -> int:
    """Copy the chosen pages of a PDF (text layer and all) to ``out``; returns how many."""
    import pikepdf

    with pikepdf.open(str(src)) as pdf, pikepdf.new() as new:
        idx = page_indexes(len(pdf.pages), pages)
        new.pages.extend(pdf.pages[i] for i in idx)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        new.save(str(out), deterministic_id=True)
    return len(idx)


# --------------------------------------------------------------------------------------------
# (b) text reports printed by Chromium


def perturbed_text(path: Path, seed: int) -> str:
    """A seed report made into another one: other kecamatan, years shifted, decimals changed."""
    from lkjip.synthetic import _own_kecamatan, perturb

    text = Path(path).read_text(encoding="utf-8")
    own = _own_kecamatan(text)
    return perturb(text, random.Random(seed), own) if own else text


def _cell_html(text: str, tag: str, span: int) -> str:
    """One table cell, escaped, with its column span."""
    attr = f' colspan="{span}"' if span > 1 else ""
    return f"<{tag}{attr}>{html.escape(text)}</{tag}>"


def _header_depth(table: RawTable) -> int:
    """Leading rows that hold no figure (header rows and the column-number row)."""
    n = 0
    for row in table.rows:
        texts = [t for t in row.texts if t.strip()]
        numbered = texts and all(t.strip().isdigit() and len(t.strip()) <= 2 for t in texts)
        if not numbered and any(any(ch.isdigit() for ch in t) for t in texts):
            break
        n += 1
    return min(n, len(table.rows) - 1) if len(table.rows) > 1 else 0


def _row_html(texts: list[str], header: bool, below: Optional[list[str]]) -> str:
    """A table row; in a header row a cell followed by empty cells spans them when the row below fills them."""
    tag = "th" if header else "td"
    cells, i = [], 0
    while i < len(texts):
        span = 1
        if header and texts[i].strip() and below is not None:
            while (i + span < len(texts) and not texts[i + span].strip()
                   and i + span < len(below) and below[i + span].strip()):
                span += 1
        cells.append(_cell_html(texts[i], tag, span))
        i += span
    return "<tr>" + "".join(cells) + "</tr>"


def table_html(table: RawTable) -> str:
    """A raw table as a ruled HTML table (header rows bold, column groups spanned)."""
    width = table.n_cols
    rows = [r.texts + [""] * (width - len(r.texts)) for r in table.rows]
    depth = _header_depth(table)
    out = ["<table border=1>"]
    for k, texts in enumerate(rows):
        below = rows[k + 1] if k + 1 < depth else None
        out.append(_row_html(texts, k < depth, below))
    out.append("</table>")
    return "\n".join(out)


def document_html(doc: RawDocument, title: str = "") -> str:
    """A read report as one HTML page: headings, paragraphs and ruled tables in reading order."""
    body = []
    for b in doc.blocks:
        if isinstance(b, RawTable):
            body.append(table_html(b))
        elif b.heading or b.bold or (len(b.text) < 70 and not b.text.rstrip().endswith((".", ":", ";", ","))):
            body.append(f"<h3>{html.escape(b.text)}</h3>")
        else:
            body.append(f"<p>{html.escape(b.text)}</p>")
    return (f"<!DOCTYPE html><html lang=id><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def chromium() -> Optional[str]:
    """The headless Chromium binary, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def print_pdf(html_file: Path, out: Path, timeout: float = 120.0) -> None:
    """Print an HTML file to PDF with headless Chromium (A4, no header or footer)."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium not installed (scripts/system_deps.sh browser installs it)")
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run",
                        f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={out}",
                        Path(html_file).resolve().as_uri()], capture_output=True, timeout=timeout, check=False)
    if not out.is_file() or out.stat().st_size == 0:
        raise RuntimeError(f"chromium did not print {html_file}")


def text_report_pdf(src: Path, out: Path, seed: Optional[int] = None, html_out: Optional[Path] = None) -> Path:
    """A text report (perturbed when ``seed`` is given) printed as a digital PDF with ruled tables."""
    from lkjip.extract import read_document
    from lkjip.extract.text import read_text_lines

    if seed is None:
        doc = read_document(Path(src))
    else:
        doc = read_text_lines(perturbed_text(src, seed))
    page = document_html(doc, title=Path(src).stem)
    with tempfile.TemporaryDirectory() as tmp:
        hfile = Path(html_out) if html_out else Path(tmp) / "report.html"
        hfile.parent.mkdir(parents=True, exist_ok=True)
        hfile.write_text(page, encoding="utf-8")
        print_pdf(hfile, out)
    return Path(out)


def main(argv: Optional[list[str]] = None) -> int:
    """Command line: scan a PDF, or print a text report and scan it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("pdf", "text"), help="pdf: scan a PDF; text: print a text report, then scan")
    ap.add_argument("src", type=Path)
    ap.add_argument("out", type=Path, help="the scanned PDF to write")
    ap.add_argument("--pages", default=None, help="1-based pages to keep, e.g. 1,4-6 (default all)")
    ap.add_argument("--dpi", type=float, default=None, help="scan resolution (default drawn: 135-300, 1-bit 100-150)")
    ap.add_argument("--bitonal", action="store_true", help="1-bit scan")
    ap.add_argument("--seed", type=int, default=0, help="seed of the scan's look")
    ap.add_argument("--perturb", type=int, default=None, help="text: perturb the report with this seed first")
    ap.add_argument("--digital", type=Path, default=None, help="text: keep the printed digital PDF here")
    ap.add_argument("--html", type=Path, default=None, help="text: keep the HTML here")
    a = ap.parse_args(argv)
    src = a.src
    with tempfile.TemporaryDirectory() as tmp:
        if a.kind == "text":
            src = text_report_pdf(a.src, a.digital or Path(tmp) / "digital.pdf", a.perturb, a.html)
        style = scan_pdf(src, a.out, seed=a.seed, pages=a.pages, dpi=a.dpi, bitonal=a.bitonal)
    print(f"{a.out}: " + ", ".join(f"{k} {round(v, 2) if isinstance(v, float) else v}"
                                   for k, v in asdict(style).items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
