"""The audit's checks: figures in one report (and across reports) that contradict each other.

Every check is a small function over one document's frames (:class:`DocFrames`) or over the whole
dataset, returning ``findings`` rows (``schema.FINDINGS``: doc_id, table_id, page, line, check,
severity, message, expected, actual, refs). Severities:

* ``error``   arithmetic that does not hold inside one row or table (capaian, %, totals): certain;
* ``warning`` two places disagree (tables, text, reports), or arithmetic against a figure borrowed
  from another table: one of them is wrong, a person decides which;
* ``info``    worth knowing while reading (a spreadsheet error printed in a cell, a program listed
  twice, an extraction doubt).

Numbers are compared at the precision the report printed them with: a capaian printed '109%' is
right for 108,95%, one printed '99,36%' is not for 99,30%; truncation ('1,907%' for 1,9077%) is
accepted too. Messages quote the figures in the report's own format (Indonesian: 1.234.567,89).
"""
from __future__ import annotations

import itertools
import math
import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Sequence

import pandas as pd

from lkjip.normalize.numbers import parse_number
from lkjip.schema import SCHEMAS

CHECK_NAMES = ("capaian_mismatch", "persen_mismatch", "budget_overrun", "total_mismatch", "cross_table_conflict",
               "narrative_conflict", "cross_document_conflict", "parse_warning")
SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}

_IND_COLS = [f.name for f in SCHEMAS["indicators"]]
_BUD_COLS = [f.name for f in SCHEMAS["budgets"]]
_TAB_COLS = [f.name for f in SCHEMAS["tables"]]
_PLAN_KINDS = {"renstra_target", "iku", "perjanjian_kinerja"}
_REGION_RE = re.compile(r"^\s*(kota|kabupaten|kab\.?|provinsi|propinsi|nasional|indonesia)\b", re.I)
_DASHES = {"-", "--", "–", "—", "−", ""}
_SPREADSHEET_ERR_RE = re.compile(r"#\s*(DIV/0!?|N/A|REF!?|VALUE!?|NAME\??|NUM!?|NULL!?)|#{3,}", re.I)
_MONEY_TOL = 1.0  # Rp: sums of amounts printed with ',00' cents agree to the rupiah


# ------------------------------------------------------------------------------------------ helpers


def fmt_num(x: Optional[float], decimals: Optional[int] = None) -> str:
    """A number as an Indonesian report prints it: '.' groups thousands, ',' is the decimal mark."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if decimals is None:
        decimals = 0 if abs(x) >= 1e5 or float(x).is_integer() else 2
    s = f"{abs(x):,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return ("-" if x < 0 else "") + s


def fmt_pct(x: Optional[float], decimals: int = 2) -> str:
    """A percentage in report format ('99,30%')."""
    return fmt_num(x, decimals) + "%"


def fmt_rp(x: Optional[float]) -> str:
    """An amount of money in report format ('Rp 692.541.800')."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return "Rp " + fmt_num(x, 0 if abs(x - round(x)) < 0.005 else 2)


_TOKEN_RE = re.compile(r"\d[\d.,]*\d|\d")


def printed_decimals(raw: Optional[str], value: Optional[float]) -> int:
    """How many decimals the report printed for a value ('99,36%' -> 2, '109%' -> 0, '3.697.493.665,-' -> 0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    fallback = 0
    for d in range(0, 5):
        if abs(round(value, d) - value) < 1e-9:
            fallback = d
            break
    else:
        fallback = 4
    if not raw:
        return fallback
    for tok in _TOKEN_RE.findall(str(raw)):
        sep = max(tok.rfind("."), tok.rfind(","))
        digits = re.sub(r"[.,]", "", tok)
        if sep < 0:
            if abs(float(digits) - abs(value)) < 1e-9:
                return 0
            continue
        frac = tok[sep + 1:]
        if abs(int(digits) / 10 ** len(frac) - abs(value)) < 1e-6 * max(1.0, abs(value)):
            return len(frac)
        if abs(float(digits) - abs(value)) < 1e-6 * max(1.0, abs(value)):
            return 0
    return fallback


def printed_ok(printed: float, decimals: int, computed: float) -> bool:
    """True when ``printed`` (with ``decimals`` decimals) is ``computed`` rounded or truncated."""
    u = 10.0 ** -decimals
    eps = 1e-9 * max(1.0, abs(computed))
    return printed - 0.5 * u - eps <= computed < printed + u - eps  # 80 exactly is not a truncated 79


def same_value(a: float, da: int, b: float, db: int) -> bool:
    """Two printed values are the same figure at the coarser of their printed precisions."""
    d = min(da, db)
    return abs(a - b) <= 0.5 * 10.0 ** -d + 1e-9 * max(1.0, abs(a), abs(b))


def _isnum(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _clean_name(s: Optional[str]) -> str:
    """Lower-case alphanumerics of a name (program names, indicator names) for matching."""
    s = re.sub(r"<[^>]+>", " ", str(s or "")).lower()
    return re.sub(r"[^0-9a-z]+", " ", s).strip()


def _program_key(s: Optional[str]) -> str:
    """A program name without the word 'program' and punctuation."""
    k = _clean_name(s)
    return re.sub(r"^program\s+", "", k)


def _similar(a: str, b: str) -> bool:
    """Names equal up to small spelling differences ('ketenteraman' / 'ketentraman')."""
    if a == b:
        return True
    try:
        from rapidfuzz import fuzz
        return fuzz.ratio(a, b) >= 92
    except Exception:  # pragma: no cover - rapidfuzz is a core dependency
        return False


def _level_class(level: Optional[str]) -> str:
    """Goals (tujuan/sasaran, which reports label loosely) vs each activity level (program, kegiatan, sub kegiatan):
    the same indicator exists at several levels with other figures (IKM of the kecamatan vs of a program)."""
    return level if level in ("program", "kegiatan", "sub_kegiatan") else "goal"


def _null_marker(raw: Optional[str]) -> bool:
    """True when a printed cell is a null marker ('-', '#DIV/0!', '##### #', blank)."""
    if raw is None:
        return True
    s = re.sub(r"<[^>]+>", "", str(raw)).strip()
    if s in _DASHES:
        return True
    p = parse_number(s)
    return p.value is None and not p.is_number and (p.grade is None) and (
        not re.search(r"\d", s) or bool(_SPREADSHEET_ERR_RE.search(s)))


def finding(doc_id: Optional[str], check: str, severity: str, message: str, *, table_id: Optional[str] = None,
            line: Optional[int] = None, page: Optional[int] = None, expected: Optional[float] = None,
            actual: Optional[float] = None, refs: Iterable[str] = ()) -> dict:
    """One findings row (schema.FINDINGS)."""
    out_refs: list[str] = []
    for r in refs:
        if r and r not in out_refs:
            out_refs.append(str(r))
    return dict(doc_id=doc_id, table_id=table_id, page=_int_or_none(page), line=_int_or_none(line), check=check,
                severity=severity, message=message,
                expected=float(expected) if _isnum(expected) else None,
                actual=float(actual) if _isnum(actual) else None, refs=out_refs)


def _int_or_none(x) -> Optional[int]:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return None
    try:
        return int(x)
    except (TypeError, ValueError):
        return None


def where(rec: dict) -> str:
    """'line N' (text inputs) or 'page N' (paged inputs) of a row; '' when neither is known."""
    line, page = _int_or_none(rec.get("line")), _int_or_none(rec.get("page"))
    if line is not None:
        return f"line {line}"
    if page is not None:
        return f"page {page}"
    return ""


def _frame(df: Optional[pd.DataFrame], cols: list[str]) -> pd.DataFrame:
    """A frame with at least the contract's columns (missing ones as nulls)."""
    if df is None:
        df = pd.DataFrame()
    df = pd.DataFrame(df).copy()
    for c in cols:
        if c not in df.columns:
            df[c] = None
    return df.reset_index(drop=True)


def _clean_value(v):
    """NaN / NA / NaT -> None; numpy scalars -> Python scalars."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict, str)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            return v
        if isinstance(v, float) and v != v:
            return None
    return v


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN/NA turned into None (one pass; the checks work on plain dicts)."""
    if df is None or not len(df):
        return []
    cols = list(df.columns)
    return [{c: _clean_value(v) for c, v in zip(cols, row)} for row in df.itertuples(index=False, name=None)]


def _group(recs: Iterable[dict], *keys: str) -> dict[tuple, list[dict]]:
    """Records grouped by the values of ``keys``, groups and members in first-seen order."""
    out: dict[tuple, list[dict]] = {}
    for r in recs:
        out.setdefault(tuple(r.get(k) for k in keys), []).append(r)
    return out


