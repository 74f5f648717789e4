"""Canonical indicator ids (issue 3): cleaning, catalogue matching, clustering, stability."""
from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from lkjip.normalize.indicators import (
    POLARITIES,
    IndicatorMatcher,
    assign_indicator_ids,
    catalogue_rows,
    clean_indicator_name,
    default_matcher,
    unmatched_clusters,
)

FIXTURES = Path(__file__).parent / "fixtures"
GROUPS = yaml.safe_load((FIXTURES / "indicator_groups.yaml").read_text(encoding="utf-8"))["groups"]
LABEL = {name: group for group, names in GROUPS.items() for name in names}


@pytest.fixture(scope="module")
def matcher() -> IndicatorMatcher:
    return IndicatorMatcher()


def pairwise(label: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, list]:
    """Pairwise precision and recall of a grouping (pairs of names put in one group)."""
    tp = fp = fn = 0
    errors = []
    for a, b in itertools.combinations(sorted(label), 2):
        same_true = label[a] == label[b]
        same_pred = predicted[a] == predicted[b]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
        if same_true != same_pred:
            errors.append(("merged" if same_pred else "split", a, b, predicted[a], predicted[b]))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, errors


# ------------------------------------------------------------------------------------ cleaning


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("Prosentase Lembaga Kemasyarakatan yang aktif", "Persentase Lembaga Kemasyarakatan yang Aktif"),
        ("<b>Nilai Survey Kepuasan Internal</b>", "Nilai Survei Kepuasan Internal"),
        ("Indeks kepuasan layanan prasaarana sarana publik", "Indeks Kepuasan Layanan Prasarana Sarana Publik"),
        ("Terwujud nya Kecamatan Yang Profesional", "Terwujudnya Kecamatan yang Profesional"),
        ("Meningkatnya pemerataann pembangunan", "Meningkatnya Pemerataan Pembangunan"),
        (
            "Persentase Usulan Masyarakat Untk Sarana Prasarana di Wilayah Yang Diakomodir",
            "Persentase Usulan Masyarakat untuk Sarana Prasarana di Wilayah yang Diakomodir",
        ),
        ("Nilai Sakip OPD", "Nilai SAKIP OPD"),
        ("Indeks Pembangunan Masyarakat ( IP Masy) Kecamatan", "Indeks Pembangunan Masyarakat (IP Masy) Kecamatan"),
        ("Indeks Pembangunan Masyarakat(IPMasy)  Kecamatan", "Indeks Pembangunan Masyarakat (IPMasy) Kecamatan"),
        ("**Rasio Linmas per RT**", "Rasio Linmas per RT"),
        ("1. Persentase gangguan ketentraman dan ketertiban umum ;", "Persentase Gangguan Ketenteraman dan Ketertiban Umum"),
        ("Indikator 2 : Persentase lembaga kemasyarakatan yang aktif", "Persentase Lembaga Kemasyarakatan yang Aktif"),
        ("JUMLAH DOKUMEN RKA-SKPD", "Jumlah Dokumen RKA-SKPD"),
        ("Jumlah Dokumen Perundang-undangan", "Jumlah Dokumen Perundang-Undangan"),
        ("Masyarakat / Perwakilan&nbsp;Masyarakat", "Masyarakat/Perwakilan Masyarakat"),
        ("Dokumen,Perencanaan ,Keuangan", "Dokumen, Perencanaan, Keuangan"),
        ("  ", ""),
        (None, ""),
    ],
)
def test_clean_indicator_name(raw, cleaned):
    assert clean_indicator_name(raw) == cleaned


def test_clean_is_idempotent_and_keeps_abbreviations():
    for name in LABEL:
        once = clean_indicator_name(name)
        assert clean_indicator_name(once) == once
    assert "(IKM)" in clean_indicator_name("Indeks Kepuasan Masyarakat (IKM) Perangkat Daerah")
    assert "IPMat" in clean_indicator_name("Indeks Pembangunan Masyarakat (IPMat) Kecamatan")
    assert "Forkopimcam" in clean_indicator_name("dikoordinasikan melalui FORKOPIMCAM")


