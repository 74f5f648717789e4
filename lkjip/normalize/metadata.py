"""Document metadata of a performance report (LKjIP / LKj / LKIP / LAKIP): who reports, where, for which year.

:func:`extract_metadata` reads the document's lines in reading order and scores every mention of a
kecamatan, a kabupaten/kota, a province and a year, giving more weight to the title page, the foreword,
the closing signature and the phrases that name the report itself ('LKIP Kecamatan X Tahun N'), and less
to regulation citations, comparison tables and background sections. It returns ``None`` for a field it is
not sure of. The bundled gazetteer ``wilayah.csv`` (kabupaten_kota, province) lists Indonesia's 514
kabupaten and kota; it validates kabupaten/kota names and implies the province.
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

__all__ = ["DocumentMeta", "extract_metadata"]


@dataclass
class DocumentMeta:
    """Who wrote a report, where the unit sits and which year the report accounts for."""

    instansi: str | None  # the reporting unit as named: 'Kecamatan Blimbing', 'Dinas Peternakan Provinsi Jawa Barat'
    kecamatan: str | None  # name only, title case: 'Blimbing'; None when the unit is not a kecamatan
    kabupaten_kota: str | None  # 'Kota Malang' | 'Kabupaten Malang'; None for a provincial unit
    province: str | None  # stated, or implied by the kabupaten/kota via the gazetteer; None if unknown
    report_year: int | None  # the year whose performance the report accounts for


# --------------------------------------------------------------------------------------------------
# vocabulary

PROVINCES = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan", "Bengkulu", "Lampung",
    "Kepulauan Bangka Belitung", "Kepulauan Riau", "DKI Jakarta", "Jawa Barat", "Jawa Tengah", "DI Yogyakarta",
    "Jawa Timur", "Banten", "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat",
    "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
    "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara", "Gorontalo", "Sulawesi Barat", "Maluku",
    "Maluku Utara", "Papua Barat", "Papua Barat Daya", "Papua", "Papua Selatan", "Papua Tengah",
    "Papua Pegunungan",
)
# other spellings and abbreviations, squashed (lower case, letters only) -> canonical name
PROVINCE_ALIASES = {
    "nanggroeacehdarussalam": "Aceh", "nad": "Aceh", "sumatrautara": "Sumatera Utara", "sumut": "Sumatera Utara",
    "sumatrabarat": "Sumatera Barat", "sumbar": "Sumatera Barat", "sumatraselatan": "Sumatera Selatan",
    "sumsel": "Sumatera Selatan", "bangkabelitung": "Kepulauan Bangka Belitung", "babel": "Kepulauan Bangka Belitung",
    "kepbangkabelitung": "Kepulauan Bangka Belitung", "kepri": "Kepulauan Riau", "kepriau": "Kepulauan Riau",
    "daerahkhususibukotajakarta": "DKI Jakarta", "dkijakarta": "DKI Jakarta", "jakarta": "DKI Jakarta",
    "daerahkhususjakarta": "DKI Jakarta",
    "daerahistimewayogyakarta": "DI Yogyakarta", "diyogyakarta": "DI Yogyakarta", "diy": "DI Yogyakarta",
    "jabar": "Jawa Barat", "jateng": "Jawa Tengah", "jatim": "Jawa Timur", "ntb": "Nusa Tenggara Barat",
    "ntt": "Nusa Tenggara Timur", "kalbar": "Kalimantan Barat", "kalteng": "Kalimantan Tengah",
    "kalsel": "Kalimantan Selatan", "kaltim": "Kalimantan Timur", "kaltara": "Kalimantan Utara",
    "sulut": "Sulawesi Utara", "sulteng": "Sulawesi Tengah", "sulsel": "Sulawesi Selatan",
    "sultra": "Sulawesi Tenggara", "sulbar": "Sulawesi Barat", "malut": "Maluku Utara",
}
# provinces split off after 2022: a report that states the parent keeps the parent
PROVINCE_PARENT = {"Papua Selatan": "Papua", "Papua Tengah": "Papua", "Papua Pegunungan": "Papua",
                   "Papua Barat Daya": "Papua Barat"}
# kabupaten/kota spellings not reduced by squashing, old names -> gazetteer name
PLACE_ALIASES = {
    "Kota": {"padangsidempuan": "Padangsidimpuan", "pangkalanpinang": "Pangkalpinang"},
    "Kabupaten": {
        "pangkajenekepulauan": "Pangkajene dan Kepulauan", "pangkep": "Pangkajene dan Kepulauan",
        "tobasamosir": "Toba", "pontianak": "Mempawah", "mamujuutara": "Pasangkayu",
        "malukutenggarabarat": "Kepulauan Tanimbar", "selayar": "Kepulauan Selayar",
        "siautagulandangbiaro": "Kepulauan Siau Tagulandang Biaro", "kepsiautagulandangbiaro":
        "Kepulauan Siau Tagulandang Biaro", "sangihe": "Kepulauan Sangihe", "talaud": "Kepulauan Talaud",
        "kepseribu": "Kepulauan Seribu", "kepulauanmentawai": "Kepulauan Mentawai", "mentawai": "Kepulauan Mentawai",
        "pahuwato": "Pohuwato", "fakfak": "Fakfak",
    },
}

# capitalised words that follow 'Kecamatan' / 'Camat' / a unit name without being part of the name
STOPWORDS = frozenset(w.lower() for w in """
Kota Kabupaten Kab Kab. Provinsi Propinsi Prov Tahun Th Dan Atau Serta Yang Dalam Di Ke Dari Pada Untuk
Dengan Berdasarkan Menurut Sebagai Merupakan Adalah Tersebut Ini Itu Secara Telah Akan Sudah Belum Tidak
Dapat Harus Juga Masih Agar Maka Bahwa Tentang Terhadap Oleh Atas Bagi Melalui Meliputi Terdiri Memiliki
Mempunyai Sesuai Selaku Sebesar Sebanyak Sejumlah Jumlah Total Data Tabel Gambar Grafik Laporan LKj LKIP
LKjIP LAKIP Renstra Renja Kec Kec. Kel Kel. Kelurahan Desa Jl Jl. Jalan Telp Telepon Fax Kode Pos Email
No No. Nomor Rp Periode Sampai Hingga Sd S/D Wilayah Tingkat Kerja Perangkat Kantor Camat Sekretariat
Sekretaris Kepala Bupati Walikota Wali Gubernur Pemerintah Pemerintahan Se Sekecamatan Kewilayahan Lingkup
Lingkungan Mengenai Karena Sehingga Serta Setiap Seluruh Semua Bersama Para Beserta Yaitu Yakni Antara
Dimana Bila Jika Apabila Per Pada Selama Sejak Sebelum Sesudah Setelah Adapun Berikut Sebagaimana
Nama Alamat Luas Penduduk Batas Letak Kondisi Realisasi Target Capaian Anggaran Indikator Program Kegiatan
Sub Subbagian Seksi Bidang Urusan Pelayanan Persentase Indeks Nilai Rata Rerata Kinerja Tugas Fungsi
Struktur Organisasi Visi Misi Tujuan Sasaran Strategis Pada PK IKU SAKIP Pembangunan Pemberdayaan
Masyarakat Ketentraman Ketertiban Umum Tahunan Triwulan Semester Bulan Hari Tanggal Pukul Mei Juni
Kecamatan Drs Dr Ir H Hj Bapak Ibu Sdr Saudara NIP Pembina Penata
""".split())

# capitalised words that end a unit name ('Dinas Kesehatan Provinsi Jawa Barat Tahun 2016 ...')
UNIT_STOP = frozenset(w.lower() for w in """
Tahun Th Yang Dalam Di Ke Dari Pada Untuk Dengan Berdasarkan Menurut Sebagai Merupakan Adalah Tersebut Ini
Itu Secara Telah Akan Sudah Dapat Harus Juga Agar Maka Bahwa Tentang Terhadap Oleh Atas Bagi Melalui
Meliputi Terdiri Memiliki Mempunyai Sesuai Selaku Sebesar Sebanyak Jumlah Laporan LKj LKIP LKjIP LAKIP Jl
Jalan Telp Telepon Fax No Nomor Rp Periode Kepala Nama Jabatan Alamat Tabel Gambar Renstra Renja Visi Misi
Tujuan Sasaran Indikator Target Realisasi Capaian Anggaran Hal Halaman Page Selanjutnya Disebut Pihak
Adapun Yaitu Yakni Sedangkan Namun Serta Atau Kecamatan Kec Camat Bupati Walikota Gubernur Sekretaris Plt
Plh
""".split()) - {"serta"}

# heads of unit names other than a kecamatan
UNIT_HEAD = (r"(?:dinas|badan|biro|inspektorat|sekretariat|satuan|kantor|rumah\s+sakit|rsud|"
             r"bappeda|bappelitbangda|bpbd|bpkad|bapenda|dprd|kelurahan|unit\s+pelaksana|uptd?)")
ACRONYMS = frozenset("""
BPBD BPKAD BAPPEDA DPRD RSUD UPT UPTD PMD PSDA SDA BPMPD DPMD DPMPTSP PUPR PU KB P3A PPKB DKI DI LKIP LAKIP
LKJIP SKPD OPD TNI POLRI KDH ASN UMKM IKM TIK SDM BUMD
""".split())
# responsible-unit codes printed in a column beside a unit name (quarterly forms): dropped from instansi
UNIT_CODES = frozenset("SETDA SETWAN DISDUKCAPIL DISKOMINFO DISPENDUK BAPPEDA BPBD BPKAD DINKES DISHUB "
                       "DISPORA DISPERINDAG SATPOL BKPSDM BAPENDA DPMPTSP".split())
CONNECTORS = frozenset({"dan", "serta", "&", "dan/atau"})

# --------------------------------------------------------------------------------------------------
# precompiled patterns

_MARKUP = re.compile(r"</?[A-Za-z][^>]{0,20}>|\*+|^\s*#+\s*|\\")
_WS = re.compile(r"\s+")
_NONLETTER = re.compile(r"[^a-z]")
_NAME_WORD = r"[A-Z][A-Za-z'’\-]*\.?"
_NAME_SEQ = rf"{_NAME_WORD}(?:[ ]{{1,2}}{_NAME_WORD}){{0,4}}"

_KEC = re.compile(rf"\b(?i:kecamatan|kec\.?)[ ]{{1,3}}(?P<name>{_NAME_SEQ})")
_CAMAT = re.compile(rf"\b(?i:camat)[ ]{{1,3}}(?P<name>{_NAME_SEQ})")
_CAMAT_SIGN = re.compile(rf"^\s*(?:(?i:plt|plh|pj)\.?\s*)?(?i:camat)\s+(?P<name>{_NAME_SEQ})\s*,?\s*$")
_KEC_TITLE = re.compile(r"(?i:lkj?ip|lakip|lkj|laporan\s+(?:akuntabilitas\s+)?kinerja(?:\s+instansi\s+pemerintah)?)"
                        r"\s*(?:\([^)]{1,20}\)\s*)?(?:\d{4}\s+)?(?:(?i:pada|di)\s+)?(?:(?i:kantor)\s+)?"
                        r"(?i:kecamatan)\b")

_PLACE = re.compile(r"(?<![/\w])(?P<kind>(?i:kabupaten|kab\.?|kota))(?!\s*/)(?:[ ]+(?i:adm\.?|administrasi))?"
                    r"[ ]{1,3}(?P<rest>[A-Za-z][^\t\n]{0,60})")
_HEAD_OF = re.compile(r"\b(?P<kind>(?i:wali\s?kota|bupati|pemkot|pemkab|perwal|perbup|"
                      r"peraturan\s+wali\s?kota|peraturan\s+bupati))[ ]+(?P<rest>[A-Z][^\t\n]{0,60})")
_DOMAIN = re.compile(r"(?P<name>[a-z]+)(?P<kind>kota|kab)\.go\.id", re.I)
_PROV = re.compile(r"\b(?:(?i:provinsi|propinsi|prov\.?)|(?i:gubernur))[ ]{1,3}(?P<rest>[A-Za-z][^\t\n]{0,50})")
_PROV_BARE = re.compile(r"\b(?i:daerah\s+istimewa\s+yogyakarta|dki\s+jakarta)\b")
_REGULATION = re.compile(r"(?i)\b(?:peraturan|perda|perbup|perwal|undang|uu|nomor|lembaran|keputusan|instruksi|"
                         r"pergub|permen|permendagri)\b")
_PROVINCIAL_GOV = re.compile(r"(?i)\bpemerintah(?:an)?\s+(?:daerah\s+)?provinsi\b")
_LOCAL_GOV = re.compile(r"(?i)\bpemerintah(?:an)?\s+(?:daerah\s+)?(?:kota|kabupaten)\s+[a-z]")

# year evidence; citations ('Nomor 53 Tahun 2014'), gazette references and periods ('2018-2023') are removed first
_CITATION = re.compile(r"(?i)\b(?:nomor|nomer|no)\s*[.:]?\s*[\w./\-]+\s*,?\s*(?:tahun|th\.?)\s*(?:19|20)\d{2}")
_GAZETTE = re.compile(r"(?i)\b(?:lembaran|berita|tambahan\s+lembaran)\s+(?:daerah|negara)\b[^.;]{0,60}?"
                      r"(?:tahun|th\.?)\s*(?:19|20)\d{2}")
_PERIOD = re.compile(r"(?i)\b(?:19|20)\d{2}\s*(?:[-–—/]|s\.?\s?d\.?|sampai(?:\s+dengan)?|hingga|to)\s*"
                     r"(?:(?:19|20)\d{2}|\d{2})\b")
_YEAR_REPORT = re.compile(
    r"(?i)(?:laporan\s+(?:akuntabilitas[i]?\s+)?kinerja(?:\s+instansi\s+pemerintah(?:an)?)?|lakip|lkj?ip|lkj|lki)"
    r"\b(?:\s*\([^)]{1,20}\))?(?:\s+(?:kec|kab|prov|kel)\.|\s+[^\s.;:()]+){0,8}?\s*(?:tahun\s+(?:anggaran\s+)?|th\.?\s*|t\.?a\.?\s*)?"
    r"(?P<y>(?:19|20)\d{2})\b")
_YEAR_BUDGET = re.compile(r"(?i)\b(?:tahun\s+anggaran|t\.\s?a\.?|TA)\s*(?P<y>(?:19|20)\d{2})\b")
_YEAR_PERF = re.compile(
    r"(?i)\b(?:(?:target\s+dan\s+)?realisasi(?:\s+dan\s+capaian)?|capaian|pengukuran|perjanjian|penetapan|"
    r"evaluasi|akuntabilitas)\s+kinerja\b(?:\s+[^\s.;:]+){0,7}?\s+(?:tahun|th\.?)\s*(?P<y>(?:19|20)\d{2})\b")
_YEAR_KINERJA = re.compile(r"(?i)\bkinerja(?:\s+[^\s.;:]+){0,3}?\s+tahun\s+(?P<y>(?:19|20)\d{2})\b")
_YEAR_BARE = re.compile(r"(?i)\b(?:tahun|th\.?)\s*(?P<y>(?:19|20)\d{2})\b")
_YEAR_LONE = re.compile(r"^\W*(?P<y>20\d{2})\W*$")
_COMPARISON = re.compile(r"(?i)(?:banding|sebelum|\blalu\b|dengan\s+(?:tahun|realisasi|capaian)|"
                         r"mendatang|selanjutnya|\bakan\b)")

# 'BAB PENDAHULUAN': OCR loses a lone 'I'
_CHAPTER = re.compile(r"(?i)^\W*(?:bab\s+(?:(?:i|1)\b(?![iv])|[il1|]?\W*pendahuluan\b)|pendahuluan\W*$|"
                      r"i\.\s*pendahuluan\b)")
_TOC_LEADER = re.compile(r"\.{4,}|…")
_FRONT_MARK = re.compile(r"(?i)^\W*(?:kata\s+pengantar|ikhtisar\s+eksekutif|ringkasan\s+eksekutif|"
                         r"executive\s+summary|daftar\s+isi|bab\s+(?:i|1)\b(?![iv])|bab\s+[il1|]?\W*pendahuluan\b)")
_CLOSING = re.compile(r"(?i)^\W*(?:bab\s+(?:iv|v|4|5)\W*)?penutup\W*$|^\W*bab\s+(?:iv|4)\s+penutup")
_UNIT_START = re.compile(rf"(?i)^\W*(?P<head>{UNIT_HEAD})\b")
_UNIT_ANY = re.compile(r"(?i)\b(?P<head>dinas|badan|biro|inspektorat|sekretariat|satuan|rumah\s+sakit|rsud|bappeda|"
                       r"bpbd|bpkad|bapenda)\b")
_UNIT_TITLE = re.compile(
    rf"(?i)(?:lkj?ip|lakip|lkj|laporan\s+(?:akuntabilitas[i]?\s+)?kinerja(?:\s+instansi\s+pemerintah(?:an)?)?)"
    rf"\s*(?:\(\s*[a-z]{{2,6}}\s*\))?\s*(?:(?:tahun\s+)?\d{{4}}\s+)?(?:pada\s+|di\s+)?(?=({UNIT_HEAD})\b)")
_KEPALA = re.compile(rf"(?i)^\W*(?:jabatan\s*:\s*)?(?:plt\.?\s*|plh\.?\s*)?kepala\s+(?:pelaksana\s+)?(?=({UNIT_HEAD})\b)")
_UNIT_HINT = re.compile(r"(?i)dinas|badan|biro|inspektorat|sekretariat|satuan|kantor|rumah|rsud|bappeda|bpbd|"
                        r"bpkad|bapenda|dprd|kelurahan|unit|upt")
_TOKEN = re.compile(r"[A-Za-z][\w&'’./\-]*|,|&|\S")
_COVER_STOP = re.compile(r"(?i)^\W*(?:tahun|laporan|lkj|lkip|lakip|jalan|jl\b|telp|tlp|e-?mail|website|http|"
                         r"kode\s+pos|kata\s+pengantar|bab\b|daftar|nomor|no\.)")


# --------------------------------------------------------------------------------------------------
# small helpers

def clean_line(line: object) -> str:
    """Strip markdown/HTML markup and collapse spaces, keeping tabs (cell separators)."""
    s = _MARKUP.sub(" ", str(line) if line is not None else "")
    return "\t".join(_WS.sub(" ", part).strip() for part in s.split("\t")).strip()


def squash(text: str) -> str:
    """Lower-case letters only, for spelling-insensitive name matching ('Palangkaraya' == 'Palangka Raya')."""
    return _NONLETTER.sub("", text.lower())


def title_case(text: str) -> str:
    """Title-case a name, keeping connectors lower and known acronyms upper ('DAN PEMERINTAHAN DESA')."""
    out = []
    for i, word in enumerate(text.split()):
        bare = word.strip(",.;:()")
        if i and bare.lower() in CONNECTORS:
            out.append(word.lower())
        elif bare.upper() in ACRONYMS and (bare.isupper() or len(bare) <= 3):
            out.append(word.upper())
        elif word.isupper() or word.islower():
            out.append("-".join(p[:1].upper() + p[1:].lower() for p in word.split("-")))
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def year_text(line: str) -> str:
    """The line with regulation citations, gazette references and year ranges blanked out."""
    if "20" not in line and "19" not in line:
        return line
    line = _CITATION.sub(" ", line)
    line = _GAZETTE.sub(" ", line)
    return _PERIOD.sub(" ", line)


def name_words(text: str, limit: int = 5) -> list[str]:
    """The capitalised words at the start of ``text`` up to a stop word (a name candidate)."""
    words = []
    for word in text.split(" "):
        if not word:
            continue
        bare = word.rstrip(".,;:")
        if not bare or not bare[0].isupper() or bare.lower() in STOPWORDS or word.lower() in STOPWORDS:
            break
        words.append(bare)
        if word[-1] in ".,;:" or len(words) >= limit:
            break
    return words


@lru_cache(maxsize=1)
def load_gazetteer() -> dict[str, str]:
    """The bundled gazetteer: 'Kota Malang' -> 'Jawa Timur'."""
    path = Path(__file__).with_name("wilayah.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["kabupaten_kota"].strip(): row["province"].strip()
                for row in csv.DictReader(fh) if row.get("kabupaten_kota")}


@lru_cache(maxsize=1)
def place_index() -> dict[str, dict[str, str]]:
    """Squashed bare names per kind: {'Kota': {'malang': 'Kota Malang'}, 'Kabupaten': {...}}."""
    index: dict[str, dict[str, str]] = {"Kota": {}, "Kabupaten": {}}
    for full in load_gazetteer():
        kind, _, name = full.partition(" ")
        index[kind][squash(name)] = full
    for kind, aliases in PLACE_ALIASES.items():
        for alias, name in aliases.items():
            full = f"{kind} {name}"
            if full in load_gazetteer():
                index[kind].setdefault(alias, full)
    return index


@lru_cache(maxsize=1)
def province_index() -> dict[str, str]:
    """Squashed province names and aliases -> canonical province."""
    index = {squash(p): p for p in PROVINCES}
    index.update(PROVINCE_ALIASES)
    return index


def match_place(kind: str, rest: str) -> Optional[str]:
    """The gazetteer kabupaten/kota named at the start of ``rest`` (longest match), else None."""
    index = place_index()["Kota" if kind.lower().startswith("kota") else "Kabupaten"]
    words = rest.split()[:5]
    if not words or not words[0][:1].isupper():
        return None
    for n in range(len(words), 0, -1):
        key = squash(" ".join(words[:n]))
        if key and key in index:
            return index[key]
    return None


def match_province(rest: str) -> Optional[str]:
    """The province named at the start of ``rest`` (longest match), else None."""
    index = province_index()
    words = rest.split()[:5]
    if not words or not words[0][:1].isupper():
        return None
    for n in range(len(words), 0, -1):
        key = squash(" ".join(words[:n]))
        if key and key in index:
            return index[key]
    return None


def best(scores: dict, ratio: float = 1.5, minimum: float = 0.0) -> Optional[str]:
    """The top-scoring key when it reaches ``minimum`` and beats the runner-up by ``ratio``, else None."""
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    top, score = ranked[0]
    if score < minimum or (len(ranked) > 1 and score < ratio * ranked[1][1]):
        return None
    return top


# --------------------------------------------------------------------------------------------------
# document layout

def front_end(lines: Sequence[str]) -> int:
    """Index where the front matter (cover, foreword, contents) ends: the first chapter, at least 25 lines in."""
    for i, line in enumerate(lines[:400]):
        if line and _CHAPTER.match(line) and not _TOC_LEADER.search(line) and not re.search(r"\d\s*$", line):
            return max(i, 25)
    return min(len(lines), 60)


def cover_end(lines: Sequence[str]) -> int:
    """Index where the title page ends: the foreword / contents / first chapter, or 15 non-empty lines."""
    seen = 0
    for i, line in enumerate(lines[:300]):
        if not line:
            continue
        if _FRONT_MARK.match(line):
            return i
        seen += 1
        if seen > 40:
            break
    seen = 0
    for i, line in enumerate(lines):
        if line:
            seen += 1
            if seen > 15:
                return i
    return len(lines)


def closing_start(lines: Sequence[str]) -> int:
    """Index of the closing chapter (PENUTUP), or of the last 8% of the document."""
    start = len(lines) - max(len(lines) // 12, 20)
    for i in range(len(lines) - 1, len(lines) // 2, -1):
        if lines[i] and _CLOSING.match(lines[i]) and not _TOC_LEADER.search(lines[i]):
            return i
    return max(start, 0)


# --------------------------------------------------------------------------------------------------
# kecamatan

def kecamatan_candidate(raw: str, place_names: frozenset) -> Optional[str]:
    """A kecamatan name from the words after 'Kecamatan'/'Camat', trailing kabupaten/kota names dropped."""
    words = name_words(raw, limit=3)
    while len(words) > 1 and squash(words[-1]) in place_names:
        words.pop()
    if not words or len(squash(words[0])) < 3:
        return None
    return title_case(" ".join(words))


def kecamatan_scores(lines: Sequence[str], front: int, closing: int) -> dict[str, float]:
    """Weighted mentions of each kecamatan: title page, foreword, signature and report title count most."""
    idx = place_index()
    place_names = frozenset(idx["Kota"]) | frozenset(idx["Kabupaten"])
    scores: dict[str, float] = defaultdict(float)
    for i, line in enumerate(lines):
        if not line:
            continue
        low = line.lower()
        if "kec" not in low and "camat" not in low:
            continue
        zone = 3.0 if i < front else 2.0 if i >= closing else 1.0
        if "\t" in line:
            zone *= 0.5
        if _REGULATION.search(line):
            zone *= 0.5
        sign = _CAMAT_SIGN.match(line)
        if sign:
            name = kecamatan_candidate(sign.group("name"), place_names)
            if name:
                scores[name] += 8.0
            continue
        titled = {m.end() for m in _KEC_TITLE.finditer(line)}
        for m in _KEC.finditer(line):
            name = kecamatan_candidate(m.group("name"), place_names)
            if name:
                bonus = 4.0 if m.start("name") - 1 in titled or m.start("name") - 2 in titled else 0.0
                scores[name] += zone * (1.0 + bonus)
        for m in _CAMAT.finditer(line):
            name = kecamatan_candidate(m.group("name"), place_names)
            if name:
                scores[name] += zone * 1.5
    return merge_spellings(scores)


def merge_spellings(scores: dict[str, float]) -> dict[str, float]:
    """Add up the scores of spellings of one name ('Kedungkandang', 'Kedung Kandang') under its best-scored one."""
    groups: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for name, score in scores.items():
        groups[squash(name)].append((score, name))
    return {max(members)[1]: sum(sc for sc, _ in members) for members in groups.values()}


def find_kecamatan(lines: Sequence[str], front: int, closing: int) -> Optional[str]:
    """The report's own kecamatan: clearly the most (and heavily enough) named one, else None."""
    return best(kecamatan_scores(lines, front, closing), ratio=2.0, minimum=4.0)


