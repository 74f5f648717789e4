"""Canonical indicators: one ``indicator_id`` for the same indicator in every kecamatan and year.

Reports spell the same indicator their own way ("Indeks Kepuasan Masyarakat (IKM) Perangkat Daerah",
"IKM Perangkat Daerah", "Survey Kepuasan Masyarakat (SKM)"; "Nilai SAKIP PD", "Nilai Sakip OPD";
"(IPMas)", "(IPMasy)", "(IP Mas)", "(IPMat)"; "Prosentase ...", "Untk", "prasaarana").  This module

* cleans a printed name (:func:`clean_indicator_name`, the ``indicator_name`` column);
* matches it to the curated catalogue shipped next to it (``catalogue.yaml``), optionally overridden
  and extended by a user's alias file (:class:`IndicatorMatcher`);
* gives every name that matches nothing a stable id ``x_<slug>`` shared by all the spellings of the
  same indicator across the whole input (:func:`assign_indicator_ids`), deterministic under any
  reordering of the input and on any run or machine (sorted inputs, total orders, SHA-1, never
  Python's ``hash()``);
* lists the catalogue and the unmatched clusters for curation (:func:`catalogue_rows`,
  :func:`unmatched_clusters`).

How two names are compared
--------------------------
A cleaned name is reduced to an *analysis*: the kind of measure its leading words announce
(Persentase -> percent, Jumlah -> count, Rasio -> ratio, Indeks/Nilai/Skor/Survei -> score,
Cakupan -> coverage, Tingkat or nothing -> neutral), the qualifiers that flip its meaning ('target
akhir', 'kondisi awal', 'internal', 'eksternal', 'tidak', 'belum', 'perubahan', 'rata-rata'), the known
abbreviations it carries (in parentheses or alone), and its *subject*: the remaining content words
without stop words, without the reporting-unit qualifiers ('Perangkat Daerah', 'PD', 'OPD', 'SKPD',
'Kecamatan', 'Kelurahan'), without years and without a trailing kelurahan name ('... di Kelurahan
Bumiayu', '(Kelurahan Arjowinangun)').  Two names can only be the same indicator when their kinds
are compatible and their meaning-flipping qualifiers are identical.

The subjects are then compared with rapidfuzz's ``fuzz.token_sort_ratio`` (all names against all
catalogue aliases in one ``process.cdist`` call; subjects are kept as sorted, de-duplicated token
strings, so the scorer is called as ``fuzz.ratio`` on them, which is the same number without
re-sorting in every comparison).  It was chosen deliberately: reports reorder words ("sarana dan
prasarana" / "prasarana sarana", "Masyarakat/Perwakilan Masyarakat"), which rules out a plain
``ratio`` of the printed strings; and it is symmetric and penalises missing or extra words, unlike
``token_set_ratio``, ``partial_ratio`` and ``WRatio``, which score a short name 100 against any
longer name that contains it ("Nilai SAKIP" vs "Nilai SAKIP OPD target akhir", "Jumlah Kendaraan
Dinas Operasional" vs "Jumlah Kendaraan Dinas Operasional atau Lapangan yang Dipelihara ...").  The
score only ranks candidates; the decision is a token rule on top of it.  Words are paired one to
one, allowing a typo (two swapped letters, a doubled letter, or in long words one letter dropped:
'Kepuaasn', 'prasaarana', 'Kecmaatan'; never a substituted letter, 'peralatan' is not 'perawatan',
nor one dropped from a short word, 'penataan' is not 'pendataan') and Indonesian affixes (a light
stemmer: 'kewilayahan' = 'wilayah', 'penyelesaian' = 'diselesaikan').  A catalogue alias of up to
five content words must be matched completely, and the name may only add weak words ('yang
Disediakan', 'ASN'); longer aliases tolerate one missing and one extra word.  So 'Indeks Modal
Sosial' does not swallow 'Indeks Modal Sosial Budaya', nor 'Persentase lembaga kemasyarakatan yang
aktif' 'Persentase lembaga ekonomi dan kemasyarakatan yang aktif'.  An abbreviation printed as a
word of an alias ('Persentase Layanan PATEN sesuai SOP') must be in the name too.  Misspelt words
are first rewritten to the catalogue or rule word they are a typo of ('Persetnase', 'Kecmaatan'),
and, across a batch, to the more frequent spelling, so that two different typos of one word meet.

Unmatched names are clustered with the same word pairing, stricter: subjects equal word for word
but for one weak word, over candidate pairs found by blocking on word stems (near-linear, not all
pairs), with complete linkage so that no chain of small differences joins two indicators.

A known abbreviation is strong evidence (IKM, SKM, SAKIP, IPMas/IPMasy/IP Mas/IPMat, IKLI, IMS, ...),
but the printed name wins when it matches another entry exactly: Kota Malang reports print the
kecamatan's "Indeks Kepuasan Layanan Prasarana Sarana Publik (IKLI)", which is ``ikli_sarpras``, not
the city's ``ikli`` (see the decisions in ``catalogue.yaml``).
"""
from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Union

import numpy as np
import yaml
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

__all__ = [
    "clean_indicator_name",
    "IndicatorMatcher",
    "IndicatorEntry",
    "assign_indicator_ids",
    "unmatched_clusters",
    "catalogue_rows",
    "default_matcher",
    "POLARITIES",
]

POLARITIES = ("higher_is_better", "lower_is_better")
UNMATCHED_PREFIX = "x_"

# ------------------------------------------------------------------------------------------ cleaning

# Misspellings and variant spellings seen in LKjIPs, keyed by the lowercased word.
_SPELLING = {
    "prosentase": "persentase",
    "presentase": "persentase",
    "persentasi": "persentase",
    "prosentasi": "persentase",
    "porsentase": "persentase",
    "pemerataann": "pemerataan",
    "prasaarana": "prasarana",
    "prasana": "prasarana",
    "prasaran": "prasarana",
    "sarpas": "sarpras",
    "sapras": "sarpras",
    "saprass": "sarpras",
    "untk": "untuk",
    "utk": "untuk",
    "yg": "yang",
    "dgn": "dengan",
    "dlm": "dalam",
    "thd": "terhadap",
    "tdk": "tidak",
    "ketentraman": "ketenteraman",
    "tentram": "tenteram",
    "survey": "survei",
    "survay": "survei",
    "efektifitas": "efektivitas",
    "produktifitas": "produktivitas",
    "aktifitas": "aktivitas",
    "kreatifitas": "kreativitas",
    "standart": "standar",
    "kwalitas": "kualitas",
    "kwantitas": "kuantitas",
    "tehnis": "teknis",
    "sistim": "sistem",
    "rensta": "renstra",
    "perencanan": "perencanaan",
    "pelaksanan": "pelaksanaan",
    "ijin": "izin",
    "perijinan": "perizinan",
    "musrembang": "musrenbang",
    "musrembangcam": "musrenbangcam",
    "pemeliharan": "pemeliharaan",
}

