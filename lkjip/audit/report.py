"""The audit as one self-contained HTML page: findings by document and table, with the cells as printed.

``render_html(findings, frames)`` returns the page; ``write_html(path, findings, frames)`` writes it.
No network: the CSS and the (small, optional) filtering script are inline, and the page reads fine
with scripts off. Every string that comes from a report (names, cells, captions, messages) is
HTML-escaped: report contents are untrusted. Behind the escaping, a Content-Security-Policy
(:func:`content_security_policy`) lets the browser run only the page's own script and style,
named by their SHA-256 hashes, and load nothing: were some markup ever to slip through, it would
still not run nor fetch anything.
"""
from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import pandas as pd

from lkjip.audit.checks import CHECK_NAMES, SEVERITY_RANK
from lkjip.store import atomic_path

CHECK_LABELS = {
    "capaian_mismatch": "Capaian ≠ realisasi / target",
    "persen_mismatch": "% ≠ realisasi / anggaran",
    "budget_overrun": "Realisasi > anggaran",
    "total_mismatch": "Total ≠ sum of rows",
    "cross_table_conflict": "Tables disagree",
    "narrative_conflict": "Text ≠ tables",
    "cross_document_conflict": "Reports disagree",
    "parse_warning": "Extraction doubt",
}
SEVERITY_LABELS = {"error": "Error", "warning": "Warning", "info": "Info"}
# what 'actual' and 'expected' mean for each check
_EA_LABELS = {
    "cross_table_conflict": ("this table", "other tables"),
    "cross_document_conflict": ("this report", "other report"),
    "narrative_conflict": ("text says", "tables give"),
    "total_mismatch": ("printed total", "sum of rows"),
    "budget_overrun": ("realisasi", "anggaran"),
}
_MAX_EVIDENCE = 8


