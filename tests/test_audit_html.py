"""The audit's HTML report: self-contained, escapes what the reports contain, renders in a real browser."""
from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest

from lkjip.audit import audit_dataset, audit_document, read_frames
from lkjip.audit.report import content_security_policy, csp_source, render_html, write_html
from lkjip.pipeline import ingest

FIX = Path(__file__).parent / "fixtures"
EVIL = "<script>alert(1)</script>"


def _evil_frames():
    """A document whose cells and captions carry markup, with a capaian that does not add up."""
    base = dict(doc_id="e" * 16, table_id="e" * 16 + "-t001", row_index=0, line=12, page=None, level="sasaran",
                indicator_raw=f"Indeks {EVIL} Kepuasan", indicator_name=f"Indeks {EVIL} Kepuasan",
                indicator_id="x_evil", year=2022, kecamatan="Sukamaju", report_year=2022, comparator=None, unit=None)
    ind = pd.DataFrame([dict(base, measure="target", value=80.0, value_raw="80"),
                        dict(base, measure="realisasi", value=82.4, value_raw="<img src=x onerror=alert(2)>82,4"),
                        dict(base, measure="capaian", value=110.0, value_raw="110%")])
    tab = pd.DataFrame([dict(doc_id="e" * 16, table_id="e" * 16 + "-t001", table_number="",
                             caption="Capaian </style><script>alert(3)</script>", kind="target_realisasi",
                             line_start=10, line_end=12)])
    docs = pd.DataFrame([dict(doc_id="e" * 16, file_name="<b>evil</b>.txt", kecamatan="Suka<i>maju</i>",
                              report_year=2022)])
    return dict(documents=docs, tables=tab, indicators=ind, budgets=pd.DataFrame())


def test_everything_from_the_documents_is_escaped():
    frames = _evil_frames()
    findings = audit_document(frames["indicators"], None, frames["tables"])
    assert [f["check"] for f in findings] == ["capaian_mismatch"]
    page = render_html(findings, frames)
    assert page.count("<script") == 1  # ours only
    assert "alert(1)" in page and "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert "onerror=alert(2)" not in page.replace("&lt;img src=x onerror=alert(2)&gt;", "")
    assert "</style><script>" not in page and "<b>evil</b>" not in page and "<i>maju" not in page
    # self-contained: no external resources
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page and "<link" not in page


def test_empty_audit_page():
    page = render_html([], {"documents": pd.DataFrame(), "tables": pd.DataFrame()})
    assert "No findings" in page and page.count("<script") == 1


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browse(html: Path, *args: str) -> str:
    """Open a page in headless Chromium (a fresh profile, no background traffic); its stdout."""
    base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900"]
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(base + [f"--user-data-dir={profile}", *args, html.as_uri()],
                              capture_output=True, timeout=120, check=False, text=True).stdout


def _dump_dom(html: Path) -> str:
    """The DOM once the page has loaded (scripts run, images failed), serialised."""
    return _browse(html, "--dump-dom")


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (scripts/system_deps.sh browser installs it)")
def test_report_renders_in_headless_chromium(tmp_path):
    pytest.importorskip("PIL")
    from PIL import Image

    out = tmp_path / "ds"
    ingest([str(FIX / "seeds")], out, workers=1, log=lambda m: None)
    frames = read_frames(out)
    findings = audit_dataset(out, frames)
    evil = _evil_frames()
    findings += audit_document(evil["indicators"], None, evil["tables"])
    frames = {k: pd.concat([frames[k], evil[k]], ignore_index=True) if len(evil.get(k, [])) else frames[k]
              for k in frames}
    html = write_html(tmp_path / "report.html", findings, frames, source=str(out))
    png = tmp_path / "out.png"
    _browse(html, f"--screenshot={png}")
    dom = _dump_dom(html)
    assert png.exists() and png.stat().st_size > 10_000
    img = Image.open(png).convert("RGB")
    assert img.size == (1280, 900)
    colours = img.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 200, "screenshot looks blank"
    top = max(colours)[0] / (img.size[0] * img.size[1])
    assert top < 0.85, "one colour fills the screenshot"
    # the DOM holds the findings, grouped by document and table, and the filter script ran
    assert dom.count('class="finding') == len(findings)
    assert "Kecamatan Kedungkandang · 2023" in dom and "Tabel 3.10" in dom
    assert "is printed as 99,36% but 4,26 / 4,29 = 99,30%" in dom
    assert re.search(r"showing \d+ of \d+", dom)
    # the untrusted strings are text, never markup
    assert "alert(1)" in dom and "<script>alert" not in dom and "onerror=" not in dom.replace("onerror=alert(2)&gt;", "")


