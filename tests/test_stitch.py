"""Pieces of one table split by a page break are joined: also when an OCR'd continuation gained columns
empty in every row (rules the scan showed where there are none), or a footer's page label the reader
could not recognise lies between them."""
from __future__ import annotations

from lkjip.model import Cell, RawDocument, RawRow, RawTable, TextBlock
from lkjip.tables.stitch import stitch


def _row(page: int, *texts: str, widths=None) -> RawRow:
    widths = widths or [100.0] * len(texts)
    x, cells = 0.0, []
    for t, w in zip(texts, widths):
        cells.append(Cell(text=t, raw=t, page=page, bbox=(x, 0.0, x + w, 10.0), confidence=90.0))
        x += w
    return RawRow(cells=cells, page=page)


HEAD = RawTable(rows=[_row(3, "NO", "PROGRAM/KEGIATAN", "ANGGARAN (Rp)", "REALISASI (Rp)", "%"),
                      _row(3, "IV", "Program Pelayanan Administrasi", "2.169.751.200,00", "1.942.551.468,00", "89,53")],
                source="ocr", style="ruled")


def test_continuation_with_empty_sliver_columns_is_joined_without_them():
    widths = [30.0, 100.0, 8.0, 6.0, 100.0, 100.0, 40.0]
    cont = RawTable(rows=[_row(4, "V", "Program Sarana", "", "", "1.753.200.000,00", "1.651.780.050,00", "94,22",
                               widths=widths),
                          _row(4, "5", "Kantor BPMPD", "", "", "1.753.200.000,00", "1.651.780.050,00", "94,22",
                               widths=widths)], source="ocr", style="ruled")
    tables = stitch(RawDocument(blocks=[HEAD, cont], format="pdf"))
    assert len(tables) == 1 and len(tables[0].rows) == 4
    assert tables[0].rows[2].texts == ["V", "Program Sarana", "1.753.200.000,00", "1.651.780.050,00", "94,22"]


def test_text_layer_continuation_keeps_its_columns():
    cont = RawTable(rows=[_row(4, "V", "Program Sarana", "", "", "1.753.200.000,00", "1.651.780.050,00", "94,22")],
                    source="pdf", style="ruled")
    assert len(stitch(RawDocument(blocks=[HEAD, cont], format="pdf"))) == 2


def test_a_page_label_between_the_pieces_does_not_part_them():
    cont = RawTable(rows=[_row(4, "V", "Program Sarana", "1.753.200.000,00", "1.651.780.050,00", "94,22")],
                    source="ocr", style="ruled")
    footer = TextBlock(text="HI-10", page=3)
    tables = stitch(RawDocument(blocks=[HEAD, footer, cont], format="pdf"))
    assert len(tables) == 1 and tables[0].rows[-1].texts[0] == "V"
    caption = TextBlock(text="Tabel 3.5 Realisasi Anggaran", page=4)
    assert len(stitch(RawDocument(blocks=[HEAD, caption, cont], format="pdf"))) == 2


def test_a_wider_table_s_empty_columns_are_real_columns():
    # quarters not yet reported: wide columns empty in every row, on the same page as the table above
    widths = [30.0, 100.0, 60.0, 60.0, 60.0, 100.0, 100.0, 40.0]
    below = RawTable(rows=[_row(3, "V", "Program Sarana", "", "", "", "1.753.200.000,00", "1.651.780.050,00", "94,22",
                                widths=widths)], source="ocr", style="ruled")
    assert len(stitch(RawDocument(blocks=[HEAD, below], format="pdf"))) == 2
    wide = RawTable(rows=[_row(4, *below.rows[0].texts, widths=widths)], source="ocr", style="ruled")
    assert len(stitch(RawDocument(blocks=[HEAD, wide], format="pdf"))) == 2  # not slivers: a table of its own


def test_a_continuation_with_its_name_column_ruled_in_two_is_lined_up():
    # page 2 rules the indented kegiatan names apart from the programme names: one column more, never
    # both filled in a row; its figures must stay under ANGGARAN / REALISASI, not slide one column over
    w6, w7 = [30.0, 150.0, 100.0, 100.0, 40.0], [30.0, 20.0, 130.0, 100.0, 100.0, 40.0]
    head = RawTable(rows=[_row(1, "NO", "PROGRAM/KEGIATAN", "ANGGARAN (Rp)", "REALISASI (Rp)", "%", widths=w6),
                          _row(1, "", "Penguatan Forum", "866.600.000", "860.924.000", "99,34", widths=w6)],
                    source="pdf", style="ruled")
    cont = RawTable(rows=[_row(2, "", "PROGRAM SARANA", "", "3.945.810.000", "", "", widths=w7),
                          _row(2, "", "", "Pencegahan Penyakit", "640.582.600", "522.204.200", "81,52", widths=w7),
                          _row(2, "", "Peningkatan Mutu", "", "515.102.000", "476.950.840", "92,59", widths=w7)],
                    source="pdf", style="ruled")
    (table,) = stitch(RawDocument(blocks=[head, cont], format="pdf"))
    assert [r.texts for r in table.rows[2:]] == [["", "PROGRAM SARANA", "3.945.810.000", "", ""],
                                                 ["", "Pencegahan Penyakit", "640.582.600", "522.204.200", "81,52"],
                                                 ["", "Peningkatan Mutu", "515.102.000", "476.950.840", "92,59"]]
