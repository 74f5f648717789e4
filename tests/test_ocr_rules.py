"""Rules seen in page images (ocr.rule_segments): dashed, dotted, broken and slightly tilted rules of
low-resolution 1-bit scans are found whole, text is not taken for rules; grey scans' shaded header rows are
flattened so their rules, cells and text are seen (synthetic pages; one test reads with the OCR engine)."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from lkjip.extract import ocr
from lkjip.extract.ocr import OcrSettings

COLS = [0.6, 1.1, 3.3, 4.7, 6.1, 7.2]  # inches: the table's vertical rules
ROWS = [2.2 + 0.4 * i for i in range(8)]  # ... and its horizontal rules
PROSE = ["Capaian kinerja organisasi tahun 2016 dibandingkan dengan target yang",
         "telah ditetapkan dalam rencana strategis adalah sebagai berikut ini,",
         "dengan rincian sasaran, indikator kinerja, target dan realisasinya."]
CELLS = ["Meningkatnya", "Prosentase", "1.234.567", "98,75%", "100"]
# (dash, gap) in inches: dashed, dotted with longer dashes between, broken (long dashes, short breaks)
STYLES = {"dashed": [(0.22, 0.1)], "dotted": [(0.02, 0.06), (0.02, 0.06), (0.3, 0.06)],
          "broken": [(0.9, 0.04), (0.5, 0.03)]}


def _font(dpi: float, pt: float = 9.0):
    return ImageFont.load_default(size=max(6, round(pt / 72 * dpi)))


def _rule(d: ImageDraw.ImageDraw, start, end, dpi: float, pattern, width: int, tilt: float, wave: float, rng):
    """A rule drawn pixel by pixel with a dash pattern, drifting ``tilt`` pixels over its length
    (a 1-bit staircase) and wandering ``wave`` pixels."""
    (x0, y0), (x1, y1) = start, end
    horizontal = y0 == y1
    n = int(round(abs((x1 - x0) if horizontal else (y1 - y0))))
    steps = [(round(on * dpi), max(1, round(off * dpi))) for on, off in pattern]
    k, pos, phase = 0, 0, rng.randrange(steps[0][0] + steps[0][1])
    drawn = 0
    for t in range(n):
        on, off = steps[k % len(steps)]
        if (t + phase - pos) >= on + off:
            pos = t + phase
            k += 1
            on, off = steps[k % len(steps)]
        if (t + phase - pos) < on:
            drift = round(tilt * t / max(n, 1) + wave * math.sin(t / (0.9 * dpi)))
            if horizontal:
                d.rectangle([x0 + t, y0 + drift, x0 + t, y0 + drift + width - 1], fill=0)
            else:
                d.rectangle([x0 + drift, y0 + t, x0 + drift + width - 1, y0 + t], fill=0)
            drawn += 1
    return drawn


def page(dpi: float, style: str = "dashed", tilt: float = 0.0, wave: float = 0.0, prose: bool = True,
         rules: bool = True, seed: int = 0) -> Image.Image:
    """A report page drawn like a 1-bit scan: prose, then a table with text in its cells and ruled lines."""
    rng = random.Random(seed)
    img = Image.new("L", (round(7.8 * dpi), round(6.0 * dpi)), 255)
    d = ImageDraw.Draw(img)
    font = _font(dpi)
    if prose:
        for i, line in enumerate(PROSE):
            d.text((0.6 * dpi, (0.6 + 0.28 * i) * dpi), line, font=font, fill=0)
    width = max(1, round(dpi / 100))
    if rules:
        for y in ROWS:
            _rule(d, (COLS[0] * dpi, y * dpi), (COLS[-1] * dpi, y * dpi), dpi, STYLES[style], width, tilt, wave, rng)
        for x in COLS:
            _rule(d, (x * dpi, ROWS[0] * dpi), (x * dpi, ROWS[-1] * dpi), dpi, STYLES[style], width, tilt, wave, rng)
    for r, y in enumerate(ROWS[:-1]):
        d.text(((COLS[0] + 0.12) * dpi, (y + 0.12) * dpi), str(r + 1), font=font, fill=0)
        for c, x in enumerate(COLS[1:-1]):
            d.text(((x + 0.1) * dpi, (y + 0.12) * dpi), CELLS[(r + c) % len(CELLS)], font=font, fill=0)
    img = img.point(lambda v: 0 if v < 140 else 255)  # bitonal, like a fax-quality scan
    img.info["dpi"] = (dpi, dpi)
    return img


def _cells(edges: list[dict]) -> list[tuple]:
    """pdfplumber's cells from rule bands, as the PDF reader builds them (centre lines, 3 pt tolerances)."""
    from lkjip.extract.pdf import PdfSettings, _rule_edges, _ruled_cell_groups

    return [c for group in _ruled_cell_groups(_rule_edges(edges), PdfSettings()) for c in group]