def _num(v) -> Optional[float]:
    """A float, or None for anything that is not a number."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


# ------------------------------------------------------------------------------------------ one document


@dataclass
class DocFrames:
    """One document's rows, as the checks see them: plain dicts (``ind``, ``bud``, ``tab``)."""

    doc_id: Optional[str]
    ind: list
    bud: list
    tab: list
    prose: list = field(default_factory=list)
    report_year: Optional[int] = None
    _labels: dict = field(default_factory=dict)
    _kinds: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)

    @classmethod
    def build(cls, indicators, budgets, tables, prose=None, doc_id=None) -> "DocFrames":
        """Normalise the frames (any may be empty or lack columns)."""
        ind = [{**{c: None for c in _IND_COLS}, **r} for r in _records(_frame(indicators, []))]
        bud = [{**{c: None for c in _BUD_COLS}, **r} for r in _records(_frame(budgets, []))]
        tab = [{**{c: None for c in _TAB_COLS}, **r} for r in _records(_frame(tables, []))]
        for r in ind:
            r["value"] = _num(r.get("value"))
            r["year"] = _int_or_none(r.get("year"))
            r["row_index"] = _int_or_none(r.get("row_index"))
        for r in bud:
            for c in ("anggaran", "realisasi", "persen", "persen_computed"):
                r[c] = _num(r.get(c))
            r["row_index"] = _int_or_none(r.get("row_index"))
        if doc_id is None:
            doc_id = next((r["doc_id"] for r in ind + bud + tab if r.get("doc_id")), None)
        years = [y for y in (_int_or_none(r.get("report_year")) for r in ind + bud) if y is not None]
        ry = max(set(years), key=years.count) if years else None
        labels, kinds = {}, {}
        for r in tab:
            num, cap = (r.get("table_number") or "").strip(), (r.get("caption") or "").strip()
            if num:
                labels[r["table_id"]] = f"Tabel {num}"
            elif cap:
                labels[r["table_id"]] = "'" + (cap if len(cap) <= 48 else cap[:45].rstrip() + "…") + "'"
            kinds[r["table_id"]] = r.get("kind")
        return cls(doc_id, ind, bud, tab, list(prose or []), ry, labels, kinds)

    def label(self, table_id: Optional[str]) -> str:
        """How a person finds a table in the report: 'Tabel 3.1', or its caption, or its id."""
        if not table_id:
            return "the report"
        return self._labels.get(table_id, f"table {table_id}")

    def kind(self, table_id: Optional[str]) -> Optional[str]:
        """The table's kind (contract enum), if known."""
        return self._kinds.get(table_id)

    def values(self) -> list[dict]:
        """Indicator rows with a value, outside tables of kind 'other'."""
        if "values" not in self._cache:
            self._cache["values"] = [r for r in self.ind if r["value"] is not None and self.kind(r["table_id"]) != "other"]
        return self._cache["values"]

    def budget_tables(self) -> dict[str, list[dict]]:
        """Budget rows per table, in row order."""
        if "budget_tables" not in self._cache:
            self._cache["budget_tables"] = {k[0]: sorted(v, key=lambda r: r.get("row_index") or 0)
                                            for k, v in _group(self.bud, "table_id").items()}
        return self._cache["budget_tables"]

    def region_rows(self) -> set:
        """(table_id, row_index) of rows compared against a region ('Kota Malang' pembanding): their target is
        the region's, not the kecamatan's."""
        if "region" not in self._cache:
            self._cache["region"] = {(r["table_id"], r["row_index"]) for r in self.ind
                                     if r["measure"] == "pembanding" and _REGION_RE.match(str(r.get("comparator") or ""))}
        return self._cache["region"]


def _ind_name(rec: dict) -> str:
    """The indicator as a person reads it."""
    name = rec.get("indicator_name") or rec.get("indicator_raw") or rec.get("indicator_id") or "indicator"
    name = re.sub(r"<[^>]+>", "", str(name)).strip()
    return name if len(name) <= 90 else name[:87].rstrip() + "…"


_POLARITY_CACHE: dict[str, str] = {}


def polarity_of(indicator_id: Optional[str]) -> str:
    """'higher_is_better' or 'lower_is_better' from the canonical catalogue (higher when unknown)."""
    if not indicator_id:
        return "higher_is_better"
    if indicator_id not in _POLARITY_CACHE:
        pol = "higher_is_better"
        try:
            from lkjip.normalize import indicators as _ind
            entry = _ind.default_matcher().entry(indicator_id)
            if entry is not None and getattr(entry, "polarity", None) in ("higher_is_better", "lower_is_better"):
                pol = entry.polarity
        except Exception:  # the catalogue is optional for the audit
            pass
        _POLARITY_CACHE[indicator_id] = pol
    return _POLARITY_CACHE[indicator_id]


def _ratio_candidates(r: float, t: float, unit_r, unit_t, polarity: str) -> list[float]:
    """Capaian values a report may have computed from realisasi and target (first = the rule)."""
    if polarity == "lower_is_better":
        out = [(2 * t - r) / t * 100.0]
        if r:
            out.append(100.0 * t / r)
    else:
        out = [100.0 * r / t]
    if (unit_r == "%") != (unit_t == "%"):  # '64%' against a ratio target '1'
        out.append(r / t if polarity != "lower_is_better" else (2 * t - r / 100.0) / t * 100.0)
    return out


def _input_slack(r: float, dr: int, t: float, dt: int) -> float:
    """How far 100*r/t can move when r and t are themselves rounded to their printed decimals."""
    ur, ut = 0.5 * 10.0 ** -dr, 0.5 * 10.0 ** -dt
    return 100.0 * (ur / abs(t) + abs(r) * ut / (t * t)) if t else math.inf


def _scale_hint(printed: float, computed: float) -> str:
    """' (off by a factor of 10: a misplaced decimal mark?)' when that is what the numbers say."""
    if computed and printed:
        q = printed / computed
        for f in (10.0, 100.0, 0.1, 0.01):
            if abs(q / f - 1) < 0.02:
                return f" (off by a factor of {fmt_num(f if f >= 1 else 1 / f, 0)}: a misplaced decimal mark?)"
    return ""


def _cluster(values: list[tuple[float, int, dict]]) -> list[list[tuple[float, int, dict]]]:
    """Group printed values that are the same figure (at their printed precision), in first-seen order."""
    clusters: list[list[tuple[float, int, dict]]] = []
    for v in values:
        for c in clusters:
            if same_value(v[0], v[1], c[0][0], c[0][1]):
                c.append(v)
                break
        else:
            clusters.append([v])
    return clusters


# ---------------------------------------------------------------- capaian


def _target_candidates(doc: DocFrames, rec: dict, exclude_table: str) -> list[dict]:
    """Targets of the same indicator and year in the document's other tables, best-supported first."""
    key = rec.get("indicator_id")
    if not key:
        return []
    idx = doc._cache.get("targets")
    if idx is None:
        idx = doc._cache["targets"] = _group([r for r in doc.values() if r["measure"] == "target"],
                                             "indicator_id", "year")
    region = doc.region_rows()
    m = [r for r in idx.get((key, rec["year"]), []) if r["table_id"] != exclude_table
         and (r["table_id"], r["row_index"]) not in region]
    if not m:
        return []
    cls = _level_class(rec.get("level"))
    same = [r for r in m if _level_class(r.get("level")) == cls]
    m = same or m
    clusters = _cluster([(r["value"], printed_decimals(r["value_raw"], r["value"]), r) for r in m])

    def support(c):
        tabs = {v[2]["table_id"] for v in c}
        plan = sum(1 for t in tabs if doc.kind(t) in _PLAN_KINDS)
        return (-len(tabs), -plan, min((v[2].get("line") or 0) for v in c))

    clusters.sort(key=support)
    out = []
    for c in clusters:
        best = max(c, key=lambda v: v[1])  # the most precise spelling of the figure
        out.append(dict(best[2], _n_tables=len({v[2]["table_id"] for v in c}),
                        _tables=sorted({v[2]["table_id"] for v in c})))
    return out


def check_capaian(doc: DocFrames) -> list[dict]:
    """Capaian (and tingkat kemajuan) vs realisasi/target of the same row, polarity-aware and rounding tolerant."""
    out: list[dict] = []
    for (tid, ri, raw), recs in _group(doc.values(), "table_id", "row_index", "indicator_raw").items():
        by = {}
        for r in recs:
            by.setdefault((r["measure"], r["year"]), []).append(r)
        for cap in recs:
            if cap["measure"] not in ("capaian", "tingkat_kemajuan") or cap.get("comparator"):
                continue
            year = cap["year"]
            real = by.get(("realisasi", year), [])
            if len(real) != 1:
                continue
            real = real[0]
            borrowed = None
            if cap["measure"] == "tingkat_kemajuan":
                tgt = [r for r in recs if r["measure"] == "target_akhir"]
                what = "the end-of-plan target"
            else:
                tgt = by.get(("target", year), [])
                what = "the target"
                if not tgt:
                    pem = [r for r in by.get(("pembanding", year), [])]
                    if len(pem) == 1:
                        tgt, what = pem, f"the comparison figure ({pem[0].get('comparator') or 'pembanding'})"
            if len(tgt) > 1:
                continue
            if not tgt and cap["measure"] == "capaian":
                cands = _target_candidates(doc, cap, tid)
                if not cands:
                    continue
                tgt, borrowed = [cands[0]], cands
                what = f"the target in {doc.label(cands[0]['table_id'])} ({where(cands[0])})"
            if not tgt:
                continue
            tgt = tgt[0]
            r, t, p = real["value"], tgt["value"], cap["value"]
            if not t:
                continue
            pol = polarity_of(cap.get("indicator_id"))
            cands_v = _ratio_candidates(r, t, real.get("unit"), tgt.get("unit"), pol)
            dp = printed_decimals(cap["value_raw"], p)
            if any(printed_ok(p, dp, c) for c in cands_v):
                continue
            expected = cands_v[0]
            dr, dt = printed_decimals(real["value_raw"], r), printed_decimals(tgt["value_raw"], t)
            slack = _input_slack(r, dr, t, dt)
            formula = (f"(2×{fmt_num(t, dt)} − {fmt_num(r, dr)}) / {fmt_num(t, dt)}" if pol == "lower_is_better"
                       else f"{fmt_num(r, dr)} / {fmt_num(t, dt)}")
            name = _ind_name(cap)
            label = "tingkat kemajuan" if cap["measure"] == "tingkat_kemajuan" else "capaian"
            extra = _scale_hint(p, expected)
            if borrowed is not None:
                severity = "warning"
                alt = [c for c in borrowed[1:] if any(printed_ok(p, dp, x) for x in _ratio_candidates(
                    r, c["value"], real.get("unit"), c.get("unit"), pol) if c["value"])]
                if alt:
                    extra += (f"; {fmt_pct(p, dp)} matches the target {c_raw(alt[0])} of "
                              f"{doc.label(alt[0]['table_id'])} ({where(alt[0])}) instead")
            else:
                severity = "error" if abs(p - expected) > slack else "warning"
                if severity == "warning":
                    extra += "; the gap is within what rounding of realisasi/target could explain"
            refs = [tid, where(cap)] + ([tgt["table_id"], where(tgt)] if borrowed is not None else [])
            out.append(finding(
                doc.doc_id, "capaian_mismatch", severity,
                f"{doc.label(tid)} {where(cap)}: {name} {label} {year} is printed as {cap['value_raw'].strip()} "
                f"but {formula} = {fmt_pct(expected, max(dp, 2))} against {what}{extra}; "
                f"correct the {label} or the figures it is computed from.",
                table_id=tid, line=cap.get("line"), page=cap.get("page"), expected=round(expected, 4), actual=p,
                refs=refs))
    return out


