"""Agreement of the rows extracted from a report's PDF/DOCX renderings with those from its text version.

    python benchmarks/format_agreement.py TEXT_DATASET OTHER_DATASET [OTHER_DATASET ...]

Datasets are `lkjip ingest` outputs; documents are paired by the file-name stem before the first
dot. An indicator row agrees when year, measure, value and indicator text are equal; a budget row
when name, anggaran and realisasi are equal. Prints the share of the text version's numeric rows
found in the other rendering, per file, and whether every PDF row has its page number. Indicator
texts count as equal at a rapidfuzz token-set similarity of 90 or more (a word hyphenated across
lines in a PDF cell is still the same indicator).
"""
from __future__ import annotations

import re
import sys
from collections import Counter

import pandas as pd
from rapidfuzz import fuzz


def _norm(s) -> str:
    """Indicator/name text compared without case, markup and punctuation."""
    return " ".join(re.sub(r"[^0-9a-z%]+", " ", str(s or "").lower()).split())


def _num(v):
    """A figure as a comparable key (NaN never equals itself)."""
    return None if pd.isna(v) else round(float(v), 6)


def _year(v):
    """A year as a comparable key (an unknown year is None: NaN never equals itself)."""
    return None if pd.isna(v) else int(v)


def keys(dataset: str) -> dict[str, tuple[Counter, Counter, bool]]:
    """Per document stem: indicator keys, budget keys, and whether all rows carry a page (PDF)."""
    docs = pd.read_parquet(f"{dataset}/documents")
    ind = pd.read_parquet(f"{dataset}/indicators")
    bud = pd.read_parquet(f"{dataset}/budgets")
    out = {}
    for d in docs.itertuples():
        i = ind[(ind.doc_id == d.doc_id) & ind.value.notna()]
        b = bud[(bud.doc_id == d.doc_id) & (bud.anggaran.notna() | bud.realisasi.notna())]
        ik = Counter((_year(r.year), r.measure, round(r.value, 6), _norm(r.indicator_raw)) for r in i.itertuples())
        bk = Counter((_norm(r.name), _num(r.anggaran), _num(r.realisasi)) for r in b.itertuples())
        paged = d.format != "pdf" or bool(i.page.notna().all() and b.page.notna().all())
        out[d.file_name.split(".")[0]] = (ik, bk, paged, d.file_name)
    return out


def _fuzzy_hits(want: Counter, got: Counter, threshold: int = 90) -> int:
    """Rows of ``want`` found in ``got``: same year, measure and value, indicator text alike; each used once."""
    pool: dict[tuple, list[str]] = {}
    for (y, m, v, name), n in got.items():
        pool.setdefault((y, m, v), []).extend([name] * n)
    hits = 0
    for (y, m, v, name), n in want.items():
        cands = pool.get((y, m, v), [])
        for _ in range(n):
            best = max(range(len(cands)), key=lambda i: fuzz.token_set_ratio(name, cands[i]), default=None)
            if best is not None and fuzz.token_set_ratio(name, cands[best]) >= threshold:
                cands.pop(best)
                hits += 1
    return hits


def main(argv: list[str]) -> None:
    """Print the agreement table."""
    base = keys(argv[0])
    print(f"{'file':<40} {'indicators':>12} {'budgets':>10} {'pages':>6}")
    for other in argv[1:]:
        for stem, (ik, bk, paged, name) in sorted(keys(other).items()):
            if stem not in base:
                continue
            tik, tbk = base[stem][0], base[stem][1]
            hits = _fuzzy_hits(tik, ik)
            ia = hits / max(1, sum(tik.values()))
            ba = sum((bk & tbk).values()) / max(1, sum(tbk.values()))
            both = (hits + sum((bk & tbk).values())) / max(1, sum(tik.values()) + sum(tbk.values()))
            print(f"{name:<40} {100 * ia:>11.1f}% {100 * ba:>9.1f}% {'yes' if paged else 'NO':>6}  (all {100 * both:.1f}%)")


if __name__ == "__main__":
    main(sys.argv[1:])