def _at(edges, kind: str, pos_pt: float, tol: float = 3.0) -> list[dict]:
    key = ("top", "bottom") if kind == "h" else ("x0", "x1")
    return [e for e in edges if e["orientation"] == kind and abs((e[key[0]] + e[key[1]]) / 2 - pos_pt) <= tol]


def _assert_grid(edges, tilt_pt: float = 0.0):
    tol = 3.0 + tilt_pt / 2
    for y in ROWS:
        found = _at(edges, "h", y * 72 + tilt_pt / 2, tol)
        assert len(found) == 1, (y, found)
        assert found[0]["x1"] - found[0]["x0"] >= 0.97 * (COLS[-1] - COLS[0]) * 72, found
    for x in COLS:
        found = _at(edges, "v", x * 72 + tilt_pt / 2, tol)
        assert len(found) == 1, (x, found)
        assert found[0]["bottom"] - found[0]["top"] >= 0.97 * (ROWS[-1] - ROWS[0]) * 72, found
    assert len(edges) == len(ROWS) + len(COLS), edges  # nothing else: the text is no rule
    assert len(_cells(edges)) == (len(ROWS) - 1) * (len(COLS) - 1)


@pytest.mark.parametrize("dpi", [100, 200])
@pytest.mark.parametrize("style", sorted(STYLES))
def test_broken_rules_are_found_whole(dpi, style):
    edges = ocr.rule_segments(page(dpi, style))
    _assert_grid(edges)


@pytest.mark.parametrize("dpi", [100, 200])
def test_tilted_wavy_dashed_rules_are_found(dpi):
    tilt = 2 * dpi / 100  # two pixels of a 100 dpi scan over the rule's length: a staircase
    img = page(dpi, "dashed", tilt=tilt, wave=dpi / 100)
    if dpi == 100:
        img = img.convert("1")  # a 1-bit scan is upsampled and cleaned first, as pages are read
    prep = ocr.prepare(img, OcrSettings(orientation=False, deskew=False))
    _assert_grid(ocr.rule_segments(prep), tilt_pt=tilt * 72 / dpi)


@pytest.mark.parametrize("dpi", [100, 200])
def test_text_is_not_taken_for_rules(dpi):
    assert ocr.rule_segments(page(dpi, rules=False)) == []  # prose, and table text in columns without rules
    img = page(dpi, rules=False, prose=False)
    img.paste(255, (0, round(2.0 * dpi), img.width, img.height))
    d = ImageDraw.Draw(img)
    for i in range(8):  # larger text with tall strokes, stacked in columns
        d.text((0.6 * dpi, (2.2 + 0.3 * i) * dpi), "1111 IIII llll 8.888.888 Jumlah", font=_font(dpi, 14), fill=0)
    assert ocr.rule_segments(img) == []


def test_a_cell_left_open_is_not_bridged():
    img = page(100, "broken")
    d = ImageDraw.Draw(img)
    y = round(ROWS[3] * 100)
    d.rectangle([round(COLS[0] * 100) + 2, y - 1, round(COLS[1] * 100) - 2, y + 1], fill=255)  # a merged cell
    edges = ocr.rule_segments(img)
    h = _at(edges, "h", ROWS[3] * 72)
    assert h and min(e["x0"] for e in h) >= COLS[1] * 72 - 3, h
    assert len(_cells(edges)) == (len(ROWS) - 1) * (len(COLS) - 1) - 1


def test_filled_header_row_is_a_row_of_the_grid():
    img = page(100, "dashed")
    top = round(ROWS[0] * 100) - 30
    d = ImageDraw.Draw(img)
    d.rectangle([round(COLS[0] * 100), top, round(COLS[-1] * 100), round(ROWS[0] * 100)], fill=0)
    for x in COLS[:-1]:  # white header text on the dark fill; the column rules are hidden in it
        d.text(((x + 0.1) * 100, top + 8), "TARGET", font=_font(100), fill=255)
    edges = ocr.rule_segments(img)
    assert _at(edges, "h", ROWS[0] * 72) and _at(edges, "h", top * 0.72)  # the block's sides are rules
    assert len(_cells(edges)) == len(ROWS) * (len(COLS) - 1)  # the column rules go on through the block
    # preparing a 1-bit scan turns the block to dark text on white, for OCR
    bit = img.convert("1")
    prep = np.asarray(ocr.prepare(bit, OcrSettings(orientation=False, deskew=False))) < 128
    block = prep[round(top * 3) + 6:round(ROWS[0] * 300) - 6, round(COLS[0] * 300) + 6:round(COLS[-1] * 300) - 6]
    assert 0.02 < block.mean() < 0.3