# --------------------------------------------------------------------------------------------------
# kabupaten / kota

def place_scores(lines: Sequence[str], front: int, kecamatan: Optional[str]) -> dict[str, float]:
    """Weighted mentions of each gazetteer kabupaten/kota: title page, 'Pemerintah Kota X', 'Kecamatan Y Kota X'."""
    idx = place_index()
    kec_rx = re.compile(r"(?i)\bkec(?:amatan|\.)?\s*" + r"\W*".join(map(re.escape, kecamatan.split())) +
                        r"\W*$") if kecamatan else None
    scores: dict[str, float] = defaultdict(float)
    for i, line in enumerate(lines):
        if not line:
            continue
        low = line.lower()
        has_place = "kota" in low or "kab" in low
        has_head = "bupati" in low or "pem" in low or "per" in low
        if not (has_place or has_head or ".go.id" in low):
            continue
        zone = 3.0 if i < front else 1.0
        if "\t" in line:
            zone *= 0.5
        if _REGULATION.search(line):
            zone *= 0.5
        if has_place:
            for m in _PLACE.finditer(line):
                place = match_place(m.group("kind"), m.group("rest"))
                if not place:
                    continue
                weight = zone
                before = line[max(0, m.start() - 40):m.start()]
                if re.search(r"(?i)pemerintah(?:an)?\s*(?:daerah\s*)?$", before):
                    weight += 2.0
                if kec_rx and kec_rx.search(before):
                    weight += 5.0
                scores[place] += weight
        if has_head:
            for m in _HEAD_OF.finditer(line):
                kind = "Kabupaten" if re.search(r"(?i)bupati|pemkab|perbup", m.group("kind")) else "Kota"
                place = match_place(kind, m.group("rest"))
                if place:
                    scores[place] += 2.0 * zone
        if ".go.id" in low:
            for m in _DOMAIN.finditer(line):
                kind = "Kota" if m.group("kind").lower() == "kota" else "Kabupaten"
                name = m.group("name").lower()
                # sub-domains such as 'kec-kedungkandang.malangkota.go.id' keep only the last label
                place = idx[kind].get(name)
                if place:
                    scores[place] += 3.0
    return scores