# Words split by the typesetting ("Terwujud nya", "kelom pok").
_SPLIT_WORDS = {
    "kelom pok": "kelompok",
    "ma syarakat": "masyarakat",
    "pe layanan": "pelayanan",
}

# Canonical spelling of abbreviations a report may print in any case ("Nilai Sakip" -> "SAKIP").
_ABBR_CANON = {
    a.lower(): a
    for a in (
        "IKM SKM SAKIP AKIP OPD PD SKPD RT RW ASN PNS PATEN IKU RKA DPA RKT UMKM PKK TNI POLRI "
        "IPMas IPMasy IPMat IKLI IKLSarpras IMS IPM IDM LKK LPMK BPK BPS ATK BMD APBD APBN LKjIP "
        "LAKIP SOP SPM RPJMD KTP KK PBB DPRD SDM PAUD LPJ SPJ"
    ).split()
}

# Words kept lowercase inside a name (Indonesian title case).
_SMALL_WORDS = frozenset(
    "yang dan di ke dari untuk dalam pada oleh atau dengan kepada terhadap melalui bagi serta per "
    "sebagai atas tentang sesuai berdasarkan antara tanpa secara hingga sampai".split()
)

_TAG_RE = re.compile(r"<[^<>]{0,200}>")
_WORD_RE = re.compile(r"[^\W\d_]+")
_LEADING_MARKER_RE = re.compile(
    r"^(?:[-–—•➤>·▪◦*]+\s*|\(?\d{1,2}[.)]\s+|\(?[a-zA-Z][.)]\s+|[ivxIVX]{1,4}[.)]\s+)+"
)
_LEADING_LABEL_RE = re.compile(
    r"^indikator(?:\s+kinerja)?(?:\s+(?:utama|sasaran|program|kegiatan|sub\s*kegiatan))?"
    r"(?:\s+\d{1,2})?\s*:\s*",
    re.IGNORECASE,
)


def _case_word(word: str, first: bool) -> str:
    low = word.lower()
    fixed = _SPELLING.get(low, low)
    if fixed in _ABBR_CANON:
        return _ABBR_CANON[fixed]
    if fixed == low:
        uppers = sum(c.isupper() for c in word)
        # an abbreviation as printed: mixed case (IPMas, LKjIP) or short all-caps (ATK, BKD)
        if uppers >= 2 and (not word.isupper() or len(word) <= 4):
            return word
    if fixed in _SMALL_WORDS and not first:
        return fixed
    return fixed[:1].upper() + fixed[1:]


@lru_cache(maxsize=65536)
def clean_indicator_name(raw: Optional[str]) -> str:
    """The cleaned, readable form of an indicator name as printed (the ``indicator_name`` column).

    NFKC; HTML tags/entities and markdown emphasis removed; list markers and an 'Indikator:' label
    dropped; whitespace collapsed, also around brackets and punctuation; 'Prosentase' ->
    'Persentase' and common misspellings fixed ('pemerataann', 'prasaarana', 'Untk', 'ketentraman',
    'Survey', split 'Terwujud nya'); Indonesian title case (small words lowercase); abbreviations
    kept and spelled canonically ('Sakip' -> 'SAKIP', 'IPMas' stays).  Deterministic and idempotent.
    """
    if raw is None:
        return ""
    s = unicodedata.normalize("NFKC", str(raw))
    s = html.unescape(s)
    s = _TAG_RE.sub(" ", s)
    s = re.sub(r"\\([%&$_#])", r"\1", s)  # LaTeX escapes
    s = s.replace("$", " ")
    s = re.sub(r"\*+\)?\s*$", " ", s)  # footnote marks "*)"
    s = re.sub(r"\*\*|__|[*`~#]", " ", s)
    s = re.sub(r"[‐‑‒–—−]", "-", s)
    s = re.sub(r"[“”„‟«»]", '"', s)
    s = re.sub(r"[‘’‚‛`´]", "'", s)
    s = re.sub(r"\s+", " ", s).strip()
    for _ in range(3):
        s2 = _LEADING_LABEL_RE.sub("", _LEADING_MARKER_RE.sub("", s)).strip()
        if s2 == s:
            break
        s = s2
    # joined words
    s = re.sub(r"(?i)\b([^\W\d_]{3,}) (nya)\b", r"\1\2", s)
    for split, joined in _SPLIT_WORDS.items():
        s = re.sub(rf"(?i)\b{split}\b", joined, s)
    # spacing around brackets and punctuation
    s = re.sub(r"\(\s+", "(", s)
    s = re.sub(r"\s+\)", ")", s)
    s = re.sub(r"(?<=\w)\(", " (", s)
    s = re.sub(r"\)(?=\w)", ") ", s)
    s = re.sub(r"\s+([,;:.!?])", r"\1", s)
    s = re.sub(r",(?=[^\W\d_])", ", ", s)
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(r"([,;:.!?\-/])\1+", r"\1", s)
    s = s.strip(" ,;:.-/'\"")
    if s.count("(") == 1 and s.count(")") == 0 and s.endswith("("):
        s = s[:-1].rstrip()
    # words: spelling + case
    out = []
    pos = 0
    first = True
    for m in _WORD_RE.finditer(s):
        out.append(s[pos : m.start()])
        out.append(_case_word(m.group(0), first))
        first = False
        pos = m.end()
    out.append(s[pos:])
    s = "".join(out)
    return re.sub(r"\s+", " ", s).strip()


# ------------------------------------------------------------------------------------------ analysis

