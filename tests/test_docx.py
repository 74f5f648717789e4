"""DOCX reader: tables from the document model (merged cells), paragraphs in body order."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from lkjip.extract.docx import read_docx
from lkjip.model import RawTable, TextBlock
from test_pdf import seed_agreement

FIX = Path(__file__).parent / "fixtures"
PDF = FIX / "pdf"
SEEDS = FIX / "seeds"


@lru_cache(maxsize=None)
def _read(name: str):
    return read_docx(PDF / name)


AGREEMENT = {
    "000_bcca391e6c99a5d1.docx": 0.985,
    "002_1f4903de6a21ee12.docx": 0.995,
}


@pytest.mark.parametrize("name", sorted(AGREEMENT))
def test_tables_agree_with_seed(name):
    doc = _read(name)
    assert doc.status == "ok" and doc.format == "docx"
    seed = (SEEDS / (name.split(".")[0] + ".txt")).read_text(encoding="utf-8")
    found, total = seed_agreement(seed, doc.tables)
    assert found / total >= AGREEMENT[name], f"{name}: {found}/{total} = {found / total:.3f}"


def test_cells_are_clean_and_grid_is_kept():
    doc = _read("002_1f4903de6a21ee12.docx")
    for t in doc.tables:
        assert t.source == "docx"
        widths = {len(r.cells) for r in t.rows}
        assert len(widths) == 1  # gridSpan/vMerge keep the grid rectangular
        for r in t.rows:
            assert r.page is None
            for c in r.cells:
                assert "\n" not in c.text and c.text == c.text.strip()


def test_merged_cells():
    doc = _read("002_1f4903de6a21ee12.docx")
    rows = [r.texts for t in doc.tables for r in t.rows]
    # gridSpan: text in the first grid column, '' in the spanned ones
    assert ["PENDIDIKAN", "", "PANGKAT", "", "ESELON", ""] in rows
    # vMerge continuation cells are ''
    assert any(r[:2] == ["", ""] and r[2].startswith("2. Penyediaan Jasa") for r in rows)
    # repeated header rows (tblHeader) are reported
    assert doc.tables[0].n_header_rows == 2


def test_body_order_and_headings():
    doc = _read("002_1f4903de6a21ee12.docx")
    blocks = doc.blocks
    assert blocks[0] == TextBlock(text="BAB I", heading=True, bold=True)
    assert isinstance(blocks[1], TextBlock) and blocks[1].text == "PENDAHULUAN" and blocks[1].heading
    assert not next(b for b in blocks if isinstance(b, TextBlock) and b.text.startswith("Laporan Kinerja (LKj)")).heading
    # a table's caption is the text block right before it
    i = next(i for i, b in enumerate(blocks) if isinstance(b, RawTable)
             and b.rows[0].texts[:3] == ["NO", "SASARAN STRATEGIS", "INDIKATOR KINERJA"])
    assert isinstance(blocks[i - 1], TextBlock)


@pytest.mark.parametrize("name, reason", [
    ("legacy.docx", "legacy Word .doc: convert it to .docx"),
    ("junk.docx", "zip archive that is not a .docx"),
    ("zero.pdf", "empty file (0 bytes)"),
    ("002_1f4903de6a21ee12.word.pdf", "not a Word .docx file"),
])
def test_bad_files_fail_with_reason(name, reason):
    doc = read_docx(PDF / name)
    assert doc.status == "failed" and doc.error.startswith(reason)


def test_merges_in_a_generated_document(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("Tabel 1 Contoh")
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "Kinerja"
    t.cell(0, 2).text = "Anggaran"
    t.cell(1, 0).merge(t.cell(2, 0)).text = "Sasaran 1"
    t.cell(1, 1).text = "85%"
    t.cell(2, 1).text = "90%"
    t.cell(1, 2).text = "Rp 1.000"
    t.cell(2, 2).paragraphs[0].text = "Rp"
    t.cell(2, 2).add_paragraph("2.000")
    d.add_paragraph("Setelah tabel")
    p = tmp_path / "gen.docx"
    d.save(p)
    doc = read_docx(p)
    assert [type(b).__name__ for b in doc.blocks] == ["TextBlock", "RawTable", "TextBlock"]
    rows = doc.tables[0].rows
    assert [r.texts for r in rows] == [["Kinerja", "", "Anggaran"], ["Sasaran 1", "85%", "Rp 1.000"],
                                       ["", "90%", "Rp 2.000"]]
    assert rows[2].cells[2].raw == "Rp\n2.000"