def test_halftone_is_no_rule():
    img = page(100, "dashed", prose=False)
    a = np.asarray(img).copy()
    rng = np.random.default_rng(1)
    y0, y1 = round(ROWS[0] * 100) - 40, round(ROWS[0] * 100) - 4
    x0, x1 = round(COLS[0] * 100) + 8, round(COLS[-1] * 100) - 8
    a[y0:y1, x0:x1] = np.where(rng.random((y1 - y0, x1 - x0)) < 0.45, 0, 255)  # a shaded header of dots
    shaded = Image.fromarray(a, "L")
    shaded.info["dpi"] = (100, 100)
    k = 72 / 100
    edges = ocr.rule_segments(shaded)
    assert not [e for e in edges if e["orientation"] == "h" and y0 * k - 2 < e["top"] < y1 * k - 2]
    assert not [e for e in edges if e["orientation"] == "v" and e["top"] < y1 * k - 3
                and min(abs(e["x0"] - x * 72) for x in COLS) > 3]  # the table's own rules may go on up
    _assert_grid(edges)


def test_prepare_erases_the_broken_rules_of_a_1bit_scan_and_keeps_them():
    img = page(100, "dashed").convert("1")
    img.info["dpi"] = (100, 100)
    prep = ocr.prepare(img, OcrSettings(orientation=False, deskew=False))
    edges = ocr.rule_segments(prep)
    k = prep.info["dpi"][0] / 72
    assert len(_cells(edges)) == (len(ROWS) - 1) * (len(COLS) - 1)
    a = np.asarray(prep) < 128
    for y in ROWS:  # the rule rows are white now (text never sits on them)
        r = round(y * 72 * k)
        assert a[r - 3:r + 4, round(COLS[0] * 72 * k):round(COLS[-1] * 72 * k)].mean() < 0.01
    assert a.sum() > 0.5 * (np.asarray(page(100, "dashed", rules=False)) < 128).sum() * 9  # the text stays


def _dots(img: Image.Image, start, end, every: int, holes=()) -> None:
    """Erase a stretch of a rule (1-bit, 100 dpi) and leave dots of it every ``every`` pixels, none in ``holes``
    (pixel ranges along it): a rule the scan mostly lost."""
    d = ImageDraw.Draw(img)
    (x0, y0), (x1, y1) = start, end
    if y0 == y1:
        d.rectangle([x0, y0 - 2, x1, y0 + 2], fill=255)
        for x in range(x0, x1, every):
            if not any(a <= x - x0 < b for a, b in holes):
                d.rectangle([x, y0, x + 1, y0], fill=0)
    else:
        d.rectangle([x0 - 2, y0, x0 + 2, y1], fill=255)
        for y in range(y0, y1, every):
            if not any(a <= y - y0 < b for a, b in holes):
                d.rectangle([x0, y, x0, y + 1], fill=0)


def test_rules_mostly_lost_to_dots_are_found_whole():
    img = page(100, "broken")
    y = round(ROWS[3] * 100)
    # a cell's side left as sparse dots with a hole, a word of the cell above sitting just over it ...
    _dots(img, (round(COLS[2] * 100) + 3, y), (round(COLS[3] * 100) - 3, y), 9, holes=[(40, 62)])
    ImageDraw.Draw(img).text((round(COLS[2] * 100) + 10, y - 12), "waktu", font=_font(100), fill=0)
    # ... and a column rule whose last 0.3 inch are dots too sparse for dashes
    x = round(COLS[3] * 100)
    _dots(img, (x, round((ROWS[-1] - 0.3) * 100)), (x, round(ROWS[-1] * 100) - 2), 14)
    _assert_grid(ocr.rule_segments(img))


def test_a_rule_end_is_drawn_on_by_dots_further_than_by_dashes():
    img = page(100, "broken")
    y = round(ROWS[-2] * 100)
    ImageDraw.Draw(img).rectangle([0, y - 2, img.width, y + 2], fill=255)  # the last two rows are one cell
    x = round(COLS[3] * 100)
    _dots(img, (x, round((ROWS[-1] - 0.7) * 100)), (x, round(ROWS[-1] * 100) - 2), 8)  # its last 0.7 inch
    v = _at(ocr.rule_segments(img), "v", COLS[3] * 72)
    assert len(v) == 1 and v[0]["bottom"] >= ROWS[-1] * 72 - 3, v