_STOPWORDS = frozenset(
    "yang dan di ke dari untuk dalam pada oleh atau dengan kepada terhadap melalui bagi serta per "
    "sebagai secara atas tentang sesuai antara hingga sampai tersebut ini itu adalah ada telah dapat "
    "akan sudah juga se the of and".split()
)
# reporting-unit qualifiers that do not change the indicator ("Nilai SAKIP Perangkat Daerah")
_QUALIFIERS = frozenset("pd opd skpd kecamatan kelurahan".split())
_LOCATION_WORDS = frozenset("kecamatan kelurahan desa wilayah kec kel".split())
_PLACE_WORDS = frozenset("kecamatan kelurahan desa".split())  # "di Kelurahan <name>"
# leading words that announce the kind of measure
_MEASURES = {
    "persentase": "percent",
    "persen": "percent",
    "proporsi": "percent",
    "jumlah": "count",
    "banyaknya": "count",
    "rasio": "ratio",
    "perbandingan": "ratio",
    "indeks": "score",
    "nilai": "score",
    "skor": "score",
    "survei": "score",
    "cakupan": "coverage",
    "tingkat": "neutral",
    "angka": "neutral",
    "hasil": "neutral",
}
_GUARD_WORDS = frozenset("internal eksternal tidak belum non perubahan".split())
_GUARD_BIGRAMS = frozenset(["target akhir", "kondisi awal", "kondisi akhir", "rata rata"])
_TOKEN_EXPANSIONS = {
    "sarpras": ("sarana", "prasarana"),
    "trantibum": ("ketenteraman", "ketertiban", "umum"),
    "trantib": ("ketenteraman", "ketertiban"),
    "musrenbangcam": ("musrenbang", "kecamatan"),
    "musrenbangkec": ("musrenbang", "kecamatan"),
    "musrenbangkel": ("musrenbang", "kelurahan"),
    "musrenbangdes": ("musrenbang", "desa"),
    "kec": ("kecamatan",),
    "kel": ("kelurahan",),
    "rerata": ("rata", "rata"),
    "ditindaklanjuti": ("tindaklanjut",),
    "tindaklanjuti": ("tindaklanjut",),
    "survey": ("survei",),
}
_SUMMARY_RE = re.compile(
    r"(?:(rata rata|rerata)|(jumlah|total|jumlah total|total keseluruhan))"
    r"(?: (?:capaian(?: kinerja)?|nilai|realisasi|capaian sasaran))?"
)
_UNIT_PAREN_RE = re.compile(
    r"\s*(?:%|persen|unit\b.*|orang|dokumen|laporan|angka|indeks|nilai|poin|point|rp\.?|rupiah|kali|"
    r"paket|lembaga|kelompok|kegiatan|skala\b.*|satuan\b.*)\s*",
    re.IGNORECASE,
)
_LOCATION_PAREN_RE = re.compile(r"\s*(?:kel(?:urahan)?|desa|kec(?:amatan)?)\.?\s+\S", re.IGNORECASE)
_YEAR_RE = re.compile(r"^(?:19|20)\d\d$")


def _norm_abbr(text: str) -> str:
    return re.sub(r"[\s.\-_/]", "", text.lower())


@dataclass(frozen=True)
class _Analysis:
    key: str  # normalised token string (exact lookup)
    kind: str
    guards: frozenset
    abbrs: tuple  # normalised known abbreviations found, sorted
    bare_abbrs: tuple  # those printed as a word of the name, not in parentheses ("IKM Perangkat Daerah")
    subject: tuple  # sorted unique content tokens
    subject_str: str


# ``fuzz.token_sort_ratio`` of two subjects: they are already sorted, de-duplicated token strings,
# so plain ``fuzz.ratio`` gives the same number without re-sorting inside every comparison.
_SORTED_TOKEN_RATIO = fuzz.ratio

_PREFIXES = (
    ("memper", ""), ("member", ""), ("menge", ""), ("meny", "s"), ("meng", ""), ("mem", "p"),
    ("men", "t"), ("me", ""), ("pember", ""), ("penge", ""), ("peny", "s"), ("peng", ""),
    ("pem", "p"), ("pen", "t"), ("pe", ""), ("ber", ""), ("ter", ""), ("di", ""), ("ke", ""),
    ("se", ""),
)
_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=65536)
def _stem(tok: str) -> str:
    """A light Indonesian stemmer, only used to decide that two words are the same word."""
    t = tok
    if t.endswith("nya") and len(t) - 3 >= 4:
        t = t[:-3]
    for suf in ("kan", "an", "i"):
        if t.endswith(suf) and len(t) - len(suf) >= 4:
            t = t[: -len(suf)]
            break
    for pre, repl in _PREFIXES:
        if t.startswith(pre) and len(t) - len(pre) >= 4:
            rest = t[len(pre) :]
            if repl and rest[0] in _VOWELS:  # peny-ediaan -> sedia, pen-ingkat -> tingkat
                rest = repl + rest
            t = rest
            break
    return t


@lru_cache(maxsize=262144)
def _same_word(a: str, b: str) -> bool:
    """Same word up to a typo or an affix.

    A typo is one inserted or dropped letter ('prasaarana', 'Untk', 'ketentraman') or two swapped
    neighbours ('Kepuaasn'), in words of 5+ letters.  A substituted letter is NOT a typo: it too
    often makes another word ('peralatan' / 'perawatan', 'pengawasan' / 'pengawalan').
    """
    if a == b:
        return True
    sa, sb = _stem(a), _stem(b)
    if sa == sb and len(sa) >= 4:
        return True
    return _is_typo(a, b)


def _unpaired(a: tuple, b: tuple) -> tuple[list, list]:
    """(words of a without a counterpart in b, words of b without a counterpart in a)."""
    ua = [x for x in a if not any(_same_word(x, y) for y in b)]
    ub = [y for y in b if not any(_same_word(x, y) for x in a)]
    return ua, ub


# Words whose presence or absence does not make another indicator ("Jumlah Paket Bahan Logistik
# Kantor [yang Disediakan]", "Jumlah Orang yang Menerima Gaji dan Tunjangan [ASN]").  Any other
# extra word may ("Kepala Daerah" / "Wakil Kepala Daerah", "Kerja Sama Dalam / Luar Negeri",
# "Lembaga [Ekonomi dan] Lembaga Kemasyarakatan"), so it is only tolerated in long names.
_WEAK_WORDS = frozenset(
    "disediakan disusun tersusun dilaksanakan terlaksana tersedia diselenggarakan dihasilkan dibuat "
    "asn pns provinsi kabupaten kota setda".split()
)


def _is_typo(a: str, b: str) -> bool:
    """A typo: two swapped neighbours (6+ letters: 'Kepuaasn', 'Lmebaga'), a doubled letter
    ('pemerataann', 'prasaarana') or, in words of 9+ letters, one letter dropped or added
    ('Kecmaatan').  Shorter real words are too often one letter apart ('penataan' / 'pendataan')."""
    if a == b or min(len(a), len(b)) < 5:
        return False
    if abs(len(a) - len(b)) == 1 and Indel.distance(a, b, score_cutoff=1) <= 1:
        long, short = (a, b) if len(a) > len(b) else (b, a)
        if len(short) >= 9:
            return True
        i = next((k for k in range(len(short)) if long[k] != short[k]), len(short))
        return (i > 0 and long[i] == long[i - 1]) or (i + 1 < len(long) and long[i] == long[i + 1])
    return (
        len(a) == len(b) >= 6 and sorted(a) == sorted(b) and OSA.distance(a, b, score_cutoff=1) <= 1
    )