def find_kabupaten_kota(lines: Sequence[str], front: int, kecamatan: Optional[str],
                        provincial: bool) -> Optional[str]:
    """The kabupaten/kota the unit belongs to; None for a provincial unit or when the text does not settle it."""
    if provincial and not kecamatan:
        return None
    scores = place_scores(lines, front, kecamatan)
    if kecamatan:
        return best(scores, ratio=1.5, minimum=1.0)
    return best(scores, ratio=2.0, minimum=1.0)


# --------------------------------------------------------------------------------------------------
# province

def province_scores(lines: Sequence[str], front: int) -> dict[str, float]:
    """Weighted statements of a province ('Provinsi Jawa Barat', 'Gubernur Jawa Barat', 'DI Yogyakarta')."""
    scores: dict[str, float] = defaultdict(float)
    for i, line in enumerate(lines):
        if not line:
            continue
        low = line.lower()
        if not ("prov" in low or "prop" in low or "gubernur" in low or "jakarta" in low or "yogyakarta" in low):
            continue
        zone = 3.0 if i < front else 1.0
        for m in _PROV.finditer(line):
            prov = match_province(m.group("rest"))
            if prov:
                scores[prov] += zone
        for m in _PROV_BARE.finditer(line):
            prov = match_province(m.group(0))
            if prov:
                scores[prov] += zone * 0.5
    return scores


