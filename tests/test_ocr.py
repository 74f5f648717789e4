"""OCR: which pages need it, image preparation (upsample, deskew, orientation, rules) and words with positions."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from PIL import Image, ImageFilter

from lkjip.extract import ocr
from lkjip.extract.ocr import OcrEngineMissing, OcrSettings

HERE = Path(__file__).parent
FIX = HERE / "fixtures" / "ocr"
PDF_FIX = HERE / "fixtures" / "pdf"

_spec = importlib.util.spec_from_file_location("ocr_make_fixtures", FIX / "make_fixtures.py")
mf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mf)

needs_engine = pytest.mark.skipif(not ocr.engine_available(),
                                  reason="OCR engine not installed: run scripts/system_deps.sh ocr")
NUMBERS = {t for row in mf.ROWS[1:] for t in row[2:]}
_EDGE = re.compile(r"^[^\d]+|[^\d]+$")


def core(text: str) -> str:
    """A token's number as printed without what surrounds it ('100,96%' → '100,96'): the percent sign of
    the synthetic font is often misread, which the number parsing downstream has to deal with."""
    return _EDGE.sub("", text)


CORES = {core(t) for t in NUMBERS}


def scanned(img: Image.Image, angle: float = 0.0, seed: int = 0, dpi: float = 200) -> Image.Image:
    """A clean rendering made to look scanned: grey paper, tilt (degrees counter-clockwise), noise, blur."""
    a = np.asarray(img, dtype=np.float64) * (232 - 30) / 255 + 30
    page = Image.fromarray(a.astype(np.uint8), "L")
    if angle:
        page = page.rotate(angle, resample=Image.BICUBIC, fillcolor=232)
    page = page.filter(ImageFilter.GaussianBlur(0.6))
    noisy = np.asarray(page, dtype=np.float64) + np.random.default_rng(seed).normal(0, 12, (page.height, page.width))
    out = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "L")
    out.info["dpi"] = (dpi, dpi)
    return out


def _center(box):
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


# --------------------------------------------------------------------------------------------
# settings and errors (no engine needed)


@pytest.mark.parametrize("kw", [dict(engine="abbyy"), dict(lang="ind; rm -rf"), dict(psm=14), dict(min_dpi=0),
                                dict(target_dpi=100.0), dict(max_skew=60), dict(deskew="yes"),
                                dict(min_confidence=101), dict(scan_coverage=0), dict(max_render_dpi=float("nan"))])
def test_settings_are_validated(kw):
    with pytest.raises(ValueError):
        OcrSettings(**kw)


def test_missing_language_data_says_how_to_install(monkeypatch):
    monkeypatch.setattr(ocr, "TESSDATA_DIRS", ())
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    with pytest.raises(OcrEngineMissing, match=r"OCR engine not installed: run scripts/system_deps\.sh ocr"):
        ocr.ocr_words(Image.new("L", (50, 50), 255), OcrSettings(lang="zzz"))


def test_missing_python_engine_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tesserocr", None)  # import fails
    with pytest.raises(OcrEngineMissing, match="run scripts/system_deps.sh ocr"):
        ocr.ocr_words(Image.new("L", (50, 50), 255), OcrSettings())
    assert not ocr.engine_available()


# --------------------------------------------------------------------------------------------
# which pages need OCR


@pytest.mark.parametrize("path, expected", [
    (PDF_FIX / "scan_2p.pdf", [True, True]),
    (PDF_FIX / "mixed_text_scan.pdf", [False, True]),
    (PDF_FIX / "rotate90.pdf", [False]),
    (FIX / "invisible_text_scan.pdf", [True]),  # render mode 3 text over a scan
    (FIX / "garbage_text.pdf", [True]),  # '(cid:1)(cid:2)…'
    (FIX / "shifted_text.pdf", [True]),  # '/DSRUDQ .LQHUMD'
    (FIX / "text_and_logo.pdf", [False]),  # text with a small image
])
def test_page_needs_ocr(path, expected):
    if not path.exists():
        pytest.skip(f"{path.name} not present")
    with pdfplumber.open(str(path)) as pdf:
        assert [ocr.page_needs_ocr(p) for p in pdf.pages] == expected


def test_text_pages_of_a_report_need_no_ocr():
    with pdfplumber.open(str(PDF_FIX / "000_bcca391e6c99a5d1.word.pdf")) as pdf:
        assert not any(ocr.page_needs_ocr(p) for p in pdf.pages[:8])


def test_text_layer_rules():
    words = "Laporan Kinerja Instansi Pemerintah tahun 2021 target 80,43 realisasi 81,20".split()
    assert not ocr.text_layer_needs_ocr(words, 0.0)
    assert ocr.text_layer_needs_ocr([], 1.0)  # a scan
    assert not ocr.text_layer_needs_ocr([], 0.1)  # a blank page with a small logo
    assert ocr.text_layer_needs_ocr(["(cid:3)(cid:4)(cid:5)"] * 10 + ["ok"], 0.0)
    assert ocr.text_layer_needs_ocr(["12"], 1.0)  # a page number stamped on a scan
    assert ocr.text_layer_needs_ocr(words, 1.0, invisible_only=True)
    assert not ocr.text_layer_needs_ocr(words, 1.0, invisible_only=True, settings=OcrSettings(ocr_invisible=False))


def test_rule_bars_at_word_edges_are_stripped():
    assert ocr._strip_bars("|80,43", 0.0, 60.0) == ("80,43", 10.0, 60.0)
    assert ocr._strip_bars("3,80|", 0.0, 50.0) == ("3,80", 0.0, 40.0)
    assert ocr._strip_bars("|", 0.0, 5.0)[0] == ""
    assert ocr._strip_bars("Nilai", 1.0, 2.0) == ("Nilai", 1.0, 2.0)


# --------------------------------------------------------------------------------------------
# image preparation


@pytest.mark.parametrize("angle", [0.5, -1.2, 2.0])
def test_deskew_recovers_the_angle(angle):
    img, _ = mf.table_page(150, size_in=(7.5, 4.6), prose=True, rules=True)
    est = ocr.estimate_skew(scanned(img, angle, dpi=150))
    assert abs(est - angle) <= 0.2, (angle, est)


def test_deskew_of_a_straight_page_is_small():
    img, _ = mf.table_page(150, size_in=(7.5, 4.6), prose=True)
    assert abs(ocr.estimate_skew(scanned(img, 0.0, dpi=150))) <= 0.1


def test_remove_rules_erases_lines_not_text():
    img, _ = mf.table_page(300, rules=True)
    clean, _ = mf.table_page(300, rules=False)
    out = np.asarray(ocr.remove_rules(img, 300))
    ink_out, ink_clean = (out < 128), (np.asarray(clean) < 128)
    ink_in = np.asarray(img) < 128
    assert ink_in.sum() > 1.5 * ink_clean.sum()  # the rules are a good part of the ink
    assert abs(int(ink_out.sum()) - int(ink_clean.sum())) < 0.1 * ink_clean.sum()


def test_rule_segments_find_the_table_grid():
    img, _ = mf.table_page(200, size_in=(7.5, 4.6), prose=True, rules=True)
    page = scanned(img, 0.0, dpi=200)
    edges = ocr.rule_segments(page)
    h = sorted(e["top"] for e in edges if e["orientation"] == "h")
    v = sorted(e["x0"] for e in edges if e["orientation"] == "v")
    y0 = (0.6 + 0.3 * len(mf.PROSE) - 0.08) * 72
    assert len(h) == len(mf.ROWS) + 1 and all(abs(t - (y0 + 0.4 * 72 * i)) <= 2 for i, t in enumerate(h)), h
    assert len(v) == len(mf.COLS_IN) + 1 and all(abs(x - (c - 0.1) * 72) <= 2 for x, c in zip(v, mf.COLS_IN)), v
    # a 1-bit scan has its rules erased by prepare(); they are still reported
    bit = Image.open(FIX / "bitonal_100dpi.png")
    prep = ocr.prepare(bit, OcrSettings(orientation=False))
    assert "ocr_rules" in prep.info and len(ocr.rule_segments(prep)) >= 8


def test_prepare_upsamples_low_resolution_and_keeps_dpi():
    img = Image.open(FIX / "bitonal_100dpi.png")
    s = OcrSettings(orientation=False)
    out = ocr.prepare(img, s)
    assert out.mode == "L" and out.info["dpi"][0] == pytest.approx(300)
    assert out.width == pytest.approx(img.width * 3, abs=1)


# --------------------------------------------------------------------------------------------
# words with positions


@needs_engine
def test_table_numbers_and_positions_from_a_tilted_noisy_scan():
    img, cells = mf.table_page(200, size_in=(7.5, 4.6), prose=True, rules=True)
    page = scanned(img, 0.5, dpi=200)
    prep = ocr.prepare(page)
    assert abs(prep.info["ocr_skew"] - 0.5) <= 0.2
    assert prep.info["ocr_rotation"] == 0
    words = ocr.ocr_words(prep)
    assert words and all(0 <= w.confidence <= 100 for w in words)
    by_text: dict[str, list] = {}
    for w in words:
        by_text.setdefault(core(w.text), []).append(w)
    wanted = [(t, box) for t, box in cells if t in NUMBERS]
    found = 0
    for text, box in wanted:
        cx, cy = _center(box)
        near = [w for w in by_text.get(core(text), []) if abs(_center((w.x0, w.top, w.x1, w.bottom))[0] - cx) <= 4
                and abs(_center((w.x0, w.top, w.x1, w.bottom))[1] - cy) <= 4]
        if near:
            found += 1
            w = near[0]
            assert abs(w.x0 - box[0]) <= 3, (text, w, box)
            assert abs(w.x1 - box[2]) <= 3 or not text.endswith("%"), (text, w, box)
            assert w.top <= box[1] + 3 and w.bottom >= box[3] - 3, (text, w, box)
    assert found >= 0.8 * len(wanted), (found, len(wanted), [w.text for w in words])
    # the words of one table row share a baseline-based box, like the words of a PDF text line
    for row in mf.ROWS[1:]:
        ws = [w for t in row[2:4] for w in by_text.get(core(t), [])]
        if len(ws) >= 2:
            assert max(w.bottom for w in ws) - min(w.bottom for w in ws) <= 1.5, ws
    prose = " ".join(w.text for w in words)
    assert "Pengukuran kinerja dilakukan" in prose


@needs_engine
def test_low_resolution_bitonal_scan_is_read():
    img = Image.open(FIX / "bitonal_100dpi.png")
    words = ocr.ocr_words(ocr.prepare(img, OcrSettings(orientation=False)))
    texts = {core(w.text) for w in words}
    assert len(CORES & texts) >= 0.8 * len(CORES), sorted(texts)
    # points: a 7.5 in wide page is 540 pt wide whatever the pixels
    assert max(w.x1 for w in words) <= 540 and min(w.x0 for w in words) >= 30


@needs_engine
@pytest.mark.parametrize("turn", [180, 90])
def test_turned_page_is_put_upright(turn):
    img, cells = mf.table_page(200, size_in=(7.5, 4.6), prose=True)
    page = scanned(img.rotate(-turn, expand=True), dpi=200)  # turned clockwise
    prep = ocr.prepare(page)
    assert prep.info["ocr_rotation"] == turn
    assert prep.width > prep.height  # back to the landscape table page
    texts = {core(w.text) for w in ocr.ocr_words(prep)}
    assert len(CORES & texts) >= 0.8 * len(CORES), sorted(texts)


@needs_engine
def test_ocr_page_of_a_scanned_pdf():
    with pdfplumber.open(str(PDF_FIX / "scan_2p.pdf")) as pdf:
        page = pdf.pages[0]
        words = ocr.ocr_page(page)
        w_pt, h_pt = float(page.width), float(page.height)
    assert isinstance(words, ocr.OcrPage) and len(words) > 50 and words.image is not None
    assert words.width == pytest.approx(w_pt, abs=1) and words.height == pytest.approx(h_pt, abs=1)
    assert words.rotation == 0 and words.dpi >= 250
    assert all(0 <= w.x0 < w.x1 <= w_pt + 1 and 0 <= w.top < w.bottom <= h_pt + 1 for w in words)
    text = " ".join(w.text for w in words)
    assert len(re.findall(r"[A-Za-z]{4,}", text)) > 30


def _w(text: str, x0: float, top: float, conf: float, width: float = 20.0, height: float = 10.0):
    from lkjip.extract.pdf import _Word
    return _Word(text, x0, x0 + width, top, top + height, height, False, conf)


def test_a_cell_read_again_is_kept_only_when_it_loses_nothing():
    from lkjip.extract.pdf import _better_reading
    old = [_w("97,95", 10, 0, 89), _w(":", 5, 14, 0, 2, 14), _w("100", 10, 28, 97)]
    assert not _better_reading(old, [_w("97,95", 10, 0, 91), _w("400", 10, 28, 47)], 80)  # a sure '100' misread
    old = [_w("62%", 10, 0, 96), _w(".", 12, 14, 73, 2, 14), _w("100%", 10, 28, 90)]
    assert not _better_reading(old, [_w("62%", 10, 0, 97)], 80)  # a line lost
    old = [_w("Yo", 0, 0, 51), _w("Penyerapan", 25, 0, 96), _w("Anggaran", 25, 4, 97, height=16)]
    new = [_w("Yo", 0, 0, 86), _w("Penyerapan", 25, 0, 96), _w("Anggaran", 25, 10, 96)]
    assert _better_reading(old, new, 80)  # the same words, surer; marks without letters may go
    assert _better_reading([_w("Amuswomu", 0, 0, 30)], [_w("Realisasi", 0, 0, 90)], 80)
    assert _better_reading([_w("%", 0, 0, 90), _w("Aparatur", 25, 0, 90)], [_w("Yo", 0, 0, 87), _w("Aparatur", 25, 0, 97)], 80)
    assert _better_reading([], [_w("1.", 0, 0, 90)], 80) and not _better_reading(old, [], 80)


def test_specks_of_dotted_rules_are_dropped_from_ocr_cells():
    from lkjip.extract.pdf import _drop_specks
    cell = [_w("97,95", 10, 0, 89), _w(":", 5, 12, 0, 2, 14), _w("7", 40, 12, 44, 6, 14), _w("100", 10, 27, 97),
            _w("—", 45, 27, 64, 4, 4)]
    assert [w.text for w in _drop_specks(cell, 50)] == ["97,95", "100", "—"]  # a dash beside a figure stays
    assert [w.text for w in _drop_specks([_w("-", 10, 0, 90)], 50)] == ["-"]  # a lone '-' is the cell's value
    assert [w.text for w in _drop_specks([_w("100,00", 10, 0, 90), _w("%", 10, 12, 90)], 50)] == ["100,00", "%"]


def test_otsu_threshold_of_a_large_page_is_counted_in_chunks():
    # an A3 page at 300 dpi is 17 million pixels: its histogram must not take an int64 copy of them at once
    import numpy as np
    from lkjip.extract.ocr import _otsu
    rng = np.random.default_rng(0)
    a = np.where(rng.random((1500, 1500)) < 0.1, 30, 220).astype(np.uint8)  # more than one chunk of pixels
    assert 30 <= _otsu(a) < 220
    assert _otsu(a) == _otsu(np.ascontiguousarray(a[:700]))  # same two tones, same threshold
