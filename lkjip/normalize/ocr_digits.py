"""Repair digit confusions typical of OCR in number cells, only where the column and the arithmetic decide.

OCR misreads digits as look-alike letters ('1O0,5' for '100,5', 'l.234' for '1.234', 'S' for '5'),
loses or doubles separators ('1.234567,89', '1..234'), reads a decimal comma as a dot
('1.234.567.89') or a thousands dot as a comma ('1,234.567,89'), splits numbers with spaces
('1 234,5', '12 ,5') and glues table rules or specks to a number ('376,31!', '[93', '4.268,68]').

Three layers, each pure and never raising on a string:

* :func:`repair_token` fixes a cell when exactly one reading is valid (group sizes, the column's
  decimal mark and, through :class:`ColumnProfile`, the number of decimals the column prints); else
  it leaves the text alone and says the cell is ``ambiguous``. Words and grades ('Baik', 'B', 'BB',
  'Rp', '#DIV/0!') and every cell :func:`~lkjip.normalize.numbers.parse_number` reads cleanly are
  never changed.
* :func:`readings` / :func:`candidate_readings` list the plausible values of a cell (the direct
  parse first), each with a repair cost.
* :func:`resolve_with_arithmetic` and :func:`resolve_total` pick, among candidate readings, the one
  combination that makes capaian = realisasi/target×100 (or persen = realisasi/anggaran×100, or
  JUMLAH = sum of rows) hold within printed rounding; 0 or ≥2 fitting combinations are ambiguous.

A clean reading is never replaced because the arithmetic fails: a printed capaian that does not match
is the audit's ``capaian_mismatch``, not an OCR error. Alternatives for clean cells are only offered
with ``suspicious=True`` (e.g. a low OCR confidence).
"""
from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence, Union

from lkjip.normalize.numbers import _clean, _is_null, decimal_mark_of_column, parse_number, split_compound

__all__ = [
    "OcrRepair",
    "Reading",
    "ColumnProfile",
    "Resolution",
    "column_profile",
    "repair_token",
    "readings",
    "candidate_readings",
    "resolve",
    "resolve_with_arithmetic",
    "resolve_total",
    "RELATIONS",
]

# --------------------------------------------------------------------------- vocabularies

# letters (and signs) OCR prints for a digit
CONFUSIONS: dict[str, str] = {
    "O": "0", "o": "0", "Q": "0", "D": "0",
    "l": "1", "I": "1", "|": "1", "i": "1", "!": "1",
    "S": "5", "s": "5", "$": "5",
    "B": "8",
    "Z": "2", "z": "2",
    "G": "6", "b": "6",
    "g": "9", "q": "9",
}
# at the edge of a number these are as likely a table rule or a currency sign: read as a digit or dropped
_EDGE_DROP = frozenset("|!lI")
_LEAD_DROP = frozenset("$")
# separator look-alikes
_SEP_GLYPHS = str.maketrans({"\u201a": ",", "\u00b7": ".", "\u066b": ",", "\u2024": ".", "\uff0c": ",", "\uff0e": "."})
# specks and quotes OCR glues to a number's edge (brackets only when unpaired)
_NOISE = frozenset("[]\u201c\u201d\"'\u2018\u2019;:`")
# a colon OCR read for a thousands dot: a group of three digits follows, and another separator ('7:800.000,00')
_COLON_SEP_RE = re.compile(r"(?<=\d):(?=\d{3}([.,]))")
_DIGITS = frozenset("0123456789")
_SEPS = frozenset(".,")
_CORE_CHARS = _DIGITS | _SEPS | frozenset(CONFUSIONS)

_WORD_RE = re.compile(
    r"(?P<pre>(?:[(\-+\u2013\u2212]|(?i:rp|idr)\.?|[\[\]\u201c\u201d\"'\u2018\u2019;:`])*)"
    r"(?P<core>.*?)"
    r"(?P<suf>(?:[)%\[\]\u201c\u201d\"'\u2018\u2019;:`]|[.,](?:-+|=)?(?=[^0-9]|$))*)"
)
_CODE_RE = re.compile(r"[A-Za-z$|!]{1,3}[1-9][0-9]?")  # 'S1', 'D3', 'B12', 'Q2': codes, not numbers
_GROUPED_RE = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{3})+(?:[.,][0-9]{1,2})?")
_NUM_BODY_RE = re.compile(r"[0-9](?:[0-9.,]*[0-9])?")
_PLAIN_FAST_RE = re.compile(r"[0-9]+(?:[.,][0-9]+)*")  # a bare number: nothing for OCR repair to look at
_MAX_READINGS = 8

