"""Table kind (the data contract's enum) from the caption, the section heading and the columns.

The kinds follow the outline of Permenpan 53/2014 (docs/lkjip-structure.md): Renstra targets,
IKU, Perjanjian Kinerja, target vs realisasi, several years, benchmarks, efficiency, budgets.
"""
from __future__ import annotations

import re

from lkjip.tables.header import Header

KINDS = ("target_realisasi", "multi_year", "renstra_target", "iku", "perjanjian_kinerja", "benchmark",
         "efisiensi", "anggaran", "other_indicator", "other")
MONEY = {"anggaran", "realisasi_anggaran", "capaian_anggaran"}
PERF = {"target", "realisasi", "capaian", "kondisi_awal", "target_akhir", "tingkat_kemajuan", "pembanding"}
_NOT_INDICATOR = re.compile(
    r"golongan|pendidikan|eselon|jenis kelamin|pangkat|jenis sarana|sarana prasarana|kepegawaian|"
    r"nilai\s*%?\s*$|skala|pegawai|jabatan|halaman|daftar", re.I)
_BENCH = re.compile(r"standar|nasional|benchmark|daerah lain|propinsi|provinsi|pembanding", re.I)


def classify(header: Header, number: str, caption: str, heading: str) -> str:
    """The kind of a table, or 'other' for staff, asset, legend and contents tables."""
    values = [c for c in header.columns if c.role == "value"]
    measures = {c.measure for c in values if c.measure}
    cap = f"{caption}".lower()
    labels = " ".join(header.labels).lower()
    named = any(c.role in ("indikator", "sasaran", "program", "kegiatan", "uraian", "tujuan") for c in header.columns)
    if not values or not named or _NOT_INDICATOR.search(labels) and not measures:
        return "other"
    if _NOT_INDICATOR.search(f"{cap} {labels}") and not (measures & (PERF | MONEY)):
        return "other"
    if not measures:
        return "other"
    if "perjanjian kinerja" in cap and not re.search(r"keberhasilan|kegagalan|pencapaian|capaian", cap):
        return "perjanjian_kinerja"
    money, perf = measures & MONEY, measures & PERF
    if ("efisiensi" in measures or "efisiensi" in labels or (money and perf - {"target", "capaian"})
            or (money and "capaian" in perf and "kinerja" in labels)):
        return "efisiensi"
    if money and not perf:
        return "anggaran"
    if money and perf == {"target"}:
        return "perjanjian_kinerja"
    if "pembanding" in measures or _BENCH.search(cap):
        return "benchmark"
    years = {c.year for c in values if c.measure in ("realisasi", "capaian") and c.year}
    if len(years) >= 2 or measures & {"target_akhir", "tingkat_kemajuan"} and "realisasi" in measures:
        return "multi_year"
    if measures <= {"target", "kondisi_awal", "target_akhir"}:
        if re.search(r"indikator kinerja utama|\biku\b", cap):
            return "iku"
        return "renstra_target"
    program_level = any(c.role in ("program", "kegiatan") for c in header.columns)
    if program_level:
        return "other_indicator"
    if measures & {"realisasi", "capaian"}:
        if re.search(r"(19|20)\d\d\s*[-–]\s*(19|20)\d\d", cap) and len(years) != 1:
            return "multi_year"
        return "target_realisasi"
    return "other_indicator"