# ------------------------------------------------------------------------------------ catalogue


def test_catalogue_is_consistent(matcher):
    ids = [e.id for e in matcher.entries]
    assert len(ids) == len(set(ids))
    for e in matcher.entries:
        assert e.polarity in POLARITIES
        assert e.name and e.unit
        assert all(r in matcher for r in e.related), e.id
        # every spelling the catalogue lists finds its own entry
        for text in (e.name, *e.aliases, *e.abbreviations):
            got, score = matcher.match(text)
            assert got == e.id, (text, e.id, got)
            assert score >= 85
    assert {"ikm", "nilai_sakip", "ipmas", "ikli_sarpras", "ikli", "ims"} <= set(ids)
    assert any(e.polarity == "lower_is_better" for e in matcher.entries)


def test_catalogue_rows(matcher):
    rows = catalogue_rows(matcher)
    assert [r["id"] for r in rows] == [e.id for e in matcher.entries]
    ikm = next(r for r in rows if r["id"] == "ikm")
    assert ikm["abbreviation"] == "IKM" and ikm["polarity"] == "higher_is_better"
    assert ikm["source"] == "catalogue" and ikm["n_aliases"] == len(ikm["aliases"]) > 0
    assert set(rows[0]) >= {"id", "name", "abbreviation", "unit", "polarity", "aliases", "notes", "source"}


# ------------------------------------------------------------------------------------ the hand-labelled list


def test_fixture_lists_every_golden_indicator():
    golden = set()
    for path in sorted((FIXTURES / "golden").glob("*.json")):
        golden |= {cell["indicator"] for cell in json.loads(path.read_text(encoding="utf-8"))["performance"]}
    assert golden <= set(LABEL), sorted(golden - set(LABEL))
    assert sum(len(v) for v in GROUPS.values()) == len(LABEL), "a spelling is labelled twice"


def test_grouping_reproduces_hand_labels(matcher):
    result = assign_indicator_ids(list(LABEL), matcher)
    predicted = {name: result[name][1] for name in LABEL}
    precision, recall, errors = pairwise(LABEL, predicted)
    print(f"\nindicator grouping on {len(LABEL)} hand-labelled spellings: "
          f"pairwise precision {precision:.2%}, recall {recall:.2%}")
    for e in errors:
        print("  ", e)
    assert precision >= 0.98
    assert recall >= 0.95


def test_catalogue_groups_get_their_catalogue_id(matcher):
    result = assign_indicator_ids(list(LABEL), matcher)
    wrong = []
    for name, group in LABEL.items():
        _, got, score = result[name]
        if group in matcher:
            if got != group:
                wrong.append((name, group, got))
            assert 0 <= score <= 100
        elif not got.startswith("x_"):
            wrong.append((name, group, got))
    assert not wrong


def test_perturbed_spellings_still_group(matcher):
    """Case, tags, spacing, list markers, 'Prosentase', a typo, a kelurahan name: same groups."""
    rng = random.Random(7)
    kel = ["Bumiayu", "Sawojajar", "Polehan", "Jodipan"]

    def typo(s):
        words = s.split()
        idx = [i for i, w in enumerate(words) if len(w) >= 7 and w.isalpha()]
        if not idx:
            return s
        i = rng.choice(idx)
        w = words[i]
        j = rng.randrange(1, len(w) - 2)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        return " ".join(words)

    label = {}
    for name, group in sorted(LABEL.items()):
        variants = {name, name.lower(), name.upper(), f"<b>{name}</b>", f"- {name};", typo(name),
                    name.replace("Persentase", "Prosentase"), f" {name.replace(' ', '  ')} "}
        if "Kelurahan" not in name:
            variants.add(f"{name} di Kelurahan {rng.choice(kel)}")
        for v in variants:
            label.setdefault(v, group)
    result = assign_indicator_ids(list(label), matcher)
    precision, recall, errors = pairwise(label, {n: result[n][1] for n in label})
    print(f"\n{len(label)} perturbed spellings: pairwise precision {precision:.2%}, recall {recall:.2%}")
    for e in errors[:10]:
        print("  ", e)
    assert precision >= 0.98
    assert recall >= 0.95