# --------------------------------------------------------------------------------------------
# Content-Security-Policy: were markup from a document ever to reach the page, it would not run


def _mark(vector: str) -> str:
    """Script that leaves a trace in the DOM (an attribute on <html>) naming the attack that ran."""
    return f"window.pwned=1;document.documentElement.setAttribute('data-pwned-{vector}','1')"


def _attacks(where: str) -> list[str]:
    """Strings that run script if they reach the page as markup (or a link), each naming where it was planted."""
    return [f"<script>{_mark(where + '-script')}</script>",
            f'<img src=x onerror="{_mark(where + "-img")}">',
            f'"><svg onload="{_mark(where + "-svg")}">',
            f"'><svg onload=\"{_mark(where + '-svg1')}\">",  # the page quotes its attributes with '
            f"javascript:{_mark(where + '-url')}"]


def _hostile_frames() -> tuple[list[dict], dict[str, pd.DataFrame]]:
    """Findings and a dataset whose every string a document gives (names, cells, captions, messages,
    refs, check names, file names, even a doc_id) carries the attacks."""
    did, tid = "f" * 16, "f" * 16 + "-t001"
    js_id = "javascript:" + _mark("docid")  # a doc_id becomes an id and a '#doc-…' link

    def a(where):
        return " ".join(_attacks(where))

    base = dict(doc_id=did, table_id=tid, row_index=0, line=12, page=None, level="sasaran",
                indicator_raw=f"Indeks {a('name')} Kepuasan", indicator_name="Indeks Kepuasan", indicator_id="x",
                year=2022, kecamatan="Sukamaju", report_year=2022, comparator=None, unit=None)
    ind = pd.DataFrame([dict(base, measure="target", value=80.0, value_raw=f"{a('target')} 80"),
                        dict(base, measure="realisasi", value=82.4, value_raw=f"{a('realisasi')} 82,4"),
                        dict(base, measure="capaian", value=110.0, value_raw=f"110% {a('capaian')}")])
    tab = pd.DataFrame([dict(doc_id=did, table_id=tid, table_number=a("number"), caption=a("caption"),
                             kind=a("kind"), line_start=10, line_end=12)])
    docs = pd.DataFrame([dict(doc_id=did, file_name=a("file") + ".txt", kecamatan=a("kecamatan"), report_year=2022,
                              instansi=a("instansi"), kabupaten_kota=a("kabupaten")),
                         dict(doc_id=js_id, file_name="x.pdf", kecamatan=None, report_year=None)])
    findings = audit_document(ind, None, tab)
    assert [f["check"] for f in findings] == ["capaian_mismatch"]
    findings += [dict(doc_id=did, table_id=tid, line=12, page=None, check="narrative_conflict", severity="warning",
                      message=f"Teks menyebut {a('message')}", expected=1.0, actual=2.0,
                      refs=_attacks("ref") + ["line 12"]),
                 dict(doc_id=did, table_id=None, line=None, page=3, check=_attacks("check")[0], severity="info",
                      message=a("info"), expected=None, actual=None, refs=None),
                 dict(doc_id=js_id, table_id=_attacks("tid")[4], line=None, page=None, check="parse_warning",
                      severity="info", message=a("jsdoc"), expected=None, actual=None, refs=[js_id])]
    return findings, dict(documents=docs, tables=tab, indicators=ind, budgets=pd.DataFrame())


def _traces(dom: str) -> dict[str, str]:
    """The attributes scripts set on <html> in a dumped DOM (the attacks' text elsewhere in the page
    names the same attributes: only the element's own count)."""
    return dict(re.findall(r'([\w-]+)="([^"]*)"', re.search(r"<html\b([^>]*)>", dom).group(1)))


def _inline(page: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)