def test_dust_in_a_cell_left_open_is_not_bridged():
    img = page(100, "broken")
    y = round(ROWS[3] * 100)
    x0, x1 = round(COLS[0] * 100) + 2, round(COLS[1] * 100) - 2
    _dots(img, (x0, y), (x1, y), 60)  # a merged cell, a speck or two of dust on the line
    _dots(img, (round(COLS[2] * 100) + 2, y), (round(COLS[3] * 100) - 2, y), 9, holes=[(20, 90)])  # a long hole
    edges = ocr.rule_segments(img)
    h = _at(edges, "h", ROWS[3] * 72)
    assert h and min(e["x0"] for e in h) >= COLS[1] * 72 - 3, h
    assert not any(e["x0"] < COLS[2] * 72 + 20 < e["x1"] for e in h), h  # no rule through the long hole


def test_dotted_stretch_is_thin_ink_alone_on_its_line():
    a = np.zeros((20, 100), dtype=bool)
    a[10, ::8] = a[10, 1::8] = True  # dots on row 10
    thin = a.copy()
    assert ocr._dotted(thin, a, 0, 100, 8, 13, hole=40, side=2)
    assert not ocr._dotted(thin, a, 0, 100, 8, 13, hole=5, side=2)  # holes longer than allowed
    text = a.copy()
    text[4:18, 3::9] = True  # strokes crossing the line
    assert not ocr._dotted(thin, text, 0, 100, 8, 13, hole=40, side=2)
    crowded = a.copy()
    crowded[6, ::3] = crowded[14, ::3] = True  # ink just above and below: a line of text, not a rule
    assert not ocr._dotted(thin, crowded, 0, 100, 8, 13, hole=40, side=2)
    crowded[14] = False  # ... on one side only: text sitting on the rule
    assert ocr._dotted(thin, crowded, 0, 100, 8, 13, hole=40, side=2)
    assert not ocr._dotted(np.zeros_like(a), np.zeros_like(a), 0, 100, 8, 13, hole=200, side=2)  # open cell
HEAD = (1.5, 1.85)  # inches: a grey-shaded header above ROWS[0], two levels; no rule along its top


def grey_page(dpi: float = 200, fill: int = 165, paper: int = 225, seed: int = 0, over: int = 0) -> Image.Image:
    """A grey scan (tinted paper, noise, a little blur) of a table whose two-level header row is shaded:
    its top edge is only the fill's, a cell spans columns 2-3 over their own header cells. With ``over``, the
    header has a top rule and its fill reaches ``over`` pixels above it (printed out of register)."""
    from PIL import ImageFilter
    img = page(dpi, "broken", prose=True)  # ruled body, prose; 0/255
    a = np.where(np.asarray(img) < 128, 40, paper).astype(np.uint8)
    x0, x1 = round(COLS[0] * dpi), round(COLS[-1] * dpi)
    a[round(HEAD[0] * dpi) - over:round(ROWS[0] * dpi), x0:x1] = fill
    grey = Image.fromarray(a, "L")
    d = ImageDraw.Draw(grey)
    width = max(1, round(dpi / 100))
    if over:
        d.rectangle([x0, round(HEAD[0] * dpi), x1, round(HEAD[0] * dpi) + width - 1], fill=60)
    for x in COLS:  # column rules through the header, but not through the spanning cell
        top = HEAD[1] if x == COLS[3] else HEAD[0]
        d.rectangle([round(x * dpi), round(top * dpi), round(x * dpi) + width - 1, round(ROWS[0] * dpi)], fill=60)
    d.rectangle([round(COLS[2] * dpi), round(HEAD[1] * dpi), round(COLS[4] * dpi), round(HEAD[1] * dpi) + width - 1],
                fill=60)
    font = _font(dpi)
    for x, y, text in ((COLS[0], HEAD[0], "Nomor"), (COLS[1], HEAD[0], "Indikator"), (COLS[2], HEAD[0], "Realisasi"),
                       (COLS[2], HEAD[1], "Target"), (COLS[3], HEAD[1], "Capaian"), (COLS[4], HEAD[0], "Satuan")):
        d.text(((x + 0.08) * dpi, (y + 0.08) * dpi), text, font=font, fill=40)
    noisy = np.asarray(grey.filter(ImageFilter.GaussianBlur(0.5)), dtype=np.float64)
    noisy += np.random.default_rng(seed).normal(0, 4, noisy.shape)
    out = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "L")
    out.info["dpi"] = (dpi, dpi)
    return out