# ------------------------------------------------------------------------------------ stability


def test_ids_are_stable_under_reordering(matcher):
    names = sorted(LABEL) + ["Nilai SAKIP OPD target akhir", "Jumlah Kelurahan yang Melaksanakan Musrenbangkel"]
    reference = assign_indicator_ids(names, matcher)
    rng = random.Random(2024)
    for _ in range(5):
        shuffled = names[:]
        rng.shuffle(shuffled)
        assert assign_indicator_ids(shuffled, IndicatorMatcher()) == reference
    # repeated names (one per row) change nothing either
    assert assign_indicator_ids(names + names[:10], matcher) == reference


_SUBPROCESS = """
import json, sys, yaml
from lkjip.normalize.indicators import assign_indicator_ids
names = sorted(n for v in yaml.safe_load(open(sys.argv[1]))["groups"].values() for n in v)
print(json.dumps(assign_indicator_ids(names[::-1]), sort_keys=True))
"""


def test_ids_are_stable_across_runs():
    outputs = set()
    for seed in ("0", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS, str(FIXTURES / "indicator_groups.yaml")],
            env=env, capture_output=True, text=True, check=True,
        ).stdout
        outputs.add(out)
    assert len(outputs) == 1
    in_process = assign_indicator_ids(sorted(LABEL), IndicatorMatcher())
    assert json.loads(outputs.pop()) == {k: list(v) for k, v in in_process.items()}


# ------------------------------------------------------------------------------------ must not merge

MUST_DIFFER = [
    ("Indeks Kepuasan Masyarakat (IKM)", "Indeks Kepuasan Layanan Infrastruktur (IKLI)"),
    ("Indeks Kepuasan Masyarakat", "Indeks Kepuasan Internal"),
    ("Nilai SAKIP", "Nilai SAKIP OPD target akhir"),
    ("Nilai SAKIP Perangkat Daerah", "Nilai SAKIP Perangkat Daerah (kondisi awal)"),
    ("Persentase Kelurahan yang Melaksanakan Musrenbangkel", "Jumlah Kelurahan yang Melaksanakan Musrenbangkel"),
    ("Persentase lembaga kemasyarakatan yang aktif", "Jumlah lembaga kemasyarakatan yang aktif"),
    ("Persentase lembaga kemasyarakatan yang aktif",
     "Persentase peningkatan lembaga ekonomi dan lembaga kemasyarakatan yang aktif"),
    ("Persentase usulan masyarakat untuk sarana prasarana di wilayah yang diakomodir",
     "Rasio usulan masyarakat untuk sarana prasarana di wilayah yang diakomodir"),
    ("Persentase usulan masyarakat yang diakomodir", "Persentase usulan masyarakat yang tidak diakomodir"),
    ("Persentase gangguan ketenteraman dan ketertiban umum yang dapat diselesaikan",
     "Jumlah gangguan ketenteraman dan ketertiban umum"),
    ("Indeks Pembangunan Masyarakat (IPMas)", "Indeks Pembangunan Manusia (IPM)"),
    ("Indeks Kepuasan Layanan Prasarana Sarana Publik (IKLI)", "Indeks Kepuasan Layanan Infrastruktur (IKLI)"),
    ("Indeks Modal Sosial", "Indeks Modal Sosial Budaya"),
    ("Jumlah Kendaraan Dinas Operasional",
     "Jumlah Kendaraan Dinas Operasional atau Lapangan yang Dipelihara dan dibayarkan Pajak dan Perizinannya"),
    ("Jumlah Dokumen Perencanaan Perangkat Daerah",
     "Jumlah Dokumen Perencanaan Kegiatan Pelayanan kepada Masyarakat di Kecamatan"),
    ("Jumlah Laporan Penyediaan Jasa Peralatan dan Perlengkapan Kantor yang Disediakan",
     "Jumlah Paket Peralatan dan Perlengkapan Kantor yang Disediakan"),
    ("Jumlah Paket Peralatan Kantor yang Disediakan", "Jumlah Paket Perawatan Kantor yang Disediakan"),
    ("Jumlah Koordinasi", "Jumlah Rapat Koordinasi"),
    ("Jumlah Dokumen RKA-SKPD dan Laporan Hasil Koordinasi Penyusunan Dokumen RKA-SKPD",
     "Jumlah Dokumen Perubahan RKA-SKPD dan Laporan Hasil Koordinasi Penyusunan Dokumen Perubahan RKA-SKPD"),
    ("Jumlah Paket Kebutuhan Rumah Tangga Kepala Daerah yang Disediakan",
     "Jumlah Paket Kebutuhan Rumah Tangga Wakil Kepala Daerah yang Disediakan"),
    ("Jumlah Dokumen Hasil Fasilitasi Kerja Sama Dalam Negeri", "Jumlah Dokumen Hasil Fasilitasi Kerja Sama Luar Negeri"),
    ("Jumlah Dokumen Hasil Penataan", "Jumlah Dokumen Hasil Pendataan"),
    ("Persentase layanan sesuai SOP", "Persentase Layanan PATEN sesuai SOP"),
    ("Persentase gangguan trantibum", "Persentase gangguan trantibum yang dapat diselesaikan"),
    ("Persentase tindak lanjut rekomendasi hasil pemeriksaan", "Persentase hasil koordinasi yang ditindaklanjuti"),
    ("Persentase IKM", "Indeks Kepuasan Masyarakat"),
    ("Jumlah IKM yang dibina", "IKM Perangkat Daerah"),
]