def _typo_fixes(words: Mapping[str, int], anchors: Iterable[str]) -> dict[str, str]:
    """Map each rare misspelt word to the more frequent word it is a typo of.

    ``words``: word -> in how many distinct names it occurs; ``anchors``: words known to be right
    (catalogue and rule words) which always win.  A word is only rewritten to a strictly more
    frequent word (the most frequent; then alphabetical), never to a short meaning-flipping
    qualifier ('tidak', 'belum'), so that two different
    typos of one word ('Kemasyaarkatan', 'Kemasyraakatan') meet at the right spelling instead of
    staying two edits apart.  Deterministic: depends on the counts only.
    """
    anchors = frozenset(anchors) | frozenset(k for k in _SPELLING if len(k) >= 5)
    big = 1 << 30
    freq = {w: (big if w in anchors else c) for w, c in words.items()}
    for w in anchors:
        freq.setdefault(w, big)
    cands = sorted(w for w in freq if len(w) >= 5 and not w.isdigit())
    if not cands:
        return {}
    queries = sorted(w for w in words if len(w) >= 5 and w not in anchors and not w.isdigit())
    if not queries:
        return {}
    dist = process.cdist(queries, cands, scorer=Indel.distance, score_cutoff=2, dtype=np.int32, workers=1)
    out: dict[str, str] = {}
    for qi, row in enumerate(dist):
        w = queries[qi]
        best = None
        for ci in np.flatnonzero(row <= 2):
            c = cands[int(ci)]
            if c == w or (c in _GUARD_WORDS and len(c) < 7) or freq[c] <= freq[w] or not _is_typo(w, c):
                continue
            key = (-freq[c], c)
            if best is None or key < best[0]:
                best = (key, c)
        if best is not None:
            out[w] = _SPELLING.get(best[1], best[1])
    return out


_RULE_WORDS = frozenset(
    set(_MEASURES) | _QUALIFIERS | _LOCATION_WORDS | _STOPWORDS | _GUARD_WORDS | set(_TOKEN_EXPANSIONS)
    | {"perangkat", "daerah", "capaian", "realisasi", "target", "akhir", "awal", "kondisi", "rata",
       "musrenbang", "tindak", "lanjut", "kinerja", "kepuasan", "masyarakat", "pelayanan"}
)


@lru_cache(maxsize=65536)
def _words(cleaned: str) -> tuple:
    """The lowercase words of a cleaned name, spelling-fixed (what typo fixes apply to)."""
    return tuple(_SPELLING.get(w, w) for w in _ALPHA_RE.findall(cleaned.lower()))


_ALPHA_RE = re.compile(r"[^\W\d_]+")


def _kinds_compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    if "summary" in (a, b):
        return False
    if a == "neutral" or b == "neutral":
        return True
    return {a, b} == {"percent", "coverage"}


def _drop_location(m: re.Match) -> str:
    return " " if _LOCATION_PAREN_RE.match(m.group(1)) else m.group(0)


def _analyse(cleaned: str, abbr_map: Mapping[str, Any], fix: Optional[Mapping[str, str]] = None) -> _Analysis:
    """Reduce a cleaned name to kind, qualifiers, abbreviations and subject.  ``fix`` maps a
    misspelt lowercase word to the word it stands for (see :func:`_typo_fixes`)."""
    fix = fix or {}
    low_plain = " ".join(
        fix.get(w, w) for w in re.findall(r"[a-z]+", re.sub(r"\(([^()]*)\)", _drop_location, cleaned).lower())
    )
    low_plain = re.sub(r" di (?:kecamatan |kelurahan |desa )+[a-z]+$", "", low_plain)
    m = _SUMMARY_RE.fullmatch(low_plain)
    if m:  # a table's summary row ("Rata-Rata Capaian", "Jumlah"), not an indicator
        label = "rata rata" if m.group(1) else "jumlah total"
        return _Analysis(label, "summary", frozenset(["summary"]), (), (), (label,), label)

    kind_hint = "percent" if cleaned.lstrip().startswith("%") else None
    abbrs: set[str] = set()
    bare: set[str] = set()

    def paren(mm: re.Match) -> str:
        inner = mm.group(1)
        n = _norm_abbr(inner)
        if n and n in abbr_map:
            abbrs.add(n)
            return " "
        if _LOCATION_PAREN_RE.match(inner) or _UNIT_PAREN_RE.fullmatch(inner):
            return " "
        return " " + inner + " "

    s = re.sub(r"\(([^()]*)\)", paren, cleaned)
    raw_tokens = re.findall(r"[^\W_]+", s)
    tokens: list[str] = []
    i = 0
    while i < len(raw_tokens):
        tok = raw_tokens[i]
        if not (tok.islower() or tok.isdigit() or tok[1:].islower()) and sum(c.isupper() for c in tok) >= 2:
            if i + 1 < len(raw_tokens):
                pair = _norm_abbr(tok + raw_tokens[i + 1])
                if pair in abbr_map:
                    abbrs.add(pair)
                    bare.add(pair)
                    tokens.append("\x00" + pair)
                    i += 2
                    continue
            n = _norm_abbr(tok)
            if n in abbr_map:
                abbrs.add(n)
                bare.add(n)
                tokens.append("\x00" + n)
                i += 1
                continue
        low = tok.lower()
        low = _SPELLING.get(low, low)
        low = fix.get(low, low)
        if low in ("tindak", "ditindak") and i + 1 < len(raw_tokens) and raw_tokens[i + 1].lower() in ("lanjut", "lanjuti"):
            tokens.append("tindaklanjut")  # "tindak lanjut", "ditindak lanjuti"
            i += 2
            continue
        tokens.extend(_TOKEN_EXPANSIONS.get(low, (low,)))
        i += 1

    # a trailing place name: "... di Kelurahan Bumiayu", "... di Kecamatan Kelurahan Buring"
    for j in range(len(tokens) - 3, -1, -1):
        if tokens[j] == "di" and all(t in _PLACE_WORDS for t in tokens[j + 1 : -1]):
            last = tokens[-1]
            if last not in _LOCATION_WORDS and last not in _STOPWORDS and not last.startswith("\x00"):
                tokens = tokens[:-1]
            break
    tokens = [t for t in tokens if not t.isdigit() and not _YEAR_RE.match(t)]

    guards = set(t for t in tokens if t in _GUARD_WORDS)
    for a, b in zip(tokens, tokens[1:]):
        if f"{a} {b}" in _GUARD_BIGRAMS:
            guards.add(f"{a} {b}")

    kinds = []
    k = 0
    while k < len(tokens) and (tokens[k] in _MEASURES or tokens[k] in _STOPWORDS):
        if tokens[k] in _MEASURES:
            kinds.append(_MEASURES[tokens[k]])
        k += 1
    measure_tokens, rest = tokens[:k], tokens[k:]
    if kind_hint:
        kinds.insert(0, kind_hint)
    # the first of Persentase/Jumlah/Rasio/Cakupan decides ("Rasio jumlah Linmas per RT" is a
    # ratio); else Indeks/Nilai/Skor/Survei; else neutral (Tingkat, or no measure word at all)
    strong = [x for x in kinds if x in ("percent", "count", "ratio", "coverage")]
    kind = strong[0] if strong else ("score" if "score" in kinds else "neutral")

    # drop reporting-unit qualifiers and stop words
    kept: list[str] = []
    j = 0
    while j < len(rest):
        t = rest[j]
        if t == "perangkat" and j + 1 < len(rest) and rest[j + 1] == "daerah":
            j += 2
            continue
        if t in _QUALIFIERS or t in _STOPWORDS:
            j += 1
            continue
        kept.append(t)
        j += 1

    key_tokens = [t.lstrip("\x00") for t in measure_tokens if t not in _STOPWORDS] + [
        t.lstrip("\x00") for t in kept
    ]
    guard_tokens = {w for g in guards for w in g.split()}
    subject = tuple(sorted({t for t in kept if not t.startswith("\x00") and t not in guard_tokens}))
    return _Analysis(
        key=" ".join(key_tokens),
        kind=kind,
        guards=frozenset(guards),
        abbrs=tuple(sorted(abbrs)),
        bare_abbrs=tuple(sorted(bare)),
        subject=subject,
        subject_str=" ".join(subject),
    )