def test_the_policy_allows_only_the_page_s_own_script_and_style():
    findings, frames = _hostile_frames()
    page = render_html(findings, frames, title="Audit " + _attacks("title")[0], source=_attacks("source")[2])
    metas = re.findall(r"<meta http-equiv='Content-Security-Policy' content=\"([^\"]*)\">", page)
    assert len(metas) == 1 and page.index(metas[0]) < page.index("<style>") < page.index("<script>")
    policy = dict(d.strip().split(" ", 1) for d in metas[0].split(";"))
    (script,), (style,) = _inline(page, "script"), _inline(page, "style")  # one of each: the page's own
    assert policy == {"default-src": "'none'", "script-src": csp_source(script), "style-src": csp_source(style),
                      "img-src": "data:", "base-uri": "'none'", "form-action": "'none'"}
    assert policy["script-src"].startswith("'sha256-") and metas[0] == content_security_policy()
    # every attack is text: no tag, handler or link of its own
    for bad in ("<svg", "<img", "onerror=\"", "onload=\"", "href=\"javascript", "href='javascript"):
        assert bad not in page
    assert page.count("<script") == 1 and "&lt;script&gt;window.pwned=1" in page
    assert " style=" not in page  # no inline style attributes: the style hash covers all the CSS


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (scripts/system_deps.sh browser installs it)")
def test_nothing_from_a_document_runs_in_chromium(tmp_path):
    findings, frames = _hostile_frames()
    html = write_html(tmp_path / "report.html", findings, frames, title="Audit " + _attacks("title")[0],
                      source=_attacks("source")[2])
    dom = _dump_dom(html)
    assert 'http-equiv="Content-Security-Policy"' in dom
    assert _traces(dom) == {"lang": "en", "data-filters": "on"}  # the page's script ran, nothing else
    assert re.search(rf"showing {len(findings)} of {len(findings)}\b", dom)
    assert "&lt;script&gt;window.pwned=1" in dom and "&lt;img src=x onerror=" in dom


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records every request it gets (a page under the policy must make none)."""
    hits: list[str] = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (scripts/system_deps.sh browser installs it)")
def test_injected_markup_does_not_run_nor_load_under_the_policy(tmp_path):
    """Markup planted in the rendered page itself (as if escaping had failed) runs and loads nothing,
    while a script whose hash the test adds to the policy runs and drives the filters; the same page
    without the policy runs and loads all of it (so the checks can see an attack that works)."""
    findings, frames = _hostile_frames()
    page = render_html(findings, frames)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    planted = (f"<script>{_mark('unhashed')}</script>"  # a script like ours, but not named in the policy
               f'<img src=x onerror="{_mark("img")}"><svg onload="{_mark("svg")}"></svg>'
               "<iframe src=\"javascript:parent.document.documentElement.setAttribute('data-pwned-iframe','1')\">"
               "</iframe>"
               f'<a id="jsurl" href="javascript:{_mark("url")}">link</a>'
               f'<img src="{url}/img"><link rel="stylesheet" href="{url}/css"><script src="{url}/js"></script>'
               f'<iframe src="{url}/frame"></iframe><form action="{url}/form"></form>')
    driver = ("var h=document.documentElement;h.setAttribute('data-driver','ran');"
              "var b=document.querySelector('#filters input[value=error]');b.checked=false;"
              "b.dispatchEvent(new Event('change'));"
              "h.setAttribute('data-header-bg',getComputedStyle(document.querySelector('header.top'))"
              ".backgroundImage.slice(0,15));"
              "document.getElementById('jsurl').click();")
    policy = content_security_policy()
    page = page.replace("<main class='wrap'>", "<main class='wrap'>" + planted) \
        .replace("</body>", f"<script>{driver}</script></body>") \
        .replace(policy, policy.replace("script-src ", f"script-src {csp_source(driver)} "))
    n_shown = sum(f["severity"] != "error" for f in findings)
    assert 0 < n_shown < len(findings)
    try:
        (tmp_path / "guarded.html").write_text(page, encoding="utf-8")
        dom = _dump_dom(tmp_path / "guarded.html")
        guarded_hits = list(_Recorder.hits)
        (tmp_path / "open.html").write_text(re.sub(r"<meta http-equiv='Content-Security-Policy'[^>]*>", "", page),
                                            encoding="utf-8")
        _Recorder.hits.clear()
        open_dom = _dump_dom(tmp_path / "open.html")
        open_hits = list(_Recorder.hits)
    finally:
        server.shutdown()
        server.server_close()
        _Recorder.hits.clear()
    # under the policy: our script and the hashed driver ran (filters work, the CSS applies), nothing else
    assert _traces(dom) == {"lang": "en", "data-filters": "on", "data-driver": "ran",
                            "data-header-bg": "linear-gradient"}
    assert re.search(rf"showing {n_shown} of {len(findings)}\b", dom)
    assert guarded_hits == []
    # without it the same page runs every planted script and loads every resource
    ran = {k[len("data-pwned-"):] for k in _traces(open_dom) if k.startswith("data-pwned-")}
    assert {"unhashed", "img", "svg", "iframe", "url"} <= ran, ran
    assert {"/img", "/css", "/js", "/frame"} <= set(open_hits), open_hits