@pytest.mark.parametrize("a, b", MUST_DIFFER)
def test_different_indicators_never_merge(matcher, a, b):
    alone = assign_indicator_ids([a, b], matcher)
    assert alone[a][1] != alone[b][1]
    with_everything = assign_indicator_ids([a, b, *LABEL], matcher)
    assert with_everything[a][1] != with_everything[b][1]


def test_same_indicator_with_a_weak_extra_word_groups(matcher):
    names = ["Jumlah Paket Bahan Logistik Kantor", "Jumlah Paket Bahan Logistik Kantor yang Disediakan",
             "Jumlah Orang yang Menerima Gaji dan Tunjangan ASN", "Jumlah orang yang menerima gaji dan tunjangan"]
    result = assign_indicator_ids(names, matcher)
    assert result[names[0]][1] == result[names[1]][1] != result[names[2]][1] == result[names[3]][1]


def test_meaning_flipping_words_block_the_catalogue(matcher):
    assert matcher.match("Nilai SAKIP OPD target akhir") == (None, 0.0)
    assert matcher.match("Nilai Survey Kepuasan Internal")[0] == "indeks_kepuasan_internal"
    assert matcher.match("Jumlah lembaga kemasyarakatan yang aktif")[0] is None
    assert matcher.match("Rasio usulan masyarakat untuk sarana prasarana di wilayah yang diakomodir")[0] is None
    assert matcher.match("Rata-Rata Capaian") == (None, 0.0)


# ------------------------------------------------------------------------------------ unseen spellings