Number = Union[float, int, "Reading"]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Reading:
    """One way to read a cell as a number: value, printed decimals, repair cost (0 = as printed), text, why."""

    value: float
    decimals: int  # digits after the decimal mark in this reading (sets the rounding tolerance)
    cost: int  # 0 = the cell as printed; each repair (a letter, a separator, a dropped mark) adds 1
    text: str  # the cell text this reading implies (parses to ``value`` with the column's mark)
    reason: str  # the repairs, '' for the direct reading


@dataclass(frozen=True)
class OcrRepair:
    """A cell after digit repair: the text to parse, whether it changed, whether the machine is unsure, why."""

    raw: str  # the cell as given
    text: str  # the repaired text (== raw when unchanged or ambiguous)
    changed: bool  # text != raw
    ambiguous: bool  # the cell looks like a damaged number but no single reading could be chosen
    reason: str  # the repairs made ('O→0; lost thousands separator'), or why it is ambiguous; '' when clean
    value: Optional[float]  # parse of ``text`` with the column's mark; None when ambiguous or not a number
    candidates: tuple[float, ...]  # plausible values, best first (empty for clean or non-numeric cells)


@dataclass(frozen=True)
class ColumnProfile:
    """What a column's clean cells say about its format: decimal mark, decimals printed, thousands grouping."""

    decimal_mark: Optional[str]  # ',' | '.' | None
    decimals: Optional[int]  # digits after the decimal mark most cells print (None when mixed or unknown)
    grouped: bool  # some cell groups thousands ('1.234')


@dataclass(frozen=True)
class Resolution:
    """The readings arithmetic chose for a group of cells (one slot per cell), or why it could not choose."""

    values: tuple[Optional[float], ...]  # per slot: the chosen value; None when undecided or missing
    readings: tuple[Optional[Reading], ...]  # per slot: the chosen reading
    status: str  # 'direct' | 'repaired' | 'ambiguous' | 'no_fit' | 'missing' | 'too_many'
    fits: int  # how many distinct combinations of readings fit
    reason: str
    damaged: bool  # some slot had no direct (cost 0) reading or offered alternatives

    @property
    def ambiguous(self) -> bool:
        """True when the machine was unsure: several fits, or none while some cell had alternatives."""
        return self.status in ("ambiguous", "too_many") or (self.status == "no_fit" and self.damaged)

    @property
    def changed(self) -> tuple[bool, ...]:
        """Per slot: the chosen reading is a repair (cost > 0)."""
        return tuple(bool(r is not None and r.cost > 0) for r in self.readings)


# --------------------------------------------------------------------------- helpers


def _same(a: float, b: float) -> bool:
    """Equal up to float noise (a cent of a billion rupiah is not noise)."""
    return math.isclose(a, b, rel_tol=5e-16, abs_tol=1e-12)


def _fraction_digits(text: str, value: Optional[float]) -> int:
    """Digits after the decimal mark in the printed number that gave ``value`` ('80,43' -> 2, '1.234' -> 0)."""
    if value is None or not math.isfinite(value):
        return 0
    for tok in _NUM_BODY_RE.findall(text or ""):
        digits = re.sub(r"[.,]", "", tok)
        sep = max(tok.rfind("."), tok.rfind(","))
        if sep >= 0:
            frac = tok[sep + 1:]
            if frac and _same(int(digits) / 10 ** len(frac), abs(value)):
                return len(frac)
        if digits and _same(int(digits), abs(value)):
            return 0
    for d in range(5):
        if abs(round(value, d) - value) < 1e-9:
            return d
    return 4


def _decimals_of(x: float) -> int:
    """The fewest decimals that print x exactly (a float candidate without its printed text)."""
    for d in range(7):
        if _same(round(x, d), x):
            return d
    return 6


def _as_reading(x: Number, alone: bool) -> Reading:
    """A Reading from a Reading or a bare number (a lone bare number counts as printed, others as candidates)."""
    if isinstance(x, Reading):
        return x
    v = float(x)
    return Reading(v, _decimals_of(v), 0 if alone else 1, repr(v), "" if alone else "candidate")