def find_province(lines: Sequence[str], front: int, kabupaten_kota: Optional[str],
                  instansi: Optional[str]) -> Optional[str]:
    """The province: implied by the kabupaten/kota through the gazetteer, else stated in the text."""
    stated_scores = province_scores(lines, front)
    stated = best(stated_scores, ratio=2.0, minimum=1.0)
    if kabupaten_kota:
        implied = load_gazetteer().get(kabupaten_kota)
        if implied:
            if stated and PROVINCE_PARENT.get(implied) == stated:
                return stated
            return implied
    if instansi:
        m = _PROV.search(instansi)
        if m:
            prov = match_province(m.group("rest"))
            if prov:
                return prov
    return stated


# --------------------------------------------------------------------------------------------------
# report year

def year_scores(lines: Sequence[str], front: int, cover: int) -> dict[int, float]:
    """Weighted year evidence: report-title phrases, 'Tahun Anggaran N', 'Capaian Kinerja Tahun N', cover years."""
    scores: dict[int, float] = defaultdict(float)

    def add(year: str, weight: float) -> None:
        y = int(year)
        if 1995 <= y <= 2099:
            scores[y] += weight

    # the title page read as one string catches a title split over lines ('LKIP' / 'KECAMATAN X' / 'TAHUN 2019')
    cover_text = year_text(" ".join(x for x in lines[:cover] if x))
    for m in _YEAR_REPORT.finditer(cover_text):
        add(m.group("y"), 12.0)

    prev = ""
    for i, line in enumerate(lines):
        if not line or not ("19" in line or "20" in line):
            prev = line[-40:] if line else prev
            continue
        text = year_text(line)
        ctx = prev + " "  # the end of the previous line: 'lebih baik dibandingkan dengan' / 'capaian ... 2015'
        prev = text[-40:]
        in_front = i < front
        zone = 2.0 if in_front else 1.0
        used: set[int] = set()
        for rx, weight in ((_YEAR_REPORT, 10.0), (_YEAR_BUDGET, 4.0), (_YEAR_PERF, 4.0), (_YEAR_KINERJA, 2.5)):
            for m in rx.finditer(text):
                if m.start("y") in used:
                    continue
                used.add(m.start("y"))
                before = (ctx + text[:m.start("y")])[-(m.start("y") - m.start() + 30):]
                w = weight if not _COMPARISON.search(before) else 0.5
                add(m.group("y"), w * zone)
        for m in _YEAR_BARE.finditer(text):
            if m.start("y") in used:
                continue
            used.add(m.start("y"))
            before = (ctx + text[:m.start("y")])[-36:]
            if _COMPARISON.search(before):
                w = 0.1
            elif i < cover:
                w = 2.5
            elif in_front:
                w = 1.0
            else:
                w = 0.2
            add(m.group("y"), w)
        if i < cover:
            lone = _YEAR_LONE.match(text)
            if lone:
                add(lone.group("y"), 2.5)
    return scores