UNSEEN = [
    ("Indeks Kepuasan Masyarakat (IKM) Kecamatan", "ikm"),
    ("Nilai Survei Kepuasan Masyarakat", "ikm"),
    ("Nilai survey kepuasan masyarakat (SKM) dalam pelayanan Publik", "ikm"),
    ("Nilai IKM Perangkat Daerah", "ikm"),
    ("Indeks Kepuasan Masyarakat terhadap Pelayanan di Kecamatan Sukun", "ikm"),
    ("Tingkat kepuasan masyarakat", "ikm"),
    ("Nilai Akuntabilitas Kinerja (SAKIP)", "nilai_sakip"),
    ("Skor Akuntabilitas Kinerja Instansi (SAKIP) Kecamatan", "nilai_sakip"),
    ("Nilai SAKIP Kecamatan", "nilai_sakip"),
    ("Nilai AKIP Kec.", "nilai_sakip"),
    ("IPMas Kec.", "ipmas"),
    ("Nilai IPMas Kecamatan", "ipmas"),
    ("Indeks Pembangunan Masyarakat ( IP Masy) Kecamatan", "ipmas"),
    ("Indeks Pembangunan Masyarakat Kecmaatan", "ipmas"),
    ("Indeks Kepuasan Layanan Prasarana dan Sarana Publik", "ikli_sarpras"),
    ("indeks kepuasan layanan sarpras publik kecamatan", "ikli_sarpras"),
    ("Indeks kepuasan layanan infrastruktur", "ikli"),
    ("Indeks Modal Sosial", "ims"),
    ("Persentase pelaksanaan peningkatan sarpras kewilayahan", "persen_peningkatan_sarpras_kewilayahan"),
    ("Persentase usulan masyarakat untuk prasarana sarana kewilayahan yang diakomodir",
     "persen_usulan_sarpras_diakomodir"),
    ("Persetnase lembaga kemasyarakatan yang aktif", "persen_lembaga_kemasyarakatan_aktif"),
    ("Persentase penyelesaian gangguan trantibum", "persen_gangguan_trantibum_diselesaikan"),
    ("Jumlah kejadian gangguan ketentraman dan ketertiban umum", "jumlah_gangguan_trantibum"),
    ("Rasio jumlah anggota Linmas per RT", "rasio_linmas_rt"),
    ("Persentase rekomendasi hasil koordinasi yang ditindak lanjuti", "persen_rekomendasi_koordinasi_ditindaklanjuti"),
    ("Persentase tindak lanjut rekomendasi hasil pemeriksaan Inspektorat", "persen_tl_rekomendasi_pengawasan"),
    ("Persentase Pelayanan Administrasi Terpadu Kecamatan (PATEN) sesuai standar", "persen_pelayanan_paten"),
    ("Tingkat partisipasi masyarakat dalam musrenbang kecamatan", "partisipasi_musrenbang"),
    ("Cakupan penyelenggaraan urusan pemerintahan umum", "cakupan_urusan_pemerintahan_umum"),
    ("Persentase serapan anggaran", "persen_realisasi_anggaran"),
    ("Indeks Desa Membangun (IDM)", "idm"),
    ("Nilai evaluasi kinerja penyelenggaraan kecamatan", "nilai_evaluasi_kinerja_kecamatan"),
]


@pytest.mark.parametrize("name, expected", UNSEEN)
def test_unseen_spellings(matcher, name, expected):
    got, score = matcher.match(name)
    assert got == expected, (name, got, score)
    assert 70 <= score <= 100


def test_indicator_name_spells_out_a_bare_abbreviation(matcher):
    result = assign_indicator_ids(["IKM Perangkat Daerah", "Indeks Kepuasan Masyarakat (IKM) Perangkat Daerah"], matcher)
    assert result["IKM Perangkat Daerah"][0] == "IKM (Indeks Kepuasan Masyarakat) Perangkat Daerah"
    assert result["Indeks Kepuasan Masyarakat (IKM) Perangkat Daerah"][0] == "Indeks Kepuasan Masyarakat (IKM) Perangkat Daerah"


# ------------------------------------------------------------------------------------ user alias file