def c_raw(rec: dict) -> str:
    """A value as printed in its cell (tags stripped)."""
    return re.sub(r"<[^>]+>", "", str(rec.get("value_raw") or fmt_num(rec.get("value")))).strip()


def check_budget_ratios_in_indicators(doc: DocFrames) -> list[dict]:
    """Capaian anggaran vs realisasi/anggaran and efisiensi vs capaian/capaian anggaran in indicator tables."""
    out: list[dict] = []
    for (tid, ri, raw, year), g in _group(doc.values(), "table_id", "row_index", "indicator_raw", "year").items():
        by: dict[str, list[dict]] = {}
        for r in g:
            by.setdefault(r["measure"], []).append(r)
        one = {k: v[0] for k, v in by.items() if len(v) == 1}
        ca = one.get("capaian_anggaran")
        if ca and "anggaran" in one and "realisasi_anggaran" in one and one["anggaran"]["value"]:
            a, rr, p = one["anggaran"]["value"], one["realisasi_anggaran"]["value"], ca["value"]
            c = 100.0 * rr / a
            dp = printed_decimals(ca["value_raw"], p)
            if not printed_ok(p, dp, c):
                out.append(finding(
                    doc.doc_id, "persen_mismatch", "error",
                    f"{doc.label(tid)} {where(ca)}: {_ind_name(ca)} capaian anggaran is printed as {c_raw(ca)} but "
                    f"realisasi {fmt_rp(rr)} / anggaran {fmt_rp(a)} = {fmt_pct(c)}; correct the percentage or the amounts.",
                    table_id=tid, line=ca.get("line"), page=ca.get("page"), expected=round(c, 4), actual=p,
                    refs=[tid, where(ca)]))
        ef = one.get("efisiensi")
        if ef and "capaian" in one and ca and ca["value"]:
            k, q, e = one["capaian"]["value"], ca["value"], ef["value"]
            de = printed_decimals(ef["value_raw"], e)
            ratio = 100.0 * k / q
            if not any(printed_ok(e, de, c) for c in (ratio, k - q, 100.0 - q, q - k)):
                out.append(finding(
                    doc.doc_id, "persen_mismatch", "error",
                    f"{doc.label(tid)} {where(ef)}: {_ind_name(ef)} efisiensi is printed as {c_raw(ef)} but capaian "
                    f"kinerja {c_raw(one['capaian'])} / capaian anggaran {c_raw(ca)} = {fmt_pct(ratio)} (and the "
                    f"difference is {fmt_pct(k - q)}); recompute the efficiency ratio.",
                    table_id=tid, line=ef.get("line"), page=ef.get("page"), expected=round(ratio, 4), actual=e,
                    refs=[tid, where(ef)]))
    return out


# ---------------------------------------------------------------- budgets


def _real_or_zero(rec: dict) -> Optional[float]:
    """Realisasi, with a printed dash read as zero (reports print '-' for nothing spent)."""
    if _isnum(rec.get("realisasi")):
        return rec["realisasi"]
    raw = rec.get("realisasi_raw")
    if raw is not None and re.sub(r"<[^>]+>", "", str(raw)).strip() in _DASHES - {""}:
        return 0.0
    return None


def check_budget_persen(doc: DocFrames) -> list[dict]:
    """Budget % vs 100*realisasi/anggaran; for tables without realisasi, % as a share of a total."""
    out: list[dict] = []
    totals = None
    for tid, recs in doc.budget_tables().items():
        has_real = any(_isnum(r.get("realisasi")) for r in recs)
        for r in recs:
            p = r.get("persen")
            a = r.get("anggaran")
            if not _isnum(p) or not _isnum(a) or not a:
                continue
            dp = printed_decimals(r.get("persen_raw"), p)
            if has_real:
                rr = _real_or_zero(r)
                if rr is None:
                    continue
                c = 100.0 * rr / a
                if printed_ok(p, dp, c):
                    continue
                out.append(finding(
                    doc.doc_id, "persen_mismatch", "error",
                    f"{doc.label(tid)} {where(r)}: '{_short(r.get('name'))}' prints {_raw(r.get('persen_raw'))}% but "
                    f"realisasi {fmt_rp(rr)} / anggaran {fmt_rp(a)} = {fmt_pct(c)}; correct the % column.",
                    table_id=tid, line=r.get("line"), page=r.get("page"), expected=round(c, 4), actual=p,
                    refs=[tid, where(r)]))
            else:
                if totals is None:
                    totals = _total_candidates(doc)
                own = sum(x["anggaran"] for x in recs if _isnum(x.get("anggaran")) and x.get("level") != "total")
                cands = [(own, f"the sum of {doc.label(tid)}", tid, "")] + [c for c in totals if c[2] != tid]
                if any(T and printed_ok(p, dp, 100.0 * a / T) for T, *_ in cands):
                    continue
                best = min((c for c in cands if c[0]), key=lambda c: abs(100.0 * a / c[0] - p), default=None)
                if best is None:
                    continue
                share = 100.0 * a / best[0]
                implied = 100.0 * a / p if p else None
                out.append(finding(
                    doc.doc_id, "persen_mismatch", "warning",
                    f"{doc.label(tid)} {where(r)}: '{_short(r.get('name'))}' prints {_raw(r.get('persen_raw'))} "
                    f"of the budget, but {fmt_rp(a)} is {fmt_pct(share, max(dp, 2))} of {best[1]} ({fmt_rp(best[0])}); "
                    f"the printed share implies a total of about {fmt_rp(round(implied))}, which no budget table "
                    f"gives: check which total the shares were computed from.",
                    table_id=tid, line=r.get("line"), page=r.get("page"), expected=round(share, 4), actual=p,
                    refs=[tid, where(r), best[2], best[3]]))
    return out


def _short(s: Optional[str], n: int = 60) -> str:
    s = re.sub(r"<[^>]+>", "", str(s or "")).strip()
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _raw(s: Optional[str]) -> str:
    return re.sub(r"<[^>]+>", "", str(s or "")).strip()


def check_budget_overrun(doc: DocFrames) -> list[dict]:
    """Realisasi greater than anggaran in a budget line."""
    out: list[dict] = []
    for r in doc.bud:
        a, rr = r.get("anggaran"), r.get("realisasi")
        if _isnum(a) and _isnum(rr) and rr > a + _MONEY_TOL:
            out.append(finding(
                doc.doc_id, "budget_overrun", "warning",
                f"{doc.label(r['table_id'])} {where(r)}: '{_short(r.get('name'))}' spent {fmt_rp(rr)} against an "
                f"anggaran of {fmt_rp(a)} ({fmt_pct(100.0 * rr / a if a else math.nan)}); check the amounts or the "
                f"budget revision that allowed it.",
                table_id=r["table_id"], line=r.get("line"), page=r.get("page"), expected=a, actual=rr,
                refs=[r["table_id"], where(r)]))
    return out


_LEVEL_ORDER = ("program", "kegiatan", "sub_kegiatan")


def _children(recs: list[dict], i: int) -> list[dict]:
    """The rows under rows[i] (a program or kegiatan) until the next row of the same or a higher level."""
    lvl = recs[i]["level"]
    stop = {"program", "total"} if lvl == "program" else {"program", "kegiatan", "total"}
    kids = []
    for r in recs[i + 1:]:
        if r["level"] in stop:
            break
        kids.append(r)
    if lvl == "program":
        direct = [r for r in kids if r["level"] == "kegiatan"]
        return direct or [r for r in kids if r["level"] == "sub_kegiatan"]
    return [r for r in kids if r["level"] == "sub_kegiatan"]


