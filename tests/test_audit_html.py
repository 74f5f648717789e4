"""The audit's HTML report: self-contained, escapes what the reports contain, renders in a real browser."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from lkjip.audit import audit_dataset, audit_document, read_frames
from lkjip.audit.report import render_html, write_html
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


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (scripts/ci_system_deps.sh installs it)")
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
    base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900"]
    png = tmp_path / "out.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(base + [f"--user-data-dir={profile}", f"--screenshot={png}", html.as_uri()],
                       capture_output=True, timeout=120, check=False)
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(base + [f"--user-data-dir={profile}", "--dump-dom", html.as_uri()],
                             capture_output=True, timeout=120, check=False, text=True).stdout
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
