"""Header rows: a column-number row with two numbers slid into one cell, and the header it closes."""
from __future__ import annotations

from lkjip.tables.header import count_header_rows, is_colnum_row

ROWS = [["No", "PROGRAM / KEGIATAN", "Alokasi Anggaran", "Realisasi Anggaran", "% Keuangan", "% Fisik"],
        ["1", "2", "3 4", "", "5", "6"],
        ["", "PROGRAM PROMOSI KESEHATAN", "", "", "", ""],
        ["", "Peningkatan Perilaku Hidup Bersih", "3.102.512.000,-", "2.754.412.685,-", "88,78%", "96,80%"]]


def test_two_column_numbers_in_one_cell_still_number_the_columns():
    assert is_colnum_row(ROWS[1])
    assert not is_colnum_row(["1", "2", "3 7", "", "5", "6"])  # not consecutive: no slid numbering
    assert not is_colnum_row(["", "Jumlah 2", "3 4", "", "", ""])


def test_the_column_numbers_close_the_header():
    assert count_header_rows([r for r in ROWS]) == 2  # the section row below them is data


def test_unit_marks_below_the_column_numbers_stay_in_the_header():
    rows = [["Program", "Indikator", "Realisasi Triwulan I", "", "Penanggung Jawab"], ["2", "3", "7", "", "14"],
            ["", "", "K", "Rp", ""], ["PROGRAM PENUNJANG", "Persentase dokumen", "25%", "1.200.000", "KECAMATAN"]]
    assert count_header_rows(rows) == 3