def find_report_year(lines: Sequence[str], front: int, cover: int) -> Optional[int]:
    """The year the report accounts for: the best-supported candidate with enough evidence, else None."""
    top = best(year_scores(lines, front, cover), ratio=1.2, minimum=2.0)
    return int(top) if top is not None else None


# --------------------------------------------------------------------------------------------------
# instansi

def unit_name(text: str) -> Optional[str]:
    """The unit name at the start of ``text`` ('Dinas Kesehatan Provinsi Jawa Barat'), cleaned, or None."""
    tokens = _TOKEN.findall(text)
    out: list[str] = []
    i = 0
    while i < len(tokens) and len(out) < 16:
        tok = tokens[i]
        low = tok.lower().rstrip(".")
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        nxt_ok = bool(nxt) and nxt[:1].isupper() and nxt.lower().rstrip(".,") not in UNIT_STOP
        if tok == ",":
            if len(out) < 2 or not nxt_ok:
                break
            out[-1] += ","
        elif low in CONNECTORS:
            if not out or not nxt_ok:
                break
            out.append(low)
        elif not tok[:1].isupper() or (out and low in UNIT_STOP):
            break
        elif out and low in ("provinsi", "propinsi", "prov", "kota", "kabupaten", "kab"):
            rest = " ".join(tokens[i + 1:i + 6])
            if low.startswith("pro"):
                prov = match_province(rest)
                if prov:
                    out.extend(["Provinsi"] + prov.split())
            else:
                place = match_place(low, rest)
                if place:
                    out.extend(place.split())
            break
        elif out and tok.upper() in UNIT_CODES:
            pass  # a responsible-unit code printed beside the name
        else:
            out.append(tok.rstrip("."))
        i += 1
    while out and (out[-1].endswith(",") or out[-1] in CONNECTORS):
        if out[-1] in CONNECTORS:
            out.pop()
        else:
            out[-1] = out[-1].rstrip(",")
    if len(out) < 2 and not (out and out[0].upper() in ACRONYMS):
        return None
    return title_case(" ".join(out))