@pytest.mark.parametrize("dpi,over", [(135, 0), (200, 0), (200, 3)])
def test_grey_shaded_header_keeps_its_cells(dpi, over):
    prep = ocr.prepare(grey_page(dpi, over=over), OcrSettings(orientation=False, deskew=False))
    edges = ocr.rule_segments(prep)
    top = _at(edges, "h", HEAD[0] * 72)  # the fill's edge is the header's top rule
    assert top and min(e["x0"] for e in top) <= COLS[0] * 72 + 3 and max(e["x1"] for e in top) >= COLS[-1] * 72 - 3
    split = _at(edges, "v", COLS[3] * 72)
    assert split and min(e["top"] for e in split) >= HEAD[1] * 72 - 3, split  # the spanning cell stays whole
    header_cells = 2 + 1 + 2 + 1
    assert len(_cells(edges)) == (len(ROWS) - 1) * (len(COLS) - 1) + header_cells


def test_flatten_whitens_light_fills_and_keeps_dark_bands():
    img = grey_page(200)
    a = np.asarray(img).copy()
    band = (slice(round(0.2 * 200), round(0.5 * 200)), slice(round(COLS[0] * 200), round(COLS[-1] * 200)))
    a[band] = 25  # a black band (white text on it is read after _invert_blocks)
    dark = Image.fromarray(a, "L")
    out = np.asarray(ocr.flatten(dark, 200))
    fill = out[round((HEAD[0] + 0.02) * 200):round((HEAD[1] - 0.02) * 200), round((COLS[4] + 0.9) * 200):
               round((COLS[5] - 0.05) * 200)]
    assert fill.mean() > 235  # the shading (and the tinted paper) is gone ...
    text = out[round((HEAD[0] + 0.08) * 200):round((HEAD[0] + 0.2) * 200), round((COLS[2] + 0.08) * 200):
               round((COLS[2] + 0.6) * 200)]
    assert (text < 100).mean() > 0.05  # ... the text on it stays dark
    assert out[band].mean() < 60  # a dark band is no light fill
    plain = grey_page(200, fill=225)
    assert ocr.flatten(plain, 200) is plain  # plain paper without fills is left as it is


@pytest.mark.skipif(not ocr.engine_available(), reason="OCR engine not installed: run scripts/system_deps.sh ocr")
def test_dark_text_on_a_grey_header_is_read():
    prep = ocr.prepare(grey_page(135), OcrSettings(orientation=False, deskew=False))
    words = {w.text for w in ocr.ocr_words(prep) if HEAD[0] * 72 - 2 < w.top < ROWS[0] * 72}
    assert {"Nomor", "Indikator", "Realisasi", "Target", "Capaian", "Satuan"} <= words, words


@pytest.mark.skipif(not ocr.engine_available(), reason="OCR engine not installed: run scripts/system_deps.sh ocr")
def test_a_lone_digit_in_a_tall_cell_is_read_again():
    from lkjip.extract.pdf import _Grid, _reread_cells
    dpi = 300
    img = Image.new("L", (round(3 * dpi), round(6 * dpi)), 255)
    d = ImageDraw.Draw(img)
    k = dpi / 72
    cells = [(36.0, 36.0, 110.0, 380.0), (110.0, 36.0, 184.0, 380.0)]  # two tall cells of a ruled column
    d.text((70 * k, 60 * k), "0", font=_font(dpi, 8), fill=0)  # a lone '0': a small share of its cell
    d.rectangle([150 * k, 200 * k, 150 * k + 2, 200 * k + 2], fill=0)  # a speck is no glyph
    img.info["dpi"] = (dpi, dpi)
    g = _Grid(cells)
    _reread_cells(g, img, OcrSettings())
    assert [w.text for w in g.words[0]] == ["0"]
    assert g.words[1] == []


def test_a_column_rule_read_as_a_letter_is_dropped():
    from lkjip.extract.pdf import _rule_edges, _rule_glyph, _Word
    edges = _rule_edges([{"orientation": "v", "x0": 425.0, "top": 300.0, "x1": 427.0, "bottom": 500.0}])

    def word(text, x0, x1):
        return _Word(text, x0, x1, 366.0, 374.0, 8.0, False, 85.0)
    assert _rule_glyph(word("1", 425.3, 428.2), edges)  # on the rule: the rule itself
    assert not _rule_glyph(word("1", 431.0, 434.0), edges)  # a '1' in the cell beside it
    assert not _rule_glyph(word("20", 424.0, 430.0), edges)
    assert not _rule_glyph(_Word("1", 425.3, 428.2, 600.0, 608.0, 8.0, False, 85.0), edges)  # below the rule
