"""Small synthetic reports of our own, one layout each, with expected rows written by hand."""
from __future__ import annotations

import textwrap

import pytest

from lkjip.extract.text import read_text_lines
from lkjip.understand import DocContext, understand


def run(text: str, year: int = 2022, kec: str = "Sukamaju", kab: str = "Kabupaten Contoh"):
    """Understand a report given as text; returns (tables, indicator rows, budget rows)."""
    doc = read_text_lines(textwrap.dedent(text).strip("\n"))
    res = understand(doc, DocContext("syn", year, kec, kab, f"Kecamatan {kec}"))
    ind = [(f.indicator_raw, f.year, f.measure, f.value) for r in res for f in r.indicators]
    bud = [b for r in res for b in r.budgets]
    return res, ind, bud


def test_spanned_year_groups_with_dot_decimals():
    res, ind, _ = run("""
        Tabel 3.2
        Realisasi dan Capaian Kinerja Tahun 2020-2022

        No\tSasaran\tIndikator\tREALISASI KINERJA\t\t\tCAPAIAN KINERJA\t\t
        \t\t\t2020\t2021\t2022\t2020\t2021\t2022
        1\tMeningkatnya pelayanan publik\tIndeks Kepuasan Masyarakat\t78.50\t80.25\t82.10\t98.13%\t100.31%\t102.63%
        2\tMeningkatnya tata kelola\tNilai SAKIP\t61.2\t65.4\t\t94.15%\t100.62%\t
        """)
    assert res[0].kind == "multi_year" and res[0].table.caption.number == "3.2"
    assert sorted(ind) == sorted([
        ("Indeks Kepuasan Masyarakat", 2020, "realisasi", 78.5), ("Indeks Kepuasan Masyarakat", 2021, "realisasi", 80.25),
        ("Indeks Kepuasan Masyarakat", 2022, "realisasi", 82.1), ("Indeks Kepuasan Masyarakat", 2020, "capaian", 98.13),
        ("Indeks Kepuasan Masyarakat", 2021, "capaian", 100.31), ("Indeks Kepuasan Masyarakat", 2022, "capaian", 102.63),
        ("Nilai SAKIP", 2020, "realisasi", 61.2), ("Nilai SAKIP", 2021, "realisasi", 65.4),
        ("Nilai SAKIP", 2020, "capaian", 94.15), ("Nilai SAKIP", 2021, "capaian", 100.62)])


def test_target_realisasi_groups_with_column_numbers_and_unit_row():
    res, ind, _ = run("""
        1.1 Pengukuran Kinerja Tahun 2022

        NO\tSASARAN STRATEGIS\tINDIKATOR\tTARGET\t\tREALISASI\t
        \t\t\t2021\t2022\t2021\t2022
        \t\t\tK\tK\tK\tK
        (1)\t(2)\t(3)\t(4)\t(5)\t(6)\t(7)
        1.\tMeningkatnya partisipasi\tPersentase kehadiran musrenbang\t80%\t85%\t82,5%\t90,25%
        """)
    assert res[0].table.caption.number == "1.1"
    assert sorted(ind) == sorted([
        ("Persentase kehadiran musrenbang", 2021, "target", 80.0), ("Persentase kehadiran musrenbang", 2022, "target", 85.0),
        ("Persentase kehadiran musrenbang", 2021, "realisasi", 82.5),
        ("Persentase kehadiran musrenbang", 2022, "realisasi", 90.25)])


def test_wrapped_rows_merged_sasaran_and_repeated_header_after_page_break():
    res, ind, _ = run("""
        Tabel 3.1 Target dan Realisasi Kinerja Tahun 2022

        No.\tSasaran Strategis\tIndikator Kinerja\tTarget\tRealisasi\tCapaian
        1.\tMeningkatnya kualitas pelayanan\tIndeks Kepuasan\t80\t82,4\t103%
        \tperangkat daerah\tMasyarakat (IKM)\t\t\t
        \t\tNilai SAKIP Kecamatan\t70,5\t71\t100,71%

        No.\tSasaran Strategis\tIndikator Kinerja\tTarget\tRealisasi\tCapaian
        2.\tMeningkatnya pemberdayaan\tIndeks Pembangunan Masyarakat\t4,10\tBaik (4,2)\t102,44%
        """)
    assert len(res) == 1, "the piece after the page break joins the table"
    facts = res[0].indicators
    assert ("Indeks Kepuasan Masyarakat (IKM)", 2022, "realisasi", 82.4) in ind
    sakip = [f for f in facts if f.indicator_raw == "Nilai SAKIP Kecamatan"]
    assert {f.sasaran for f in sakip} == {"Meningkatnya kualitas pelayanan perangkat daerah"}
    graded = [f for f in facts if f.measure == "realisasi" and f.indicator_raw.startswith("Indeks Pembangunan")]
    assert graded[0].value == 4.2 and graded[0].grade == "Baik"
    assert len(ind) == 9