def _group_digits(digits: str, sep: str) -> str:
    """'1234567' -> '1.234.567' with sep."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


@dataclass(frozen=True)
class _SepReading:
    """A reading of a digits-and-separators body: integer digits, fraction digits, cost, notes, grouped."""

    int_digits: str
    frac: str
    cost: int
    notes: tuple[str, ...]
    grouped: bool
    mark: str


def _group_cost(groups: list[str]) -> Optional[tuple[int, list[str]]]:
    """Cost of reading digit groups as one thousands-grouped integer (lost separators count), None if invalid."""
    head, rest = groups[0], groups[1:]
    if not head or (head[0] == "0" and rest):
        return None
    cost, notes = 0, []
    if len(head) > 3:
        cost += (len(head) - 1) // 3
    for g in rest:
        if not g or len(g) % 3:
            return None
        cost += len(g) // 3 - 1
    if cost:
        notes.append("lost thousands separator")
    return cost, notes


def _sep_readings(body: str, marks: Sequence[str], frac_hint: Optional[int]) -> list[_SepReading]:
    """Every valid reading of a body of digits and '.'/',' runs under each decimal mark, with its cost."""
    parts = re.findall(r"[0-9]+|[.,]+", body)
    if not parts or parts[0][0] in _SEPS or parts[-1][0] in _SEPS:
        return []
    groups = parts[0::2]
    runs = parts[1::2]
    doubled = sum(1 for r in runs if len(r) > 1)
    choices = [sorted(set(r)) for r in runs]
    out: list[_SepReading] = []
    if not runs:
        return [_SepReading(groups[0], "", 0, (), False, m) for m in marks]
    fs = [frac_hint] if frac_hint else ([] if frac_hint == 0 else [1, 2])
    for m in marks:
        g = "." if m == "," else ","
        for seps in itertools.product(*choices):
            base = doubled
            base_notes = ["doubled separator"] if doubled else []
            # A: every separator groups thousands
            swapped = sum(1 for c in seps if c != g)
            gc = _group_cost(groups)
            if gc is not None:
                notes = base_notes + gc[1] + ([f"thousands separator read as '{m}'"] if swapped else [])
                out.append(_SepReading("".join(groups), "", base + swapped + gc[0], tuple(notes), True, m))
            # A': ... and the decimal mark before the last f digits was lost ('1.234.56789')
            last = groups[-1]
            for f in fs:
                if len(last) == 3 + f:
                    gc2 = _group_cost(groups[:-1] + [last[:3]])
                    if gc2 is not None:
                        notes = base_notes + gc2[1] + ["lost decimal mark"] + (
                            [f"thousands separator read as '{m}'"] if swapped else [])
                        lost = 1 if frac_hint else 2  # without the column's decimals: a guess on a guess
                        out.append(_SepReading("".join(groups[:-1]) + last[:3], last[3:],
                                               base + swapped + gc2[0] + lost, tuple(notes), True, m))
            # B: the last separator is the decimal mark
            ints, frac = groups[:-1], groups[-1]
            cost, notes = base, list(base_notes)
            if seps[-1] != m:
                cost += 1
                notes.append(f"decimal mark read as '{seps[-1]}'")
            if len(ints) > 1:
                gc3 = _group_cost(ints)
                if gc3 is None:
                    continue
                sw = sum(1 for c in seps[:-1] if c != g)
                cost += gc3[0] + sw
                notes += gc3[1] + ([f"thousands separator read as '{m}'"] if sw else [])
            elif len(ints[0]) > 1 and ints[0][0] == "0":
                continue
            if len(marks) > 1 and len(frac) == 3:
                cost += 1  # mark unknown: three digits after a separator are as likely a thousands group
            out.append(_SepReading("".join(ints), frac, cost, tuple(notes), len(ints) > 1, m))
    return out


def _render(r: _SepReading, pre: str, suf: str, words_before: str, words_after: str,
            mark: Optional[str]) -> Optional[tuple[str, float]]:
    """The cell text of a reading, in the column's format, checked to parse back to its value."""
    value = float(r.int_digits + ("." + r.frac if r.frac else ""))
    g = "." if r.mark == "," else ","
    forms = []
    if r.grouped:
        forms.append(_group_digits(r.int_digits, g) + (r.mark + r.frac if r.frac else ""))
    forms.append(r.int_digits + (r.mark + r.frac if r.frac else ""))
    forms.append(r.int_digits + ("," + r.frac if r.frac else ""))
    for body in forms:
        text = words_before + pre + body + suf + words_after
        p = parse_number(text, mark)
        if p.value is not None and _same(abs(p.value), value):
            return text, p.value
    return None