def join_continuation(lines: Sequence[str], i: int, limit: int = 3) -> str:
    """Line ``i`` joined with the upper-case title-page lines that continue it ('DAN PEMERINTAHAN DESA')."""
    parts = [lines[i].split("\t")[0]]
    j = i + 1
    while j < len(lines) and len(parts) <= limit:
        nxt = lines[j].split("\t")[0].strip()
        if not nxt:
            j += 1
            continue
        letters = re.sub(r"[^A-Za-z]", "", nxt)
        nxt = re.sub(r"(?:\s+[\d.,]+)+\s*$", "", nxt)  # trailing figures of a form column
        if not letters or not letters.isupper() or _COVER_STOP.match(nxt) or _UNIT_START.match(nxt) \
                or len(nxt) > 80 or re.search(r"\d", nxt):
            break
        parts.append(nxt.rstrip(",."))
        j += 1
    return " ".join(parts)


def cover_unit(lines: Sequence[str], cover: int) -> Optional[str]:
    """The unit named on the title page ('BADAN ...' / 'DAN PEMERINTAHAN DESA' / 'PROVINSI JAWA BARAT')."""
    for i in range(min(cover, len(lines))):
        m = _UNIT_START.match(lines[i]) if lines[i] else None
        if m:
            name = unit_name(join_continuation(lines, i)[m.start("head"):])
            if name:
                return name
    return None


