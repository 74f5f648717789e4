"""Hostile and broken inputs: every reader bounded, every failure explained, the batch goes on.

The files are built at test time by ``tests/hostile/generate.py`` (bombs are a few hundred
KB on disk and are refused before they expand). One batch of all of them (2 workers, the real pool
with its memory cap) is run once; each test below checks one kind of hostile file in it.
"""
from __future__ import annotations

import io
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from lkjip.batch import run_one
from lkjip.extract.docx import read_docx
from lkjip.extract.pdf import read_pdf
from lkjip.extract.text import decode, read_text
from lkjip.limits import Limits, document, pages_known
from lkjip.pipeline import ingest, main

from hostile import generate as gen  # tests/hostile/generate.py (tests/ is on sys.path under pytest)

ROW_KEYS = ["table_id", "row_index", "indicator_raw", "measure", "value", "value_raw", "year"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Every hostile case plus the good originals, ingested in one batch on 2 workers."""
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "in"
    cases = gen.build(folder)
    out = root / "out"
    err = io.StringIO()
    t0 = time.monotonic()
    old = sys.stderr
    sys.stderr = err
    try:
        code = main(["ingest", str(folder), "--out", str(out), "--workers", "2"])
    finally:
        sys.stderr = old
    elapsed = time.monotonic() - t0
    docs = pd.read_parquet(out / "documents")
    by_name = {}
    for _, row in docs.iterrows():
        by_name[str(Path(row.source_file).relative_to(folder))] = row
    return dict(cases={c.name: c for c in cases}, docs=docs, rows=by_name, code=code, out=out, folder=folder,
                stderr=err.getvalue(), elapsed=elapsed)


def _check(h, name):
    case, row = h["cases"][name], h["rows"][name]
    assert row.status == case.status, f"{name}: {row.status} ({row.error}), expected {case.status}"
    if case.reason:
        assert case.reason in (row.error or ""), f"{name}: reason {row.error!r} lacks {case.reason!r}"
    if case.status != "ok":
        assert row.error, f"{name}: {case.status} without a reason"
    return row


def _indicators(out: Path, doc_id: str) -> pd.DataFrame:
    ind = pd.read_parquet(out / "indicators")
    ind = ind[ind.doc_id == doc_id]
    return ind[ROW_KEYS].assign(table_id=ind.table_id.str.split("-").str[-1]).sort_values(
        ["table_id", "row_index", "measure", "year"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# the batch as a whole


def test_batch_records_every_file_once_and_goes_on(hostile):
    assert hostile["code"] == 3  # some failed
    docs = hostile["docs"]
    assert len(docs) == len(hostile["cases"]) == docs.source_file.nunique()
    assert "Traceback" not in hostile["stderr"]
    assert not docs.error.fillna("").str.contains("Traceback|Error:", regex=True).any()
    failed = docs[docs.status != "ok"]
    assert failed.error.notna().all() and (failed.error.str.len() > 10).all()
    for name, case in hostile["cases"].items():  # every case as generated, with its reason
        _check(hostile, name)
    good = hostile["rows"]["good-report.pdf"]
    assert good.status == "ok" and good.n_indicator_values > 20
    assert hostile["elapsed"] < 120


def test_good_reports_get_exactly_the_rows_they_get_alone(hostile, tmp_path):
    alone = tmp_path / "alone"
    for name in ("good-report.pdf", "good-report.txt"):
        (tmp_path / name).write_bytes((hostile["folder"] / name).read_bytes())
    ingest([str(tmp_path / "good-report.pdf"), str(tmp_path / "good-report.txt")], alone, log=lambda m: None)
    for name in ("good-report.pdf", "good-report.txt"):
        doc_id = hostile["rows"][name].doc_id
        pd.testing.assert_frame_equal(_indicators(hostile["out"], doc_id), _indicators(alone, doc_id))


# --------------------------------------------------------------------------------------------
# one test per hostile kind


def test_flate_bombs_are_refused_naming_the_limit(hostile):
    assert "--max-stream-mb" in _check(hostile, "flate-bomb.pdf").error
    assert "--max-stream-mb" in _check(hostile, "flate-bomb-chain.pdf").error  # /Filter [/Fl /Fl]
    assert "--max-total-mb" in _check(hostile, "flate-bomb-total.pdf").error
    # encrypted streams hide the bomb from the byte scan: the reader's own bounded inflate stops it
    assert "decompression bomb refused" in _check(hostile, "encrypted-bomb.pdf").error


def test_zip_bombs_are_refused_from_the_directory(hostile):
    assert re.search(r"expands to 1024 MB \(limit --max-stream-mb 256\)", _check(hostile, "zip-bomb.docx").error)
    assert "--max-zip-ratio 200" in _check(hostile, "zip-ratio-bomb.docx").error


def test_bombs_are_refused_before_they_expand(hostile):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB, a high-water mark
    t = time.monotonic()
    for name in ("flate-bomb.pdf", "flate-bomb-chain.pdf", "flate-bomb-total.pdf"):
        assert "decompression bomb refused" in read_pdf(hostile["folder"] / name).error
    for name in ("zip-bomb.docx", "zip-ratio-bomb.docx"):
        assert "zip bomb refused" in read_docx(hostile["folder"] / name).error
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 150, f"reading the bombs raised peak memory by {grown_mb:.0f} MB"
    assert time.monotonic() - t < 20


def test_cyclic_and_deep_page_trees_end(hostile):
    assert "cyclic page tree" in _check(hostile, "cyclic-pages.pdf").error
    assert _check(hostile, "cyclic-pages-with-page.pdf").n_pages == 1  # the page is read, the loop is not
    assert _check(hostile, "deep-page-tree.pdf").n_pages == 1  # 3000 levels: rebuilt flat


def test_damaged_pdfs_are_repaired_and_read(hostile):
    out = hostile["out"]
    clean = _indicators(out, hostile["rows"]["good-report.pdf"].doc_id)
    assert len(clean) > 20
    for name in ("junk-before-header.pdf", "broken-xref.pdf", "garbled-xref.pdf"):
        row = _check(hostile, name)
        assert row.n_pages == 29
        pd.testing.assert_frame_equal(_indicators(out, row.doc_id), clean)


def test_truncated_pdfs_say_how_many_pages_were_lost(hostile):
    row = _check(hostile, "truncated.pdf")
    assert row.status == "partial" and "4 of 6 pages lost" in row.error and row.n_pages == 6
    assert "no page could be recovered" in _check(hostile, "truncated-nothing-left.pdf").error


def test_files_that_are_not_what_they_say(hostile):
    assert _check(hostile, "error-page.pdf").error.startswith("HTML page saved as .pdf")
    assert "rename it to .docx" in _check(hostile, "word-as.pdf").error
    assert "not a PDF: zip archive" in _check(hostile, "archive.pdf").error
    assert "legacy Word .doc: convert it to .docx" in _check(hostile, "legacy.docx").error
    assert "PNG image" in _check(hostile, "image.docx").error
    assert _check(hostile, "empty.pdf").error == "empty file (0 bytes)"
    assert "empty file" in _check(hostile, "empty.txt").error


def test_encrypted_and_scanned_pdfs(hostile):
    assert _check(hostile, "password.pdf").error == "encrypted PDF: needs the user password"
    scanned = _check(hostile, "scanned.pdf")
    if scanned.status == "ok":  # the OCR engine is installed: both pages read by it
        assert scanned.n_ocr_pages == 2 and scanned.n_pages == 2
    else:
        assert "text layer" in scanned.error


def test_xml_attacks_in_docx_are_refused_and_nothing_is_read(hostile):
    for name in ("xxe.docx", "billion-laughs.docx"):
        assert "DOCTYPE or entity declarations refused" in _check(hostile, name).error
    everything = " ".join(pd.read_parquet(hostile["out"] / t).astype(str).to_csv() for t in ("documents", "tables"))
    assert "RAHASIA-XXE" not in everything and "lollol" not in everything


def test_table_grids_in_docx_are_capped(hostile):
    row = _check(hostile, "grid-span-bomb.docx")
    assert row.n_indicator_values > 20
    t0 = time.monotonic()
    doc = read_docx(hostile["folder"] / "grid-span-bomb.docx")
    assert time.monotonic() - t0 < 5
    assert any("limit --max-cells-per-row" in w for w in doc.warnings)
    assert max(len(r.cells) for t in doc.tables for r in t.rows) == 200
    with document(Limits(max_cells_per_row=8)):
        doc = read_docx(hostile["folder"] / "grid-span-bomb.docx")
    assert max(len(r.cells) for t in doc.tables for r in t.rows) == 8


@pytest.mark.parametrize("name", ["utf8-bom.txt", "utf16-bom.txt", "utf16le-nobom.txt", "utf16be-nobom.txt",
                                  "windows1252.txt", "latin1.txt"])
def test_text_in_other_encodings_gives_the_same_rows(hostile, name):
    case = hostile["cases"][name]
    row = _check(hostile, name)
    assert row.kecamatan == "Bantur" and row.report_year == 2019
    got = _indicators(hostile["out"], row.doc_id)
    want = _indicators(hostile["out"], hostile["rows"][case.same_as].doc_id)
    pd.testing.assert_frame_equal(got, want)
    names = set(got.indicator_raw)
    assert "Luas ruang terbuka hijau (km²) café" in names
    assert any("Desa Peñas" in n for n in names)
    assert set(got.value) >= {85.5, 86.25, 100.88, 12.5}


def test_binary_content_is_not_text(hostile):
    assert "binary content, not text" in _check(hostile, "binary.txt").error
    with pytest.raises(ValueError, match="not text"):
        decode(bytes(range(256)) * 50)


def test_long_lines_and_wide_rows_are_cut(hostile):
    row = _check(hostile, "long-lines.txt")
    assert row.n_indicator_values == 9
    doc = read_text(hostile["folder"] / "long-lines.txt")
    assert any("--max-line-chars" in w for w in doc.warnings)
    assert max(len(r.cells) for t in doc.tables for r in t.rows) == 200
    with document(Limits(max_cells_per_row=5, max_line_chars=100)):
        doc = read_text(hostile["folder"] / "long-lines.txt")
    assert max(len(r.cells) for t in doc.tables for r in t.rows) == 5


def test_odd_file_names_work_end_to_end(hostile):
    for name in ("Laporan $HOME; rm -rf (ñ) 'x' \"y\".txt", "sub dir (2019) $x/año; 2019.txt"):
        row = _check(hostile, name)
        assert row.source_file == str(hostile["folder"] / name) and row.n_indicator_values == 9
        assert row.file_name == Path(name).name
    names = {f.name for d in ("tables", "indicators") for f in (hostile["out"] / d).iterdir()}
    assert all(re.fullmatch(r"(part-[0-9a-f]{16}|part-dataset)\.parquet", n) for n in names), names
    target = str(hostile["folder"] / "sub dir (2019) $x" / "año; 2019.txt")
    assert main(["forget", target, "--data", str(hostile["out"])]) == 0
    assert target not in set(pd.read_parquet(hostile["out"] / "documents").source_file)


# --------------------------------------------------------------------------------------------
# the limits themselves


def test_limits_are_validated_and_named_on_the_command_line(capsys, tmp_path):
    with pytest.raises(ValueError, match="--max-pages"):
        Limits(max_pages=0)
    with pytest.raises(ValueError, match="--timeout-per-page"):
        Limits(timeout_per_page_s=float("nan"))
    with pytest.raises(SystemExit) as exc:
        main(["ingest", str(tmp_path), "--max-stream-mb", "-1"])
    assert exc.value.code == 2 and "--max-stream-mb" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["ingest", "--help"])
    text = capsys.readouterr().out
    for flag in ("--timeout", "--timeout-base", "--timeout-per-page", "--memory-mb", "--max-pages", "--max-stream-mb",
                 "--max-total-mb", "--max-zip-ratio", "--max-line-chars", "--max-cells-per-row"):
        assert flag in text


def test_page_and_stream_limits_from_the_command_line(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "three.pdf").write_bytes(gen.text_pdf([gen._page_text(i) for i in range(3)]))
    (tmp_path / "in" / "small-bomb.pdf").write_bytes(gen.pdf_file({
        1: b"<</Type/Catalog/Pages 2 0 R>>", 2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>",
        4: gen.stream(gen.flate_bomb(8), b"/Filter/FlateDecode")}))
    out = tmp_path / "out"
    assert main(["ingest", str(tmp_path / "in"), "--out", str(out), "--workers", "1", "--max-pages", "2",
                 "--max-stream-mb", "4"]) == 3
    docs = pd.read_parquet(out / "documents").set_index("file_name")
    assert docs.loc["three.pdf", "status"] == "partial" and "--max-pages" in docs.loc["three.pdf", "error"]
    assert docs.loc["small-bomb.pdf", "status"] == "failed"
    assert "more than 4 MB (limit --max-stream-mb 4)" in docs.loc["small-bomb.pdf", "error"]


def test_time_limit_grows_with_the_page_count():
    lim = Limits(timeout_base_s=60, timeout_per_page_s=2, doc_timeout_s=300)
    assert (lim.time_for(None), lim.time_for(9), lim.time_for(500)) == (60, 78, 300)
    lim = Limits(timeout_base_s=0.3, timeout_per_page_s=0.02, doc_timeout_s=5)

    def long_document(path, source_file, sha):
        pages_known(40)  # 0.3 s + 40 x 0.02 s = 1.1 s
        time.sleep(0.6)  # past the base, inside the scaled limit
        return {"document": {"status": "ok"}}

    assert run_one(("x.pdf", "x.pdf", "0" * 64), lim, long_document)["document"]["status"] == "ok"

    def stuck(path, source_file, sha):
        pages_known(10)  # 0.5 s
        time.sleep(3)

    t = time.monotonic()
    doc = run_one(("x.pdf", "x.pdf", "0" * 64), lim, stuck)["document"]
    assert time.monotonic() - t < 2
    assert doc["status"] == "failed" and "time limit of 0.5 s for 10 pages" in doc["error"]
    assert "--timeout-per-page" in doc["error"]
    # a PDF reader short of time keeps the pages it read: partial, with the limit named
    # 0.3 s for 29 pages: past opening the file, well short of reading them all on any machine
    with document(Limits(timeout_base_s=0.15, timeout_per_page_s=0.005)):
        doc = read_pdf(gen.GOOD_PDF)
    assert doc.status in ("partial", "failed")  # failed only when a loaded machine read no page at all
    assert re.search(r"time limit of [0-9.]+ s for 29 pages", doc.error) and "--timeout-per-page" in doc.error


def test_out_of_memory_names_the_cap(monkeypatch, tmp_path):
    from lkjip import pipeline

    def greedy(path):
        raise MemoryError()

    monkeypatch.setattr(pipeline, "read_document", greedy)
    p = tmp_path / "a.txt"
    p.write_text("x")
    with document(Limits(worker_memory_mb=512)):
        row = pipeline.process_file(p, str(p), "0" * 64)["document"]
    assert row["status"] == "failed" and "memory cap 512 MB; --memory-mb" in row["error"]


def test_watchdog_ends_a_worker_stuck_past_its_time_limit():
    code = ("import time; from lkjip import limits; limits.WATCHDOG_GRACE_S = 0; limits.start_watchdog(); "
            "limits._hard_deadline = time.monotonic(); time.sleep(10)")
    t = time.monotonic()
    res = subprocess.run([sys.executable, "-c", code], timeout=30)
    assert res.returncode == -9 and time.monotonic() - t < 8


# --------------------------------------------------------------------------------------------
# the audit's HTML report: markup from a report is text, never code


def test_script_in_a_report_cell_is_inert_in_the_html(tmp_path):
    evil = gen.REPORT.replace("Survey Kepuasan Masyarakat (skala ½–1)", "<script>alert(1)</script> Survey Kepuasan") \
        .replace("100,88%", "150%\t<img src=x onerror=alert(2)>")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "evil.txt").write_text(evil, encoding="utf-8")
    out = tmp_path / "out"
    ingest([str(tmp_path / "in")], out, log=lambda m: None)
    ind = pd.read_parquet(out / "indicators")
    assert ind.indicator_raw.str.contains("<script>alert(1)</script>", regex=False).any()
    html_path = tmp_path / "report.html"
    assert main(["audit", "--data", str(out), "--html", str(html_path)]) == 0
    page = html_path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("<script") == 1  # the report's own script only