@dataclass
class _Word:
    """One whitespace-separated word of a cell and what it is."""

    text: str
    kind: str  # 'plain' (not a number), 'number' (digits and separators only), 'damaged'
    pre: str = ""
    core: str = ""
    suf: str = ""
    doubt: str = ""  # why a damaged word cannot be repaired with confidence ('' when it can)
    notes: tuple[str, ...] = ()


def _strip_noise(pre: str, suf: str) -> tuple[str, str, bool]:
    """Drop unpaired brackets, quotes and specks from a number's edges; True when something was dropped."""
    paired = "[" in pre and "]" in suf
    keep = (lambda ch: ch not in _NOISE or (paired and ch in "[]"))
    p2 = "".join(ch for ch in pre if keep(ch))
    s2 = "".join(ch for ch in suf if keep(ch))
    return p2, s2, (p2 != pre or s2 != suf)


def _analyse_word(word: str) -> _Word:
    """Classify a word: not a number, a number, or a number with OCR damage (letters, specks)."""
    m = _WORD_RE.fullmatch(word)
    if m is None:
        return _Word(word, "plain")
    pre, core, suf = m.group("pre"), m.group("core"), m.group("suf")
    if not core or any(ch not in _CORE_CHARS for ch in core):
        return _Word(word, "plain")
    nd = sum(ch in _DIGITS for ch in core)
    if nd == 0:
        return _Word(word, "plain")
    pre2, suf2, noisy = _strip_noise(pre, suf)
    letters = [ch for ch in core if ch not in _DIGITS and ch not in _SEPS]
    bad_edges = core[0] in _SEPS
    if not letters and not noisy:
        return _Word(word, "number", pre2, core, suf2)
    notes = ("stray mark at the edge",) if noisy else ()
    evidence = 2 if ("%" in suf2 or "rp" in pre2.lower()) else 0  # a '%' or 'Rp' says the word is a number
    doubt = ""
    mapped = "".join(CONFUSIONS.get(ch, ch) for ch in core)
    if letters:
        if _CODE_RE.fullmatch(core) and core[0] not in _DIGITS:
            doubt = f"'{core}' could be a code rather than a number"
        elif not (nd + evidence > len(letters) or _GROUPED_RE.fullmatch(mapped)):
            doubt = f"'{core}' has too many letters to be read as a number for sure"
    if bad_edges:
        doubt = doubt or f"'{core}' starts with a separator"
    return _Word(word, "damaged", pre2, core, suf2, doubt, notes)


def _core_variants(core: str) -> list[tuple[str, int, tuple[str, ...]]]:
    """The digit strings a damaged core may stand for: letters mapped; edge rules/signs mapped or dropped."""
    n = len(core)
    opts: list[list[tuple[str, int, str]]] = []
    for i, ch in enumerate(core):
        if ch in _DIGITS or ch in _SEPS:
            opts.append([(ch, 0, "")])
            continue
        digit = CONFUSIONS[ch]
        choice = [(digit, 1, f"{ch}→{digit}")]
        edge = i == 0 or i == n - 1
        if edge and (ch in _EDGE_DROP or (i == 0 and ch in _LEAD_DROP)) and n > 1:
            what = "currency sign" if ch == "$" else "table rule"
            choice.append(("", 1, f"'{ch}' dropped as a {what}"))
        opts.append(choice)
    out = []
    for combo in itertools.product(*opts):
        text = "".join(c[0] for c in combo)
        cost = sum(c[1] for c in combo)
        notes = tuple(c[2] for c in combo if c[2])
        if text and text[0] not in _SEPS and text[-1] not in _SEPS:
            out.append((text, cost, notes))
        if len(out) > 16:
            break
    return out


_SPACE_SEP_RE = re.compile(r"(?<=[0-9]) +(?=[.,][0-9])|(?<=[0-9][.,]) +(?=[0-9])")
_SPACE_GROUP_RE = re.compile(
    r"(?<![0-9.,])([0-9]{1,3}(?:[.,][0-9]{3})*)((?: [0-9]{3}(?:[0-9]{3})*)+)(?![0-9])(?P<dec>[.,][0-9]{1,2}(?![0-9]))?")