def _sum(rows: list[dict], col: str) -> tuple[float, list[dict]]:
    """Sum of a money column and the rows whose cell is blank."""
    s, blank = 0.0, []
    for r in rows:
        v = r.get(col)
        if _isnum(v):
            s += v
        elif col == "realisasi" and _real_or_zero(r) == 0.0:
            continue
        else:
            blank.append(r)
    return s, blank


def _top_level(recs: list[dict]) -> list[dict]:
    """The rows a JUMLAH adds up: programs if any, else kegiatan, else sub kegiatan, else the other lines."""
    for lvl in _LEVEL_ORDER:
        rows = [r for r in recs if r["level"] == lvl]
        if rows:
            return rows
    return [r for r in recs if r["level"] != "total"]


def _dedupe_programs(recs: list[dict], col: str) -> list[dict]:
    """Program rows without the parts of a program listed twice whose first row already holds the whole."""
    progs = [(i, r) for i, r in enumerate(recs) if r["level"] == "program"]
    drop = set()
    for n, (i, r) in enumerate(progs):
        key = _program_key(r.get("name"))
        later = [(j, x) for j, x in progs[n + 1:] if _program_key(x.get("name")) == key and j not in drop]
        if not later or not _isnum(r.get(col)):
            continue
        own, _ = _sum(_children(recs, i), col)
        parts = own + sum(x.get(col) or 0.0 for _, x in later)
        if abs(parts - r[col]) <= _MONEY_TOL:
            drop.update(j for j, _ in later)
    return [r for i, r in enumerate(recs) if r["level"] == "program" and i not in drop]


def check_totals(doc: DocFrames) -> list[dict]:
    """JUMLAH/TOTAL rows vs the sum of their rows; program = sum of its kegiatan; kegiatan = sum of its sub kegiatan."""
    out: list[dict] = []
    for tid, recs in doc.budget_tables().items():
        # hierarchical subtotals
        for i, r in enumerate(recs):
            if r["level"] not in ("program", "kegiatan"):
                continue
            kids = _children(recs, i)
            if not kids:
                continue
            for col in ("anggaran", "realisasi"):
                v = r.get(col)
                if not _isnum(v):
                    continue
                s, blank = _sum(kids, col)
                if len(blank) == len(kids) or abs(s - v) <= _MONEY_TOL:
                    continue
                if r["level"] == "program":
                    twin = _twin_program_total(recs, i, col)
                    if twin is not None:
                        if col == "anggaran":
                            out.append(finding(
                                doc.doc_id, "total_mismatch", "info",
                                f"{doc.label(tid)} {where(r)}: '{_short(r.get('name'))}' is listed twice; this row "
                                f"({fmt_rp(v)}) is the whole program, i.e. its own kegiatan plus the later row at "
                                f"{twin}, so adding up the program rows counts {fmt_rp(v - s)} twice.",
                                table_id=tid, line=r.get("line"), page=r.get("page"), expected=s, actual=v,
                                refs=[tid, where(r), twin]))
                        continue
                out.append(_total_finding(doc, tid, r, col, v, s, kids, blank,
                                          "its kegiatan" if r["level"] == "program" else "its sub kegiatan"))
        # JUMLAH / TOTAL rows
        seg_start = 0
        prev_totals: list[dict] = []
        for i, r in enumerate(recs):
            if r["level"] != "total":
                continue
            seg = [x for x in recs[seg_start:i] if x["level"] != "total"]
            seg_start = i + 1
            for col in ("anggaran", "realisasi"):
                v = r.get(col)
                if not _isnum(v):
                    continue
                options = []
                if seg:
                    top = _top_level(seg)
                    options.append((top, "its rows"))
                    if top and top[0]["level"] == "program":
                        options.append((_dedupe_programs(seg, col), "its programs"))
                    for lvl in _LEVEL_ORDER:
                        rows = [x for x in seg if x["level"] == lvl]
                        if rows:
                            options.append((rows, f"its {lvl.replace('_', ' ')} rows"))
                if prev_totals:
                    options.append((prev_totals, "the subtotals above it"))
                if not options:
                    continue
                sums = [(_sum(rows, col), rows, what) for rows, what in options]
                if any(abs(s - v) <= _MONEY_TOL for (s, blank), rows, what in sums if len(blank) < len(rows)):
                    continue
                (s, blank), rows, what = sums[0]
                if len(blank) == len(rows):
                    continue
                out.append(_total_finding(doc, tid, r, col, v, s, rows, blank, what))
            prev_totals.append(r)
    return out


def _twin_program_total(recs: list[dict], i: int, col: str) -> Optional[str]:
    """For a program listed twice: where its other part is, when this row = own kegiatan + the later row."""
    r = recs[i]
    key = _program_key(r.get("name"))
    own, _ = _sum(_children(recs, i), col)
    for x in recs[i + 1:]:
        if x["level"] == "program" and _program_key(x.get("name")) == key and _isnum(x.get(col)):
            if abs(own + x[col] - r[col]) <= _MONEY_TOL:
                return where(x)
    return None


def _total_finding(doc, tid, r, col, v, s, rows, blank, what) -> dict:
    """A total_mismatch row, explaining a gap that equals a blank cell's neighbour when it does."""
    diff = v - s
    note = ""
    other = "anggaran" if col == "realisasi" else "realisasi"
    for b in blank:
        ov = b.get(other)
        if _isnum(ov) and abs(ov - diff) <= _MONEY_TOL:
            note = (f"; the gap equals the {other} of {where(b)} ('{_short(b.get('name'), 40)}'), whose {col} "
                    f"is blank: a cell lost in the source or in conversion")
            break
    else:
        for x in rows:
            xv = x.get(col)
            if _isnum(xv) and xv and abs(abs(diff) - xv) <= _MONEY_TOL:
                note = f"; the gap equals the {col} of {where(x)} ('{_short(x.get('name'), 40)}')"
                break
        else:
            if blank:
                note = f"; {len(blank)} row(s) have a blank {col}"
    refs = [tid, where(r)] + [where(b) for b in blank[:5]]
    return finding(
        doc.doc_id, "total_mismatch", "error",
        f"{doc.label(tid)} {where(r)}: '{_short(r.get('name'), 50)}' {col} {fmt_rp(v)} is not the sum of {what} "
        f"({fmt_rp(s)}, difference {fmt_rp(diff)}){note}; correct the total or the rows.",
        table_id=tid, line=r.get("line"), page=r.get("page"), expected=s, actual=v, refs=refs)


# ---------------------------------------------------------------- totals a text may quote


def _total_candidates(doc: DocFrames) -> list[tuple[float, str, str, str]]:
    """Budget totals the report gives: (amount, description, table_id, where), anggaran only."""
    out = []
    for tid, recs in doc.budget_tables().items():
        tots = [r for r in recs if r["level"] == "total" and _isnum(r.get("anggaran"))]
        for t in tots:
            out.append((t["anggaran"], f"the {_short(t.get('name'), 20) or 'total'} of {doc.label(tid)}", tid,
                        where(t)))
        top = _dedupe_programs(recs, "anggaran") or _top_level(recs)
        s, blank = _sum(top, "anggaran")
        if s and len(blank) < len(top):
            out.append((s, f"the sum of {doc.label(tid)}", tid, ""))
    for (tid,), g in _group([r for r in doc.values() if r["measure"] == "anggaran"], "table_id").items():
        s = sum(r["value"] for r in g)
        if s:
            out.append((float(s), f"the sum of the anggaran of {doc.label(tid)}", tid, ""))
    return out


def _realisasi_totals(doc: DocFrames) -> list[tuple[float, float, str, str, str]]:
    """(anggaran, realisasi, description, table_id, where) pairs the report's tables give."""
    out = []
    for tid, recs in doc.budget_tables().items():
        for t in recs:
            if t["level"] == "total" and _isnum(t.get("anggaran")) and _isnum(t.get("realisasi")):
                out.append((t["anggaran"], t["realisasi"], f"the total of {doc.label(tid)}", tid, where(t)))
        if any(_isnum(r.get("realisasi")) for r in recs):
            top_a = _dedupe_programs(recs, "anggaran") or _top_level(recs)
            top_r = _dedupe_programs(recs, "realisasi") or _top_level(recs)
            a, _ = _sum(top_a, "anggaran")
            rr, _ = _sum(top_r, "realisasi")
            if a:
                out.append((a, rr, f"the sum of {doc.label(tid)}", tid, ""))
    money = [r for r in doc.values() if r["measure"] in ("anggaran", "realisasi_anggaran")]
    for (tid,), g in _group(money, "table_id").items():
        a = [r["value"] for r in g if r["measure"] == "anggaran"]
        rr = [r["value"] for r in g if r["measure"] == "realisasi_anggaran"]
        if a and sum(a) and rr:
            out.append((float(sum(a)), float(sum(rr)), f"the sum of {doc.label(tid)}", tid, ""))
    return out


# ---------------------------------------------------------------- within one report, across tables