def test_budget_levels_kelurahan_totals_and_nulls():
    _, _, bud = run("""
        Tabel 3.9 Realisasi Anggaran Tahun 2022

        Uraian Program/Kegiatan\tAnggaran\tRealisasi\t%
        PROGRAM PEMBERDAYAAN MASYARAKAT DESA DAN KELURAHAN\t1.500.000.000\t1.350.000.000\t90%
        Kegiatan Pemberdayaan Kelurahan\t1.500.000.000\t1.350.000.000\t90%
        Sub Kegiatan Pembangunan Sarana Kelurahan Sukamaju\t1.000.000.000\t900.000.000\t90%
        Sub Kegiatan Pembangunan Sarana Kelurahan Mekarsari\t500.000.000\t450.000.000\t90%
        Sub Kegiatan Evaluasi Kelurahan\t-\t-\t#DIV/0!
        JUMLAH\t1.500.000.000\t1.350.000.000\t90%
        """)
    got = [(b.level, b.name, b.unit_kerja, b.anggaran, b.realisasi, b.persen) for b in bud]
    assert got == [
        ("program", "PROGRAM PEMBERDAYAAN MASYARAKAT DESA DAN KELURAHAN", "Kecamatan Sukamaju", 1.5e9, 1.35e9, 90.0),
        ("kegiatan", "Kegiatan Pemberdayaan Kelurahan", "Kecamatan Sukamaju", 1.5e9, 1.35e9, 90.0),
        ("sub_kegiatan", "Sub Kegiatan Pembangunan Sarana Kelurahan Sukamaju", "Kelurahan Sukamaju", 1e9, 9e8, 90.0),
        ("sub_kegiatan", "Sub Kegiatan Pembangunan Sarana Kelurahan Mekarsari", "Kelurahan Mekarsari", 5e8, 4.5e8, 90.0),
        ("sub_kegiatan", "Sub Kegiatan Evaluasi Kelurahan", "Kecamatan Sukamaju", None, None, None),
        ("total", "JUMLAH", "Kecamatan Sukamaju", 1.5e9, 1.35e9, 90.0)]
    assert bud[2].program == "PROGRAM PEMBERDAYAAN MASYARAKAT DESA DAN KELURAHAN"
    assert bud[2].kegiatan == "Kegiatan Pemberdayaan Kelurahan"
    assert bud[4].persen_raw == "#DIV/0!"


def test_kinerja_and_anggaran_groups_in_an_efficiency_table():
    res, ind, bud = run("""
        3.2 Perbandingan Pencapaian Kinerja dan Anggaran

        No\tSasaran\tIndikator\tKinerja\t\t\tAnggaran\t\t
        \t\t\tTarget\tRealisasi\tCapaian\tAlokasi\tRealisasi\tCapaian
        1\tMeningkatnya pelayanan\tSurvey Kepuasan Masyarakat\t85\t86,7\t102%\tRp. 12.143.000,00\tRp. 11.000.500,50\t90,59%
        """)
    assert res[0].kind == "efisiensi" and bud == []
    measures = {m: v for _, _, m, v in ind}
    assert measures == {"target": 85.0, "realisasi": 86.7, "capaian": 102.0, "anggaran": 12143000.0,
                        "realisasi_anggaran": 11000500.5, "capaian_anggaran": 90.59}


def test_misaligned_budget_row_is_realigned():
    _, _, bud = run("""
        REALISASI ANGGARAN

        No\tProgram\tJenis Kegiatan\tAnggaran (Rp)\tRealisasi (Rp)\t%
        I.\tProgram Pelayanan Administrasi\t1. Penyediaan Jasa Surat Menyurat\t12.000.000,00\t11.000.000,00\t92
        \t\t\t\t2. Rapat-rapat Koordinasi Ke Dalam Daerah\t5.500.000,00
        \tJumlah\t\t17.500.000,00\t11.000.000,00\t
        """)
    assert [(b.code, b.name, b.anggaran, b.realisasi, b.level) for b in bud] == [
        ("I.", "Penyediaan Jasa Surat Menyurat", 12e6, 11e6, "kegiatan"),
        ("2.", "Rapat-rapat Koordinasi Ke Dalam Daerah", 5.5e6, None, "kegiatan"),
        (None, "Jumlah", 17.5e6, 11e6, "total")]
    assert bud[1].program == "Program Pelayanan Administrasi"