def unit_scores(lines: Sequence[str], cover: int) -> dict[str, float]:
    """Weighted unit names: the title page, the report-title phrase, the head's signature, plain mentions."""
    scores: dict[str, float] = defaultdict(float)
    title = cover_unit(lines, cover)
    if title:
        scores[title] += 20.0
    for i, line in enumerate(lines):
        if not line or not _UNIT_HINT.search(line):
            continue
        m = _KEPALA.match(line)
        if m:
            name = unit_name(join_continuation(lines, i)[m.end():])
            if name:
                scores[name] += 3.0
        for m in _UNIT_TITLE.finditer(line):
            name = unit_name(line[m.end():])
            if name:
                scores[name] += 3.0
        for m in _UNIT_ANY.finditer(line):
            name = unit_name(line[m.start():])
            if name:
                scores[name] += 0.5
    return scores


def find_instansi(lines: Sequence[str], cover: int, kecamatan: Optional[str]) -> Optional[str]:
    """The reporting unit: 'Kecamatan X' for a kecamatan, else the best-supported unit name."""
    if kecamatan:
        return f"Kecamatan {kecamatan}"
    scores = unit_scores(lines, cover)
    if not scores:
        return None
    top = max(scores, key=lambda k: (scores[k], len(k)))
    title = cover_unit(lines, cover)
    if title:
        top = title  # the title page names the unit; running headers may carry typos
    elif scores[top] < 2.0:
        return None
    # a fuller form of the same name ('Biro X' -> 'Biro X Sekretariat Daerah Provinsi Y') wins when well attested
    key = top.lower()
    fuller = [k for k in scores if k.lower().startswith(key + " ") and scores[k] >= 0.25 * scores[top]]
    if fuller:
        top = max(fuller, key=lambda k: (scores[k], len(k)))
    return top


