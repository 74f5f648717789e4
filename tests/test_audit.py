"""The audit: inconsistencies a person finds by hand in the sample reports, found by the checks; few false alarms.

Scoring against the answer keys (tests/fixtures/golden/*.json, their ``inconsistencies`` lists): a golden
entry is found when a finding of the same check points at its line (the finding's own line or a
'line N' in its refs). A finding of severity error/warning is a false alarm unless it points at a line
of the answer key: a golden entry's line, or a line that a golden entry's detail names as part of the
same inconsistency (e.g. the status table at line 357 that "repeats 99,36%").
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from lkjip.audit import (DATASET_PART, audit_dataset, audit_document, dataset_findings, prose_of, read_frames,
                         write_dataset_findings)
from lkjip.audit.checks import budget_claims, printed_decimals, printed_ok, same_value
from lkjip.extract import read_document
from lkjip.pipeline import ingest, main
from lkjip.schema import FINDINGS, to_table

FIX = Path(__file__).parent / "fixtures"
SEEDS = FIX / "seeds"
GOLDEN = FIX / "golden"

# (report, check, line): inconsistencies of the answer keys, each found by hand; the audit must find all.
MUST_FIND = [
    ("000_bcca391e6c99a5d1", "capaian_mismatch", 335),      # 99,36% printed for 4,26/4,29 = 99,30%
    ("000_bcca391e6c99a5d1", "capaian_mismatch", 368),      # IKM 2019/2020 capaian vs the IKU targets
    ("000_bcca391e6c99a5d1", "capaian_mismatch", 371),      # 83,63% printed for 3,14/3,80 = 82,63%
    ("000_bcca391e6c99a5d1", "capaian_mismatch", 495),      # 100,82% for 80,94/80,43
    ("000_bcca391e6c99a5d1", "capaian_mismatch", 499),
    ("000_bcca391e6c99a5d1", "cross_table_conflict", 338),  # realisasi 4,14 in one table, 3,14 in the others
    ("000_bcca391e6c99a5d1", "cross_table_conflict", 441),  # IKM target 80,28 vs 80,2
    ("000_bcca391e6c99a5d1", "cross_table_conflict", 548),  # 16.482.509.994 vs PK 16.482.508.994
    ("000_bcca391e6c99a5d1", "cross_table_conflict", 549),
    ("000_bcca391e6c99a5d1", "narrative_conflict", 410),    # text 84% vs table 64%
    ("000_bcca391e6c99a5d1", "narrative_conflict", 476),    # text gives the target as the capaian
    ("000_bcca391e6c99a5d1", "narrative_conflict", 840),
    ("002_1f4903de6a21ee12", "narrative_conflict", 509),    # Rp 636.541.800 in the text, 692.541.800 in the table
    ("002_1f4903de6a21ee12", "persen_mismatch", 491),       # % share of the wrong total
    ("002_1f4903de6a21ee12", "persen_mismatch", 492),
    ("002_1f4903de6a21ee12", "persen_mismatch", 518),       # 98 printed for 100%
    ("002_1f4903de6a21ee12", "total_mismatch", 541),        # realisasi column does not add up to the Jumlah
    ("002_1f4903de6a21ee12", "capaian_mismatch", 458),      # tingkat kemajuan 60% for 85/100
    ("002_1f4903de6a21ee12", "capaian_mismatch", 459),
    ("002_1f4903de6a21ee12", "cross_table_conflict", 499),
    ("003_bef928790eaf125a", "capaian_mismatch", 631),
    ("003_bef928790eaf125a", "capaian_mismatch", 632),
    ("003_bef928790eaf125a", "capaian_mismatch", 633),      # incl. the 33.5 target printed for 3.35
    ("003_bef928790eaf125a", "capaian_mismatch", 634),
    ("003_bef928790eaf125a", "cross_table_conflict", 660),
    ("003_bef928790eaf125a", "cross_table_conflict", 661),
    ("003_bef928790eaf125a", "cross_table_conflict", 662),
    ("003_bef928790eaf125a", "cross_table_conflict", 731),  # pagu vs the same programs in Tabel 3.10
    ("003_bef928790eaf125a", "cross_table_conflict", 733),
    ("003_bef928790eaf125a", "cross_table_conflict", 753),
    ("003_bef928790eaf125a", "cross_table_conflict", 1094),
    ("003_bef928790eaf125a", "cross_table_conflict", 1168),
    ("003_bef928790eaf125a", "cross_table_conflict", 1171),
    ("003_bef928790eaf125a", "cross_table_conflict", 1230),
    ("003_bef928790eaf125a", "cross_table_conflict", 1353),
    ("003_bef928790eaf125a", "persen_mismatch", 731),       # efisiensi ratio
    ("003_bef928790eaf125a", "persen_mismatch", 732),
    ("003_bef928790eaf125a", "persen_mismatch", 733),
    ("003_bef928790eaf125a", "total_mismatch", 980),        # kegiatan realisasi vs its sub kegiatan
    ("003_bef928790eaf125a", "narrative_conflict", 715),
    ("003_bef928790eaf125a", "narrative_conflict", 921),
    ("003_bef928790eaf125a", "narrative_conflict", 974),    # total anggaran in the text
]


def _lines(f: dict) -> set[int]:
    out = {int(f["line"])} if f.get("line") is not None else set()
    for r in f.get("refs") or []:
        m = re.fullmatch(r"line (\d+)", r)
        if m:
            out.add(int(m.group(1)))
    return out


def _audit_files(paths: list[Path], out: Path) -> tuple[dict, dict[str, list[dict]]]:
    """Ingest files, then audit each document as the ingest will (frames + the document's text)."""
    ingest([str(p) for p in paths], out, workers=1, log=lambda m: None)
    frames = read_frames(out)
    by_name = dict(zip(frames["documents"]["file_name"], frames["documents"]["doc_id"]))
    res = {}
    for p in paths:
        did = by_name[p.name]
        res[p.stem] = audit_document(*(frames[n][frames[n]["doc_id"] == did] for n in ("indicators", "budgets",
                                                                                          "tables")),
                                     prose_of(read_document(p)), doc_id=did)
    return frames, res


@pytest.fixture(scope="module")
def seeds_audited(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit") / "ds"
    return _audit_files(sorted(SEEDS.glob("*.txt")), out)


def test_finds_every_listed_inconsistency(seeds_audited):
    _, res = seeds_audited
    assert len(MUST_FIND) >= 10
    missing = [(doc, chk, line) for doc, chk, line in MUST_FIND
               if not any(f["check"] == chk and line in _lines(f) for f in res[doc])]
    assert not missing, f"not found: {missing}"
    # every listed case is an inconsistency of the answer keys
    for doc, chk, line in MUST_FIND:
        gold = json.loads((GOLDEN / f"{doc}.json").read_text())["inconsistencies"]
        assert any(g["line"] == line for g in gold), (doc, line)


def test_few_false_alarms(seeds_audited):
    _, res = seeds_audited
    total = alarms = 0
    for doc, findings in res.items():
        gold = json.loads((GOLDEN / f"{doc}.json").read_text())["inconsistencies"]
        known = {g["line"] for g in gold}
        for g in gold:
            for m in re.finditer(r"lines? \d+(?:\s*(?:[-–,/]|and)\s*\d+)*", g["detail"]):
                known.update(int(n) for n in re.findall(r"\d+", m.group(0)))
        for f in findings:
            if f["severity"] == "info":
                continue
            total += 1
            if not (_lines(f) & known):
                alarms += 1
    assert total >= 40
    assert alarms <= 0.10 * total, f"{alarms} false alarms of {total}"


def test_findings_rows_follow_the_contract(seeds_audited):
    _, res = seeds_audited
    rows = [f for fs in res.values() for f in fs]
    t = to_table("findings", rows)
    assert t.schema == FINDINGS and len(t) == len(rows) > 0
    for f in rows:
        assert f["severity"] in ("error", "warning", "info")
        assert f["message"] and f["message"].endswith(".") and "\n" not in f["message"]
        assert f["doc_id"] and isinstance(f["refs"], list) and f["refs"]
    # a capaian finding quotes the figures as printed and the computation
    f = next(f for f in res["000_bcca391e6c99a5d1"] if f["check"] == "capaian_mismatch" and f["line"] == 371
             and f["actual"] == 83.63)
    assert "83,63%" in f["message"] and "3,14 / 3,80 = 82,63%" in f["message"]
    assert f["expected"] == pytest.approx(82.63, abs=0.01)
    # the total mismatch explains its gap by the row that printed one amount only
    f = next(f for f in res["002_1f4903de6a21ee12"] if f["check"] == "total_mismatch")
    assert "line 524" in f["message"] and f["expected"] == 579591800 and f["actual"] == 692541800


def test_program_listed_twice_is_not_a_total_error(seeds_audited):
    _, res = seeds_audited
    at979 = [f for f in res["003_bef928790eaf125a"] if f["check"] == "total_mismatch" and f["line"] == 979]
    assert at979 and all(f["severity"] == "info" for f in at979)
    assert "line 996" in at979[0]["message"]


CLEAN = """LAPORAN KINERJA INSTANSI PEMERINTAH (LKjIP)
KECAMATAN SUKAMAJU
KABUPATEN CONTOH
TAHUN 2022

BAB III AKUNTABILITAS KINERJA

Tabel 3.1 Target dan Realisasi Kinerja Tahun 2022

No\tSasaran Strategis\tIndikator Kinerja\tTarget\tRealisasi\tCapaian
1\tMeningkatnya kualitas pelayanan publik\tIndeks Kepuasan Masyarakat (IKM)\t80,00\t82,40\t103,00%
2\tMeningkatnya partisipasi masyarakat\tPersentase kehadiran musrenbang\t85%\t90%\t105,88%

Indikator Indeks Kepuasan Masyarakat (IKM) terealisasi sebesar 82,40 dari target 80,00 dengan capaian kinerja sebesar 103,00%.

Tabel 3.2 Realisasi Anggaran Tahun 2022

Uraian Program/Kegiatan\tAnggaran\tRealisasi\t%
PROGRAM PELAYANAN ADMINISTRASI\t300.000.000\t285.000.000\t95%
Kegiatan Penyediaan Jasa Surat Menyurat\t100.000.000\t95.000.000\t95%
Kegiatan Penyediaan Alat Tulis Kantor\t200.000.000\t190.000.000\t95%
PROGRAM PEMBERDAYAAN MASYARAKAT\t500.000.000\t450.000.000\t90%
Kegiatan Pemberdayaan Kelurahan\t500.000.000\t450.000.000\t90%
JUMLAH\t800.000.000\t735.000.000\t91,88%

Dana anggaran Tahun 2022 sebesar Rp. 800.000.000,- dapat terserap sebesar Rp. 735.000.000,- atau 91,88%.
"""


def test_clean_synthetic_report_has_no_errors_or_warnings(tmp_path):
    (tmp_path / "raw").mkdir()
    path = tmp_path / "raw" / "clean.txt"
    path.write_text(CLEAN)
    _, res = _audit_files([path], tmp_path / "ds")
    assert [f for f in res["clean"] if f["severity"] != "info"] == []


def test_broken_synthetic_report_gets_one_finding_per_planted_error(tmp_path):
    text = (CLEAN.replace("82,40\t103,00%", "82,40\t104,00%")                     # line 11: capaian
                 .replace("JUMLAH\t800.000.000\t735.000.000\t91,88%", "JUMLAH\t800.000.000\t745.000.000\t93,13%")
                 .replace("Rp. 800.000.000,-", "Rp. 850.000.000,-")                # line 26: text anggaran
                 .replace("terealisasi sebesar 82,40", "terealisasi sebesar 92,40"))  # line 14: text realisasi
    (tmp_path / "raw").mkdir()
    path = tmp_path / "raw" / "broken.txt"
    path.write_text(text)
    _, res = _audit_files([path], tmp_path / "ds")
    got = {(f["check"], f["line"]) for f in res["broken"] if f["severity"] != "info"}
    assert ("capaian_mismatch", 11) in got
    assert ("total_mismatch", 24) in got
    assert ("narrative_conflict", 14) in got
    assert ("narrative_conflict", 26) in got
    f = next(f for f in res["broken"] if f["check"] == "total_mismatch")
    assert f["expected"] == 735e6 and f["actual"] == 745e6 and f["severity"] == "error"


# ----------------------------------------------------------------------------------------- units


def test_rounding_tolerance_follows_the_printed_precision():
    assert printed_decimals("109%", 109.0) == 0 and printed_decimals("99,36%", 99.36) == 2
    assert printed_decimals("100,40%", 100.4) == 2 and printed_decimals("3.697.493.665,-", 3697493665.0) == 0
    assert printed_decimals("4,26 Dengan capaian 99,36%", 4.26) == 2
    assert printed_ok(109, 0, 100 * 4.14 / 3.80)          # 108,95% printed as a whole percent
    assert not printed_ok(99.36, 2, 100 * 4.26 / 4.29)     # 99,30%
    assert printed_ok(1.907, 3, 100 * 12143000 / 636541800)  # truncated, not rounded
    assert same_value(3.91, 2, 3.908, 3) and not same_value(80.2, 1, 80.28, 2)


def _frames(rows: list[dict], doc_id="d1", **common):
    base = dict(doc_id=doc_id, table_id=f"{doc_id}-t001", row_index=0, line=10, page=None, level="sasaran",
                indicator_raw="Indikator", indicator_name="Indikator", indicator_id="x_ind", year=2022,
                kecamatan="Sukamaju", kabupaten_kota="Kabupaten Contoh", report_year=2022, comparator=None,
                unit=None, grade=None, table_kind="target_realisasi")
    base.update(common)
    return pd.DataFrame([{**base, **r} for r in rows])


def test_lower_is_better_polarity():
    common = dict(indicator_id="jumlah_gangguan_trantibum", indicator_raw="Jumlah gangguan trantibum")
    ok = _frames([dict(measure="target", value=10.0, value_raw="10"), dict(measure="realisasi", value=8.0,
                  value_raw="8"), dict(measure="capaian", value=120.0, value_raw="120%")], **common)
    assert [f for f in audit_document(ok, None, None) if f["check"] == "capaian_mismatch"] == []
    bad = ok.copy()
    bad.loc[bad.measure == "capaian", ["value", "value_raw"]] = [80.0, "80%"]  # 8/10: the higher-is-better formula
    found = [f for f in audit_document(bad, None, None) if f["check"] == "capaian_mismatch"]
    assert len(found) == 1 and found[0]["expected"] == pytest.approx(120.0) and "(2×10" in found[0]["message"]


def test_budget_overrun_and_persen():
    bud = pd.DataFrame([dict(doc_id="d1", table_id="d1-t002", row_index=0, line=30, level="kegiatan",
                             name="Kegiatan A", anggaran=100e6, realisasi=110e6, persen=110.0,
                             persen_raw="110%", anggaran_raw="100.000.000", realisasi_raw="110.000.000")])
    checks = {f["check"] for f in audit_document(None, bud, None)}
    assert checks == {"budget_overrun"}
    bud.loc[0, ["persen", "persen_raw"]] = [100.0, "100%"]
    checks = {f["check"] for f in audit_document(None, bud, None)}
    assert checks == {"budget_overrun", "persen_mismatch"}


def test_empty_input_gives_no_findings():
    assert audit_document(pd.DataFrame(), pd.DataFrame(), pd.DataFrame()) == []
    assert audit_document([], [], [], []) == []


def test_budget_sentences_are_read():
    c = budget_claims("Penyerapan anggaran pada tahun 2023 sebesar 92.56% dari total anggaran yang dialokasikan "
                      "sebesar Rp. 57.389.082.949 dan terealisasi sebesar Rp. 53.121.371.616. Adapun lainnya.")
    assert c[0]["anggaran"] == 57389082949 and c[0]["realisasi"] == 53121371616 and c[0]["persen"] == 92.56
    c = budget_claims("anggaran sebesar Rp 13.568.770.474,04 dan terserap sebesar Rp 13.114.995.937,20 atau 96,66%")
    assert (c[0]["anggaran"], c[0]["realisasi"], c[0]["persen"]) == (13568770474.04, 13114995937.2, 96.66)
    assert budget_claims("Kecamatan ini memiliki 12 kelurahan.") == []


def test_cross_document_conflict():
    a = _frames([dict(measure="realisasi", value=80.5, value_raw="80,50")], doc_id="aaaa", indicator_id="ikm",
                year=2021, report_year=2021)
    b = _frames([dict(measure="realisasi", value=81.5, value_raw="81,50")], doc_id="bbbb", indicator_id="ikm",
                year=2021, report_year=2022)
    docs = pd.DataFrame([dict(doc_id="aaaa", report_year=2021, file_name="a.pdf"),
                         dict(doc_id="bbbb", report_year=2022, file_name="b.pdf")])
    found = dataset_findings({"documents": docs, "indicators": pd.concat([a, b])})
    assert len(found) == 1
    f = found[0]
    assert f["check"] == "cross_document_conflict" and f["severity"] == "warning"
    assert f["doc_id"] == "bbbb" and f["expected"] == 80.5 and f["actual"] == 81.5  # the 2021 report is the reference
    same = dataset_findings({"documents": docs, "indicators": pd.concat([a, a.assign(doc_id="bbbb")])})
    assert same == []


def test_audit_dataset_and_cli(tmp_path, capsys):
    out = tmp_path / "ds"
    shutil.copytree(SEEDS, tmp_path / "raw")
    ingest([str(tmp_path / "raw")], out, workers=1, log=lambda m: None)
    parts_before = sorted(p.name for p in (out / "findings").glob("part-*.parquet"))
    found = audit_dataset(out)
    assert {f["check"] for f in found} >= {"capaian_mismatch", "total_mismatch", "cross_table_conflict",
                                           "cross_document_conflict"}
    assert main(["audit", "--data", str(out)]) == 0
    text = capsys.readouterr().out
    assert "capaian_mismatch" in text and "Kecamatan Kedungkandang 2023" in text
    assert text.index("Kedungkandang") < text.index("Blimbing")  # worst document first
    parts = sorted(p.name for p in (out / "findings").glob("part-*.parquet"))
    assert DATASET_PART in parts_before and parts == parts_before, "ingest wrote per-document and dataset parts"
    stored = pd.read_parquet(out / "findings")
    docs = pd.read_parquet(out / "documents")
    dataset_rows = pd.read_parquet(out / "findings" / DATASET_PART)
    assert set(dataset_rows["check"]) == {"cross_document_conflict"}
    assert len(stored) == docs.n_findings.sum() + len(dataset_rows)
    assert not list((out / "findings").glob(".tmp-*"))
    # re-running replaces the dataset part, never duplicates it
    write_dataset_findings(out, dataset_findings(read_frames(out)))
    assert len(pd.read_parquet(out / "findings")) == len(stored)
    assert main(["audit", "--data", str(tmp_path / "nothing")]) == 2