def check_cross_table(doc: DocFrames) -> list[dict]:
    """The same indicator, year and measure with different values in two tables of one report."""
    region = doc.region_rows()
    ind = []
    for r in doc.values():
        key = r.get("indicator_id") or r.get("indicator_name")
        if not key:
            continue
        if r["measure"] in ("target", "capaian", "target_akhir") and (r["table_id"], r["row_index"]) in region:
            continue
        ind.append(dict(r, _key=key, _cls=_level_class(r.get("level")), _cmp=r.get("comparator") or ""))
    # a row that holds two figures of one measure mixes two entities (a program's and its kegiatan's)
    counts = _group(ind, "table_id", "row_index", "_key", "year", "measure", "_cmp")
    mixed = {(k[0], k[1]) for k, v in counts.items() if len(v) > 1}
    ind = [r for r in ind if (r["table_id"], r["row_index"]) not in mixed]
    conflicts: dict[tuple, list[dict]] = {}
    for (key, year, measure, cmp_, cls), g in _group(ind, "_key", "year", "measure", "_cmp", "_cls").items():
        if len({r["table_id"] for r in g}) < 2:
            continue
        per_table = []
        for _, tg in _group(g, "table_id").items():
            vals = [(r["value"], printed_decimals(r["value_raw"], r["value"]), r) for r in tg]
            cl = _cluster(vals)
            if len(cl) == 1:  # one figure per table; several = a per-entity table (kelurahan, sub kegiatan)
                per_table.append(max(cl[0], key=lambda v: v[1]))
        if len(per_table) < 2:
            continue
        clusters = _cluster(per_table)
        if len(clusters) < 2:
            continue
        clusters.sort(key=lambda c: (-len(c), min(v[2].get("line") or 0 for v in c)))
        ref = clusters[0]
        ref_v = max(ref, key=lambda v: v[1])
        for c in clusters[1:]:
            rec = min(c, key=lambda v: (v[2].get("line") or 0))[2]
            anchor = (rec["table_id"], rec.get("row_index"), key)
            conflicts.setdefault(anchor, []).append(dict(
                rec=rec, these=[v[2] for v in c], ref=[v[2] for v in ref], ref_rec=ref_v[2], ref_value=ref_v[0],
                label=measure.replace("_", " ") + (f" ({cmp_})" if cmp_ else "") + f" {year}"))
    out: list[dict] = []
    for (tid, _, key), items in conflicts.items():
        rec = items[0]["rec"]
        refs: list[str] = []
        for it in items:
            for r in it["these"] + it["ref"]:
                refs += [r["table_id"], where(r)]
        if len(items) == 1:
            it = items[0]
            these = ", ".join(f"{doc.label(r['table_id'])} ({where(r)})" for r in it["these"][:4])
            ref_desc = ", ".join(f"{doc.label(r['table_id'])} ({where(r)})" for r in it["ref"][:4])
            msg = (f"{_ind_name(rec)} {it['label']} is {c_raw(rec)} in {these} but {c_raw(it['ref_rec'])} in "
                   f"{ref_desc}{_scale_hint(rec['value'], it['ref_value'])}; find which table is right and correct "
                   f"the other.")
        else:
            parts = []
            for it in items:
                tabs = ", ".join(dict.fromkeys(doc.label(r["table_id"]) for r in it["ref"][:3]))
                parts.append(f"{it['label']} {c_raw(it['rec'])} (vs {c_raw(it['ref_rec'])} in {tabs})")
            hint = _scale_hint(rec["value"], items[0]["ref_value"])
            msg = (f"{doc.label(tid)} {where(rec)} gives {_ind_name(rec)} figures that other tables contradict: "
                   f"{'; '.join(parts)}{hint}; find which table is right and correct the other.")
        out.append(finding(doc.doc_id, "cross_table_conflict", "warning", msg, table_id=tid, line=rec.get("line"),
                           page=rec.get("page"), expected=items[0]["ref_value"], actual=rec["value"], refs=refs))
    return out


def _subset_sums(amounts: list[tuple[float, dict]], limit: int = 12) -> list[tuple[float, tuple[dict, ...]]]:
    """Sums of every non-empty subset of up to ``limit`` amounts (PK tables list a handful of programs)."""
    amounts = amounts[:limit]
    out = []
    for k in range(1, len(amounts) + 1):
        for combo in itertools.combinations(amounts, k):
            out.append((sum(a for a, _ in combo), tuple(r for _, r in combo)))
    return out


def check_budget_cross_table(doc: DocFrames) -> list[dict]:
    """Program budgets that differ between the plan (PK) tables and the realisation table, and indicator pagu vs PK."""
    out: list[dict] = []
    tables = doc.budget_tables()
    if not tables:
        return out
    real_tabs = {t for t, recs in tables.items() if any(_isnum(r.get("realisasi")) for r in recs)}
    plan_tabs = [t for t in tables if t not in real_tabs
                 and any(r["level"] == "program" and _isnum(r.get("anggaran")) for r in tables[t])]

    def programs(tid):
        """program key -> (amount, rows) in one table (a program listed twice counted once)."""
        recs = tables[tid]
        rows = _dedupe_programs(recs, "anggaran") if tid in real_tabs else [r for r in recs if r["level"] == "program"]
        acc: dict[str, list[dict]] = {}
        for r in rows:
            if _isnum(r.get("anggaran")):
                acc.setdefault(_program_key(r.get("name")), []).append(r)
        return {k: (sum(x["anggaran"] for x in v), v) for k, v in acc.items()}

    plan = {t: programs(t) for t in plan_tabs}
    for rt in real_tabs:
        for key, (amount, rows) in programs(rt).items():
            seen = []
            for pt, progs in plan.items():
                for pk, (pa, prow) in progs.items():
                    if _similar(pk, key):
                        seen.append((pa, pt, prow))
            if not seen or any(abs(pa - amount) <= _MONEY_TOL for pa, _, _ in seen):
                continue
            best = min(seen, key=lambda s: abs(s[0] - amount))
            r0 = rows[0]
            others = "; ".join(f"{fmt_rp(pa)} in {doc.label(pt)} ({where(pr[0])})" for pa, pt, pr in seen[:3])
            refs = [rt] + [where(x) for x in rows]
            for pa, pt, pr in seen:
                refs += [pt] + [where(x) for x in pr]
            out.append(finding(
                doc.doc_id, "cross_table_conflict", "warning",
                f"{doc.label(rt)} {where(r0)}: '{_short(r0.get('name'), 60)}' has an anggaran of {fmt_rp(amount)}, "
                f"but the plan tables give {others} (difference {fmt_rp(amount - best[0])}); reconcile the "
                f"realisation table with the (revised) Perjanjian Kinerja.",
                table_id=rt, line=r0.get("line"), page=r0.get("page"), expected=best[0], actual=amount, refs=refs))
    # pagu per indicator (efisiensi tables) vs the PK programs
    all_amounts = [r["anggaran"] for recs in tables.values() for r in recs if _isnum(r.get("anggaran"))]
    vals = doc.values()
    pk_rows = [r for r in vals if r["measure"] == "target" and r["table_id"] in plan_tabs]
    for rec in [r for r in vals if r["measure"] == "anggaran"]:
        x = rec["value"]
        if any(abs(x - a) <= _MONEY_TOL for a in all_amounts):
            continue
        matched = None
        for pt in plan_tabs:
            amts = [(r["anggaran"], r) for r in tables[pt] if _isnum(r.get("anggaran"))]
            for s, combo in _subset_sums(amts):
                if abs(s - x) <= _MONEY_TOL:
                    matched = (pt, combo)
                    break
            if matched:
                break
        if matched:
            pt, combo = matched
            for rt in real_tabs:
                progs = [r for r in tables[rt] if r["level"] == "program" and _isnum(r.get("anggaran"))]
                picked = []
                for pr in combo:
                    cands = [r for r in progs if _similar(_program_key(r.get("name")), _program_key(pr.get("name")))]
                    if not cands:
                        break
                    picked.append(min(cands, key=lambda r: abs(r["anggaran"] - pr["anggaran"])))
                else:
                    s = sum(r["anggaran"] for r in picked)
                    if abs(s - x) > _MONEY_TOL:
                        rs = sum(r.get("realisasi") or 0.0 for r in picked)
                        ra = _one(vals, rec, "realisasi_anggaran")
                        rtxt = (f" (realisasi {fmt_rp(ra['value'])} against {fmt_rp(rs)})" if ra else "")
                        out.append(finding(
                            doc.doc_id, "cross_table_conflict", "warning",
                            f"{doc.label(rec['table_id'])} {where(rec)}: the pagu of {_ind_name(rec)} "
                            f"({c_raw(rec)}) equals the programs of {doc.label(pt)}, but the same programs total "
                            f"{fmt_rp(s)} in {doc.label(rt)}{rtxt} ({', '.join(where(r) for r in picked)}); use "
                            f"one budget version in both tables.",
                            table_id=rec["table_id"], line=rec.get("line"), page=rec.get("page"), expected=s,
                            actual=x, refs=[rec["table_id"], where(rec), pt, rt] + [where(r) for r in picked]))
            continue
        # linked through the PK row that names this indicator
        linked = []
        for p in [r for r in pk_rows if r.get("indicator_id") == rec.get("indicator_id")]:
            linked += [r for r in tables.get(p["table_id"], []) if r.get("row_index") == p.get("row_index")
                       and _isnum(r.get("anggaran"))]
        if len(linked) != 1:
            continue
        lk = linked[0]
        out.append(finding(
            doc.doc_id, "cross_table_conflict", "warning",
            f"{doc.label(rec['table_id'])} {where(rec)}: the anggaran of {_ind_name(rec)} is {c_raw(rec)}, but the "
            f"Perjanjian Kinerja ({doc.label(lk['table_id'])} {where(lk)}) gives {_raw(lk.get('anggaran_raw'))} for "
            f"'{_short(lk.get('name'), 50)}' (difference {fmt_rp(x - lk['anggaran'])}); correct one of them.",
            table_id=rec["table_id"], line=rec.get("line"), page=rec.get("page"), expected=lk["anggaran"], actual=x,
            refs=[rec["table_id"], where(rec), lk["table_id"], where(lk)]))
    return out