def is_provincial(instansi: Optional[str], kecamatan: Optional[str], lines: Sequence[str], front: int) -> bool:
    """Whether the unit is a provincial one (no kabupaten/kota): named 'Provinsi X' or under a provincial government."""
    if kecamatan:
        return False
    if instansi:
        if re.search(r"(?i)\b(?:kota|kabupaten|kab\.)\s", instansi):
            return False
        if re.search(r"(?i)\bprovinsi\b", instansi):
            return True
    head = " ".join(lines[:front])
    return bool(_PROVINCIAL_GOV.search(head)) and not _LOCAL_GOV.search(head)


def kecamatan_on_cover(lines: Sequence[str], cover: int) -> bool:
    """False when the title page names a unit other than a kecamatan (a dinas, a kelurahan, ...), else True."""
    unit = cover_unit(lines, cover)
    return not unit or bool(re.match(r"(?i)(?:kantor\s+)?kecamatan\b", unit))


# --------------------------------------------------------------------------------------------------

def _safe(fn, *args, default=None):
    """Call ``fn`` and return ``default`` on any error (metadata never stops a document)."""
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 - metadata is best effort by contract
        return default


def extract_metadata(lines: Sequence[str]) -> DocumentMeta:
    """Reporting unit, kecamatan, kabupaten/kota, province and report year of a document's lines."""
    try:
        clean = [clean_line(x) for x in (lines or [])]
    except Exception:  # noqa: BLE001
        return DocumentMeta(None, None, None, None, None)
    front = _safe(front_end, clean, default=min(len(clean), 60))
    closing = _safe(closing_start, clean, default=len(clean))
    cover = _safe(cover_end, clean, default=0)
    kecamatan = _safe(find_kecamatan, clean, front, closing)
    if kecamatan and not _safe(kecamatan_on_cover, clean, cover, default=True):
        kecamatan = None  # the title page names another kind of unit: a kecamatan here is only mentioned
    instansi = _safe(find_instansi, clean, cover, kecamatan)
    provincial = bool(_safe(is_provincial, instansi, kecamatan, clean, front, default=False))
    kabkota = _safe(find_kabupaten_kota, clean, front, kecamatan, provincial)
    province = _safe(find_province, clean, front, kabkota, instansi)
    year = _safe(find_report_year, clean, front, cover)
    return DocumentMeta(instansi=instansi, kecamatan=kecamatan, kabupaten_kota=kabkota,
                        province=province, report_year=year)
