"""Ruled grids of OCR'd pages: rules the image shows through text are no cell borders, cells merged by
rules a scan lost are split, and OCR specks do not hide a column's figures. Synthetic words and rules."""
from __future__ import annotations

from lkjip.extract.pdf import PdfSettings, _layout, _PageData, _rule_edges, _Word
from lkjip.model import Cell, RawRow
from lkjip.tables.header import Column, Header
from lkjip.tables.rows import assemble_rows
from lkjip.understand import _numeric_share, _without_specks

XS = (50.0, 80.0, 200.0, 300.0, 400.0)  # No | Kegiatan | Anggaran | Realisasi
YS = (100.0, 120.0, 160.0, 200.0)


def _rules(xs=XS, ys=YS, extra=()) -> list[dict]:
    """Edges of a full grid (plus extra vertical segments (x, top, bottom)) as the image reader gives them."""
    segs = [dict(orientation="h", x0=xs[0], x1=xs[-1], top=y - 0.5, bottom=y + 0.5) for y in ys]
    segs += [dict(orientation="v", x0=x - 0.5, x1=x + 0.5, top=ys[0], bottom=ys[-1]) for x in xs]
    segs += [dict(orientation="v", x0=x - 0.5, x1=x + 0.5, top=t, bottom=b) for x, t, b in extra]
    return _rule_edges(segs)


def _word(text: str, x0: float, top: float, conf: float = 95.0) -> _Word:
    """An OCR'd word 5 points wide per character, 8 points high."""
    return _Word(text, x0, x0 + 5.0 * len(text), top, top + 8.0, 8.0, False, conf)


def _table(words, edges):
    """The one table _layout makes of an OCR'd page."""
    pd = _PageData(number=1, width=600, height=800)
    _layout(pd, words, edges, PdfSettings(), reread=lambda g: None)
    assert len(pd.tables) == 1
    return pd.tables[0][1]


def _header_words():
    return [_word("No", 55, 105), _word("Kegiatan", 85, 105), _word("Anggaran", 205, 105),
            _word("Realisasi", 305, 105)]


def test_a_rule_seen_through_a_column_of_letters_splits_no_cells():
    # the strokes of 'Kapasitas' / 'Kelembagaan' line up into a short 'rule' inside the Kegiatan cells
    words = _header_words() + [_word("1", 55, 125), _word("Program", 85, 125), _word("Kapasitas", 85, 136),
                               _word("Kelembagaan", 85, 147), _word("900.000", 205, 125), _word("869.633", 305, 125),
                               _word("2", 55, 165), _word("Perencanaan", 85, 165), _word("100.000", 205, 165),
                               _word("91.580", 305, 165)]
    t = _table(words, _rules(extra=[(112.0, 120.0, 160.0)]))
    assert {len(r.cells) for r in t.rows} == {4}
    assert t.rows[1].texts == ["1", "Program Kapasitas Kelembagaan", "900.000", "869.633"]


def test_a_figure_glued_to_text_across_a_rule_keeps_the_rule():
    # OCR glued '20' of the No column to '1.' of the next: a real rule runs through that 'word'
    words = _header_words() + [_word("201.", 70, 125), _word("indek", 90, 125), _word("900.000", 205, 125),
                               _word("869.633", 305, 125), _word("3", 55, 165), _word("Survey", 85, 165),
                               _word("100.000", 205, 165), _word("91.580", 305, 165)]
    t = _table(words, _rules())
    assert [len(r.cells) for r in t.rows] == [4, 4, 4]


def _row_words(y: float, *texts: str, xs=(55, 85, 205, 305)) -> list:
    """One printed line of words, one word a column."""
    return [_word(t, x, y) for t, x in zip(texts, xs)]


def _forum_row() -> list:
    """The last row: a number, a name and two figures."""
    return _row_words(165, "2", "Forum", "290.945.000", "285.600.000")


def _middle_row_lost(x_from: float) -> list[dict]:
    """The grid's rules with the middle row's column rules right of ``x_from`` lost, the other rows' kept."""
    edges = [e for e in _rules() if not (e["orientation"] == "v" and x_from < e["x0"] < 350)]
    return edges + _rules(ys=(100.0, 120.0))[-5:] + _rules(ys=(160.0, 200.0))[-5:]


def test_cells_merged_by_rules_the_scan_lost_are_split_into_their_columns():
    # the middle row's inner rules are lost (a picture behind the table): its figures still reach their columns
    edges = _middle_row_lost(100)
    words = _header_words() + _row_words(125, "1", "Penguatan", "866.600.000", "860.924.000") + _forum_row()
    t = _table(words, edges)
    assert [r.texts for r in t.rows[1:]] == [["1", "Penguatan", "866.600.000", "860.924.000"],
                                            ["2", "Forum", "290.945.000", "285.600.000"]]


def test_a_spanning_row_of_words_stays_one_cell():
    # a 'Sasaran' row printed across the table: words, no figures, one printed line
    edges = _middle_row_lost(60)
    words = _header_words() + _row_words(125, "1.", "Sasaran", "Meningkatnya", "pelayanan", xs=(55, 85, 210, 320)) + _forum_row()
    t = _table(words, edges)
    row = [x for x in t.rows[1].texts if x]
    assert row == ["1.", "Sasaran Meningkatnya pelayanan"] or row == ["1. Sasaran Meningkatnya pelayanan"]


def _ocr_row(*texts: str, conf: float = 90.0) -> RawRow:
    return RawRow(cells=[Cell(text=t, raw=t, confidence=conf) for t in texts])


def test_specks_read_as_words_after_a_figure_stay_in_its_column():
    h = Header(n_rows=1, columns=[Column(0, "Program", role="program"), Column(1, "Kegiatan", role="kegiatan"),
                                  Column(2, "Anggaran", role="value", measure="anggaran"),
                                  Column(3, "Realisasi", role="value", measure="realisasi_anggaran")])
    rows = assemble_rows([_ocr_row("", "Forum", "290.945.000 ene eee", "285.600.000"),
                          _ocr_row("", "", "", "10. Rapat-rapat Koordinasi Daerah")], h)
    assert rows[0].cells[2].text == "290.945.000 ene eee" and not rows[0].realigned
    assert rows[1].cells[1].text == "10. Rapat-rapat Koordinasi Daerah"  # a name put in a value column


def test_unsure_specks_do_not_hide_a_column_of_figures():
    rows = [_ocr_row("Forum", "290.945.000"), _ocr_row("Pama", "Pama", conf=30.0), _ocr_row("Raa", "Raa", conf=27.0),
            _ocr_row("Penguatan", "866.600.000")]
    assert _numeric_share(_without_specks(rows), 2) == [0.0, 1.0]
    assert _numeric_share([r.texts for r in rows], 2)[1] == 0.5