def test_alias_file_overrides_and_extends(tmp_path):
    aliases = tmp_path / "my_aliases.yaml"
    aliases.write_text(
        """
indicators:
  # a second IKM series: the program-level one moves out of `ikm`
  - id: ikm_pelayanan
    name: IKM Pelayanan Perangkat Daerah
    unit: indeks
    polarity: higher_is_better
  # extend and override an existing entry
  - id: nilai_sakip
    aliases: [Skor Kinerja Akuntabilitas Instansi]
    unit: poin
  # promote an unmatched cluster to a catalogue id
  - id: lap_evaluasi_kinerja
    name: Jumlah Laporan Evaluasi Kinerja Perangkat Daerah
    unit: laporan
    polarity: higher_is_better
""",
        encoding="utf-8",
    )
    m = IndicatorMatcher(aliases=aliases)
    assert m.match("IKM Pelayanan Perangkat Daerah")[0] == "ikm_pelayanan"
    assert m.match("Nilai IKM Pelayanan PD")[0] == "ikm_pelayanan"
    assert m.match("IKM Perangkat Daerah")[0] == "ikm"
    assert m.match("Indeks Kepuasan Masyarakat (IKM) Perangkat Daerah")[0] == "ikm"
    assert m.match("Skor Kinerja Akuntabilitas Instansi")[0] == "nilai_sakip"
    assert m.match("Nilai Sakip OPD")[0] == "nilai_sakip"  # catalogue aliases kept
    result = assign_indicator_ids(
        ["Jumlah Laporan Evaluasi Kinerja Perangkat Daerah", "Jumlah laporan evaluasi kinerja PD"], m
    )
    assert {v[1] for v in result.values()} == {"lap_evaluasi_kinerja"}
    rows = {r["id"]: r for r in catalogue_rows(m)}
    assert rows["nilai_sakip"]["unit"] == "poin" and rows["nilai_sakip"]["source"] == "catalogue+user"
    assert "Skor Kinerja Akuntabilitas Instansi" in rows["nilai_sakip"]["aliases"]
    assert rows["ikm_pelayanan"]["source"] == "user"
    assert "IKM Pelayanan Perangkat Daerah" not in rows["ikm"]["aliases"]  # the spelling moved
    # the default matcher is untouched
    assert default_matcher().match("IKM Pelayanan Perangkat Daerah")[0] == "ikm"


def test_alias_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators:\n  - id: x_bad\n    name: Something\n", encoding="utf-8")
    with pytest.raises(ValueError):
        IndicatorMatcher(aliases=bad)
    bad.write_text("indicators:\n  - id: new_one\n    name: Something\n    polarity: up\n", encoding="utf-8")
    with pytest.raises(ValueError):
        IndicatorMatcher(aliases=bad)


# ------------------------------------------------------------------------------------ CLI helpers


def test_unmatched_clusters_lists_variants_with_counts(matcher):
    rows = {
        "Jumlah Lembaga Kemasyarakatan yang Berpartisipasi dalam Forum Musyawarah Perencanaan Pembangunan di Kelurahan": 36,
        "Jumlah Lembaga Kemasyarakatan yang Berpartisipasi dalam Forum Musyawarah Perencanaan Pembangunan di Kelurahan Bumiayu": 1,
        "Jumlah Koordinasi": 3,
        "Nilai SAKIP Perangkat Daerah": 54,
    }
    clusters = unmatched_clusters(rows, matcher)
    assert [c["n_rows"] for c in clusters] == [37, 3]
    first = clusters[0]
    assert first["indicator_id"].startswith("x_jumlah_lembaga_kemasyarakatan")
    assert first["n_variants"] == 2
    assert [v["count"] for v in first["variants"]] == [36, 1]
    assert all(c["indicator_id"] != "nilai_sakip" for c in clusters)
    # the same clusters from (name, count) pairs and from a list of names, one per row
    assert unmatched_clusters(list(rows.items()), matcher) == clusters
    per_row = [name for name, n in rows.items() for _ in range(n)]
    assert unmatched_clusters(per_row, matcher) == clusters


# ------------------------------------------------------------------------------------ speed


def test_thousands_of_names_are_fast():
    rng = random.Random(0)
    words = sorted({w for name in LABEL for w in name.split() if w.isalpha()})
    names = set(LABEL)
    while len(names) < 3000:
        head = rng.choice(["Jumlah", "Persentase", "Indeks", "Rasio", "Nilai"])
        names.add(head + " " + " ".join(rng.choice(words) for _ in range(rng.randint(3, 10))))
    m = IndicatorMatcher()
    t0, c0 = time.perf_counter(), time.process_time()
    result = assign_indicator_ids(sorted(names), m)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"\nassign_indicator_ids: {len(names)} distinct names in {wall:.2f} s ({cpu:.2f} s CPU)")
    assert len(result) == len(names)
    assert cpu < 1.5
