"""Parse numbers as printed in Indonesian government performance reports (LKjIP).

Indonesian format: '.' groups thousands and ',' is the decimal mark ("3.697.493.665,-",
"80,43", "100,63%"). Some reports use '.' as the decimal mark ("80.04", "113.99%"), sometimes
mixed within one table. A single dot followed by exactly three digits ("1.121") is ambiguous:
it is read as a thousands group unless the caller passes ``decimal='.'`` (decided for the whole
column with :func:`decimal_mark_of_column`). Any other dot/comma pattern is decided by its shape.

Cells may carry a '%' suffix, an 'Rp'/'Rp.' prefix, a word unit ("12 laporan", "7 kelom pok"),
a qualitative grade ("Baik (87)", "BB", "Sangat Baik") or be a null marker ('-', '#DIV/0!',
'n/a', '##### #'). Nothing here ever raises on a string.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

__all__ = [
    "ParsedNumber",
    "parse_number",
    "decimal_mark_of_column",
    "looks_numeric",
    "split_compound",
]


@dataclass(frozen=True)
class ParsedNumber:
    """A cell read as a number: value, unit, qualitative grade, the raw text, and whether a number was read."""

    value: Optional[float]  # None for '-', '', '#DIV/0!', 'n/a', '##### #', text
    unit: Optional[str]  # '%', 'Rp', or a lower-case word unit printed in the cell, else None
    grade: Optional[str]  # qualitative grade printed ('Baik', 'BB', 'Sangat Baik'), else None
    raw: str  # the cell text as given
    is_number: bool  # True when a numeric value was read


# --------------------------------------------------------------------------- vocabularies

# word units seen in the reports (and close relatives); also used to re-join words split by a space
_KNOWN_UNITS = frozenset(
    """
    unit laporan angka kelompok lembaga rt rw kali orang dokumen buah indeks paket kegiatan desa
    kelurahan kecamatan jiwa kk kepala bulan tahun hari minggu jam menit poin point nilai skor
    sekolah kasus berkas surat pengaduan aduan layanan dusun titik lokasi ruas meter km ha hektar
    hektare ton kg liter set eksemplar bh org dok lap keg pkt produk usulan proposal perkara
    sertifikat rekomendasi izin ijin sampel responden peserta rumah pos posyandu kelas sesi event
    umkm koperasi kegiatan program sub dokumen dokumens rekomendasi x lembar judul regu tim pelaku
    usaha penduduk keluarga balita anak warga pelatihan rapat forum aplikasi sistem data kantor
    gedung ruang orang/hari kali/tahun persil bidang kavling rupiah persen prosen
    """.split()
)

# words that make a trailing word a qualifier or prose rather than a unit ("85 keatas")
_STOP_WORDS = frozenset(
    """
    keatas kebawah ke atas bawah dengan dan atau dari capaian target realisasi sd s/d hingga sampai
    lebih kurang minimal maksimal min maks max yang di pada untuk belum sudah tidak telah akan
    adalah sebesar sebanyak tercapai terealisasi tahunan
    """.split()
)

# leading words accepted as a unit before the number ("Indeks 3,5"); 'Rp' is handled apart
_LEAD_UNITS = frozenset("indeks skor poin angka".split())

# canonical spellings of qualitative grades (lower-case key -> printed form)
_WORD_GRADES = {
    g.lower(): g
    for g in (
        "Sangat Baik",
        "Baik Sekali",
        "Cukup Baik",
        "Kurang Baik",
        "Tidak Baik",
        "Baik",
        "Sangat Cukup",
        "Cukup",
        "Sangat Kurang",
        "Kurang",
        "Sangat Buruk",
        "Buruk",
        "Sangat Memuaskan",
        "Kurang Memuaskan",
        "Tidak Memuaskan",
        "Memuaskan",
        "Sangat Tinggi",
        "Tinggi",
        "Sedang",
        "Sangat Rendah",
        "Rendah",
        "Istimewa",
        "Sangat Berhasil",
        "Cukup Berhasil",
        "Kurang Berhasil",
        "Tidak Berhasil",
        "Berhasil",
    )
}
_LETTER_GRADES = ("AA", "BB", "CC", "A", "B", "C", "D", "E")

_NULL_TEXTS = frozenset(
    s.lower()
    for s in (
        "-", "--", "---", "–", "—", "−", "#DIV/0!", "#N/A", "N/A", "n.a.", "n.a", "NA", "#REF!",
        "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "…", "nihil", "null", "none", "nan",
    )
)

# --------------------------------------------------------------------------- regexes

_TRANSLATE = str.maketrans(
    {
        "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u200b": "", "\ufeff": "",
        "\t": " ", "\r": " ", "\n": " ", "\uff05": "%", "\u2212": "-",
    }
)
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
_EDGE_RE = re.compile(r"^[\s*_`]+|[\s*_`]+$")
_SPACE_RE = re.compile(r"\s{2,}")
_NULL_RE = re.compile(r"#+(?:\s*#+)*|\.{2,}|[-–—]+|\?+")
_DIGIT_RE = re.compile(r"[0-9]")
_FAST_RE = re.compile(r"([0-9]+(?:[.,][0-9]+)*)( ?%)?")

_GRADE_ALT = (
    "(?i:" + "|".join(re.escape(g) for g in sorted(_WORD_GRADES, key=len, reverse=True)).replace(r"\ ", r"\s+")
    + ")|(?:" + "|".join(_LETTER_GRADES) + r")(?![A-Za-z])"
)
_GRADE_ONLY_RE = re.compile(r"(?:" + _GRADE_ALT + r")")
# 'Baik (87)', 'BB [70,01]'
_GRADE_PAREN_NUM_RE = re.compile(r"(?P<g>" + _GRADE_ALT + r")\s*[(\[]\s*(?P<n>[^()\[\]]+?)\s*[)\]]")
# '87 (Baik)', '70,01 [BB]'
_NUM_PAREN_GRADE_RE = re.compile(r"(?P<n>[^()\[\]]+?)\s*[(\[]\s*(?P<g>" + _GRADE_ALT + r")\s*[)\]]")
# 'Baik 87', 'BB: 70,01', 'B / 65'
_GRADE_NUM_RE = re.compile(r"(?P<g>" + _GRADE_ALT + r")\s*(?:[:/,=–—]\s*|-\s+|\s)\s*(?P<n>[-(0-9Rr.,].*)")
# '87 Baik', '70,01 / BB'
_NUM_GRADE_RE = re.compile(r"(?P<n>.*[0-9%)])\s*(?:[:/,=–—-]\s*|\s)\s*(?P<g>" + _GRADE_ALT + r")")

_UNIT_WORD = r"[^\W\d_]+[²³]?\.?"
_PLAIN_RE = re.compile(
    r"(?P<cmp>(?:[<>]=?|[≤≥±~]|\+/-)\s*)?"
    r"(?:(?!(?i:rp|idr)\b)(?P<lunit>[^\W\d_]+)\s+)?"
    r"(?P<po>\(\s*)?"
    r"(?P<s1>[-–—+]\s*)?"
    r"(?:(?P<rp>(?i:rp|idr))\s*[.,:]?\s*)?"
    r"(?P<s2>[-–—]\s*)?"
    r"(?P<body>[0-9](?:[0-9.,]*[0-9])?|[.,][0-9]+)"
    r"(?P<tail>[.,](?:-+|=)?|\s*[.,]-+)?"
    r"(?P<pc>\s*\))?"
    r"(?:\s*(?P<pct>%|(?i:persen|prosen)\b))?"
    r"(?:\s*(?P<unit>(?:k?m[23²³]|" + _UNIT_WORD + r")(?:\s*/\s*[^\W\d_]+)?(?:\s+" + _UNIT_WORD + r"){0,2}))?"
)
_UNIT_SPLIT_RE = re.compile(r"\s+")
_SLASH_RE = re.compile(r"\s*/\s*")

_COMPOUND_SPLIT_RE = re.compile(
    r"\s*\bs\s*[./]\s*d\b\.?\s*"
    r"|\s+(?i:dengan\s+capaian|dengan|atau|dan|sd|sampai\s+dengan|sampai|hingga|dari|capaian|vs\.?|terhadap)\s+"
    r"|\s*[/;|]\s*"
)
_COMPOUND_PAREN_RE = re.compile(r"(?P<a>[^()]*[0-9][^()]*?)\s*\(\s*(?P<b>[^()]*[0-9][^()]*)\s*\)")


# --------------------------------------------------------------------------- helpers


def _clean(text: str) -> str:
    """Strip markup ('<b>', '**'), odd spaces and surrounding blanks from a cell text."""
    s = text.translate(_TRANSLATE)
    if "<" in s:
        s = _TAG_RE.sub("", s)
    s = _EDGE_RE.sub("", s)
    if "  " in s:
        s = _SPACE_RE.sub(" ", s)
    return s


def _is_null(s: str) -> bool:
    """True for a cleaned cell that prints an empty/null value ('-', '#DIV/0!', '##### #', '.....')."""
    return not s or s.lower() in _NULL_TEXTS or _NULL_RE.fullmatch(s) is not None


def _valid_groups(head: str, groups: list[str]) -> bool:
    """True when head (1-3 digits) and groups (3 digits each) form a valid thousands grouping."""
    return 1 <= len(head) <= 3 and all(len(g) == 3 for g in groups)


def _body_value(body: str, decimal: Optional[str]) -> Optional[float]:
    """The value of a digits-dots-commas body, or None when its marks make no sense."""
    nd = body.count(".")
    nc = body.count(",")
    if not nd and not nc:
        return float(body)
    if nd and nc:
        dec = "." if body.rfind(".") > body.rfind(",") else ","
        grp = "," if dec == "." else "."
        if body.count(dec) != 1:
            return None
        ip, fp = body.split(dec)
        parts = ip.split(grp)
        if not _valid_groups(parts[0], parts[1:]):
            return None
        return float("".join(parts) + "." + fp)
    mark = "." if nd else ","
    parts = body.split(mark)
    if len(parts) > 2:  # several marks of one kind: thousands groups
        if not _valid_groups(parts[0], parts[1:]):
            return None
        return float("".join(parts))
    ip, fp = parts
    if mark == "," or len(fp) != 3 or decimal == "." or not ip or ip[0] == "0" or len(ip) > 3:
        return float((ip or "0") + "." + fp)
    return float(ip + fp)  # '1.121': a thousands group


def _unit_of(words: str) -> Optional[str]:
    """Normalise a printed unit phrase ('Unit', 'kelom pok', 'persen'); '' when it is not a unit."""
    words = _SLASH_RE.sub("/", words.strip())
    if _GRADE_ONLY_RE.fullmatch(words):
        return ""
    ws = [w.rstrip(".").lower() for w in _UNIT_SPLIT_RE.split(words)]
    joined = "".join(ws)
    if joined in ("persen", "prosen"):
        return "%"
    if joined == "rupiah":
        return "Rp"
    if any(w in _STOP_WORDS for w in ws):
        return ""
    if len(ws) == 1 or joined in _KNOWN_UNITS:
        return joined
    if ws[0] in _KNOWN_UNITS or ws[0].split("/")[0] in _KNOWN_UNITS:
        return " ".join(ws)
    return ""


def _parse_plain(s: str, decimal: Optional[str]) -> Optional[tuple[float, Optional[str]]]:
    """Read a cleaned cell that holds one number with optional sign, Rp, %, unit; None if it does not."""
    m = _PLAIN_RE.fullmatch(s)
    if m is None:
        return None
    value = _body_value(m.group("body"), decimal)
    if value is None:
        return None
    po, pc = m.group("po"), m.group("pc")
    if (po is None) != (pc is None):
        return None
    s1, s2 = m.group("s1"), m.group("s2")
    if s1 and s2 or (po and (s1 or s2)):
        return None
    if po or (s1 and s1[0] != "+") or s2:
        value = -value
    unit: Optional[str] = None
    lunit = m.group("lunit")
    if lunit is not None:
        lu = lunit.lower()
        if lu not in _LEAD_UNITS:
            return None
        unit = lu
    if m.group("rp"):
        if unit is not None:
            return None
        unit = "Rp"
    if m.group("pct"):
        if unit is not None:
            return None
        unit = "%"
    words = m.group("unit")
    if words:
        u = _unit_of(words)
        if not u:
            return None
        if unit is not None and unit != u:
            return None
        unit = u
    return value, unit


def _result(raw: str, value: Optional[float], unit: Optional[str], grade: Optional[str]) -> ParsedNumber:
    """Build a ParsedNumber."""
    return ParsedNumber(value=value, unit=unit, grade=grade, raw=raw, is_number=value is not None)


def _canon_grade(g: str) -> str:
    """Canonical spelling of a matched grade ('baik' -> 'Baik', 'sangat  baik' -> 'Sangat Baik')."""
    key = " ".join(g.split()).lower()
    return _WORD_GRADES.get(key, g)


def _parse_graded(s: str, decimal: Optional[str]) -> Optional[ParsedNumber]:
    """Read 'Baik (87)', '87 (Baik)', 'BB 70,01', 'B' and the like; None if the cell holds no grade."""
    if _GRADE_ONLY_RE.fullmatch(s):
        return ParsedNumber(None, None, _canon_grade(s), s, False)
    for rx in (_GRADE_PAREN_NUM_RE, _NUM_PAREN_GRADE_RE, _GRADE_NUM_RE, _NUM_GRADE_RE):
        m = rx.fullmatch(s)
        if m is not None:
            p = _parse_plain(m.group("n").strip(), decimal)
            if p is not None:
                return ParsedNumber(p[0], p[1], _canon_grade(m.group("g")), s, True)
    return None


# --------------------------------------------------------------------------- API


def parse_number(text: str, decimal: Optional[str] = None) -> ParsedNumber:
    """Parse one printed cell ('80,43', '100,63%', 'Rp. 12.143.000,00', '12 laporan', 'Baik (87)')."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    m = _FAST_RE.fullmatch(text)
    if m is not None:  # fast path: a bare number, maybe with '%'
        v = _body_value(m.group(1), decimal)
        if v is not None:
            return ParsedNumber(v, "%" if m.group(2) else None, None, text, True)
    s = _clean(text)
    if _is_null(s):
        return ParsedNumber(None, None, None, text, False)
    if len(s) > 80:
        return ParsedNumber(None, None, None, text, False)
    if _DIGIT_RE.search(s) is None:
        g = _GRADE_ONLY_RE.fullmatch(s)
        return ParsedNumber(None, None, _canon_grade(s) if g else None, text, False)
    p = _parse_plain(s, decimal)
    if p is not None:
        return ParsedNumber(p[0], p[1], None, text, True)
    g = _parse_graded(s, decimal)
    if g is not None:
        return ParsedNumber(g.value, g.unit, g.grade, text, g.is_number)
    return ParsedNumber(None, None, None, text, False)