def _space_repairs(s: str) -> tuple[str, list[str], str]:
    """Close spaces OCR put inside a number ('12 ,5', '1 234,5'): new text, notes, and a doubt ('' if none)."""
    notes, doubt = [], ""
    t = _SPACE_SEP_RE.sub("", s)
    if t != s:
        notes.append("space inside number")

    def join(m: re.Match) -> str:
        """The groups of one spaced number closed up; sets the doubt when it may be two numbers."""
        nonlocal doubt
        groups = m.group(2).split()
        if len(groups) == 1 and not m.group("dec") and not re.search(r"(?i:rp)\.?\s*$", t[:m.start()]) \
                and not re.match(r"[.,][0-9]", t[m.end():]):
            doubt = doubt or f"'{m.group(0)}' may be two numbers"
        return m.group(1) + "".join(groups) + (m.group("dec") or "")

    u = _SPACE_GROUP_RE.sub(join, t)
    if u != t:
        notes.append("space between thousands groups")
    return u, notes, doubt


def _contradicts(core: str, mark: str) -> bool:
    """A number whose shape only parses by using the column's group separator as a decimal mark.

    '144.142000' (four or more decimals), '1234.567' (a group of three after more than three digits) and
    '1,234.567' (both marks, the group one last before three digits) in a ',' column: a separator was lost
    or swapped (the value differs; '1.234.567,89' in a '.' column reads the same either way).
    """
    other = "." if mark == "," else ","
    o, m = re.escape(other), re.escape(mark)
    if re.fullmatch(r"[0-9]+" + o + r"[0-9]{4,}", core) or re.fullmatch(r"[1-9][0-9]{3,}" + o + r"[0-9]{3}", core):
        return True
    return (mark in core and other in core and core.rfind(other) > core.rfind(mark)
            and len(core) - core.rfind(other) - 1 == 3)


@dataclass(frozen=True)
class _Analysis:
    """Everything :func:`repair_token` and :func:`readings` need to know about one cell."""

    raw: str
    clean: bool  # parse_number reads the raw cell as a number or grade and no word is damaged
    direct: Optional[float]
    numeric_words: int
    readings: tuple[Reading, ...]  # repaired readings (cost > 0), cheapest first; empty when clean
    doubt: str
    damaged: bool = False  # some word mixes digits with letters or specks