def e(x) -> str:
    """HTML-escape anything (None -> '')."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return html.escape(str(x), quote=True)


def _isnum(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _fmt(x: Optional[float]) -> str:
    """A number in report format (1.234.567,89), with up to 4 decimals."""
    if not _isnum(x):
        return "–"
    if abs(x) >= 1e5 or float(x).is_integer():
        s = f"{x:,.0f}"
    else:
        three = abs(x * 1000 - round(x * 1000)) < 1e-6 and abs(x * 100 - round(x * 100)) > 1e-6
        s = f"{x:,.{3 if three else 2}f}"
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _records(df: Optional[pd.DataFrame]) -> list[dict]:
    if df is None or not len(df):
        return []
    return df.astype(object).where(df.notna(), None).to_dict("records")


def _ref_positions(f: dict) -> tuple[set[int], set[int], set[str]]:
    """Lines, pages and table ids a finding points at (its own position and its refs in this document)."""
    lines, pages, tabs = set(), set(), set()
    if _isnum(f.get("line")):
        lines.add(int(f["line"]))
    if _isnum(f.get("page")):
        pages.add(int(f["page"]))
    if f.get("table_id"):
        tabs.add(f["table_id"])
    for r in f.get("refs") or []:
        r = str(r)
        m = re.fullmatch(r"(line|page) (\d+)", r)
        if m:
            (lines if m.group(1) == "line" else pages).add(int(m.group(2)))
        elif re.fullmatch(r"[0-9a-f]{16}-t\d+", r):
            tabs.add(r)
    return lines, pages, tabs


class _Evidence:
    """The cells as printed that a finding points at, looked up in the dataset's indicators and budgets."""

    def __init__(self, indicators: pd.DataFrame, budgets: pd.DataFrame, labels: dict[str, str]):
        self.labels = labels
        self.ind = defaultdict(list)
        for r in _records(indicators):
            self.ind[r.get("doc_id")].append(r)
        self.bud = defaultdict(list)
        for r in _records(budgets):
            self.bud[r.get("doc_id")].append(r)

    def rows(self, f: dict) -> list[dict]:
        """Printed rows for one finding: {'where', 'table', 'name', 'cells': [(label, raw)]}."""
        lines, pages, tabs = _ref_positions(f)
        if not lines and not pages:
            return []
        values = {round(v, 4) for v in (f.get("expected"), f.get("actual")) if _isnum(v)}
        out: dict[tuple, dict] = {}

        def hit(r) -> bool:
            if r.get("table_id") not in tabs:
                return False
            if _isnum(r.get("line")) and lines:
                return int(r["line"]) in lines
            if _isnum(r.get("page")) and pages and int(r["page"]) in pages:
                nums = [r.get(k) for k in ("value", "anggaran", "realisasi", "persen")]
                return any(_isnum(v) and round(v, 4) in values for v in nums)
            return False

        for r in self.ind.get(f.get("doc_id"), []):
            if not hit(r):
                continue
            key = ("i", r["table_id"], r.get("row_index"), r.get("indicator_raw"))
            row = out.setdefault(key, dict(
                where=_where(r), table=self.labels.get(r["table_id"], r["table_id"]), order=_order(r),
                name=r.get("indicator_raw") or r.get("indicator_name") or "", cells=[]))
            label = (r.get("measure") or "").replace("_", " ")
            if r.get("year"):
                label += f" {int(r['year'])}"
            if r.get("comparator"):
                label += f" ({r['comparator']})"
            row["cells"].append((label, _strip(r.get("value_raw")), r.get("value"), r.get("year")))
        for r in self.bud.get(f.get("doc_id"), []):
            if not hit(r):
                continue
            key = ("b", r["table_id"], r.get("row_index"))
            out[key] = dict(where=_where(r), table=self.labels.get(r["table_id"], r["table_id"]), order=_order(r),
                            name=r.get("name") or "",
                            cells=[(c, _strip(r.get(c + "_raw")), r.get(c), None)
                                   for c in ("anggaran", "realisasi", "persen") if r.get(c + "_raw") is not None])
        rows = sorted(out.values(), key=lambda x: x["order"])[:_MAX_EVIDENCE]
        years = {int(y) for y in re.findall(r"\b(20\d\d)\b", str(f.get("message") or ""))}
        for row in rows:
            if years and len(row["cells"]) > 4:  # long rows: the years the finding is about
                keep = [c for c in row["cells"] if c[3] is None or int(c[3]) in years]
                row["cells"] = keep or row["cells"]
            row["cells"] = [(lbl, raw, _isnum(v) and any(abs(v - x) <= 1e-6 * max(1.0, abs(x)) for x in values))
                            for lbl, raw, v, _ in row["cells"]]
        return rows


def _strip(raw) -> Optional[str]:
    """A cell as printed, without the markup of the text source ('<b>113.99%</b>' -> '113.99%')."""
    if raw is None:
        return None
    return re.sub(r"</?[A-Za-z][^<>]*>|\*\*", "", str(raw)).strip()


def _where(r: dict) -> str:
    if _isnum(r.get("line")):
        return f"line {int(r['line'])}"
    if _isnum(r.get("page")):
        return f"page {int(r['page'])}"
    return ""


def _order(r: dict) -> tuple:
    return (int(r["line"]) if _isnum(r.get("line")) else 0, int(r["page"]) if _isnum(r.get("page")) else 0,
            r.get("table_id") or "", r.get("row_index") or 0)


def _table_labels(tables: pd.DataFrame) -> dict[str, str]:
    out = {}
    for r in _records(tables):
        num, cap = (r.get("table_number") or "").strip(), (r.get("caption") or "").strip()
        out[r["table_id"]] = f"Tabel {num}" if num else (cap[:60] + ("…" if len(cap) > 60 else "") or r["table_id"])
    return out