# ------------------------------------------------------------------------------------------ catalogue


@dataclass
class IndicatorEntry:
    """One canonical indicator of the catalogue (or of a user's alias file)."""

    id: str
    name: str
    abbreviation: Optional[str] = None
    abbreviation_variants: tuple = ()
    expansion: Optional[str] = None
    aliases: tuple = ()
    unit: Optional[str] = None
    polarity: str = "higher_is_better"
    related: tuple = ()
    notes: Optional[str] = None
    source: str = "catalogue"

    @property
    def abbreviations(self) -> tuple:
        return ((self.abbreviation,) if self.abbreviation else ()) + tuple(self.abbreviation_variants)


@dataclass
class _Alias:
    entry: int  # index into entries
    text: str
    analysis: _Analysis
    user: bool


_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _as_list(value: Any, what: str) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"{what} must be a string or a list of strings, got {value!r}")


def _load_yaml_entries(source: Union[str, Path, Mapping, list, None], what: str) -> list[dict]:
    if source is None:
        return []
    if isinstance(source, (str, Path)):
        with open(source, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    else:
        data = source
    if data is None:
        return []
    if isinstance(data, Mapping):
        data = data.get("indicators", [])
    if not isinstance(data, list) or not all(isinstance(e, Mapping) for e in data):
        raise ValueError(f"{what}: expected a list of indicator entries under 'indicators:'")
    return [dict(e) for e in data]


def _entry_from_dict(d: Mapping, what: str, source: str) -> IndicatorEntry:
    eid = d.get("id")
    if not isinstance(eid, str) or not _ID_RE.match(eid) or eid.startswith(UNMATCHED_PREFIX):
        raise ValueError(f"{what}: bad id {eid!r} (lowercase slug, not starting with 'x_')")
    name = d.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{what}: entry {eid!r} needs a name")
    polarity = d.get("polarity") or "higher_is_better"
    if polarity not in POLARITIES:
        raise ValueError(f"{what}: entry {eid!r} polarity must be one of {POLARITIES}")
    abbr = d.get("abbreviation")
    if abbr is not None and not isinstance(abbr, str):
        raise ValueError(f"{what}: entry {eid!r} abbreviation must be a string")
    return IndicatorEntry(
        id=eid,
        name=name.strip(),
        abbreviation=abbr,
        abbreviation_variants=_as_list(d.get("abbreviation_variants"), f"{eid}.abbreviation_variants"),
        expansion=d.get("expansion"),
        aliases=_as_list(d.get("aliases"), f"{eid}.aliases"),
        unit=None if d.get("unit") is None else str(d.get("unit")),
        polarity=polarity,
        related=_as_list(d.get("related"), f"{eid}.related"),
        notes=None if d.get("notes") is None else " ".join(str(d.get("notes")).split()),
        source=source,
    )


_USER_OVERRIDABLE = ("name", "abbreviation", "expansion", "unit", "polarity", "notes")


class IndicatorMatcher:
    """Matches printed indicator names to the catalogue (plus an optional user alias file).

    ``IndicatorMatcher()`` uses the shipped ``catalogue.yaml``; ``IndicatorMatcher(aliases=PATH)``
    adds a user file of the same format: an entry with a new id is added, an entry with an existing
    id overrides its fields (name, abbreviation, unit, polarity, notes...) and extends its aliases
    and abbreviation variants (``replace_aliases: true`` replaces them).  A user alias wins over the
    catalogue: a spelling a user assigns to an entry leaves whatever catalogue entry had it.

    :meth:`match` returns ``(catalogue id or None, score 0-100)``; results are cached per distinct
    name.  Scorer: ``fuzz.token_sort_ratio`` on the reduced subjects, combined with kind, qualifier,
    abbreviation and one-to-one word rules (see the module docstring for why).
    """

    def __init__(
        self,
        aliases: Union[str, Path, Mapping, list, None] = None,
        catalogue: Union[str, Path, Mapping, list, None] = None,
    ):
        if catalogue is None:
            text = resources.files("lkjip.normalize").joinpath("catalogue.yaml").read_text("utf-8")
            catalogue = yaml.safe_load(text)
        cat = _load_yaml_entries(catalogue, "catalogue")
        user = _load_yaml_entries(aliases, "alias file")

        entries: list[IndicatorEntry] = []
        index: dict[str, int] = {}
        for d in cat:
            e = _entry_from_dict(d, "catalogue", "catalogue")
            if e.id in index:
                raise ValueError(f"catalogue: duplicate id {e.id!r}")
            index[e.id] = len(entries)
            entries.append(e)
        user_alias_texts: dict[int, list[str]] = {}
        for d in user:
            eid = d.get("id")
            if eid in index:
                e = entries[index[eid]]
                for f in _USER_OVERRIDABLE:
                    if f in d and d[f] is not None:
                        val = d[f]
                        if f == "polarity" and val not in POLARITIES:
                            raise ValueError(f"alias file: entry {eid!r} polarity must be one of {POLARITIES}")
                        if f == "notes":
                            val = " ".join(str(val).split())
                        if f == "name" and val != e.name:
                            e.aliases = e.aliases + (e.name,)  # the catalogue name still matches
                        setattr(e, f, val if f != "unit" else str(val))
                new_aliases = _as_list(d.get("aliases"), f"{eid}.aliases")
                new_abbr = _as_list(d.get("abbreviation_variants"), f"{eid}.abbreviation_variants")
                if d.get("replace_aliases"):
                    e.aliases = new_aliases
                else:
                    e.aliases = tuple(dict.fromkeys(e.aliases + new_aliases))
                e.abbreviation_variants = tuple(dict.fromkeys(e.abbreviation_variants + new_abbr))
                if "related" in d:
                    e.related = tuple(dict.fromkeys(e.related + _as_list(d["related"], f"{eid}.related")))
                e.source = "catalogue+user"
                user_alias_texts.setdefault(index[eid], []).extend(new_aliases)
                if "name" in d:
                    user_alias_texts[index[eid]].append(e.name)
            else:
                e = _entry_from_dict(d, "alias file", "user")
                index[e.id] = len(entries)
                entries.append(e)
                user_alias_texts[index[e.id]] = [e.name, *e.aliases]
        self.entries: list[IndicatorEntry] = entries
        self._index = index

        # abbreviations: normalised form -> entry indices (a user's entry first)
        abbr_map: dict[str, list[int]] = {}
        user_first = sorted(range(len(entries)), key=lambda i: (entries[i].source == "catalogue", i))
        for i in user_first:
            for a in entries[i].abbreviations:
                n = _norm_abbr(a)
                if n and i not in abbr_map.setdefault(n, []):
                    abbr_map[n].append(i)
        self._abbr_map = abbr_map

        # alias records and the exact-key index (user aliases override catalogue ones)
        records: list[_Alias] = []
        for i, e in enumerate(entries):
            user_texts = set(user_alias_texts.get(i, ()))
            texts = [e.name, *e.aliases, *e.abbreviations]
            for t in dict.fromkeys(texts):
                a = _analyse(clean_indicator_name(t), abbr_map)
                if not a.key:
                    continue
                records.append(_Alias(i, t, a, e.source == "user" or t in user_texts))
        exact: dict[str, int] = {}
        for r in records:
            if r.user:
                continue
            prev = exact.get(r.analysis.key)
            if prev is not None and prev != r.entry:
                raise ValueError(
                    f"catalogue: {r.text!r} of {entries[r.entry].id!r} reads the same as an alias of "
                    f"{entries[prev].id!r}"
                )
            exact[r.analysis.key] = r.entry
        user_keys: dict[str, int] = {}
        for r in records:
            if r.user:
                user_keys[r.analysis.key] = r.entry
        exact.update(user_keys)
        # a spelling claimed by a user entry leaves the catalogue entry that had it
        claimed = [r for r in records if exact.get(r.analysis.key, r.entry) != r.entry]
        for r in claimed:
            e = entries[r.entry]
            e.aliases = tuple(a for a in e.aliases if a != r.text)
        records = [r for r in records if exact.get(r.analysis.key, r.entry) == r.entry]
        self._records = records
        self._exact = exact
        self._subjects = [r.analysis.subject_str for r in records]
        # the (kind, qualifiers) forms each entry is printed in, for abbreviation evidence; forms
        # without a measure word ("IKM", "IKM Pelayanan") do not count when the entry has others,
        # so that "Persentase IKM" or "Jumlah IKM yang dibina" cannot borrow the abbreviation
        forms: list[list[tuple]] = [[] for _ in entries]
        for r in records:
            f = (r.analysis.kind, r.analysis.guards)
            if f not in forms[r.entry]:
                forms[r.entry].append(f)
        for i, fs in enumerate(forms):
            if any(k != "neutral" for k, _ in fs):
                forms[i] = [f for f in fs if f[0] != "neutral"]
        self._entry_forms = forms
        self._cache: dict[str, tuple[Optional[str], float]] = {}
        # words known to be spelt right: the rule words and every word of the catalogue
        vocab = set(_RULE_WORDS)
        for e in entries:
            for t in (e.name, *e.aliases):
                vocab.update(_words(clean_indicator_name(t)))
        self._vocab = frozenset(vocab)
        self._fix_cache: dict[str, Optional[str]] = {}
        self._mask_cache: dict[tuple, np.ndarray] = {}
        self._analysis_cache: dict[str, _Analysis] = {}

    # -------------------------------------------------------------------------------- lookups
    def entry(self, entry_id: str) -> Optional[IndicatorEntry]:
        i = self._index.get(entry_id)
        return None if i is None else self.entries[i]

    def __contains__(self, entry_id: str) -> bool:
        return entry_id in self._index

    def vocabulary_fixes(self, words: Iterable[str]) -> dict[str, str]:
        """Misspelt words among ``words`` -> the catalogue/rule word they are a typo of."""
        todo = sorted({w for w in words if w not in self._fix_cache and w not in self._vocab})
        if todo:
            found = _typo_fixes({w: 1 for w in todo}, self._vocab)
            for w in todo:
                self._fix_cache[w] = found.get(w)
        out = {}
        for w in words:
            f = self._fix_cache.get(w)
            if f:
                out[w] = f
        return out

    def analyse(self, name: Optional[str], extra_fix: Optional[Mapping[str, str]] = None) -> _Analysis:
        """The reduced form a name is compared by (kind, qualifiers, abbreviations, subject)."""
        cleaned = clean_indicator_name(name)
        words = _words(cleaned)
        fix = self.vocabulary_fixes(words)
        if extra_fix and any(fix.get(w, w) in extra_fix for w in words):
            fix = {w: extra_fix.get(fix.get(w, w), fix.get(w, w)) for w in words}
            return _analyse(cleaned, self._abbr_map, fix)
        a = self._analysis_cache.get(cleaned)
        if a is None:
            a = self._analysis_cache[cleaned] = _analyse(cleaned, self._abbr_map, fix)
        return a

    # -------------------------------------------------------------------------------- matching
    def match(self, name: Optional[str]) -> tuple[Optional[str], float]:
        """The catalogue id of a printed indicator name and how sure the match is (0-100)."""
        key = "" if name is None else str(name)
        hit = self._cache.get(key)
        if hit is None:
            a = self.analyse(key)
            row = process.cdist([a.subject_str], self._subjects, scorer=_SORTED_TOKEN_RATIO, workers=1)[0]
            hit = self._decide(a, row)
            self._cache[key] = hit
        return hit

    def match_many(self, names: Iterable[Optional[str]]) -> dict[str, tuple[Optional[str], float]]:
        """:meth:`match` for many names at once (one ``cdist`` call for the distinct new names)."""
        keys = sorted({"" if n is None else str(n) for n in names})
        todo = [k for k in keys if k not in self._cache]
        if todo:
            self.vocabulary_fixes({w for k in todo for w in _words(clean_indicator_name(k))})
            analyses = [self.analyse(k) for k in todo]
            matrix = process.cdist(
                [a.subject_str for a in analyses], self._subjects, scorer=_SORTED_TOKEN_RATIO, workers=1
            )
            for k, a, row in zip(todo, analyses, matrix):
                self._cache[k] = self._decide(a, row)
        return {k: self._cache[k] for k in keys}

    def _abbr_entries(self, abbrs: Iterable[str]) -> set:
        return {i for n in abbrs for i in self._abbr_map.get(n, ())}

    def _form_mask(self, kind: str, guards: frozenset) -> np.ndarray:
        """Records whose kind is compatible and whose qualifiers are identical (non-empty subject)."""
        k = (kind, guards)
        mask = self._mask_cache.get(k)
        if mask is None:
            mask = np.array(
                [
                    bool(r.analysis.subject) and _kinds_compatible(kind, r.analysis.kind) and guards == r.analysis.guards
                    for r in self._records
                ],
                dtype=bool,
            )
            self._mask_cache[k] = mask
        return mask

    def _decide(self, a: _Analysis, row) -> tuple[Optional[str], float]:
        if not a.key or a.kind == "summary":
            return None, 0.0
        exact = self._exact.get(a.key)
        if exact is not None:  # same words, so same kind and qualifiers
            return self.entries[exact].id, 100.0

        abbr_entries: list[int] = []
        for n in a.abbrs:
            for i in self._abbr_map.get(n, ()):
                if i not in abbr_entries and any(
                    _kinds_compatible(a.kind, kind) and a.guards == guards for kind, guards in self._entry_forms[i]
                ):
                    abbr_entries.append(i)

        # name evidence: best alias per entry
        best: dict[int, tuple[float, int, int]] = {}  # entry -> (score, unmatched words, record order)
        m = len(a.subject)
        candidates = np.flatnonzero((row >= 60) & self._form_mask(a.kind, a.guards)) if m else ()
        for ri in candidates:
            ri = int(ri)
            score = row[ri]
            r = self._records[ri]
            ra = r.analysis
            # an abbreviation that is a word of the alias ("Persentase Layanan PATEN sesuai SOP")
            # is part of its name: the query must carry it (or another of the same entry)
            if ra.bare_abbrs and not self._abbr_entries(ra.bare_abbrs) <= self._abbr_entries(a.abbrs):
                continue
            n_alias = len(ra.subject)
            missing, extra = _unpaired(ra.subject, a.subject)
            ua, uq = len(missing), len(extra)
            strong_extra = sum(1 for w in extra if w not in _WEAK_WORDS)
            # words of the alias the name lacks: none for short aliases; extra words of the name:
            # weak ones, plus one other for long aliases
            allowed_a = 0 if n_alias <= 5 else (1 if n_alias <= 9 else 2)
            if ua > allowed_a or strong_extra > (0 if n_alias <= 5 else 1) or uq > 2:
                continue
            if ua == 0 and uq == 0:
                score = max(float(score), 85.0)
            elif score < 70:
                continue
            cand = (float(score), ua + uq, ri)
            prev = best.get(r.entry)
            if prev is None or (-cand[0], cand[1], cand[2]) < (-prev[0], prev[1], prev[2]):
                best[r.entry] = cand
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[1][2]))

        word_for_word = [kv for kv in ranked if kv[1][1] == 0]
        if word_for_word:  # the printed name matches an entry word for word: it wins
            i, (score, _, _) = word_for_word[0]
            if i in abbr_entries:
                score = max(score, 98.0)
            return self.entries[i].id, round(min(score, 100.0), 1)
        if abbr_entries:
            named = [kv for kv in ranked if kv[0] in abbr_entries]
            if named:
                i, (score, _, _) = named[0]
                return self.entries[i].id, round(max(score, 90.0), 1)
            i = abbr_entries[0]
            return self.entries[i].id, 90.0 if not a.subject else 85.0
        if ranked:
            i, (score, _, _) = ranked[0]
            return self.entries[i].id, round(score, 1)
        return None, 0.0

    # -------------------------------------------------------------------------------- naming
    def indicator_name(self, raw: Optional[str], entry_id: Optional[str] = None) -> str:
        """The cleaned name; a bare catalogue abbreviation gets its expansion alongside
        ("IKM Perangkat Daerah" -> "IKM (Indeks Kepuasan Masyarakat) Perangkat Daerah")."""
        cleaned = clean_indicator_name(raw)
        e = self.entry(entry_id) if entry_id else None
        if e is None or not e.abbreviation:
            return cleaned
        abbr = e.abbreviation
        expansion = e.expansion or e.name
        if abbr.lower() in expansion.lower():
            return cleaned
        m = re.search(rf"(?<![\w(]){re.escape(abbr)}(?![\w)])", cleaned)
        if not m or cleaned[m.end() :].lstrip().startswith("("):
            return cleaned
        exp_words = set(re.findall(r"[a-z]+", expansion.lower())) - _STOPWORDS
        have = set(re.findall(r"[a-z]+", cleaned.lower()))
        if exp_words and all(any(_same_word(w, h) for h in have) for w in exp_words):
            return cleaned
        return f"{cleaned[: m.end()]} ({expansion}){cleaned[m.end():]}"