def _vote(s: str) -> Optional[str]:
    """The decimal mark a cleaned cell proves (',' or '.'), or None when it is ambiguous or not a number."""
    m = _PLAIN_RE.fullmatch(s)
    if m is None:
        return None
    body = m.group("body")
    nd, nc = body.count("."), body.count(",")
    if nd and nc:
        return "." if body.rfind(".") > body.rfind(",") else ","
    if nd >= 2:
        return ","
    if nc >= 2:
        return "."
    if nd == 1:
        ip, fp = body.split(".")
        if len(fp) != 3 or not ip or ip[0] == "0" or len(ip) > 3:
            return "."
        return None
    if nc == 1:
        ip, fp = body.split(",")
        if len(fp) != 3 or not ip or ip[0] == "0" or len(ip) > 3:
            return ","
        return None
    return None


def decimal_mark_of_column(texts: Iterable[str]) -> Optional[str]:
    """The decimal mark (',' or '.') most unambiguous cells of one column prove; None if undecided."""
    dots = commas = 0
    for t in texts:
        if not isinstance(t, str):
            continue
        v = _vote(_clean(t))
        if v == ".":
            dots += 1
        elif v == ",":
            commas += 1
    if dots > commas:
        return "."
    if commas > dots:
        return ","
    return None


def looks_numeric(text: str) -> bool:
    """Cheap test: the cell holds a number (with %, Rp, unit word) or a grade, not prose or a null."""
    if not isinstance(text, str) or len(text) > 120:
        return False
    p = parse_number(text)
    return p.is_number or p.grade is not None


def split_compound(text: str) -> list[str]:
    """Split a cell holding two or more numbers ('4,26 Dengan capaian 99,36%') into them; [] otherwise."""
    if not isinstance(text, str):
        return []
    s = _clean(text.replace("\n", " / "))
    if len(s) > 200 or _DIGIT_RE.search(s) is None or _is_null(s):
        return []
    parts = [p.strip() for p in _COMPOUND_SPLIT_RE.split(s)]
    if len(parts) < 2:
        m = _COMPOUND_PAREN_RE.fullmatch(s)
        if m is None:
            return []
        parts = [m.group("a").strip(), m.group("b").strip()]
    if all(p and parse_number(p).is_number for p in parts):
        return parts
    return []