def _analyse(raw: str, mark: Optional[str], profile: Optional[ColumnProfile], suspicious: bool) -> _Analysis:
    """Read a cell: is it clean, and if not (or when suspicious), which readings could it stand for."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    if profile is not None and mark is None:
        mark = profile.decimal_mark
    p = parse_number(raw, mark)
    if p.is_number and not suspicious and _PLAIN_FAST_RE.fullmatch(raw) and not (mark and _contradicts(raw, mark)):
        return _Analysis(raw, True, p.value, 1, (), "")
    s = _clean(raw)
    if len(s) > 80 or _is_null(s) or not any(ch in _DIGITS for ch in s):
        return _Analysis(raw, True, p.value, 0, (), "")
    s2 = _COLON_SEP_RE.sub(lambda m: m.group(1), s.translate(_SEP_GLYPHS))
    pre_notes = ["separator look-alike"] if s2 != s else []
    s3, space_notes, doubt = _space_repairs(s2)
    pre_notes += space_notes
    words = [_analyse_word(w) for w in s3.split(" ")]
    numeric = [i for i, w in enumerate(words) if w.kind != "plain"]
    if mark:
        for w in words:
            if w.kind == "number" and _contradicts(w.core, mark):
                w.kind = "damaged"
    damaged = any(w.kind == "damaged" for w in words)
    clean = (p.is_number or p.grade is not None) and not damaged
    damaged = damaged or bool(pre_notes)
    if clean and not suspicious:
        return _Analysis(raw, True, p.value, len(numeric), (), "")
    if len(numeric) != 1:
        # several numbers in a cell: repair each word on its own, no alternatives
        if clean:
            return _Analysis(raw, True, p.value, len(numeric), (), "")
        return _multi(raw, words, mark, pre_notes, doubt, len(numeric))
    i = numeric[0]
    w = words[i]
    if not clean and w.kind == "number" and not pre_notes and parse_number(w.text, mark).is_number:
        return _Analysis(raw, False, None, 0, (), "")  # the number is fine; the words around it are not ours
    before = " ".join(x.text for x in words[:i]) + (" " if i else "")
    after = (" " if i < len(words) - 1 else "") + " ".join(x.text for x in words[i + 1:])
    doubt = doubt or w.doubt
    marks = [mark] if mark else [",", "."]
    frac_hint = profile.decimals if profile is not None else None
    found: dict[float, Reading] = {}
    variants = _core_variants(w.core) if w.kind == "damaged" else [(w.core, 0, ())]
    for core, ccost, cnotes in variants:
        for r in _sep_readings(core, marks, frac_hint):
            if not r.grouped and len(r.int_digits) > 1 and r.int_digits[0] == "0":
                continue
            rendered = _render(r, w.pre, w.suf, before, after, mark)
            if rendered is None:
                continue
            text, value = rendered
            cost = ccost + r.cost + len(pre_notes) + len(w.notes)
            mismatch = bool(frac_hint is not None and r.frac and len(r.frac) != frac_hint)
            mismatch = mismatch or len(r.frac) >= 4  # reports rarely print four decimals
            notes = tuple(pre_notes) + w.notes + cnotes + r.notes
            rd = Reading(value, len(r.frac), cost + (1 if mismatch else 0), text, "; ".join(dict.fromkeys(notes)))
            if clean and p.value is not None and value == p.value:
                continue  # the direct reading: readings() lists it first
            old = found.get(value)
            if old is None or (rd.cost, len(rd.text)) < (old.cost, len(old.text)):
                found[value] = rd
        if suspicious and w.kind == "number" and re.fullmatch(r"[0-9]{3,}", core):
            for f in ([frac_hint] if frac_hint else [1, 2]):
                if len(core) > f:
                    r = _SepReading(core[:-f], core[-f:], 1, ("lost decimal mark",), False, marks[0])
                    rendered = _render(r, w.pre, w.suf, before, after, mark)
                    if rendered is not None and rendered[1] not in found:
                        found[rendered[1]] = Reading(rendered[1], f, 1, rendered[0], "lost decimal mark")
    rs = sorted(found.values(), key=lambda r: (r.cost, len(r.text)))
    return _Analysis(raw, clean, p.value, 1, tuple(rs[:_MAX_READINGS]), doubt, damaged)


def _multi(raw: str, words: list[_Word], mark: Optional[str], pre_notes: list[str], doubt: str,
           n: int) -> _Analysis:
    """A cell with several numbers ('4,26 dengan capaian 99,36%'): each damaged word repaired on its own."""
    if not pre_notes and not any(w.kind == "damaged" for w in words):
        return _Analysis(raw, False, None, 0, (), "")  # nothing OCR-like to repair
    out, notes = [], list(pre_notes)
    for w in words:
        if w.kind != "damaged":
            out.append(w.text)
            continue
        if w.doubt:
            return _Analysis(raw, False, None, n, (), w.doubt, True)
        variants = _core_variants(w.core)
        texts = {v[0] for v in variants}
        if len(texts) != 1:
            return _Analysis(raw, False, None, n, (), f"'{w.core}' has more than one reading", True)
        core, _, cnotes = variants[0]
        out.append(w.pre + core + w.suf)
        notes += list(w.notes) + list(cnotes)
    text = " ".join(out)
    p = parse_number(text, mark)
    if not (p.is_number or p.grade or split_compound(text)):
        return _Analysis(raw, False, None, n, (), doubt or "no valid reading", True)
    r = Reading(p.value if p.value is not None else math.nan, _fraction_digits(text, p.value), max(1, len(notes)),
                text, "; ".join(dict.fromkeys(notes)))
    return _Analysis(raw, False, p.value, n, (r,), doubt, True)


def _choose(rs: Sequence[Reading]) -> tuple[Optional[Reading], str]:
    """The single cheapest reading (the column's decimals already priced in), or None and why not."""
    if not rs:
        return None, "no valid reading"
    best = min(r.cost for r in rs)
    top = [r for r in rs if r.cost == best]
    values = {round(r.value, 9) for r in top}
    if len(values) == 1:
        return top[0], ""
    shown = " or ".join(r.text for r in top[:3])
    return None, f"equally likely readings: {shown}"


# --------------------------------------------------------------------------- API


def column_profile(texts: Iterable[str], decimal_mark: Optional[str] = None) -> ColumnProfile:
    """The format a column's clean cells share: decimal mark, decimals printed (if ≥2/3 agree), grouping."""
    texts = [t for t in texts if isinstance(t, str)]
    mark = decimal_mark or decimal_mark_of_column(texts)
    decs: Counter = Counter()
    grouped = False
    for t in texts:
        p = parse_number(t, mark)
        if p.value is None or any(ch in CONFUSIONS and ch not in "$" for ch in _clean(t).replace("Rp", "")):
            continue
        d = _fraction_digits(t, p.value)
        decs[d] += 1
        body = next(iter(_NUM_BODY_RE.findall(t)), "")
        digits = re.sub(r"[.,]", "", body)
        if body != digits and digits and abs(int(digits) - abs(p.value)) < 0.5:
            grouped = True
    decimals = None
    n = sum(decs.values())
    if n >= 3:
        d, k = decs.most_common(1)[0]
        if 3 * k >= 2 * n:
            decimals = d
    return ColumnProfile(mark, decimals, grouped)


def repair_token(raw: str, decimal_mark: Optional[str] = None, profile: Optional[ColumnProfile] = None) -> OcrRepair:
    """Fix OCR digit confusions in a number cell when exactly one reading is valid; else flag it ambiguous."""
    a = _analyse(raw, decimal_mark, profile, False)
    text = a.raw
    if a.clean:
        return OcrRepair(text, text, False, False, "", a.direct, ())
    cands = tuple(r.value for r in a.readings if not math.isnan(r.value))
    if a.numeric_words == 0:
        return OcrRepair(text, text, False, False, "", None, ())
    if a.doubt:
        return OcrRepair(text, text, False, True, a.doubt, None, cands)
    if not a.readings and not a.damaged:
        return OcrRepair(text, text, False, False, "", None, ())  # not a number, but not an OCR confusion either
    chosen, why = _choose(a.readings)
    if chosen is None:
        return OcrRepair(text, text, False, True, why, None, cands)
    if profile is not None and profile.decimals is not None and chosen.decimals and \
            chosen.decimals != profile.decimals:
        return OcrRepair(text, text, False, True,
                         f"the only reading {chosen.text} prints {chosen.decimals} decimals where the column "
                         f"prints {profile.decimals}", None, cands)
    value = None if math.isnan(chosen.value) else chosen.value
    if a.direct is not None and value == a.direct and not a.damaged and not a.numeric_words > 1:
        return OcrRepair(text, text, False, False, "", value, ())  # read the same either way
    return OcrRepair(text, chosen.text, chosen.text != text, False, chosen.reason, value, cands)


def readings(raw: str, decimal_mark: Optional[str] = None, *, profile: Optional[ColumnProfile] = None,
             suspicious: bool = False) -> list[Reading]:
    """The plausible readings of a cell, best first: the direct parse (cost 0) if any, then repairs by cost."""
    a = _analyse(raw, decimal_mark, profile, suspicious)
    out: list[Reading] = []
    if a.clean and a.direct is not None:
        out.append(Reading(a.direct, _fraction_digits(_clean(a.raw), a.direct), 0, a.raw, ""))
    if a.clean and not suspicious:
        return out
    for r in a.readings:
        if math.isnan(r.value):
            continue
        if not any(_same(r.value, o.value) for o in out):
            out.append(r)
    return out[:_MAX_READINGS]


def candidate_readings(raw: str, decimal_mark: Optional[str] = None, *, profile: Optional[ColumnProfile] = None,
                       suspicious: bool = False) -> list[float]:
    """The values of :func:`readings`: the direct parse first, then plausible confusion/separator variants."""
    return [r.value for r in readings(raw, decimal_mark, profile=profile, suspicious=suspicious)]


# --------------------------------------------------------------------------- arithmetic


def _fits_printed(printed: Reading, computed: float) -> bool:
    """``computed`` rounds or truncates to the printed value at its printed decimals (as the audit's printed_ok)."""
    u = 10.0 ** -printed.decimals
    eps = 1e-12 * max(1.0, abs(computed))
    return printed.value - 0.5 * u - eps <= computed < printed.value + u - eps  # 80 is not '79' truncated


def _capaian(target: Reading, realisasi: Reading, capaian: Reading) -> bool:
    """capaian ≈ realisasi / target × 100 within printed rounding."""
    if not target.value:
        return False
    return _fits_printed(capaian, 100.0 * realisasi.value / target.value)


def _capaian_lower(target: Reading, realisasi: Reading, capaian: Reading) -> bool:
    """Lower-is-better: capaian ≈ target / realisasi × 100, or (2·target − realisasi) / target × 100."""
    ok = False
    if realisasi.value:
        ok = _fits_printed(capaian, 100.0 * target.value / realisasi.value)
    if not ok and target.value:
        ok = _fits_printed(capaian, (2 * target.value - realisasi.value) / target.value * 100.0)
    return ok


RELATIONS: dict[str, Callable[[Reading, Reading, Reading], bool]] = {
    "capaian": _capaian,  # (target, realisasi, capaian)
    "capaian_lower": _capaian_lower,  # (target, realisasi, capaian) of a lower-is-better indicator
    "persen": _capaian,  # (anggaran, realisasi, persen)
}


def _key(values: Sequence[float]) -> tuple:
    """A hashable identity of a combination of values (rounded against float noise)."""
    return tuple(round(v, 9) for v in values)


def resolve(candidates: Sequence[Sequence[Number]], holds: Callable[..., bool],
            max_combinations: int = 4096) -> Resolution:
    """Pick the one combination of readings (one per slot) for which ``holds(*readings)`` is true."""
    slots = [[_as_reading(x, len(c) == 1) for x in c] for c in candidates]
    damaged = any(not s or s[0].cost > 0 or len(s) > 1 for s in slots)
    none = tuple(None for _ in slots)
    if any(not s for s in slots):
        return Resolution(none, none, "missing", 0, "a cell has no reading", damaged)
    direct = [s[0] for s in slots]
    if all(r.cost == 0 for r in direct) and holds(*direct):
        return Resolution(tuple(r.value for r in direct), tuple(direct), "direct", 1, "as printed", damaged)
    n = 1
    for s in slots:
        n *= len(s)
    if n > max_combinations:
        return Resolution(none, none, "too_many", 0, f"{n} combinations of readings", damaged)
    fitting: dict[tuple, tuple[Reading, ...]] = {}
    for combo in itertools.product(*slots):
        if all(r.cost == 0 for r in combo):
            continue  # the printed reading was tried above
        try:
            ok = holds(*combo)
        except (ZeroDivisionError, OverflowError, ValueError):
            ok = False
        if ok:
            k = _key([r.value for r in combo])
            old = fitting.get(k)
            if old is None or sum(r.cost for r in combo) < sum(r.cost for r in old):
                fitting[k] = combo
    if len(fitting) == 1:
        combo = next(iter(fitting.values()))
        fixed = "; ".join(f"{r.text} ({r.reason})" if r.reason else r.text for r in combo if r.cost > 0)
        return Resolution(tuple(r.value for r in combo), combo, "repaired", 1, f"only fitting reading: {fixed}",
                          damaged)
    if not fitting:
        vals = tuple(r.value if r.cost == 0 else None for r in direct)
        rds = tuple(r if r.cost == 0 else None for r in direct)
        return Resolution(vals, rds, "no_fit", 0, "no combination of readings fits", damaged)
    combos = list(fitting.values())
    vals, rds = [], []
    for j in range(len(slots)):
        seen = {round(c[j].value, 9) for c in combos}
        vals.append(combos[0][j].value if len(seen) == 1 else None)
        rds.append(combos[0][j] if len(seen) == 1 else None)
    return Resolution(tuple(vals), tuple(rds), "ambiguous", len(fitting),
                      f"{len(fitting)} combinations of readings fit", damaged)


def resolve_with_arithmetic(target: Sequence[Number], realisasi: Sequence[Number], percent: Sequence[Number],
                            relation: str = "capaian") -> Resolution:
    """Choose readings for (target, realisasi, capaian) or (anggaran, realisasi, persen) that make the ratio hold."""
    return resolve([target, realisasi, percent], RELATIONS[relation])


def resolve_total(rows: Sequence[Sequence[Number]], total: Sequence[Number], tolerance: Optional[float] = None,
                  max_combinations: int = 4096) -> Resolution:
    """Choose readings for the rows and their JUMLAH so that the total is the sum of the rows (slot -1 = total)."""

    def holds(*rs: Reading) -> bool:
        """The last reading is the sum of the others within printed rounding (or ``tolerance``)."""
        *parts, tot = rs
        s = math.fsum(r.value for r in parts)
        tol = tolerance
        if tol is None:
            tol = 0.5 * 10.0 ** -tot.decimals + sum(0.5 * 10.0 ** -r.decimals for r in parts if r.decimals)
        return abs(s - tot.value) <= tol + 1e-12 * max(1.0, abs(s))

    return resolve(list(rows) + [total], holds, max_combinations)