_DEFAULT: Optional[IndicatorMatcher] = None


def default_matcher() -> IndicatorMatcher:
    """The matcher built from the shipped catalogue only (built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = IndicatorMatcher()
    return _DEFAULT


# ------------------------------------------------------------------------------------------ clustering


def _slug_id(key: str) -> str:
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode().lower())
    slug = "_".join(words) or "tanpa_nama"
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
    if len(slug) > 60:
        cut = []
        for w in words:
            if len("_".join(cut + [w])) > 48:
                break
            cut.append(w)
        slug = "_".join(cut) + "_" + digest[:6]
    return UNMATCHED_PREFIX + slug


def _same_unmatched(a: _Analysis, b: _Analysis) -> bool:
    """Two unmatched names are one indicator: same abbreviations as words, subjects word for word
    (typos and affixes allowed) but for one weak word ('yang Disediakan', 'ASN')."""
    if a.bare_abbrs != b.bare_abbrs:
        return False
    small = min(len(a.subject), len(b.subject))
    if small == 0:
        return a.subject == b.subject
    ua, ub = _unpaired(a.subject, b.subject)
    extra = ua + ub
    return not extra or (small >= 2 and len(extra) == 1 and extra[0] in _WEAK_WORDS)


@dataclass
class _Cluster:
    indicator_id: str
    name: str
    members: list  # raw names


def _assign(
    counts: Mapping[str, int], matcher: IndicatorMatcher
) -> tuple[dict[str, tuple[str, str, float]], list[_Cluster]]:
    raws = sorted(counts)
    matches = matcher.match_many(raws)
    result: dict[str, tuple[str, str, float]] = {}
    unmatched = []
    for raw in raws:
        eid, score = matches[raw]
        if eid is not None:
            result[raw] = (matcher.indicator_name(raw, eid), eid, float(score))
        else:
            unmatched.append(raw)
    # typos across the batch: a rare spelling is read as the more frequent word it is a typo of
    df: dict[str, int] = {}
    for raw in unmatched:
        words = _words(clean_indicator_name(raw))
        fixed = matcher.vocabulary_fixes(words)
        for w in set(fixed.get(w, w) for w in words):
            df[w] = df.get(w, 0) + 1
    batch_fix = _typo_fixes(df, matcher._vocab)
    # unmatched: group the distinct analyses by (kind, guards) and cluster each group
    by_key: dict[str, list[str]] = {}
    analyses: dict[str, _Analysis] = {}
    for raw in unmatched:
        a = matcher.analyse(raw, batch_fix)
        if not a.key:
            result[raw] = (clean_indicator_name(raw), UNMATCHED_PREFIX + "tanpa_nama", 0.0)
            continue
        by_key.setdefault(a.key, []).append(raw)
        analyses.setdefault(a.key, a)

    groups: dict[tuple, list[str]] = {}
    for k in sorted(by_key):
        a = analyses[k]
        groups.setdefault((a.kind, tuple(sorted(a.guards))), []).append(k)

    clusters: list[_Cluster] = []
    for gk in sorted(groups):
        keys = groups[gk]  # sorted
        n = len(keys)
        parent = list(range(n))
        members = {i: [i] for i in range(n)}
        if n > 1:
            subj = [analyses[k].subject_str for k in keys]
            # candidate pairs by blocking, not all n^2 pairs: two names can only be the same when
            # their word stems agree but for at most one word, so they share their full stem set
            # or the set minus one word
            blocks: dict[tuple, list[int]] = {}
            for i, k in enumerate(keys):
                st = tuple(sorted({_stem(t) for t in analyses[k].subject}))
                bkeys = {st}
                if len(st) >= 2:
                    bkeys.update(st[:x] + st[x + 1 :] for x in range(len(st)))
                for bk in bkeys:
                    blocks.setdefault(bk, []).append(i)
            cand: set[tuple[int, int]] = set()
            for bk in sorted(blocks):
                idx = blocks[bk]
                for x, i in enumerate(idx):
                    for j in idx[x + 1 :]:
                        cand.add((i, j) if i < j else (j, i))
            same: set[tuple[int, int]] = set()
            edges = []
            for i, j in sorted(cand):
                if _same_unmatched(analyses[keys[i]], analyses[keys[j]]):
                    same.add((i, j))
                    edges.append((-float(_SORTED_TOKEN_RATIO(subj[i], subj[j])), i, j))
            edges.sort()

            def find(x: int) -> int:
                while parent[x] != x:
                    parent[x] = parent[parent[x]]
                    x = parent[x]
                return x

            for _, i, j in edges:  # complete linkage: every pair across must be the same indicator
                ri, rj = find(i), find(j)
                if ri == rj:
                    continue
                mi, mj = members[ri], members[rj]
                if all((min(x, y), max(x, y)) in same for x in mi for y in mj):
                    lo, hi = (ri, rj) if ri < rj else (rj, ri)
                    parent[hi] = lo
                    members[lo] = sorted(mi + mj)
                    del members[hi]
        for root in sorted(members):
            idx = members[root]
            rep = min(idx, key=lambda x: (len(keys[x]), keys[x]))
            rep_key = keys[rep]
            rep_raws = by_key[rep_key]
            rep_name = min((clean_indicator_name(r) for r in rep_raws), key=lambda c: (len(c), c))
            clusters.append(_Cluster(_slug_id(rep_key), rep_name, []))
            rep_subject = analyses[rep_key].subject_str
            for x in idx:
                k = keys[x]
                score = 100.0 if k == rep_key else float(fuzz.token_sort_ratio(analyses[k].subject_str, rep_subject))
                for raw in by_key[k]:
                    clusters[-1].members.append(raw)
                    result[raw] = (clean_indicator_name(raw), clusters[-1].indicator_id, round(score, 1))

    # the (rare) same slug for two clusters: disambiguate by a digest of the representative key
    seen: dict[str, int] = {}
    for c in sorted(clusters, key=lambda c: (c.indicator_id, c.name)):
        seen[c.indicator_id] = seen.get(c.indicator_id, 0) + 1
    for c in clusters:
        if seen[c.indicator_id] > 1:
            digest = hashlib.sha1(c.name.encode("utf-8")).hexdigest()[:6]
            new_id = f"{c.indicator_id}_{digest}"
            for raw in c.members:
                nm, _, sc = result[raw]
                result[raw] = (nm, new_id, sc)
            c.indicator_id = new_id
    return result, clusters


def _counts(names: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    if isinstance(names, Mapping):
        items = names.items()
    else:
        items = ((n, 1) if not isinstance(n, tuple) else n for n in names)
    for n, c in items:
        key = "" if n is None else str(n)
        counts[key] = counts.get(key, 0) + int(c)
    return counts


def assign_indicator_ids(
    names: Iterable[Optional[str]], matcher: Optional[IndicatorMatcher] = None
) -> dict[str, tuple[str, str, float]]:
    """Map each raw indicator name to ``(indicator_name, indicator_id, match_score)``.

    Catalogue matches get the catalogue id and the match score (the catalogue match of a name does
    not depend on the other names).  The other names are clustered across the whole input (same
    kind and qualifiers, subjects equal word for word allowing typos and affixes, but for one weak
    word such as 'yang Disediakan', complete linkage so that no chain of small differences merges two
    different indicators); a cluster's id is ``x_`` + the slug of its representative (shortest
    reduced name, then alphabetical; long slugs are cut and get 6 hex of its SHA-1), its score the
    similarity of each spelling to the representative.  The result depends only on the set of names
    (not their order or repetitions) and is the same on every run and machine.  ``None`` is keyed
    as ``''``.
    """
    matcher = matcher or default_matcher()
    result, _ = _assign(_counts(names), matcher)
    return result


def unmatched_clusters(
    names_with_counts: Union[Mapping[str, int], Iterable], matcher: Optional[IndicatorMatcher] = None
) -> list[dict]:
    """The clusters of names that match no catalogue entry, for ``lkjip indicators --data DIR``.

    ``names_with_counts``: ``{raw name: rows}``, or ``(name, count)`` pairs, or names (one row each).
    Returns ``[{"indicator_id", "name", "n_variants", "n_rows", "variants": [{"name",
    "indicator_name", "count", "match_score"}]}]``, most rows first, variants most rows first.
    """
    matcher = matcher or default_matcher()
    counts = _counts(names_with_counts)
    result, clusters = _assign(counts, matcher)
    out = []
    for c in clusters:
        variants = sorted(
            (
                {"name": raw, "indicator_name": result[raw][0], "count": counts[raw], "match_score": result[raw][2]}
                for raw in c.members
            ),
            key=lambda v: (-v["count"], v["name"]),
        )
        out.append(
            {
                "indicator_id": c.indicator_id,
                "name": c.name,
                "n_variants": len(variants),
                "n_rows": sum(v["count"] for v in variants),
                "variants": variants,
            }
        )
    out.sort(key=lambda d: (-d["n_rows"], d["indicator_id"]))
    return out


def catalogue_rows(matcher: Optional[IndicatorMatcher] = None) -> list[dict]:
    """The catalogue (with the user's overrides) as rows, for ``lkjip indicators``."""
    matcher = matcher or default_matcher()
    rows = []
    for e in matcher.entries:
        rows.append(
            {
                "id": e.id,
                "name": e.name,
                "abbreviation": e.abbreviation,
                "abbreviation_variants": list(e.abbreviation_variants),
                "unit": e.unit,
                "polarity": e.polarity,
                "aliases": list(e.aliases),
                "n_aliases": len(e.aliases),
                "related": list(e.related),
                "source": e.source,
                "notes": e.notes,
            }
        )
    return rows