def csp_source(text: str) -> str:
    """The CSP hash source (``'sha256-…'``) that allows one inline ``<script>`` or ``<style>`` whose
    content is exactly ``text``."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def content_security_policy(script: Optional[str] = None, style: Optional[str] = None) -> str:
    """The page's policy: nothing is loaded (no network, no frames, no plugins, no fonts), the only
    script and style allowed are the page's own (by hash, so an injected ``<script>``, an ``on…=``
    handler or a ``javascript:`` URL does not run), images only as ``data:`` URLs, and neither a
    ``<base>`` nor a form may send the page anywhere."""
    script = _JS if script is None else script
    style = _CSS if style is None else style
    return (f"default-src 'none'; script-src {csp_source(script)}; style-src {csp_source(style)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def render_html(findings: list[dict], frames: dict[str, pd.DataFrame], title: str = "LKjIP audit",
                source: Optional[str] = None) -> str:
    """The audit report page."""
    docs = {r["doc_id"]: r for r in _records(frames.get("documents"))}
    tables = frames.get("tables")
    tabs = {r["table_id"]: r for r in _records(tables)}
    labels = _table_labels(tables) if tables is not None else {}
    ev = _Evidence(frames.get("indicators"), frames.get("budgets"), labels)

    by_doc: dict[str, list[dict]] = defaultdict(list)
    for f in findings:
        by_doc[f.get("doc_id") or ""].append(f)

    def doc_rank(did):
        c = Counter(f["severity"] for f in by_doc[did])
        return (-c["error"], -c["warning"], -c["info"], str(docs.get(did, {}).get("file_name") or did))

    order = sorted(by_doc, key=doc_rank)
    sev_count = Counter(f["severity"] for f in findings)
    chk_count = Counter(f["check"] for f in findings)
    checks_present = [c for c in CHECK_NAMES if chk_count[c]] + sorted(c for c in chk_count if c not in CHECK_NAMES)

    out: list[str] = []
    w = out.append
    w("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>")
    # first in <head>, before anything it governs
    w(f"<meta http-equiv='Content-Security-Policy' content=\"{content_security_policy(_JS, _CSS)}\">")
    w("<meta name='viewport' content='width=device-width, initial-scale=1'>")
    w(f"<title>{e(title)}</title><style>{_CSS}</style></head><body>")
    w("<header class='top'><div class='wrap'>")
    w(f"<h1>{e(title)}</h1>")
    meta = [f"{len(order)} document{'s' if len(order) != 1 else ''}", f"{len(findings)} findings"]
    if source:
        meta.append(f"dataset <code>{e(source)}</code>")
    meta.append(datetime.now(timezone.utc).strftime("generated %Y-%m-%d %H:%M UTC"))
    w(f"<p class='meta'>{' · '.join(meta)}</p>")
    w("<div class='cards'>")
    plural = {"error": "errors", "warning": "warnings", "info": "info"}
    for s in ("error", "warning", "info"):
        w(f"<div class='card sev-{s}'><span class='n'>{sev_count[s]}</span><span class='l'>"
          f"{plural[s] if sev_count[s] != 1 else s}</span></div>")
    w("</div></div></header>")

    # filters (work with JS; without it everything is shown)
    w("<nav class='filters' id='filters'><div class='wrap'><div class='row'>")
    w("<div class='group'><span class='glabel'>Severity</span>")
    for s in ("error", "warning", "info"):
        w(f"<label class='chip sev-{s}'><input type='checkbox' data-filter='sev' value='{s}' checked>"
          f"{SEVERITY_LABELS[s]} <b>{sev_count[s]}</b></label>")
    w("</div><div class='group grow'><input type='search' id='q' placeholder='Search messages, tables, cells…' "
      "aria-label='Search findings'><span id='shown' class='shown'></span></div></div>")
    w("<div class='row'><div class='group'><span class='glabel'>Check</span>")
    for c in checks_present:
        w(f"<label class='chip'><input type='checkbox' data-filter='check' value='{e(c)}' checked>"
          f"{e(CHECK_LABELS.get(c, c))} <b>{chk_count[c]}</b></label>")
    w("</div></div></div></nav>")

    w("<main class='wrap'>")
    if not findings:
        w("<p class='empty'>No findings: the figures of these reports agree with each other.</p>")
    # contents
    if len(order) > 1:
        w("<section class='toc'><h2>Documents</h2><ol>")
        for did in order:
            d = docs.get(did, {})
            c = Counter(f["severity"] for f in by_doc[did])
            w(f"<li><a href='#doc-{e(did)}'>{e(_doc_title(d, did))}</a> "
              + "".join(f"<span class='pill sev-{s}'>{c[s]}</span>" for s in ("error", "warning", "info") if c[s])
              + "</li>")
        w("</ol></section>")
    for did in order:
        d = docs.get(did, {})
        fs = by_doc[did]
        c = Counter(f["severity"] for f in fs)
        w(f"<section class='doc' id='doc-{e(did)}'><div class='dochead'>")
        w(f"<h2>{e(_doc_title(d, did))}</h2>")
        sub = [x for x in (d.get("instansi"), d.get("kabupaten_kota"), d.get("file_name"),
                           f"doc_id {did}" if did else None) if x]
        w(f"<p class='sub'>{' · '.join(e(x) for x in sub)}</p>")
        names = {"error": ("error", "errors"), "warning": ("warning", "warnings"), "info": ("info", "info")}
        w("<p class='counts'>" + "".join(f"<span class='pill sev-{s}'>{c[s]} {names[s][c[s] != 1]}</span>"
                                         for s in ("error", "warning", "info") if c[s]) + "</p></div>")
        groups: dict[str, list[dict]] = defaultdict(list)
        for f in fs:
            groups[f.get("table_id") or ""].append(f)

        def gkey(tid):
            t = tabs.get(tid, {})
            pos = t.get("line_start") if _isnum(t.get("line_start")) else t.get("page_start")
            return (0 if tid else 1, int(pos) if _isnum(pos) else 10 ** 9, tid)

        for tid in sorted(groups, key=gkey):
            t = tabs.get(tid, {})
            w("<section class='table'>")
            if tid:
                span = _span(t)
                w(f"<h3><span class='tlabel'>{e(labels.get(tid, tid))}</span> "
                  f"<span class='cap'>{e(t.get('caption') or '')}</span></h3>")
                w(f"<p class='tmeta'>{e(span)}{' · ' if span else ''}{e((t.get('kind') or '').replace('_', ' '))}"
                  f" · <code>{e(tid)}</code></p>")
            else:
                w("<h3><span class='tlabel'>Text and whole report</span></h3>")
            for f in sorted(groups[tid], key=lambda f: (SEVERITY_RANK.get(f["severity"], 3),
                                                          f.get("line") or f.get("page") or 0)):
                _finding_html(w, f, ev)
            w("</section>")
        w("</section>")
    w("<p class='nores' id='nores' hidden>No finding matches the filters.</p>")
    w("</main><footer class='wrap'>lkjip audit · figures are quoted as printed in the reports; "
      "a finding names the line (text files) or page (PDF/DOCX) to open.</footer>")
    w(f"<script>{_JS}</script></body></html>")
    return "".join(out)


def _doc_title(d: dict, did: str) -> str:
    kec, year = d.get("kecamatan"), d.get("report_year")
    name = f"Kecamatan {kec}" if kec else (d.get("instansi") or d.get("file_name") or did or "Dataset")
    return f"{name} · {int(year)}" if _isnum(year) else name


def _span(t: dict) -> str:
    if _isnum(t.get("line_start")):
        a, b = int(t["line_start"]), t.get("line_end")
        return f"lines {a}–{int(b)}" if _isnum(b) and int(b) != a else f"line {a}"
    if _isnum(t.get("page_start")):
        a, b = int(t["page_start"]), t.get("page_end")
        return f"pages {a}–{int(b)}" if _isnum(b) and int(b) != a else f"page {a}"
    return ""


def _finding_html(w, f: dict, ev: _Evidence) -> None:
    sev, chk = f["severity"], f["check"]
    loc = (f"line {int(f['line'])}" if _isnum(f.get("line")) else
           f"page {int(f['page'])}" if _isnum(f.get("page")) else "")
    search = " ".join(str(x) for x in (f.get("message"), chk, loc) if x).lower()
    w(f"<article class='finding sev-{e(sev)}' data-sev='{e(sev)}' data-check='{e(chk)}' data-text='{e(search)}'>")
    w("<div class='fhead'>")
    w(f"<span class='badge sev-{e(sev)}'>{e(SEVERITY_LABELS.get(sev, sev))}</span>")
    w(f"<span class='check'>{e(CHECK_LABELS.get(chk, chk))}</span>")
    if loc:
        w(f"<span class='loc' title='where to open the report'>open at <b>{e(loc)}</b></span>")
    w("</div>")
    w(f"<p class='msg'>{e(f.get('message'))}</p>")
    if _isnum(f.get("expected")) or _isnum(f.get("actual")):
        a_lbl, x_lbl = _EA_LABELS.get(chk, ("printed", "expected"))
        w("<dl class='ea'>")
        if _isnum(f.get("actual")):
            w(f"<div><dt>{a_lbl}</dt><dd>{e(_fmt(f['actual']))}</dd></div>")
        if _isnum(f.get("expected")):
            w(f"<div><dt>{x_lbl}</dt><dd>{e(_fmt(f['expected']))}</dd></div>")
        if _isnum(f.get("expected")) and _isnum(f.get("actual")):
            w(f"<div><dt>difference</dt><dd>{e(_fmt(f['actual'] - f['expected']))}</dd></div>")
        w("</dl>")
    rows = ev.rows(f)
    if rows:
        w("<details class='cells' open><summary>Cells as printed</summary><table><tbody>")
        for r in rows:
            cells = "".join(f"<span class='cell{' hit' if hit else ''}'><span class='cl'>{e(lbl)}</span>"
                            f"<span class='cv'>{e(raw)}</span></span>" for lbl, raw, hit in r["cells"])
            w(f"<tr><th scope='row'><span class='w'>{e(r['where'])}</span><span class='t' title='{e(r['table'])}'>"
              f"{e(r['table'])}</span></th>"
              f"<td class='nm'>{e(r['name'])}</td><td class='cv-list'>{cells}</td></tr>")
        w("</tbody></table></details>")
    refs = [r for r in (f.get("refs") or []) if r]
    if refs:
        w(f"<p class='refs'>refs: {', '.join('<code>' + e(r) + '</code>' for r in refs[:14])}"
          f"{' …' if len(refs) > 14 else ''}</p>")
    w("</article>")


def write_html(path: Path, findings: list[dict], frames: dict[str, pd.DataFrame], title: str = "LKjIP audit",
               source: Optional[str] = None) -> Path:
    """Write the report atomically (temporary file renamed into place)."""
    path = Path(path)
    text = render_html(findings, frames, title=title, source=source)
    with atomic_path(path, ".html") as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


_CSS = """
:root{--ink:#1d2330;--mute:#5c6577;--line:#e3e6ec;--bg:#f6f7f9;--card:#fff;--err:#c62828;--err-bg:#fdecea;
--warn:#b26a00;--warn-bg:#fff4e0;--info:#3d5a80;--info-bg:#e8eef6;--acc:#24527a}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",
Roboto,"Noto Sans","Helvetica Neue",Arial,"Liberation Sans",sans-serif;font-feature-settings:"tnum" 1}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;color:var(--mute)}
.wrap{max-width:1180px;margin:0 auto;padding:0 24px}
header.top{background:linear-gradient(135deg,#1f3b57,#2f5f8a);color:#fff;padding:26px 0 22px}
header.top h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
header.top .meta{margin:0 0 16px;color:#d6e2ee;font-size:13.5px}
header.top code{color:#fff;background:rgba(255,255,255,.12);padding:1px 6px;border-radius:4px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:rgba(255,255,255,.96);color:var(--ink);border-radius:10px;padding:10px 18px;min-width:130px;
display:flex;align-items:baseline;gap:8px;box-shadow:0 1px 2px rgba(0,0,0,.15);border-left:5px solid}
.card .n{font-size:26px;font-weight:700}.card .l{color:var(--mute);font-size:13px;text-transform:uppercase;
letter-spacing:.05em}
.card.sev-error{border-color:var(--err)}.card.sev-warning{border-color:var(--warn)}.card.sev-info{border-color:var(--info)}
nav.filters{position:sticky;top:0;z-index:5;background:rgba(255,255,255,.97);border-bottom:1px solid var(--line);
backdrop-filter:saturate(1.4) blur(6px);padding:8px 0;box-shadow:0 2px 6px rgba(20,30,50,.05)}
nav.filters .wrap{display:flex;flex-direction:column;gap:7px}
nav.filters .row{display:flex;flex-wrap:wrap;gap:8px 22px;align-items:center}
.group{display:flex;flex-wrap:wrap;gap:6px;align-items:center}.group.grow{flex:1;min-width:240px}
.glabel{font-size:11.5px;text-transform:uppercase;letter-spacing:.06em;color:var(--mute);margin-right:2px}
.chip{display:inline-flex;align-items:center;gap:5px;border:1px solid var(--line);border-radius:999px;
padding:2px 9px 2px 6px;font-size:12.5px;cursor:pointer;background:#fff;user-select:none}
.chip b{font-weight:600;color:var(--mute)}.chip input{margin:0;accent-color:var(--acc)}
.chip.sev-error{border-color:#f2b8b5}.chip.sev-warning{border-color:#f3d19c}.chip.sev-info{border-color:#c3d0e3}
input[type=search]{flex:1;min-width:200px;font:inherit;font-size:14px;padding:4px 12px;border:1px solid #cfd5df;
border-radius:8px;outline:none}input[type=search]:focus{border-color:var(--acc);box-shadow:0 0 0 3px rgba(36,82,122,.15)}
.shown{font-size:13px;color:var(--mute);white-space:nowrap}
main{padding-top:22px;padding-bottom:30px}
.toc{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 20px;margin-bottom:22px}
.toc h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--mute);margin:4px 0 6px}
.toc ol{margin:0;padding-left:20px}.toc li{margin:3px 0}.toc a{color:var(--acc);text-decoration:none;font-weight:550}
.toc a:hover{text-decoration:underline}
.pill{display:inline-block;font-size:12px;font-weight:600;border-radius:999px;padding:0 8px;margin-left:6px;line-height:20px}
.pill.sev-error{background:var(--err-bg);color:var(--err)}.pill.sev-warning{background:var(--warn-bg);color:var(--warn)}
.pill.sev-info{background:var(--info-bg);color:var(--info)}
section.doc{margin:0 0 34px}
.dochead{border-bottom:2px solid var(--ink);padding-bottom:8px;margin-bottom:14px}
.dochead h2{margin:0;font-size:22px;letter-spacing:-.01em}
.dochead .sub{margin:2px 0 4px;color:var(--mute);font-size:13.5px}.dochead .counts{margin:0}
.dochead .counts .pill{margin:0 6px 0 0}
section.table{margin:0 0 18px}
section.table h3{font-size:16px;margin:18px 0 0;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.tlabel{font-weight:700;color:var(--acc)}.cap{font-weight:500;color:var(--ink)}
.tmeta{margin:0 0 8px;font-size:12.5px;color:var(--mute)}
article.finding{background:var(--card);border:1px solid var(--line);border-left:4px solid;border-radius:8px;
padding:12px 16px 10px;margin:8px 0;box-shadow:0 1px 1px rgba(20,30,50,.04)}
article.sev-error{border-left-color:var(--err)}article.sev-warning{border-left-color:var(--warn)}
article.sev-info{border-left-color:var(--info)}
.fhead{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin-bottom:4px}
.badge{font-size:11.5px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;border-radius:4px;padding:1px 7px}
.badge.sev-error{background:var(--err-bg);color:var(--err)}.badge.sev-warning{background:var(--warn-bg);color:var(--warn)}
.badge.sev-info{background:var(--info-bg);color:var(--info)}
.check{font-weight:600;font-size:14px}
.loc{margin-left:auto;font-size:13px;color:var(--mute)}.loc b{color:var(--ink);font-weight:650}
.msg{margin:2px 0 8px;max-width:95ch}
dl.ea{display:flex;gap:26px;margin:0 0 8px;flex-wrap:wrap}dl.ea div{display:flex;gap:7px;align-items:baseline}
dl.ea dt{font-size:11.5px;text-transform:uppercase;letter-spacing:.05em;color:var(--mute)}
dl.ea dd{margin:0;font-weight:650;font-variant-numeric:tabular-nums}
details.cells{margin:2px 0 6px}details.cells summary{cursor:pointer;font-size:12.5px;color:var(--mute);margin-bottom:4px}
details.cells table{border-collapse:collapse;width:100%;font-size:13px;table-layout:fixed}
details.cells th,details.cells td{border-top:1px solid var(--line);padding:5px 8px;vertical-align:top;text-align:left}
details.cells th{font-weight:600;width:170px}
details.cells th .w{display:block;white-space:nowrap}
details.cells th .t{display:block;font-weight:400;color:var(--mute);font-size:12px;overflow:hidden;text-overflow:ellipsis;
white-space:nowrap}
td.nm{width:30%;color:#2b3445;overflow-wrap:anywhere}
.cell{display:inline-flex;border:1px solid var(--line);border-radius:5px;margin:0 5px 4px 0;overflow:hidden}
.cell .cl{background:#f1f3f6;color:var(--mute);padding:1px 6px;font-size:11.5px}
.cell.hit{border-color:#e0a43a;box-shadow:0 0 0 1px #e0a43a}.cell.hit .cl{background:#fff1d6;color:#7a4b00}
.cell .cv{padding:1px 7px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px;
white-space:pre-wrap}
.refs{margin:0;font-size:12px;color:var(--mute)}
.empty,.nores{background:var(--card);border:1px dashed #cfd5df;border-radius:10px;padding:24px;text-align:center;color:var(--mute)}
footer{color:var(--mute);font-size:12.5px;padding-bottom:30px}
[hidden]{display:none!important}
@media print{nav.filters{display:none}header.top{background:none;color:var(--ink)}.card{box-shadow:none}}
"""

_JS = """
(function(){
  var boxes=[].slice.call(document.querySelectorAll('#filters input[type=checkbox]'));
  var q=document.getElementById('q'), shown=document.getElementById('shown'), nores=document.getElementById('nores');
  var items=[].slice.call(document.querySelectorAll('article.finding'));
  function on(kind){var s={};boxes.forEach(function(b){if(b.dataset.filter===kind&&b.checked)s[b.value]=1;});return s;}
  function apply(){
    var sev=on('sev'), chk=on('check'), t=(q.value||'').toLowerCase().trim(), n=0;
    items.forEach(function(a){
      var ok=sev[a.dataset.sev]&&chk[a.dataset.check]&&(!t||a.dataset.text.indexOf(t)>=0||a.textContent.toLowerCase().indexOf(t)>=0);
      a.hidden=!ok; if(ok)n++;
    });
    [].forEach.call(document.querySelectorAll('section.table'),function(s){s.hidden=!s.querySelector('article.finding:not([hidden])');});
    [].forEach.call(document.querySelectorAll('section.doc'),function(s){s.hidden=!s.querySelector('article.finding:not([hidden])');});
    shown.textContent='showing '+n+' of '+items.length;
    nores.hidden=n>0||items.length===0;
  }
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  q.addEventListener('input',apply);
  apply();
  document.documentElement.setAttribute('data-filters','on');
})();
"""