def _one(vals: list[dict], rec: dict, measure: str) -> Optional[dict]:
    """The single value of another measure in the same row and year, if there is exactly one."""
    m = [r for r in vals if r["table_id"] == rec["table_id"] and r["row_index"] == rec["row_index"]
         and r["measure"] == measure and r["year"] == rec["year"]]
    return m[0] if len(m) == 1 else None


# ---------------------------------------------------------------- the text against the tables

_RP_RE = re.compile(r"Rp\.?\s*([0-9][0-9.,]*[0-9])(?:\s*,\s*-)?", re.I)
_PCT_RE = re.compile(r"([0-9]+(?:[.,][0-9]+)?)\s*%")
_BUDGET_WORDS = re.compile(r"\b(anggaran|pagu|dana|belanja)\b", re.I)
_REAL_WORDS = re.compile(r"(terserap|terealisasi|realisasi(?:nya)?|penyerapan|serapan|digunakan)", re.I)
_ALLOC_WORDS = re.compile(r"(anggaran|pagu|dialokasikan|alokasi|dana)", re.I)


def _sentences(text: str) -> list[str]:
    """Sentences of a paragraph (split on '. ' before a capital, keeping numbers like 1.234.567 whole)."""
    return [s for s in re.split(r"(?<=[.;!?])\s+(?=[A-Z(])", text) if s.strip()]


def budget_claims(text: str) -> list[dict]:
    """Amounts and absorption a sentence states: [{'anggaran': x|None, 'realisasi': y|None, 'persen': p|None, ...}]."""
    out = []
    for s in _sentences(text):
        if not _BUDGET_WORDS.search(s):
            continue
        claim = {"anggaran": None, "realisasi": None, "persen": None, "persen_dec": 0, "text": s.strip()}
        for m in _RP_RE.finditer(s):
            v = parse_number(m.group(1)).value
            if v is None or v < 1e5:
                continue
            before = s[max(0, m.start() - 70): m.start()]
            real = [x.end() for x in _REAL_WORDS.finditer(before)]
            alloc = [x.end() for x in _ALLOC_WORDS.finditer(before)]
            kind = "realisasi" if real and (not alloc or max(real) > max(alloc)) else (
                "anggaran" if alloc else None)
            if kind and claim[kind] is None:
                claim[kind] = v
        for m in _PCT_RE.finditer(s):
            before = s[max(0, m.start() - 90): m.start()]
            if re.search(r"(terserap|penyerapan|serapan|realisasi anggaran|atau)\s*(?:\S+\s+){0,8}$", before, re.I) \
                    and not re.search(r"(kinerja|indikator|target)\s*(?:\S+\s+){0,3}$", before, re.I):
                p = parse_number(m.group(1) + "%")
                if p.value is not None:
                    claim["persen"] = p.value
                    claim["persen_dec"] = printed_decimals(m.group(1), p.value)
                    break
        if claim["anggaran"] is not None or claim["realisasi"] is not None or (
                claim["persen"] is not None and re.search(r"terserap|penyerapan|serapan", s, re.I)):
            out.append(claim)
    return out


def check_narrative(doc: DocFrames) -> list[dict]:
    """Budget figures stated in the text (anggaran, realisasi, % terserap) vs the budget tables' totals."""
    out: list[dict] = []
    if not doc.prose:
        return out
    totals = _total_candidates(doc)
    pairs = _realisasi_totals(doc)
    amounts = [r[c] for r in doc.bud for c in ("anggaran", "realisasi") if r[c] is not None]
    amounts += [r["value"] for r in doc.values() if r["measure"] in ("anggaran", "realisasi_anggaran")]
    for line, page, text in doc.prose:
        for c in budget_claims(str(text or "")):
            loc = f"line {line}" if line is not None else (f"page {page}" if page is not None else "")
            quote = _quote(c["text"])
            a, rr, p = c["anggaran"], c["realisasi"], c["persen"]
            if a is not None and not any(abs(a - x) <= _MONEY_TOL for x in amounts) \
                    and not any(abs(a - t[0]) <= _MONEY_TOL for t in totals):
                near = min(totals, key=lambda t: abs(t[0] - a), default=None)
                if near is not None and abs(near[0] - a) <= 0.25 * near[0]:
                    out.append(finding(
                        doc.doc_id, "narrative_conflict", "warning",
                        f"The text at {loc} states an anggaran of {fmt_rp(a)} ({quote}), but {near[1]}"
                        f"{' (' + near[3] + ')' if near[3] else ''} is {fmt_rp(near[0])} (difference "
                        f"{fmt_rp(a - near[0])}); correct the text or the table.",
                        table_id=near[2], line=line, page=page, expected=near[0], actual=a,
                        refs=[loc, near[2], near[3]]))
            if rr is not None and not any(abs(rr - x) <= _MONEY_TOL for x in amounts):
                near = min(pairs, key=lambda t: abs(t[1] - rr), default=None)
                if near is not None and abs(near[1] - rr) <= 0.25 * max(near[1], 1.0):
                    out.append(finding(
                        doc.doc_id, "narrative_conflict", "warning",
                        f"The text at {loc} states a realisasi of {fmt_rp(rr)} ({quote}), but {near[2]}"
                        f"{' (' + near[4] + ')' if near[4] else ''} is {fmt_rp(near[1])} (difference "
                        f"{fmt_rp(rr - near[1])}); correct the text or the table.",
                        table_id=near[3], line=line, page=page, expected=near[1], actual=rr,
                        refs=[loc, near[3], near[4]]))
            if p is not None:
                d = c["persen_dec"]
                if a and rr is not None:
                    stated = 100.0 * rr / a
                    if not printed_ok(p, d, stated):
                        out.append(finding(
                            doc.doc_id, "narrative_conflict", "warning",
                            f"The text at {loc} gives {fmt_pct(p, d)} absorbed ({quote}), but its own figures "
                            f"{fmt_rp(rr)} / {fmt_rp(a)} = {fmt_pct(stated)}; correct the percentage.",
                            line=line, page=page, expected=stated, actual=p, refs=[loc]))
                    continue
                if not pairs:
                    continue
                ok = any(pa and printed_ok(p, d, 100.0 * pr / pa) for pa, pr, *_ in pairs)
                if a is not None:
                    ok = ok or any(abs(a - pa) <= _MONEY_TOL for pa, *_ in pairs) and any(
                        pa and printed_ok(p, d, 100.0 * pr / pa) for pa, pr, *_ in pairs if abs(a - pa) <= _MONEY_TOL)
                if not ok:
                    near = min(pairs, key=lambda t: abs(100.0 * t[1] / t[0] - p) if t[0] else math.inf)
                    c_p = 100.0 * near[1] / near[0]
                    out.append(finding(
                        doc.doc_id, "narrative_conflict", "warning",
                        f"The text at {loc} gives {fmt_pct(p, d)} absorbed ({quote}), but {near[2]} gives "
                        f"{fmt_rp(near[1])} / {fmt_rp(near[0])} = {fmt_pct(c_p)}; correct the text or the table.",
                        table_id=near[3], line=line, page=page, expected=c_p, actual=p, refs=[loc, near[3], near[4]]))
    return out