@pytest.mark.parametrize("table", [
    """
    | Sasaran | Indikator Kinerja | Target | Realisasi | Capaian |
    |---|---|---|---|---|
    | Meningkatnya ketertiban | Persentase gangguan trantibum diselesaikan | 90% | 95% | 105,56% |
    """,
    """
    <table><tr><td>Sasaran</td><td>Indikator Kinerja</td><td>Target</td><td>Realisasi</td><td>Capaian</td></tr>
    <tr><td>Meningkatnya ketertiban</td><td>Persentase gangguan trantibum diselesaikan</td><td>90%</td><td>95%</td><td>105,56%</td></tr>
    </table>
    """,
])
def test_markdown_and_html_tables(table):
    res, ind, _ = run("Target dan Realisasi Kinerja Tahun 2022\n\n" + textwrap.dedent(table))
    assert res[0].kind == "target_realisasi"
    assert sorted(ind) == sorted([
        ("Persentase gangguan trantibum diselesaikan", 2022, "target", 90.0),
        ("Persentase gangguan trantibum diselesaikan", 2022, "realisasi", 95.0),
        ("Persentase gangguan trantibum diselesaikan", 2022, "capaian", 105.56)])


def test_staff_tables_and_legends_yield_no_facts():
    res, ind, bud = run("""
        Tabel 1 Jumlah Pegawai Berdasarkan Golongan

        No\tUnit Kerja\tGolongan\t\t
        \t\tIV\tIII\tII
        1\tKecamatan\t3\t9\t11

        Nilai\tPencapaian
        110 keatas\tSangat berhasil
        $90 \\leq x < 110$\tBerhasil
        """)
    assert [r.kind for r in res] == ["other", "other"] and ind == [] and bud == []


def test_scrambled_header_cell_still_names_its_columns():
    """'NO.' and 'SASARAN STRATEGIS' printed over each other come out as one cell."""
    res, ind, _ = run("""
        Tabel 3.1 Target dan Realisasi Kinerja Tahun 2022

        \tSASARAN NO. STRATEGIS\tINDIKATOR KINERJA\tTARGET\tREALISASI\tCAPAIAN
        1\tMeningkatnya pelayanan\tIndeks Kepuasan Masyarakat\t80\t82\t102,5%
        2\tMeningkatnya tata kelola\tNilai SAKIP\t70\t71,4\t102%
        """)
    assert res[0].kind == "target_realisasi"
    assert sorted(ind) == sorted([
        ("Indeks Kepuasan Masyarakat", 2022, "target", 80.0), ("Indeks Kepuasan Masyarakat", 2022, "realisasi", 82.0),
        ("Indeks Kepuasan Masyarakat", 2022, "capaian", 102.5), ("Nilai SAKIP", 2022, "target", 70.0),
        ("Nilai SAKIP", 2022, "realisasi", 71.4), ("Nilai SAKIP", 2022, "capaian", 102.0)])
    assert {f.sasaran for f in res[0].indicators} == {"Meningkatnya pelayanan", "Meningkatnya tata kelola"}


def test_quarterly_realisation_form():
    """Permendagri 86/2017 form: K and Rp per triwulan under a spanning group, column numbers 7-10."""
    res, ind, _ = run("""
        Urusan/Program/Kegiatan\tIndikator Kinerja Program (Outcome)\tRealisasi Kinerja Pada Triwulan I - IV Tahun 2023\t\t\t\tPenanggung Jawab
        \t\tI\t\tII\t\t
        2\t3\t7\t\t8\t\t14
        \t\tK\tRp\tK\tRp\t
        PROGRAM PENUNJANG URUSAN\tPersentase dokumen tepat waktu\t25%\t1.200.000\t50%\t2.500.000\tKECAMATAN
        """, year=2023)
    facts = res[0].indicators
    got = sorted((f.period, f.measure, f.value) for f in facts)
    assert got == [("Triwulan I", "realisasi", 25.0), ("Triwulan I", "realisasi_anggaran", 1.2e6),
                   ("Triwulan II", "realisasi", 50.0), ("Triwulan II", "realisasi_anggaran", 2.5e6)]
    assert {f.year for f in facts} == {2023}