def _quote(s: str, n: int = 110, at: Optional[int] = None) -> str:
    """A sentence quoted for a message, shortened to whole words around its figures (or position ``at``)."""
    s = re.sub(r"\s+", " ", re.sub(r"<[^>]+>|\*\*", "", s)).strip()
    if len(s) > n:
        if at is None:
            m = re.search(r"Rp", s) or re.search(r"\d+[.,]?\d*\s*%", s)
            at = m.start() if m else 0
        start = max(0, at - n // 2)
        if start:
            sp = s.find(" ", start)
            start = sp + 1 if 0 <= sp < at else start
        end = min(len(s), start + n)
        if end < len(s):
            sp = s.rfind(" ", start, end)
            end = sp if sp > at else end
        s = ("…" if start else "") + s[start:end].strip() + ("…" if end < len(s) else "")
    return f"\u201c{s}\u201d"


# ---------------------------------------------------------------- indicator figures stated in the text

_NUM = r"(\d{1,3}(?:[.,]\d+)?)(\s*%)?"
_CLAIM_RES = [
    ("target", re.compile(r"\btarget(?:nya)?(?:\s+(?:yang\s+ditetapkan|sebesar|tahunan|tahun\s+\d{4}))*\s+" + _NUM, re.I)),
    ("capaian", re.compile(r"\bcapaian(?:nya)?(?:\s+(?:kinerja|kinerjanya|tahunan|sebesar|indikator(?:\s+ini)?))*\s+"
                           + _NUM, re.I)),
    ("realisasi", re.compile(r"\b(?:terealisasi|tercapai|mencapai|realisasi(?:nya)?)(?:\s+(?:sebesar|adalah|di\s+angka))?"
                             r"\s+" + _NUM, re.I)),
]
_SKIP_BEFORE = re.compile(r"(jangka\s+menengah|akhir\s+periode|renstra|rata-rata|kenaikan|peningkatan|penurunan|"
                          r"meningkat|menurun|naik|turun|selisih|anggaran|efisiensi|sasaran\s+\d|sasaran\s+[ivx]+\b)"
                          r"[^.%]{0,45}$", re.I)
_CONTEXT_RE = re.compile(r"\bindikator\s+(?:ini|tersebut)\b|\bindikator\s+sasaran\s+ini\b", re.I)
_ABBR_RE = re.compile(r"\(([A-Za-z][A-Za-z .]{1,10})\)|\b([A-Z]{2,}[a-z]{0,3})\b")
_ABBR_STOP = {"PD", "OPD", "SKPD", "RT", "RW", "DAN", "THE", "RPJMD", "APBD", "DPA", "PK", "LKJIP", "LKJ"}


def _indicator_names(doc: DocFrames) -> dict[str, tuple[list[str], set[str]]]:
    """indicator key -> (cleaned names, abbreviations) for the indicators the tables give figures for."""
    ind = [r for r in doc.values() if r["measure"] in ("realisasi", "capaian", "target")
           and (r.get("indicator_id") or r.get("indicator_name"))]
    groups: dict[str, list[dict]] = {}
    for r in ind:
        groups.setdefault(r.get("indicator_id") or r.get("indicator_name"), []).append(r)
    out: dict[str, tuple[list[str], set[str]]] = {}
    for key, g in groups.items():
        names, abbrs = [], set()
        raws = {r["indicator_raw"] for r in g if r.get("indicator_raw")} | {r["indicator_name"] for r in g
                                                                          if r.get("indicator_name")}
        for raw in sorted(raws):
            c = _clean_name(raw)
            if len(c) >= 12 and c not in names:
                names.append(c)
            for m in _ABBR_RE.finditer(re.sub(r"<[^>]+>", "", str(raw))):
                a = (m.group(1) or m.group(2) or "").replace(" ", "").replace(".", "")
                if len(a) >= 3 and a.upper() not in _ABBR_STOP:
                    abbrs.add(a.lower())
        out[key] = (names, abbrs)
    # an abbreviation shared by two indicators names neither
    seen: dict[str, int] = {}
    for _, (_, ab) in out.items():
        for a in ab:
            seen[a] = seen.get(a, 0) + 1
    return {k: (n, {a for a in ab if seen[a] == 1}) for k, (n, ab) in out.items()}


@lru_cache(maxsize=4096)
def _abbr_patterns(abbr: str) -> tuple[re.Pattern, re.Pattern]:
    """An abbreviation as a word and spelt out in parentheses, compiled once."""
    return (re.compile(r"\b" + re.escape(abbr) + r"\b"),
            re.compile(r"\(\s*" + r"\s*".join(map(re.escape, abbr)) + r"\s*\)"))


def _mentions(sentence: str, names: dict[str, tuple[list[str], set[str]]]) -> list[tuple[int, int, str]]:
    """(start, end, indicator key) of the indicators a sentence names, positions in the sentence's cleaned form."""
    from rapidfuzz import fuzz

    clean = _clean_name(sentence)
    found = []
    squeezed = re.sub(r"[^0-9a-z ]", "", sentence.lower())
    for key, (ns, abbrs) in names.items():
        best = None
        for n in ns:
            if len(n) > len(clean) + 5:
                continue
            al = fuzz.partial_ratio_alignment(n, clean, score_cutoff=86)
            if al is not None and (best is None or al.score > best[0]):
                best = (al.score, al.dest_start, al.dest_end)
        for a in abbrs:
            word, paren = _abbr_patterns(a)
            m = word.search(squeezed.replace(" ", " "))
            if m is None:
                m = paren.search(sentence.lower())
                if m is None:
                    continue
                pos = len(_clean_name(sentence[: m.start()]))
            else:
                pos = len(_clean_name(squeezed[: m.start()]))
            if best is None or best[0] < 95:
                best = (95.0, pos, pos + len(a))
        if best is not None:
            found.append((best[1], best[2], key, best[0]))
    # overlapping mentions: the better match wins
    found.sort(key=lambda x: (-x[3], x[0]))
    kept: list[tuple[int, int, str, float]] = []
    for f in found:
        if all(f[1] <= k[0] or f[0] >= k[1] for k in kept):
            kept.append(f)
    return sorted((s, e, k) for s, e, k, _ in kept)


def check_narrative_indicators(doc: DocFrames) -> list[dict]:
    """Realisasi, capaian and target of an indicator stated in the text vs what the tables give for it."""
    out: list[dict] = []
    if not doc.prose or not doc.ind:
        return out
    names = _indicator_names(doc)
    if not names:
        return out
    by_key = _group([dict(r, _key=r.get("indicator_id") or r.get("indicator_name")) for r in doc.values()],
                    "_key", "year")
    last_key, last_age = None, 99
    for line, page, text in doc.prose:
        text = re.sub(r"<[^>]+>|\*\*|\$[^$]*\$", " ", str(text or ""))
        last_age += 1
        loc = f"line {line}" if line is not None else (f"page {page}" if page is not None else "")
        for s in _sentences(text):
            ments = _mentions(s, names)
            claims = []
            for measure, rx in _CLAIM_RES:
                for m in rx.finditer(s):
                    before = s[: m.start()]
                    if _SKIP_BEFORE.search(before[-60:] + s[m.start(): m.start(1)]):
                        continue
                    if re.match(r"\s*(?:tahun|th)\b", s[m.end():], re.I) or re.search(r"\d[.,]?$", before):
                        continue
                    if measure != "target" and re.search(r"\btarget\b[^.]{0,12}$", before, re.I):
                        continue
                    claims.append((m.start(), measure, m.group(1), bool(m.group(2)), m))
            claims.sort(key=lambda c: c[0])
            if ments:
                last_key, last_age = ments[-1][2], 0
            for pos, measure, num, pct, m in claims:
                cpos = len(_clean_name(s[:pos]))
                prior = [k for st, en, k in ments if en <= cpos + 1]
                if prior:
                    key = prior[-1]
                elif not ments and last_key and last_age <= 2 and _CONTEXT_RE.search(s[:pos]):
                    key = last_key
                else:
                    continue
                pn = parse_number(num + ("%" if pct else ""))
                if pn.value is None:
                    continue
                v, d = pn.value, printed_decimals(num, pn.value)
                yrs = re.findall(r"\btahun\s+(20\d\d)\b", s[:pos], re.I)
                year = int(yrs[-1]) if yrs else doc.report_year
                rows = by_key.get((key, year), [])
                if measure == "target":
                    ok_measures = ("target", "target_akhir")
                elif measure == "capaian" and pct:
                    ok_measures = ("capaian",)
                else:
                    ok_measures = ("realisasi", "capaian")
                recs = [r for r in rows if r["measure"] in ok_measures]
                if not recs:
                    continue
                if any(same_value(v, d, r["value"], printed_decimals(r["value_raw"], r["value"])) for r in recs):
                    continue
                # what the stated figure is, when it is another figure of the tables
                others = [r for r in rows if r["measure"] not in ok_measures]
                is_ = [r for r in others if same_value(v, d, r["value"], printed_decimals(r["value_raw"], r["value"]))]
                hint = ""
                if is_:
                    hint = f"; {num}{'%' if pct else ''} is the {is_[0]['measure'].replace('_', ' ')} there"
                cl = _cluster([(r["value"], printed_decimals(r["value_raw"], r["value"]), r) for r in recs])
                cl.sort(key=lambda c: -len(c))
                ref = cl[0][0][2]
                given = ", ".join(f"{c[0][2]['measure'].replace('_', ' ')} {c_raw(c[0][2])} "
                                  f"({doc.label(c[0][2]['table_id'])} {where(c[0][2])})" for c in cl[:3])
                refs = [loc]
                for c in cl[:3]:
                    refs += [c[0][2]["table_id"], where(c[0][2])]
                claim = re.sub(r"\s+", " ", m.group(0)).strip()
                out.append(finding(
                    doc.doc_id, "narrative_conflict", "warning",
                    f"The text at {loc} says '{claim}' for {_ind_name(ref)} ({year}) ({_quote(s, 100, pos)}), "
                    f"but the tables give {given}{hint}; correct the text or the table.",
                    table_id=ref["table_id"], line=line, page=page, expected=ref["value"], actual=v, refs=refs))
        if last_age > 2:
            last_key = None
    return out


# ---------------------------------------------------------------- extraction doubts


def check_parse(doc: DocFrames) -> list[dict]:
    """Cells the machine could not read as numbers, spreadsheet errors printed in cells, rows missing cells."""
    out: list[dict] = []
    bad = [r for r in doc.ind if r["value"] is None and r.get("value_raw") is not None and not r.get("grade")]
    for rec in bad:
        raw = rec["value_raw"]
        if _null_marker(raw):
            continue
        out.append(finding(
            doc.doc_id, "parse_warning", "info",
            f"{doc.label(rec['table_id'])} {where(rec)}: the {rec['measure'].replace('_', ' ')} {rec.get('year') or ''} "
            f"cell of {_ind_name(rec)} reads '{_short(raw, 40)}', which could not be read as a number; check it "
            f"in the report.",
            table_id=rec["table_id"], line=rec.get("line"), page=rec.get("page"), refs=[rec["table_id"], where(rec)]))
    for tid, recs in doc.budget_tables().items():
        full = [r for r in recs if _isnum(r.get("anggaran")) and _isnum(r.get("realisasi"))]
        for r in recs:
            cells = {c: r.get(c + "_raw") for c in ("anggaran", "realisasi", "persen")}
            errs = [c for c, v in cells.items() if v and _SPREADSHEET_ERR_RE.search(str(v))]
            if errs:
                blank = [c for c in ("anggaran", "realisasi") if not _isnum(r.get(c))]
                computed = (100.0 * r["realisasi"] / r["anggaran"]
                            if _isnum(r.get("anggaran")) and r.get("anggaran") and _isnum(r.get("realisasi")) else None)
                sev = "warning" if blank else "info"
                what = (f"its {' and '.join(blank)} {'is' if len(blank) == 1 else 'are'} blank and "
                        if blank else "")
                tail = (f"; realisasi / anggaran = {fmt_pct(computed)}" if computed is not None else
                        "; fill in the amounts or explain why the line has none")
                out.append(finding(
                    doc.doc_id, "parse_warning", sev,
                    f"{doc.label(tid)} {where(r)}: '{_short(r.get('name'), 60)}': {what}the "
                    f"{' and '.join(errs)} cell prints '{_raw(cells[errs[0]])}' (a spreadsheet error){tail}.",
                    table_id=tid, line=r.get("line"), page=r.get("page"), expected=computed,
                    refs=[tid, where(r)]))
                continue
            for c in ("anggaran", "realisasi"):
                raw = cells[c]
                if raw and not _isnum(r.get(c)) and not _null_marker(raw):
                    out.append(finding(
                        doc.doc_id, "parse_warning", "info",
                        f"{doc.label(tid)} {where(r)}: the {c} cell '{_short(raw, 40)}' of '{_short(r.get('name'), 50)}' "
                        f"could not be read as an amount; check it in the report.",
                        table_id=tid, line=r.get("line"), page=r.get("page"), refs=[tid, where(r)]))
            # a row that printed fewer cells than every other row of its table: likely misaligned
            if (len(full) >= 3 and len(full) >= 0.8 * (len(recs) - 1) and r["level"] != "total"
                    and _isnum(r.get("anggaran")) and not _isnum(r.get("realisasi")) and not r.get("realisasi_raw")
                    and not r.get("persen_raw")):
                out.append(finding(
                    doc.doc_id, "parse_warning", "warning",
                    f"{doc.label(tid)} {where(r)}: '{_short(r.get('name'), 60)}' prints only one amount "
                    f"({_raw(r.get('anggaran_raw'))}) where every other row has anggaran, realisasi and %; the "
                    f"row's cells are probably shifted or lost: check the row in the report.",
                    table_id=tid, line=r.get("line"), page=r.get("page"), actual=r.get("anggaran"),
                    refs=[tid, where(r)]))
    return out


# ------------------------------------------------------------------------------------------ registry

def check_ocr_readings(doc: DocFrames) -> list[dict]:
    """Figures read by OCR that were repaired (info) or may be misread (warning): where the machine was unsure."""
    out: list[dict] = []
    for rec in doc.ind + doc.bud:
        note = rec.get("note")
        if not note:
            continue
        unsure = "may be misread" in note
        what = (f"the {rec['measure'].replace('_', ' ')} {rec.get('year') or ''} cell of {_ind_name(rec)}"
                if rec.get("measure") else f"'{_short(rec.get('name'), 60)}'")
        out.append(finding(
            doc.doc_id, "parse_warning", "warning" if unsure else "info",
            f"{doc.label(rec['table_id'])} {where(rec)}: {what}: {note}; "
            f"{'check it in the scan' if unsure else 'the scan shows the printed figure'}.",
            table_id=rec["table_id"], line=rec.get("line"), page=rec.get("page"), refs=[rec["table_id"], where(rec)]))
    return out


DOCUMENT_CHECKS: list[Callable[[DocFrames], list[dict]]] = [
    check_capaian, check_budget_ratios_in_indicators, check_budget_persen, check_budget_overrun, check_totals,
    check_cross_table, check_budget_cross_table, check_narrative, check_narrative_indicators, check_parse,
    check_ocr_readings,
]


# ------------------------------------------------------------------------------------------ across documents


def check_cross_document(documents: pd.DataFrame, indicators: pd.DataFrame) -> list[dict]:
    """The same kecamatan, indicator, year and measure reported with different values by two documents."""
    out: list[dict] = []
    docs = _records(_frame(documents, []))
    meta = {r.get("doc_id"): r for r in docs}
    allv = []
    kec_re = re.compile(r"(?i)^\s*kecamatan\s+")
    for r in _records(_frame(indicators, [])):
        v = _num(r.get("value"))
        if v is None or not r.get("indicator_id"):
            continue
        r = dict(r, value=v, year=_int_or_none(r.get("year")))
        cmp_ = r.get("comparator")
        if not cmp_ and r.get("kecamatan"):
            r["_kec"] = r["kecamatan"]
        elif r.get("measure") == "pembanding" and cmp_ and kec_re.match(str(cmp_)):
            # a report's figure for another kecamatan ('pembanding', 'Kecamatan X') speaks for X too
            r["_kec"], r["measure"] = kec_re.sub("", str(cmp_)).strip(), "realisasi"
        else:
            continue
        if r["measure"] not in ("realisasi", "target", "capaian"):
            continue
        r["_cls"], r["_kab"] = _level_class(r.get("level")), r.get("kabupaten_kota") or ""
        allv.append(r)
    if not allv:
        return out
    # a canonical order, so that the findings do not depend on how the dataset's files are laid out
    allv.sort(key=lambda r: (str(r.get("doc_id")), str(r.get("table_id")), r.get("row_index") or 0,
                             str(r.get("measure")), r.get("year") or 0, r["value"]))
    for (kec, kab, iid, year, measure, cls), g in _group(allv, "_kec", "_kab", "indicator_id", "year", "measure",
                                                         "_cls").items():
        if len({r["doc_id"] for r in g}) < 2:
            continue
        per_doc = []
        for _, dg in _group(g, "doc_id").items():
            vals = [(r["value"], printed_decimals(r["value_raw"], r["value"]), r) for r in dg]
            cl = _cluster(vals)
            cl.sort(key=lambda c: -len({v[2]["table_id"] for v in c}))
            per_doc.append(max(cl[0], key=lambda v: v[1]))
        clusters = _cluster(per_doc)
        if len(clusters) < 2:
            continue
        # the report about its own year (and the later report) is the reference
        def rank(v):
            m = meta.get(v[2]["doc_id"], {})
            ry = m.get("report_year") or 0
            return (0 if ry == year else 1, -(ry or 0), str(v[2]["doc_id"]))
        allp = sorted(per_doc, key=rank)
        ref = allp[0]
        for v in allp[1:]:
            if same_value(v[0], v[1], ref[0], ref[1]):
                continue
            rec, rrec = v[2], ref[2]
            q = v[0] / ref[0] if ref[0] else math.inf
            sev = "warning" if 0.5 <= q <= 2 else "info"
            scale = "" if sev == "warning" else " (a different scale: probably a different version of the indicator)"
            who = _fmt_doc(meta.get(rec["doc_id"], {}))
            rwho = _fmt_doc(meta.get(rrec["doc_id"], {}))
            out.append(finding(
                rec["doc_id"], "cross_document_conflict", sev,
                f"Kecamatan {kec}: {_ind_name(rec)} {measure} {year} is {c_raw(rec)} in {who} ({where(rec)}) but "
                f"{c_raw(rrec)} in {rwho} ({where(rrec)}){scale}; check which report is right.",
                table_id=rec["table_id"], line=rec.get("line"), page=rec.get("page"), expected=ref[0], actual=v[0],
                refs=[rec["table_id"], where(rec), rrec["table_id"], f"doc {rrec['doc_id']} {where(rrec)}".strip()]))
    return out


def _fmt_doc(m: dict) -> str:
    """'the 2021 report (file.pdf)'."""
    ry, fn = m.get("report_year"), m.get("file_name")
    s = f"the {ry} report" if ry else "a report"
    return s + (f" ({fn})" if fn else "")


def run_document_checks(doc: DocFrames, checks: Sequence[Callable] = None) -> list[dict]:
    """Every per-document check; a check that fails on odd data is skipped, never fatal."""
    out: list[dict] = []
    for chk in (checks or DOCUMENT_CHECKS):
        try:
            out.extend(chk(doc))
        except Exception as exc:  # pragma: no cover - defensive: the audit never stops an ingest
            out.append(finding(doc.doc_id, "parse_warning", "info",
                               f"The audit check {chk.__name__} could not run on this document "
                               f"({type(exc).__name__}: {_short(str(exc), 80)}); its findings are missing."))
    return out


def sort_findings(rows: list[dict]) -> list[dict]:
    """Worst first, then in reading order."""
    return sorted(rows, key=lambda f: (str(f.get("doc_id") or ""), SEVERITY_RANK.get(f["severity"], 3),
                                       f.get("line") or f.get("page") or 0, f["check"]))
